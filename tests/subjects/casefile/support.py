"""Loading the case-file subject's pack and facts for tests."""

from __future__ import annotations

from functools import cache
from typing import Any

from mcrules.rules.pack import Pack
from mcrules.rules.schema import Schema
from mcrules.subjects import load_subject_pack
from tests.subjects.casefile.model import CaseFile
from tests.subjects.casefile.subject import CASEFILE, PACK_DIR

__all__ = ["PACK_DIR", "facts", "pack", "schema"]


def schema() -> Schema:
    return CASEFILE.schema()


@cache
def pack() -> Pack:
    return load_subject_pack(PACK_DIR, (CASEFILE,))


def facts(doc: dict[str, Any]) -> dict[str, Any]:
    return CASEFILE.facts(CaseFile.model_validate(doc))
