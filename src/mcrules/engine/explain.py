"""IR as text a reviewer reads: how `rules show` and explanations state a condition.

One handler per IR node class, like the evaluators, so a new node cannot be evaluated without
being explainable. The text is the grammar's own (it parses back to the same IR, units aside:
conversions are stated as `×factor`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mcrules.rules.ir import (
    Arith,
    Band,
    Call,
    Compare,
    Const,
    DateConst,
    Derived,
    Expr,
    FieldRef,
    Logic,
    Member,
    Neg,
    Not,
    OrdinalConst,
    ParamRef,
    Scale,
)


def _const(e: Const) -> str:
    if isinstance(e.value, bool):
        return "true" if e.value else "false"
    if isinstance(e.value, str):
        return repr(e.value)
    return f"{e.value:g}"


def _ordinal(e: OrdinalConst) -> str:
    return repr(e.labels[int(e.rank)])


def _date(e: DateConst) -> str:
    import datetime as dt

    return f"date('{dt.date.fromordinal(int(e.day)).isoformat()}')"


def _field(e: FieldRef) -> str:
    return e.key


def _derived(e: Derived) -> str:
    return e.text or e.key


def _param(e: ParamRef) -> str:
    return e.name


def _member(e: Member) -> str:
    if e.field.spec.kind == "set":
        (token,) = e.tokens
        return f"{token!r} {'not in' if e.negate else 'in'} {describe(e.field)}"
    listed = ", ".join(repr(t) for t in e.tokens)
    return f"{describe(e.field)} {'not in' if e.negate else 'in'} [{listed}]"


def _arith(e: Arith) -> str:
    return f"({describe(e.left)} {e.op} {describe(e.right)})"


def _neg(e: Neg) -> str:
    return f"-{describe(e.arg)}"


def _scale(e: Scale) -> str:
    return describe(e.arg) if e.factor == 1 else f"({describe(e.arg)} ×{e.factor:g})"


def _call(e: Call) -> str:
    if e.fn == "rank" and len(e.args) > 1:  # a rank scale, written by its name as in the pack
        scale = e.args[1].name.rpartition(".")[0]  # type: ignore[attr-defined]
        return f"rank({describe(e.args[0])}, {scale})"
    return f"{e.fn}({', '.join(describe(a) for a in e.args)})"


def _band(e: Band) -> str:
    cuts = ", ".join(describe(c) for c in e.cuts)
    labels = ", ".join(repr(label) for label in e.labels)
    return f"band({describe(e.arg)}, [{cuts}], [{labels}])"


def _compare(e: Compare) -> str:
    return f"{describe(e.left)} {e.op} {describe(e.right)}"


def _logic(e: Logic) -> str:
    return "(" + f" {e.op} ".join(describe(a) for a in e.args) + ")"


def _not(e: Not) -> str:
    return f"not {describe(e.arg)}"


EXPLAIN: dict[type[Expr], Callable[[Any], str]] = {
    Const: _const, OrdinalConst: _ordinal, DateConst: _date, FieldRef: _field, Derived: _derived,
    ParamRef: _param, Member: _member, Arith: _arith, Neg: _neg, Scale: _scale, Call: _call,
    Band: _band, Compare: _compare, Logic: _logic, Not: _not,
}
"""The explainer's handler per IR node class."""


def describe(expr: Expr) -> str:
    """`expr` as text in the rule grammar."""
    return EXPLAIN[type(expr)](expr)
