"""Every IR node class is handled by the scalar evaluator (plain and three-valued), the columnar
evaluator (plain and three-valued) and the explainer: a new node cannot be half supported."""

from __future__ import annotations

import pytest

from mcrules.engine.columnar_compile import COLUMNAR, COLUMNAR_KLEENE, Compiler, KleeneCompiler
from mcrules.engine.compiled import KLEENE, PLAIN
from mcrules.engine.explain import EXPLAIN, describe
from mcrules.rules.ir import NODE_CLASSES, Expr
from tests.subjects.casefile import support


@pytest.mark.parametrize("table", [PLAIN, KLEENE, COLUMNAR, COLUMNAR_KLEENE, EXPLAIN],
                         ids=["scalar", "scalar-kleene", "columnar", "columnar-kleene", "explain"])
def test_every_node_class_has_a_handler(table: dict[type[Expr], object]) -> None:
    assert set(table) == set(NODE_CLASSES)


def test_columnar_handlers_name_real_methods() -> None:
    for name in COLUMNAR.values():
        assert callable(getattr(Compiler, name))
    for name in COLUMNAR_KLEENE.values():
        assert callable(getattr(KleeneCompiler, name))


def test_every_rule_of_the_test_pack_explains_in_the_grammar() -> None:
    pack = support.pack()
    texts = {r.id: describe(r.check) for r in pack.rules}
    assert texts["case.consent.current"] == "consent_valid_until >= as_of"
    assert texts["case.capacity.matches_threats"] == "case.capacity >= 'medium'"
    assert "outcome('case.child.accompanied') not in ['fail']" in texts["case.child.referral"]
    assert describe(pack.value("case.risk_level").expr) == (
        "band(case.risk_score, [risk_cut_medium, risk_cut_high], ['low', 'medium', 'high'])")
