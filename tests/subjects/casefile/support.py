"""Loading the case-file subject's pack and facts for tests."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from mcrules.facts import facts_of, schema_for
from mcrules.rules.loader import load_pack
from mcrules.rules.pack import Pack
from mcrules.rules.schema import Schema
from tests.subjects.casefile.model import CaseFile

PACK_DIR = Path(__file__).parent / "pack"
SUBJECT = "casefile"


def schema() -> Schema:
    return schema_for(CaseFile, SUBJECT)


@cache
def pack() -> Pack:
    return load_pack(PACK_DIR, {SUBJECT: schema()})


def facts(doc: dict[str, Any]) -> dict[str, Any]:
    return facts_of(CaseFile.model_validate(doc), SUBJECT)
