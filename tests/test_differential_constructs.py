"""One semantics, two evaluators, for every construct of the grammar: ordinals, dates and
as_of, aggregates with filters and defaults, values, band and rank, outcome references and
decision tables under every hit policy, on generated case files with missing fields."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mcrules.engine.columnar import ColumnarEvaluator
from mcrules.engine.columns import batch_from_facts
from mcrules.engine.outcomes import CODE_TO_OUTCOME, Code, Outcome
from mcrules.engine.scalar import ScalarEvaluator
from mcrules.rules.ir import NODE_CLASSES
from mcrules.rules.pack import Pack
from tests.subjects.casefile import support
from tests.subjects.casefile.strategies import AS_OF, case_files


def _as_float(value: Any, choices: tuple[str, ...]) -> float:
    """A scalar derived value in the columnar encoding."""
    if value is None:
        return math.nan
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, str):
        return float(choices.index(value))
    return float(value)


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def assert_agree(pack: Pack, docs: list[dict[str, Any]]) -> None:
    facts = [support.facts(d) for d in docs]
    scalar = ScalarEvaluator(pack)
    columnar = ColumnarEvaluator(pack).evaluate(batch_from_facts(facts, support.schema()),
                                                as_of=AS_OF)
    for row, f in enumerate(facts):
        ev = scalar.run(f, as_of=AS_OF)
        for r in ev.results:
            rid = r.rule.id
            got = CODE_TO_OUTCOME[Code(int(columnar.codes[rid][row]))]
            assert got is r.outcome, (rid, row, docs[row], r.message)
            if r.outcome in (Outcome.PASS, Outcome.FAIL):
                assert _same(float(r.measured), float(columnar.measured[rid][row])), (rid, row)
                assert _same(float(r.required), float(columnar.required[rid][row])), (rid, row)
            if r.rule.each is not None:
                assert r.item == columnar.items[rid][row], (rid, row)
        for v in ev.values:
            want = _as_float(v.result, ())
            assert _same(want, float(columnar.values[v.value.id][row])), (v.value.id, row, docs[row])
        for d in ev.decisions:
            cols = columnar.decisions[d.table.id]
            assert d.outcome == ("decided", "unknown", "no_match")[int(cols.status[row])], \
                (d.table.id, row, docs[row])
            first = d.decision[0] if isinstance(d.decision, tuple) else d.decision
            want_out = d.table.outputs.index(first) if first is not None else -1
            assert want_out == int(cols.output[row]), (d.table.id, row, docs[row], d.message)
            bits = sum(1 << n for n in d.rows)
            assert bits == int(cols.rows[row]), (d.table.id, row, docs[row])


@settings(max_examples=150, deadline=None)
@given(docs=st.lists(case_files(), min_size=1, max_size=10))
def test_scalar_and_columnar_agree_on_every_construct(docs: list[dict[str, Any]]) -> None:
    assert_agree(support.pack(), docs)


def test_they_agree_on_empty_case_files_and_an_empty_batch() -> None:
    assert_agree(support.pack(), [{}, {"threats": [], "capacities": []}])
    empty = ColumnarEvaluator(support.pack()).evaluate(batch_from_facts([], support.schema()),
                                                       as_of=AS_OF)
    assert all(len(c) == 0 for c in empty.codes.values())


def test_the_test_pack_uses_every_node_class_and_hit_policy() -> None:
    from mcrules.rules.ir import walk

    pack = support.pack()
    roots = [e for r in pack.rules for e in (r.applies_if, r.check) if e is not None]
    roots += [v.expr for v in pack.values]
    roots += [row.condition for t in pack.decisions for row in t.rows]
    roots += [e for a in pack.aggregates.values() for e in (a.arg, a.where, a.default)
              if e is not None]
    used = {type(n) for root in roots for n in walk(root)}
    assert set(NODE_CLASSES) == used
    assert {t.hit_policy for t in pack.decisions} == {"unique", "first", "priority", "collect"}
    assert {a.fn for a in pack.aggregates.values()} >= {"count", "sum", "max", "any", "all"}
