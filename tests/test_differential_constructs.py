"""One semantics, two evaluators, for every construct of the grammar: ordinals, dates and
as_of, aggregates with filters and defaults, values, band and rank, outcome references and
decision tables under every hit policy, on generated case files with missing fields."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mcrules.engine.columnar import ColumnarEvaluator
from mcrules.engine.columns import batch_from_facts
from mcrules.rules.ir import NODE_CLASSES
from mcrules.rules.pack import Pack
from tests.agreement import assert_facts_agree
from tests.subjects.casefile import support
from tests.subjects.casefile.strategies import AS_OF, case_files


def assert_agree(pack: Pack, docs: list[dict[str, Any]]) -> None:
    assert_facts_agree(pack, support.schema(), [support.facts(d) for d in docs], AS_OF, docs)


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
