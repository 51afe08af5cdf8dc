"""The adult age: the age below which a person is a child, read from the one cited parameter
that says it (`adult_age` of `domv-2023`), so that case management, data sharing and the
assessment packs can never disagree on who is a child.

Case management and data sharing cannot import each other (they are both domain packages), so
the one reader sits here, below both. It reads only the pack's parameter files, not its rules,
so it needs no subject of the assessment registered.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache
from pathlib import Path

from mcrules.errors import McrulesError
from mcrules.rules.assembly import pack_documents
from mcrules.rules.context import FileContext
from mcrules.rules.discovery import find_pack, read_pack_file
from mcrules.rules.ir import Parameter
from mcrules.rules.parameter_files import pack_parameters
from mcrules.rules.parameter_values import value_in_force

ADULT_AGE_PACK = "domv-2023"
ADULT_AGE_PARAMETER = "adult_age"


@lru_cache(maxsize=4)
def _parameter(folder: Path, stamp: float) -> Parameter:
    head = folder / "pack.yaml"
    ctx = FileContext(head)
    doc = read_pack_file(head)
    documents = pack_documents(ctx, doc.get("documents") if hasattr(doc, "get") else None)
    params = pack_parameters(folder, documents)
    if ADULT_AGE_PARAMETER not in params:
        raise McrulesError(f"pack {ADULT_AGE_PACK} has no parameter {ADULT_AGE_PARAMETER}")
    return params[ADULT_AGE_PARAMETER]


def adult_age_parameter() -> Parameter:
    """The cited parameter itself (its value, unit and citations), cached until its file changes."""
    folder = find_pack(ADULT_AGE_PACK).resolve()
    path = folder / "parameters" / f"{ADULT_AGE_PARAMETER}.yaml"
    stamp = path.stat().st_mtime if path.is_file() else 0.0
    return _parameter(folder, stamp)


def adult_age(on: dt.date) -> int:
    """The adult age in whole years in force on `on`: a person of that age or older is an
    adult. A fractional value rounds up, so nobody younger counts as an adult."""
    return math.ceil(value_in_force(adult_age_parameter(), on))


def is_child(age: int | None, on: dt.date) -> bool | None:
    """Whether a person of `age` whole years is a child; None when the age is not recorded
    (unknown is never adult: the callers fail closed on None)."""
    return None if age is None else age < adult_age(on)
