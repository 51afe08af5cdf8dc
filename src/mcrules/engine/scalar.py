"""The scalar evaluator: one subject at a time, with a full explanation per rule.

Each rule's IR is compiled once into Python closures (no eval, no generated code); evaluating a
subject is then a handful of dictionary look-ups and float operations per rule.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from mcrules.engine import semantics as sem
from mcrules.engine.counterfactual import find_fixes
from mcrules.engine.outcomes import Fix, Outcome, Result
from mcrules.rules.ir import (
    Arith,
    Call,
    Compare,
    Const,
    Expr,
    FieldRef,
    Logic,
    Member,
    Neg,
    Not,
    ParamRef,
    Rule,
    Scale,
    field_keys,
)
from mcrules.rules.pack import Pack

Facts = Mapping[str, Any]
Getter = Callable[[Facts], Any]

_ARITH: dict[str, Callable[[float, float], float]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": sem.div,
}
_FUNCS: dict[str, Callable[..., float]] = {
    "ceil": sem.ceil, "floor": sem.floor, "min": sem.fmin, "max": sem.fmax, "abs": abs,
}


def _leaf(expr: Expr, params: Mapping[str, float]) -> tuple[str, Any] | None:
    """("field", key) or ("value", v) for a leaf the caller can read inline, else None."""
    if isinstance(expr, FieldRef) and expr.spec.kind in ("number", "bool"):
        return ("field", expr.key)
    if isinstance(expr, Const):
        return ("value", expr.value)
    if isinstance(expr, ParamRef):
        return ("value", params[expr.name])
    return None


def _binary(fn: Callable[[Any, Any], Any], left: Expr, right: Expr,
            params: Mapping[str, float]) -> Getter:
    """`fn(left, right)` with leaves read inline: one closure call instead of three."""
    a, b = _leaf(left, params), _leaf(right, params)
    if a and b and a[0] == "field" and b[0] == "field":
        ka, kb = a[1], b[1]
        return lambda f: fn(f[ka], f[kb])
    if a and b and a[0] == "field":
        ka, vb = a[1], b[1]
        return lambda f: fn(f[ka], vb)
    if a and b and b[0] == "field":
        va, kb = a[1], b[1]
        return lambda f: fn(va, f[kb])
    lf, rf = compile_expr(left, params), compile_expr(right, params)
    if b and b[0] == "value":
        vb = b[1]
        return lambda f: fn(lf(f), vb)
    return lambda f: fn(lf(f), rf(f))


def compile_expr(expr: Expr, params: Mapping[str, float]) -> Getter:
    """Compile an IR expression into a function of the facts."""
    if isinstance(expr, Const):
        value = expr.value
        return lambda f: value
    if isinstance(expr, ParamRef):
        pv = params[expr.name]
        return lambda f: pv
    if isinstance(expr, FieldRef):
        key = expr.key
        return lambda f: f[key]
    if isinstance(expr, Member):
        key, tokens, negate = expr.field.key, frozenset(expr.tokens), expr.negate
        if expr.field.spec.kind == "set":
            (token,) = expr.tokens
            if negate:
                return lambda f: token not in f[key]
            return lambda f: token in f[key]
        if negate:
            return lambda f: f[key] not in tokens
        return lambda f: f[key] in tokens
    if isinstance(expr, Arith):
        return _binary(_ARITH[expr.op], expr.left, expr.right, params)
    if isinstance(expr, Neg):
        arg = compile_expr(expr.arg, params)
        return lambda f: -arg(f)
    if isinstance(expr, Scale):
        factor, arg = expr.factor, compile_expr(expr.arg, params)
        return lambda f: factor * arg(f)
    if isinstance(expr, Call):
        fn = _FUNCS[expr.fn]
        args = [compile_expr(a, params) for a in expr.args]
        if len(args) == 1:
            a0 = args[0]
            return lambda f: fn(a0(f))
        return lambda f: fn(*(a(f) for a in args))
    if isinstance(expr, Compare):
        left, right = compile_expr(expr.left, params), compile_expr(expr.right, params)
        if expr.left.type == "bool":
            bop = operator.eq if expr.op == "==" else operator.ne
            return lambda f: bop(left(f), right(f))
        return _binary(sem.COMPARE[expr.op], expr.left, expr.right, params)
    if isinstance(expr, Logic):
        args = [compile_expr(a, params) for a in expr.args]
        if expr.op == "and":
            return lambda f: all(a(f) for a in args)
        return lambda f: any(a(f) for a in args)
    if isinstance(expr, Not):
        arg = compile_expr(expr.arg, params)
        return lambda f: not arg(f)
    raise TypeError(f"unknown IR node {type(expr).__name__}")  # pragma: no cover


def compile_kleene(expr: Expr, params: Mapping[str, float]) -> Getter:
    """Three-valued evaluation for facts with missing values: None means "cannot tell".

    Used only when an input is missing, so that a condition decided whatever the missing value is
    (``False and <missing>``) still decides; numbers built from a missing value are missing.
    """
    if isinstance(expr, Logic):
        args = [compile_kleene(a, params) for a in expr.args]
        decisive = expr.op == "or"  # the value that settles the whole: True for or, False for and

        def logic(f: Facts) -> Any:
            unknown = False
            for a in args:
                v = a(f)
                if v is None:
                    unknown = True
                elif bool(v) is decisive:
                    return decisive
            return None if unknown else not decisive
        return logic
    if isinstance(expr, Not):
        arg = compile_kleene(expr.arg, params)

        def negate(f: Facts) -> Any:
            v = arg(f)
            return None if v is None else not v
        return negate
    keys = field_keys(expr)
    plain = compile_expr(expr, params)
    if not keys:
        return plain
    if isinstance(expr, Compare) and expr.left.type == "bool":
        left, right = compile_kleene(expr.left, params), compile_kleene(expr.right, params)
        bop = operator.eq if expr.op == "==" else operator.ne

        def compare_bools(f: Facts) -> Any:
            a, b = left(f), right(f)
            return None if a is None or b is None else bop(a, b)
        return compare_bools

    def strict(f: Facts) -> Any:
        return None if any(f[k] is None for k in keys) else plain(f)
    return strict


@dataclass(frozen=True)
class Verdict:
    """The outcome of a rule on one set of facts, before it is dressed as a Result."""

    outcome: Outcome
    measured: Any = None
    required: Any = None
    missing: tuple[str, ...] = ()
    reason: str = ""


class CompiledRule:
    """One rule compiled for the scalar path."""

    __slots__ = ("all_keys", "applies", "applies3", "applies_keys", "ascending", "check", "check3",
                 "check_keys", "cmp", "descending", "factor", "left", "left_key", "op",
                 "other_keys", "right", "rule", "unit")

    def __init__(self, rule: Rule, params: Mapping[str, float]) -> None:
        self.rule = rule
        self.applies = compile_expr(rule.applies_if, params) if rule.applies_if else None
        self.applies_keys = field_keys(rule.applies_if)
        self.check_keys = tuple(k for k in field_keys(rule.check) if k not in self.applies_keys)
        self.check = compile_expr(rule.check, params)
        self.all_keys = self.applies_keys + self.check_keys
        self.applies3 = compile_kleene(rule.applies_if, params) if rule.applies_if else None
        self.check3 = compile_kleene(rule.check, params)
        cmp = rule.comparison
        self.op = cmp.op if cmp else ""
        # For the counterfactual: the compared field, and every other field the rule reads.
        self.left_key = cmp.left.key if cmp is not None and isinstance(cmp.left, FieldRef) else None
        self.other_keys = frozenset(self.applies_keys) | frozenset(
            field_keys(cmp.right) if cmp is not None else ())
        self.ascending = self.op in (">=", ">")
        self.descending = self.op in ("<=", "<")
        self.left = compile_expr(cmp.left, params) if cmp else None
        self.right = compile_expr(cmp.right, params) if cmp else None
        self.cmp = sem.COMPARE[cmp.op] if cmp else None
        self.factor, self.unit = rule.display_scale()

    def verdict(self, f: Facts) -> Verdict:
        """Decide the outcome on flat facts (item facts merged in for per-item rules).

        With missing inputs: an applicability condition that is false whatever they are gives
        not_applicable; a yes/no check that is false whatever they are gives fail; anything that
        depends on them is unknown, naming every missing input of the rule. Never pass.
        """
        for k in self.applies_keys:
            if f[k] is None:
                applies = self.applies3(f)  # type: ignore[misc]
                if applies is False:
                    return _NOT_APPLICABLE
                if applies is None:
                    return self._unknown(f)
                break
        else:
            if self.applies is not None and not self.applies(f):
                return _NOT_APPLICABLE
        for k in self.check_keys:
            if f[k] is None:
                if self.cmp is None and self.check3(f) is False:
                    return Verdict(Outcome.FAIL, False, True, self._missing(f))
                return self._unknown(f)
        if self.cmp is not None:
            m = self.left(f)  # type: ignore[misc]
            r = self.right(f)  # type: ignore[misc]
            if m != m or r != r:
                return Verdict(Outcome.UNKNOWN, m, r, reason=_UNDEFINED)
            return Verdict(Outcome.PASS if self.cmp(m, r) else Outcome.FAIL, m, r)
        ok = bool(self.check(f))
        return Verdict(Outcome.PASS if ok else Outcome.FAIL, ok, True)

    def _missing(self, f: Facts) -> tuple[str, ...]:
        return tuple(k for k in self.all_keys if f[k] is None)

    def _unknown(self, f: Facts) -> Verdict:
        return Verdict(Outcome.UNKNOWN, missing=self._missing(f))

    def holds(self, f: Facts, *, exact: bool = False) -> bool:
        """Whether a comparison rule passes on facts whose inputs are all present: the cheap test
        the counterfactual search repeats. It still applies (hosting nobody is not a fix).
        `exact` compares without the float tolerance, so a fix aims at the threshold itself."""
        if self.applies is not None and not self.applies(f):
            return False
        m = self.left(f)  # type: ignore[misc]
        r = self.right(f)  # type: ignore[misc]
        if m != m or r != r:
            return False
        return bool(_EXACT[self.op](m, r) if exact else self.cmp(m, r))  # type: ignore[misc]

    def evaluate(self, f: Facts) -> Result:
        """The fast path for a rule without `each`: straight to a Result when inputs are present."""
        cmp = self.cmp
        for k in self.all_keys:
            if f[k] is None:
                return self.result(self.verdict(f), f)
        if self.applies is not None and not self.applies(f):
            return Result(self.rule, Outcome.NOT_APPLICABLE, None, None, self.unit, None, self.op)
        if cmp is None:
            if self.check(f):
                return Result(self.rule, Outcome.PASS, True, True)
            return self.result(Verdict(Outcome.FAIL, False, True), f)
        m = self.left(f)  # type: ignore[misc]
        r = self.right(f)  # type: ignore[misc]
        if m != m or r != r:
            return self.result(Verdict(Outcome.UNKNOWN, m, r, reason=_UNDEFINED), f)
        if not cmp(m, r):
            return self.result(Verdict(Outcome.FAIL, m, r), f)
        if self.factor != 1.0:
            m *= self.factor
            r *= self.factor
        return Result(self.rule, Outcome.PASS, m, r, self.unit,
                      m - r if self.ascending else r - m if self.descending else None, self.op)

    def result(self, v: Verdict, f: Facts | None, item: str | None = None) -> Result:
        measured, required, margin = v.measured, v.required, None
        if isinstance(measured, float) and isinstance(required, float):
            measured *= self.factor
            required *= self.factor
            if measured == measured and required == required:
                margin = sem.margin(self.op, measured, required)
        op = self.op if self.cmp is not None else ""
        if v.outcome is not Outcome.FAIL or f is None or not self.rule.levers:
            return Result(self.rule, v.outcome, measured, required, self.unit, margin, op,
                          v.missing, item, (), v.reason)
        # The first lever that yields a fix is the primary one; the rest wait until asked for.
        levers = self.rule.levers
        primary: tuple[Fix, ...] = ()
        rest = levers
        for i, lever in enumerate(levers):
            primary = find_fixes(self, f, (lever,))
            if primary:
                rest = levers[i + 1:]
                break
        else:
            rest = ()
        facts = dict(f)
        return Result(self.rule, v.outcome, measured, required, self.unit, margin, op, v.missing,
                      item, primary, v.reason, lambda: find_fixes(self, facts, rest))


class ScalarEvaluator:
    """A pack compiled for evaluating one subject at a time with full explanations."""

    def __init__(self, pack: Pack, rule_ids: Sequence[str] | None = None) -> None:
        params = {n: p.value for n, p in pack.parameters.items()}
        rules = pack.rules if rule_ids is None else tuple(pack.rule(r) for r in rule_ids)
        self.pack = pack
        self.rules = [CompiledRule(r, params) for r in rules]
        self._steps: list[Callable[[Facts], Result]] = [
            cr.evaluate if cr.rule.each is None else partial(self._per_item, cr)
            for cr in self.rules]

    def evaluate(self, facts: Facts) -> list[Result]:
        """Evaluate every rule on one subject's flat facts (see `mcrules.facts`)."""
        return [step(facts) for step in self._steps]

    def _per_item(self, cr: CompiledRule, facts: Facts) -> Result:
        coll = cr.rule.each
        assert coll is not None
        items = facts[coll]
        if items is None:
            return cr.result(Verdict(Outcome.UNKNOWN, missing=(coll,)), None)
        best: tuple[int, float, Verdict, dict[str, Any], str | None] | None = None
        for item in items:
            merged = {**facts, **item}
            v = cr.verdict(merged)
            rank = _RANK[v.outcome]
            # The item that decides the site: worst outcome, then smallest margin.
            slack = _slack(cr.op, v)
            key = (rank, -slack)
            if best is None or key > (best[0], -best[1]):
                best = (rank, slack, v, merged, item.get("item.__label__"))
        if best is None:
            return cr.result(Verdict(Outcome.NOT_APPLICABLE, reason=f"no {coll}"), None)
        if best[2].outcome is Outcome.NOT_APPLICABLE:
            return cr.result(best[2], None)
        return cr.result(best[2], best[3], best[4])


_NOT_APPLICABLE = Verdict(Outcome.NOT_APPLICABLE)
_UNDEFINED = "undefined value (division by zero)"
_EXACT: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq,
    "!=": operator.ne,
}
_RANK = {Outcome.NOT_APPLICABLE: 0, Outcome.PASS: 1, Outcome.UNKNOWN: 2, Outcome.FAIL: 3}


def _slack(op: str, v: Verdict) -> float:
    if isinstance(v.measured, float) and isinstance(v.required, float):
        m = sem.margin(op, v.measured, v.required)
        if m is not None and m == m:
            return m
    return 0.0
