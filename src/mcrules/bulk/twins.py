"""Vectorised twins of model validators, for the validators worth the speed.

Re-running a validator through pydantic once per distinct combination of values is exact but can
cost a third of a bulk run (`Counts` sees a new (female, male) pair on every other row). A twin
does the same with numpy. It is used only while the validator's source text is the one the twin
was written against; any edit to the validator switches bulk back to the exact path, and
`tests/test_bulk_convert.py` fails until the twin is reviewed, so a twin can go stale but never
silently wrong.
"""

from __future__ import annotations

import hashlib
import inspect
import textwrap
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from pydantic import BaseModel

from mcrules.bulk.values import BoolArray, LeafValues

Twin = Callable[[Mapping[str, LeafValues], BoolArray], None]


def source_digest(func: Callable[..., Any]) -> str:
    """A digest of a function's source text, dedented: what a twin is pinned to."""
    text = textwrap.dedent(inspect.getsource(func))
    return hashlib.sha256(text.encode()).hexdigest()


def _shared_unless_said(fields: Mapping[str, LeafValues], rows: BoolArray) -> None:
    """`Counts._no_shared_unless_said`: gendered units listed without shared ones means none."""
    female, male, shared = (fields[k].values for k in ("female", "male", "shared"))
    assert female is not None and male is not None and shared is not None
    said = rows & np.isnan(shared) & (~np.isnan(female) | ~np.isnan(male))
    shared[said] = 0.0


# validator (module.qualname) -> (digest of its source, twin)
TWINS: dict[str, tuple[str, Twin]] = {
    "mcrules.models.site.Counts._no_shared_unless_said": (
        "a07fa422d0e68aab51fed6e2a1e0bdf87029c3f0451d8207460eccfe3140b6e5", _shared_unless_said),
}


def validator_names(model: type[BaseModel]) -> list[str]:
    """The qualified names of a model's model validators."""
    out = []
    for dec in model.__pydantic_decorators__.model_validators.values():
        func = inspect.unwrap(dec.func)
        out.append(f"{func.__module__}.{func.__qualname__}")
    return out


def twin_for(model: type[BaseModel]) -> Twin | None:
    """The vectorised twin of all of `model`'s validators, or None when any is not mirrored."""
    d = model.__pydantic_decorators__
    if d.field_validators or d.validators or d.root_validators or not d.model_validators:
        return None
    twins: list[Twin] = []
    for dec in d.model_validators.values():
        if dec.info.mode != "after":
            return None
        func = inspect.unwrap(dec.func)
        entry = TWINS.get(f"{func.__module__}.{func.__qualname__}")
        if entry is None or entry[0] != source_digest(func):
            return None
        twins.append(entry[1])
    if len(twins) == 1:
        return twins[0]

    def all_of(fields: Mapping[str, LeafValues], rows: BoolArray) -> None:
        for twin in twins:  # after-validators run in definition order
            twin(fields, rows)
    return all_of
