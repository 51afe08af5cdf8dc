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

from mcrules.engine.columnar import ColumnarEvaluator
from mcrules.engine.columns import batch_from_facts
from mcrules.engine.outcomes import CODE_TO_OUTCOME, Code, Outcome
from mcrules.engine.scalar import ScalarEvaluator
from mcrules.rules.pack import Pack
from mcrules.rules.schema import FieldSpec, Schema
from mcrules.subjects import load_subject_pack, pack_subjects
from mcrules.testing import discover_packs
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


def _as_float(value: Any, choices: tuple[str, ...]) -> float:
    if value is None:
        return math.nan
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, str):
        return float(choices.index(value))
    return float(value)


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12)


def assert_agree(pack: Pack, schema: Schema, facts: list[dict[str, Any]]) -> None:
    scalar = ScalarEvaluator(pack)
    columnar = ColumnarEvaluator(pack).evaluate(batch_from_facts(facts, schema), as_of=AS_OF)
    for row, f in enumerate(facts):
        ev = scalar.run(f, as_of=AS_OF)
        for r in ev.results:
            rid = r.rule.id
            got = CODE_TO_OUTCOME[Code(int(columnar.codes[rid][row]))]
            assert got is r.outcome, (rid, row, f, r.message)
            if r.outcome in (Outcome.PASS, Outcome.FAIL):
                assert _same(float(r.measured), float(columnar.measured[rid][row])), (rid, row)
                assert _same(float(r.required), float(columnar.required[rid][row])), (rid, row)
            if r.rule.each is not None:
                assert r.item == columnar.items[rid][row], (rid, row)
        for v in ev.values:
            want = _as_float(v.result, v.value.scale)
            assert _same(want, float(columnar.values[v.value.id][row])), (v.value.id, row, f)
        for d in ev.decisions:
            cols = columnar.decisions[d.table.id]
            assert d.outcome == ("decided", "unknown", "no_match")[int(cols.status[row])], \
                (d.table.id, row, f)
            first = d.decision[0] if isinstance(d.decision, tuple) else d.decision
            want_out = d.table.outputs.index(first) if first is not None else -1
            assert want_out == int(cols.output[row]), (d.table.id, row, f, d.message)
            assert sum(1 << n for n in d.rows) == int(cols.rows[row]), (d.table.id, row, f)


@pytest.mark.parametrize(("name", "pack", "schema"), CONFIGS, ids=[c[0] for c in CONFIGS])
def test_scalar_and_columnar_agree_on_any_facts_of_every_pack(name: str, pack: Pack,
                                                              schema: Schema) -> None:
    numbers = _constants(pack)

    # A variant changes a few parameters of its base, which runs three times as many examples.
    @settings(max_examples=5 if "+" in name else 15, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.lists(facts_of_schema(schema, numbers), min_size=1, max_size=6))
    def agree(facts: list[dict[str, Any]]) -> None:
        assert_agree(pack, schema, facts)

    agree()


def test_every_shipped_pack_is_covered() -> None:
    covered = {name.split("+")[0] for name, _, _ in CONFIGS}
    assert covered == {p.name for p in discover_packs(ROOT / "rules")}
