"""The columnar evaluator: many subjects at once, numpy arrays in, outcome codes out.

Compiled from the same IR as the scalar evaluator and bound to the same semantics
(`engine/semantics.py`): the same tolerance, the same NaN for division by zero, the same order of
decisions (missing applicability inputs, applicability, missing check inputs, undefined values,
the check). A hypothesis test holds the two equal on every rule of every shipped pack.

Hot loops see only float64 arrays: no pint, no pydantic, no Python per row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from mcrules.engine import semantics as sem
from mcrules.engine.columns import ColumnBatch, FloatArray, ItemTable, set_key
from mcrules.engine.outcomes import Code
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
    walk,
)
from mcrules.rules.pack import Pack
from mcrules.units import conversion_factor, format_unit

CodeArray = npt.NDArray[np.uint8]
BoolArray = npt.NDArray[np.bool_]
Value = Any  # a float64 array, a bool array, or a Python scalar that broadcasts
Fn = Callable[["Env"], Value]

TOL = sem.TOL
NA, PASS, UNKNOWN, FAIL = (np.uint8(c) for c in (Code.NOT_APPLICABLE, Code.PASS, Code.UNKNOWN,
                                                Code.FAIL))


class Env:
    """The columns one rule is evaluated over, with a per-batch cache of missing-value masks."""

    __slots__ = ("_gathered", "_missing", "base", "columns", "n", "parent")

    def __init__(self, n: int, columns: Mapping[str, FloatArray], base: Env | None = None,
                 parent: npt.NDArray[np.intp] | None = None) -> None:
        self.n = n
        self.columns = columns
        self.base = base
        self.parent = parent
        self._missing: dict[str, BoolArray | None] = {}
        self._gathered: dict[str, FloatArray] = {}

    def column(self, key: str) -> FloatArray:
        col = self.columns.get(key)
        if col is not None:
            return col
        if self.base is None or self.parent is None:
            raise KeyError(f"the batch has no column {key!r}")
        got = self._gathered.get(key)
        if got is None:
            got = self._gathered[key] = self.base.column(key)[self.parent]
        return got

    def missing(self, key: str) -> BoolArray | None:
        """A mask of rows where `key` is missing, or None when no row is (the common case)."""
        if key in self._missing:
            return self._missing[key]
        mask: BoolArray | None = np.isnan(self.column(key))
        if mask is not None and not mask.any():
            mask = None
        self._missing[key] = mask
        return mask


def _nonneg(expr: Expr, params: Mapping[str, float]) -> bool:
    """Whether `expr` can never be negative: inputs are validated non-negative, so most rules are.

    For non-negative operands the tolerant comparisons simplify to the exact same float
    operations as the general form, one array pass instead of four.
    """
    if isinstance(expr, FieldRef):
        return expr.spec.kind == "number"
    if isinstance(expr, Const):
        return isinstance(expr.value, float) and expr.value >= 0
    if isinstance(expr, ParamRef):
        return params[expr.name] >= 0
    if isinstance(expr, Arith):
        return expr.op in "+*/" and _nonneg(expr.left, params) and _nonneg(expr.right, params)
    if isinstance(expr, Scale):
        return expr.factor >= 0 and _nonneg(expr.arg, params)
    if isinstance(expr, Call):
        return expr.fn == "abs" or all(_nonneg(a, params) for a in expr.args)
    return False


def _div(a: Value, b: Value) -> Value:
    if np.ndim(b) == 0:
        if b == 0:
            return np.full(np.shape(a), sem.NAN) if np.ndim(a) else sem.NAN
        return a / b
    a_arr = np.broadcast_to(np.asarray(a, dtype=np.float64), np.shape(b))
    out = np.full(np.shape(b), sem.NAN)
    np.divide(a_arr, b, out=out, where=b != 0)
    return out


def _ceil(x: Value) -> Value:
    return np.ceil(x - TOL * np.abs(x))


def _floor(x: Value) -> Value:
    return np.floor(x + TOL * np.abs(x))


def _cmp_general(op: str, a: Value, b: Value) -> Value:
    tol = TOL * np.maximum(np.abs(a), np.abs(b))
    if op == ">=":
        return a >= b - tol
    if op == ">":
        return a > b + tol
    if op == "<=":
        return a <= b + tol
    if op == "<":
        return a < b - tol
    close = np.abs(a - b) <= tol
    return close if op == "==" else ~close


def _cmp_nonneg(op: str, a: Value, b: Value) -> Value:
    # With a, b >= 0, max(|a|, |b|) is b exactly where the general form can differ from a plain
    # comparison for >= and <, and a for > and <=; so these are the same float operations.
    if op == ">=":
        return a >= b - TOL * b
    if op == ">":
        return a > b + TOL * a
    if op == "<=":
        return a <= b + TOL * a
    if op == "<":
        return a < b - TOL * b
    return _cmp_general(op, a, b)


def _as_bool(v: Value, n: int) -> BoolArray:
    arr = np.asarray(v, dtype=np.bool_)
    return np.broadcast_to(arr, (n,)) if arr.ndim == 0 else arr


class _Compiler:
    def __init__(self, params: Mapping[str, float]) -> None:
        self.params = params

    def expr(self, e: Expr) -> Fn:
        if isinstance(e, Const):
            value = e.value
            return lambda env: value
        if isinstance(e, ParamRef):
            pv = self.params[e.name]
            return lambda env: pv
        if isinstance(e, FieldRef):
            key = e.key
            if e.spec.kind == "bool":
                return lambda env: env.column(key) == 1.0
            return lambda env: env.column(key)
        if isinstance(e, Member):
            return self.member(e)
        if isinstance(e, Arith):
            left, right = self.expr(e.left), self.expr(e.right)
            if e.op == "+":
                return lambda env: left(env) + right(env)
            if e.op == "-":
                return lambda env: left(env) - right(env)
            if e.op == "*":
                return lambda env: left(env) * right(env)
            return lambda env: _div(left(env), right(env))
        if isinstance(e, Neg):
            arg = self.expr(e.arg)
            return lambda env: -arg(env)
        if isinstance(e, Scale):
            factor, arg = e.factor, self.expr(e.arg)
            return lambda env: factor * arg(env)
        if isinstance(e, Call):
            args = [self.expr(a) for a in e.args]
            if e.fn == "ceil":
                return lambda env: _ceil(args[0](env))
            if e.fn == "floor":
                return lambda env: _floor(args[0](env))
            if e.fn == "abs":
                return lambda env: np.abs(args[0](env))
            reduce = np.minimum if e.fn == "min" else np.maximum

            def minmax(env: Env) -> Value:
                out = args[0](env)
                for a in args[1:]:
                    out = reduce(out, a(env))
                return out
            return minmax
        if isinstance(e, Compare):
            return self.compare(e)
        if isinstance(e, Logic):
            args = [self.expr(a) for a in e.args]
            combine = np.logical_and if e.op == "and" else np.logical_or

            def logic(env: Env) -> Value:
                out = _as_bool(args[0](env), env.n)
                for a in args[1:]:
                    out = combine(out, a(env))
                return out
            return logic
        if isinstance(e, Not):
            arg = self.expr(e.arg)
            return lambda env: np.logical_not(arg(env))
        raise TypeError(f"unknown IR node {type(e).__name__}")  # pragma: no cover

    def member(self, e: Member) -> Fn:
        key = e.field.key
        if e.field.spec.kind == "set":
            (token,) = e.tokens
            col = set_key(key, token)
            want = 0.0 if e.negate else 1.0
            return lambda env: env.column(col) == want
        codes = np.array([float(e.field.spec.choices.index(t)) for t in e.tokens])
        if e.negate:
            return lambda env: ~np.isin(env.column(key), codes)
        return lambda env: np.isin(env.column(key), codes)

    def compare(self, e: Compare) -> Fn:
        left, right = self.expr(e.left), self.expr(e.right)
        op = e.op
        if e.left.type == "bool":
            if op == "==":
                return lambda env: np.equal(left(env), right(env))
            return lambda env: np.not_equal(left(env), right(env))
        if _nonneg(e.left, self.params) and _nonneg(e.right, self.params):
            return lambda env: _cmp_nonneg(op, left(env), right(env))
        return lambda env: _cmp_general(op, left(env), right(env))


Kleene = tuple[Value, "BoolArray | None"]  # (value where known, mask of rows where unknown)


def _or_masks(a: BoolArray | None, b: BoolArray | None) -> BoolArray | None:
    if a is None:
        return b
    return a if b is None else a | b


class _KleeneCompiler:
    """Three-valued evaluation for rows with missing inputs, mirroring `scalar.compile_kleene`.

    Values and missing-masks travel separately, so a missing input (unknown) is never confused with
    a division by zero (undefined, which compares false as in the two-valued path).
    """

    def __init__(self, plain: _Compiler) -> None:
        self.plain = plain

    def expr(self, e: Expr) -> Callable[[Env], Kleene]:
        if isinstance(e, Logic):
            args = [self.expr(a) for a in e.args]
            decisive = e.op == "or"

            def logic(env: Env) -> Kleene:
                settled = np.zeros(env.n, dtype=np.bool_)
                unknown = np.zeros(env.n, dtype=np.bool_)
                for a in args:
                    v, m = a(env)
                    vb = _as_bool(v, env.n)
                    known = ~m if m is not None else True
                    settled |= known & (vb if decisive else ~vb)
                    if m is not None:
                        unknown |= m
                unknown &= ~settled
                value = settled if decisive else ~settled
                return value, unknown
            return logic
        if isinstance(e, Not):
            arg = self.expr(e.arg)

            def negate(env: Env) -> Kleene:
                v, m = arg(env)
                return np.logical_not(v), m
            return negate
        keys = missing_keys(e)
        plain = self.plain.expr(e)
        if isinstance(e, Compare) and e.left.type == "bool":
            left, right = self.expr(e.left), self.expr(e.right)
            equal = e.op == "=="

            def compare_bools(env: Env) -> Kleene:
                (a, am), (b, bm) = left(env), right(env)
                out = np.equal(a, b) if equal else np.not_equal(a, b)
                return out, _or_masks(am, bm)
            return compare_bools

        def strict(env: Env) -> Kleene:
            mask: BoolArray | None = None
            for k in keys:
                mask = _or_masks(mask, env.missing(k))
            return plain(env), mask
        return strict


def missing_keys(expr: Expr | None) -> tuple[str, ...]:
    """The columns whose missing values make `expr` unknown (set fields: the token's column)."""
    if expr is None:
        return ()
    seen: dict[str, None] = {}
    for node in walk(expr):
        if isinstance(node, Member):
            spec = node.field.spec
            keys = [set_key(node.field.key, t) for t in node.tokens] if spec.kind == "set" \
                else [node.field.key]
            for k in keys:
                seen.setdefault(k, None)
        elif isinstance(node, FieldRef) and node.spec.kind != "set":
            seen.setdefault(node.key, None)
    return tuple(seen)


def _has_division(expr: Expr) -> bool:
    return any(isinstance(n, Arith) and n.op == "/" for n in walk(expr))


@dataclass
class ColumnarResult:
    """Per rule: outcome codes, measured and required values (for pass and fail rows), units."""

    n: int
    rule_ids: list[str]
    codes: dict[str, CodeArray]
    measured: dict[str, FloatArray]
    required: dict[str, FloatArray]
    units: dict[str, str]
    items: dict[str, list[str | None]] = field(default_factory=dict)

    def counts(self) -> dict[str, dict[str, int]]:
        """Outcome counts per rule."""
        from mcrules.engine.outcomes import CODE_TO_OUTCOME

        out = {}
        for rid in self.rule_ids:
            bins = np.bincount(self.codes[rid], minlength=4)
            out[rid] = {CODE_TO_OUTCOME[Code(i)].value: int(bins[i]) for i in range(4)}
        return out


class _ColumnarRule:
    """One rule compiled for arrays."""

    def __init__(self, rule: Rule, params: Mapping[str, float]) -> None:
        c = _Compiler(params)
        k = _KleeneCompiler(c)
        self.rule = rule
        self.applies = c.expr(rule.applies_if) if rule.applies_if is not None else None
        self.applies3 = k.expr(rule.applies_if) if rule.applies_if is not None else None
        self.check3 = k.expr(rule.check)
        self.applies_keys = missing_keys(rule.applies_if)
        self.check_keys = tuple(k for k in missing_keys(rule.check) if k not in self.applies_keys)
        cmp = rule.comparison
        self.cmp = c.compare(cmp) if cmp is not None else None
        self.check = c.expr(rule.check)
        self.left = c.expr(cmp.left) if cmp is not None else None
        self.right = c.expr(cmp.right) if cmp is not None else None
        self.op = cmp.op if cmp is not None else ""
        self.undefined_possible = cmp is not None and _has_division(cmp)
        if cmp is not None:
            left_unit = cmp.left.unit  # type: ignore[attr-defined]
            display = rule.display_unit if rule.display_unit is not None else left_unit
            self.factor = conversion_factor(left_unit, display)
            self.unit = format_unit(display)
        else:
            self.factor, self.unit = 1.0, ""

    @staticmethod
    def _any_missing(env: Env, keys: tuple[str, ...]) -> BoolArray | None:
        mask: BoolArray | None = None
        for key in keys:
            mask = _or_masks(mask, env.missing(key))
        return mask

    def run(self, env: Env) -> tuple[CodeArray, FloatArray, FloatArray, FloatArray]:
        """Codes, measured and required (raw, before the display factor) and the slack."""
        n = env.n
        if self.cmp is not None:
            m = np.broadcast_to(np.asarray(self.left(env), dtype=np.float64), (n,))  # type: ignore[misc]
            r = np.broadcast_to(np.asarray(self.right(env), dtype=np.float64), (n,))  # type: ignore[misc]
            ok = _as_bool(self.cmp(env), n)
        else:
            ok = _as_bool(self.check(env), n)
            m = ok.astype(np.float64)
            r = np.ones(n)
        codes = np.where(ok, PASS, FAIL).astype(np.uint8)
        if self.undefined_possible:
            codes[np.isnan(m) | np.isnan(r)] = UNKNOWN
        # Decisions are applied from the lowest priority up, so each overrides the ones before,
        # giving the scalar path's order: applicability inputs, applicability, check inputs, ...
        check_missing = self._any_missing(env, self.check_keys)
        if check_missing is not None:
            if self.cmp is None:
                v, undecided = self.check3(env)
                certain_fail = check_missing & ~_as_bool(v, n)
                if undecided is not None:
                    certain_fail &= ~undecided
                codes[check_missing] = UNKNOWN
                codes[certain_fail] = FAIL
            else:
                codes[check_missing] = UNKNOWN
        if self.applies is not None:
            applies = _as_bool(self.applies(env), n)
            app_missing = self._any_missing(env, self.applies_keys)
            if app_missing is None:
                codes[~applies] = NA
            else:
                v, undecided = self.applies3(env)  # type: ignore[misc]
                vb = _as_bool(v, n)
                undecided = np.zeros(n, dtype=np.bool_) if undecided is None else undecided
                codes[np.where(app_missing, ~vb & ~undecided, ~applies)] = NA
                codes[app_missing & undecided] = UNKNOWN
        decided = (codes == PASS) | (codes == FAIL)
        measured = np.where(decided, m, sem.NAN)
        required = np.where(decided, r, sem.NAN)
        if self.op in (">=", ">"):
            slack = measured - required
        elif self.op in ("<=", "<"):
            slack = required - measured
        else:
            slack = np.zeros(n)
        slack = np.where(np.isnan(slack), 0.0, slack)
        return codes, measured, required, slack


class ColumnarEvaluator:
    """A pack compiled for many subjects at once."""

    def __init__(self, pack: Pack, rule_ids: Sequence[str] | None = None) -> None:
        params = {n: p.value for n, p in pack.parameters.items()}
        rules = pack.rules if rule_ids is None else tuple(pack.rule(r) for r in rule_ids)
        self.pack = pack
        self.rules = [_ColumnarRule(r, params) for r in rules]

    def evaluate(self, batch: ColumnBatch) -> ColumnarResult:
        """Evaluate every rule on every row of `batch`."""
        env = Env(batch.n, batch.columns)
        item_envs: dict[str, Env] = {}
        res = ColumnarResult(batch.n, [], {}, {}, {}, {})
        for cr in self.rules:
            rid = cr.rule.id
            res.rule_ids.append(rid)
            res.units[rid] = cr.unit
            if cr.rule.each is None:
                codes, m, r, _ = cr.run(env)
                res.codes[rid] = codes
                res.measured[rid] = m * cr.factor if cr.factor != 1.0 else m
                res.required[rid] = r * cr.factor if cr.factor != 1.0 else r
                continue
            table = batch.collections[cr.rule.each]
            ienv = item_envs.get(cr.rule.each)
            if ienv is None:
                ienv = item_envs[cr.rule.each] = Env(len(table.parent), table.columns, env,
                                                     table.parent)
            codes, m, r, items = _aggregate(cr, ienv, table, batch.n)
            res.codes[rid] = codes
            res.measured[rid] = m * cr.factor
            res.required[rid] = r * cr.factor
            res.items[rid] = items
        return res


def _aggregate(cr: _ColumnarRule, ienv: Env, table: ItemTable,
               n: int) -> tuple[CodeArray, FloatArray, FloatArray, list[str | None]]:
    """A site's verdict is its worst item's; the deciding item is the worst, then the tightest."""
    codes = np.where(np.isnan(table.present), UNKNOWN, NA).astype(np.uint8)
    measured = np.full(n, sem.NAN)
    required = np.full(n, sem.NAN)
    labels: list[str | None] = [None] * n
    if ienv.n == 0:
        return codes, measured, required, labels
    icodes, im, ir, slack = cr.run(ienv)
    order = np.lexsort((np.arange(ienv.n), slack, -icodes.astype(np.int16), table.parent))
    parents = table.parent[order]
    first = np.ones(len(order), dtype=np.bool_)
    first[1:] = parents[1:] != parents[:-1]
    chosen = order[first]
    rows = table.parent[chosen]
    codes[rows] = icodes[chosen]
    measured[rows] = im[chosen]
    required[rows] = ir[chosen]
    for row, item, code in zip(rows.tolist(), chosen.tolist(), icodes[chosen].tolist(), strict=True):
        if code != NA and item < len(table.labels):
            labels[row] = table.labels[item]
    return codes, measured, required, labels
