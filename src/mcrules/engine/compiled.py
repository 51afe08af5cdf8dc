"""IR compiled into Python closures for one subject at a time (no eval, no generated code).

Each node class has one handler in `PLAIN` (every input present) and one in `KLEENE` (some
missing); `CompiledRule` decides a rule's outcome from them. Explanations and fixes are built on
top of this, in `engine.scalar`.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mcrules.engine import semantics as sem
from mcrules.engine.outcomes import Outcome
from mcrules.errors import McrulesError
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
    Rule,
    Scale,
    field_keys,
)
from mcrules.rules.parameter_values import scale_violation

Facts = Mapping[str, Any]
Getter = Callable[[Facts], Any]

_ARITH: dict[str, Callable[[float, float], float]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": sem.div,
}
_FUNCS: dict[str, Callable[..., float]] = {
    "ceil": sem.ceil, "floor": sem.floor, "min": sem.fmin, "max": sem.fmax, "abs": abs,
    "rank": sem.rank,
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


def _const(expr: Any, params: Mapping[str, float]) -> Getter:
    value = expr.value if isinstance(expr, Const) else expr.rank if isinstance(expr, OrdinalConst) \
        else expr.day
    return lambda f: value


def _param(expr: ParamRef, params: Mapping[str, float]) -> Getter:
    pv = params[expr.name]
    return lambda f: pv


def _field(expr: FieldRef, params: Mapping[str, float]) -> Getter:
    key = expr.key
    return lambda f: f[key]


def _member(expr: Member, params: Mapping[str, float]) -> Getter:
    key, tokens, negate = expr.field.key, frozenset(expr.tokens), expr.negate
    if expr.field.spec.kind == "set":
        (token,) = expr.tokens
        if negate:
            return lambda f: token not in f[key]
        return lambda f: token in f[key]
    if negate:
        return lambda f: f[key] not in tokens
    return lambda f: f[key] in tokens


def _arith(expr: Arith, params: Mapping[str, float]) -> Getter:
    return _binary(_ARITH[expr.op], expr.left, expr.right, params)


def _neg(expr: Neg, params: Mapping[str, float]) -> Getter:
    arg = compile_expr(expr.arg, params)
    return lambda f: -arg(f)


def _scale(expr: Scale, params: Mapping[str, float]) -> Getter:
    factor, arg = expr.factor, compile_expr(expr.arg, params)
    return lambda f: factor * arg(f)


def _call(expr: Call, params: Mapping[str, float]) -> Getter:
    if expr.fn == "days_between":
        return _binary(operator.sub, expr.args[1], expr.args[0], params)
    if expr.fn == "rank" and len(expr.args) > 1:
        arg, numbers = compile_expr(expr.args[0], params), scale_numbers(expr, params)
        return lambda f: sem.rank_on(arg(f), numbers)
    fn = _FUNCS[expr.fn]
    args = [compile_expr(a, params) for a in expr.args]
    if len(args) == 1:
        a0 = args[0]
        return lambda f: fn(a0(f))
    return lambda f: fn(*(a(f) for a in args))


def _band(expr: Band, params: Mapping[str, float]) -> Getter:
    arg = compile_expr(expr.arg, params)
    cuts = band_cuts(expr, params)
    return lambda f: sem.band(arg(f), cuts)


def band_cuts(expr: Band, params: Mapping[str, float]) -> tuple[float, ...]:
    """A band's cut points as numbers in its argument's unit; McrulesError unless ascending
    (a parameter override can reorder them)."""
    cuts = tuple(float(compile_expr(c, params)({})) for c in expr.cuts)
    if any(b < a for a, b in itertools.pairwise(cuts)):
        raise McrulesError(f"band() cut points must ascend, got {', '.join(f'{c:g}' for c in cuts)}"
                           f" for labels {', '.join(expr.labels)}")
    return cuts


def scale_numbers(expr: Call, params: Mapping[str, float]) -> tuple[float, ...]:
    """The numbers of `rank(x, scale)`'s scale, lowest level first; McrulesError naming the scale
    when a higher level ranks below a lower one (a variant, overlay or `--set` can do that)."""
    refs = [a for a in expr.args[1:] if isinstance(a, ParamRef)]
    numbers = tuple(float(params[r.name]) for r in refs)
    scale = refs[0].name.rpartition(".")[0]
    problem = scale_violation(scale, [(r.name.rpartition(".")[2], n)
                                      for r, n in zip(refs, numbers, strict=True)])
    if problem is not None:
        raise McrulesError(problem, path=scale)
    return numbers


def _compare(expr: Compare, params: Mapping[str, float]) -> Getter:
    if expr.left.type == "bool":
        left, right = compile_expr(expr.left, params), compile_expr(expr.right, params)
        bop = operator.eq if expr.op == "==" else operator.ne
        return lambda f: bop(left(f), right(f))
    return _binary(sem.COMPARE[expr.op], expr.left, expr.right, params)


def _logic(expr: Logic, params: Mapping[str, float]) -> Getter:
    args = [compile_expr(a, params) for a in expr.args]
    if expr.op == "and":
        return lambda f: all(a(f) for a in args)
    return lambda f: any(a(f) for a in args)


def _not(expr: Not, params: Mapping[str, float]) -> Getter:
    arg = compile_expr(expr.arg, params)
    return lambda f: not arg(f)


PLAIN: dict[type[Expr], Callable[[Any, Mapping[str, float]], Getter]] = {
    Const: _const, OrdinalConst: _const, DateConst: _const, ParamRef: _param, FieldRef: _field,
    Derived: _field, Member: _member, Arith: _arith, Neg: _neg, Scale: _scale, Call: _call,
    Band: _band, Compare: _compare, Logic: _logic, Not: _not,
}
"""The scalar evaluator's handler per IR node class, for facts with every input present."""


def compile_expr(expr: Expr, params: Mapping[str, float]) -> Getter:
    """Compile an IR expression into a function of the facts."""
    return PLAIN[type(expr)](expr, params)


def _kleene_logic(expr: Logic, params: Mapping[str, float]) -> Getter:
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


def _kleene_not(expr: Not, params: Mapping[str, float]) -> Getter:
    arg = compile_kleene(expr.arg, params)

    def negate(f: Facts) -> Any:
        v = arg(f)
        return None if v is None else not v
    return negate


def _kleene_compare(expr: Compare, params: Mapping[str, float]) -> Getter:
    if expr.left.type != "bool":
        return _strict(expr, params)
    left, right = compile_kleene(expr.left, params), compile_kleene(expr.right, params)
    bop = operator.eq if expr.op == "==" else operator.ne

    def compare_bools(f: Facts) -> Any:
        a, b = left(f), right(f)
        return None if a is None or b is None else bop(a, b)
    return compare_bools


def _strict(expr: Expr, params: Mapping[str, float]) -> Getter:
    """Missing if any input is missing, else the plain value."""
    keys = field_keys(expr)
    plain = compile_expr(expr, params)
    if not keys:
        return plain

    def strict(f: Facts) -> Any:
        return None if any(f[k] is None for k in keys) else plain(f)
    return strict


KLEENE: dict[type[Expr], Callable[[Any, Mapping[str, float]], Getter]] = {
    **dict.fromkeys(PLAIN, _strict), Logic: _kleene_logic, Not: _kleene_not,
    Compare: _kleene_compare,
}
"""The three-valued handler per node class: a condition is decided when the missing inputs
cannot change it (``False and <missing>``); any other node with a missing input is missing."""


def compile_kleene(expr: Expr, params: Mapping[str, float]) -> Getter:
    """Three-valued evaluation for facts with missing values: None means "cannot tell"."""
    return KLEENE[type(expr)](expr, params)


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
                return Verdict(Outcome.UNKNOWN, m, r, reason=UNDEFINED)
            return Verdict(Outcome.PASS if self.cmp(m, r) else Outcome.FAIL, m, r)
        ok = bool(self.check(f))
        return Verdict(Outcome.PASS if ok else Outcome.FAIL, ok, True)

    def _missing(self, f: Facts) -> tuple[str, ...]:
        return expand_missing(f, [k for k in self.all_keys if f[k] is None])

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

MISSING_KEY = "__missing__"
"""Where the derived-facts pass records, per derived fact it could not compute, the inputs whose
absence made it missing; a verdict names those inputs rather than the derived fact."""


def expand_missing(f: Facts, keys: Sequence[str]) -> tuple[str, ...]:
    """`keys` with every missing derived fact replaced by the inputs it is missing."""
    why = f.get(MISSING_KEY)
    if not why:
        return tuple(keys)
    out: dict[str, None] = {}
    for k in keys:
        for m in why.get(k, (k,)):
            out.setdefault(m, None)
    return tuple(out)


_NOT_APPLICABLE = Verdict(Outcome.NOT_APPLICABLE)
UNDEFINED = "undefined value (division by zero)"
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


def deciding_item(cr: CompiledRule, facts: Facts) -> tuple[Verdict, dict[str, Any] | None,
                                                           str | None]:
    """A per-item rule's verdict on a subject: its worst item's, then the tightest, then the
    first; with the merged facts and label of that item (None when no item decides)."""
    coll = cr.rule.each
    assert coll is not None
    items = facts[coll]
    if items is None:
        return Verdict(Outcome.UNKNOWN, missing=(coll,)), None, None
    best: tuple[int, float, Verdict, dict[str, Any], str | None] | None = None
    for item in items:
        merged = {**facts, **item}
        v = cr.verdict(merged)
        rank = _RANK[v.outcome]
        slack = _slack(cr.op, v)
        if best is None or (rank, -slack) > (best[0], -best[1]):
            best = (rank, slack, v, merged, item.get("item.__label__"))
    if best is None:
        return Verdict(Outcome.NOT_APPLICABLE, reason=f"no {coll}"), None, None
    if best[2].outcome is Outcome.NOT_APPLICABLE:
        return best[2], None, None
    return best[2], best[3], best[4]
