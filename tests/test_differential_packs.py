"""One semantics, two evaluators, for every shipped pack of every subject (invariant 5).

The site and case packs have their own differential tests on realistic documents; this one needs
nothing but the subject's schema, so a new pack or subject is covered the day it is added. Facts
are drawn field by field from the schema (any kind, any value, missing anywhere), which reaches
states a document never would: the evaluators must agree on those too.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcrules.rules.pack import Pack
from mcrules.rules.schema import FieldSpec, Schema
from mcrules.subjects import load_subject_pack, pack_subjects
from mcrules.testing import discover_packs
from tests.agreement import assert_facts_agree
from tests.conftest import ROOT

AS_OF = dt.date(2026, 6, 1)


def _configs() -> list[tuple[str, Pack, Schema]]:
    out = []
    for folder in discover_packs(ROOT / "rules"):
        base = load_subject_pack(folder)
        subjects = pack_subjects(base)
        if len(subjects) != 1:
            continue
        schema = subjects[0].schema()
        out.append((base.id, base, schema))
        out += [(f"{base.id}+{v}", load_subject_pack(folder, variants=[v]), schema)
                for v in base.variants]
    return out


CONFIGS = _configs()


def _constants(pack: Pack) -> list[float]:
    """The pack's own numbers and their neighbours, where boundaries sit."""
    numbers = {0.0, 1.0, 2.0, 20.0}
    for p in pack.parameters.values():
        v = getattr(p, "value", None)
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
            numbers |= {float(v), float(v) - 1, float(v) + 1, float(v) / 2}
    return sorted(n for n in numbers if n >= 0)


def _value(spec: FieldSpec, numbers: list[float]) -> st.SearchStrategy[Any]:
    if spec.kind == "number":
        base = st.sampled_from(numbers) | st.integers(0, 200).map(float)
        if not spec.integer:
            base |= st.floats(0, 1e5, allow_nan=False)
        return base
    if spec.kind == "bool":
        return st.booleans()
    if spec.kind == "enum":
        return st.sampled_from(spec.choices) if spec.choices else st.just("x")
    if spec.kind == "set":
        return st.frozensets(st.sampled_from(spec.choices)) if spec.choices else st.just(frozenset())
    if spec.kind == "ordinal":
        return st.integers(0, max(0, len(spec.choices) - 1)).map(float)
    if spec.kind == "date":
        day = AS_OF.toordinal()
        return st.integers(day - 800, day + 800).map(float)
    return st.text(max_size=5)


def _maybe(s: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | s


@st.composite
def facts_of_schema(draw: st.DrawFn, schema: Schema, numbers: list[float]) -> dict[str, Any]:
    out: dict[str, Any] = {name: draw(_maybe(_value(spec, numbers)))
                           for name, spec in schema.fields.items()}
    for name, coll in schema.collections.items():
        n = draw(st.none() | st.integers(0, 3))
        if n is None:
            out[name] = None
            continue
        items = []
        for i in range(n):
            item = {f"item.{k}": draw(_maybe(_value(spec, numbers)))
                    for k, spec in coll.fields.items()}
            item["item.__label__"] = f"{name}-{i}"
            items.append(item)
        out[name] = items
    return out


@pytest.mark.parametrize(("name", "pack", "schema"), CONFIGS, ids=[c[0] for c in CONFIGS])
def test_scalar_and_columnar_agree_on_any_facts_of_every_pack(name: str, pack: Pack,
                                                              schema: Schema) -> None:
    numbers = _constants(pack)

    # A variant changes a few parameters of its base, which runs three times as many examples.
    @settings(max_examples=5 if "+" in name else 15, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.lists(facts_of_schema(schema, numbers), min_size=1, max_size=6))
    def agree(facts: list[dict[str, Any]]) -> None:
        assert_facts_agree(pack, schema, facts, AS_OF)

    agree()


def test_every_shipped_pack_is_covered() -> None:
    covered = {name.split("+")[0] for name, _, _ in CONFIGS}
    assert covered == {p.name for p in discover_packs(ROOT / "rules")}
