"""Every IR node class is handled by the scalar evaluator (plain and three-valued), the columnar
evaluator (plain and three-valued) and the explainer: a new node cannot be half supported."""

from __future__ import annotations

import ast
import sys
import types
from pathlib import Path

import pytest

from mcrules.engine.columnar_compile import COLUMNAR, COLUMNAR_KLEENE, Compiler, KleeneCompiler
from mcrules.engine.compiled import KLEENE, PLAIN
from mcrules.engine.explain import EXPLAIN, describe
from mcrules.rules import ir
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


SRC = Path(__file__).resolve().parent.parent / "src" / "mcrules"
NEW_NODE = """

@dataclass(frozen=True)
class Fresh(Expr):
    arg: Expr

    @property
    def type(self) -> ValueType:
        return "number"
"""


def _expr_subclasses_in_source() -> dict[str, str]:
    """Every class under src/mcrules that derives from `Expr` (directly or through a node class),
    found in the source text: name to file. Independent of the import-time derivation."""
    bases: dict[tuple[str, str], set[str]] = {}
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                names = {b.id if isinstance(b, ast.Name) else b.attr for b in node.bases
                         if isinstance(b, ast.Name | ast.Attribute)}
                bases[(node.name, str(path.relative_to(SRC)))] = names
    found: dict[str, str] = {}
    grew = True
    while grew:
        grew = False
        for (name, file), names in bases.items():
            if name not in found and names & ({"Expr"} | set(found)):
                found[name] = file
                grew = True
    return found


def test_node_classes_are_every_expression_class_in_the_source() -> None:
    found = _expr_subclasses_in_source()
    assert set(found) == {c.__name__ for c in NODE_CLASSES}
    assert set(found.values()) == {"rules/ir.py"}
    assert ir.node_classes() == NODE_CLASSES  # none defined after the module computed it


def test_a_new_node_class_cannot_be_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    # ir.py with one more node class, as someone adding a construct would write it: it is in
    # NODE_CLASSES with no other edit, so every handler table above now lacks it and fails.
    source = Path(ir.__file__).read_text()
    anchor = "\n\ndef walk("
    assert anchor in source
    fresh = types.ModuleType("mcrules_fresh_ir")
    monkeypatch.setitem(sys.modules, fresh.__name__, fresh)
    exec(compile(source.replace(anchor, NEW_NODE + anchor, 1), ir.__file__, "exec"),
         fresh.__dict__)
    names = [c.__name__ for c in fresh.NODE_CLASSES]
    assert "Fresh" in names
    assert set(names) == {c.__name__ for c in NODE_CLASSES} | {"Fresh"}
    for table in (PLAIN, KLEENE, COLUMNAR, COLUMNAR_KLEENE, EXPLAIN):
        assert {c.__name__ for c in table} != set(names)
