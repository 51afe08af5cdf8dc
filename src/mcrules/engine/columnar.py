"""The columnar evaluator: many subjects at once, numpy arrays in, outcome codes out.

Compiled from the same IR as the scalar evaluator and bound to the same semantics
(`engine/semantics.py`): the same tolerance, the same NaN for division by zero, the same order of
decisions (missing applicability inputs, applicability, missing check inputs, undefined values,
the check). A hypothesis test holds the two equal on every rule of every shipped pack.

Hot loops see only float64 arrays: no pint, no pydantic, no Python per row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from mcrules.engine import semantics as sem
from mcrules.engine.columns import ColumnBatch, FloatArray, ItemTable, set_key
from mcrules.engine.compiled import band_cuts, scale_numbers
from mcrules.engine.decide_columns import DecidedColumns, decide_columns
from mcrules.engine.outcomes import Code
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
    derived_keys,
    walk,
)
from mcrules.rules.pack import Pack
from mcrules.rules.plan import Step as PlanStep
from mcrules.rules.plan import needed

CodeArray = npt.NDArray[np.uint8]
BoolArray = npt.NDArray[np.bool_]
Value = Any  # a float64 array, a bool array, or a Python scalar that broadcasts
Fn = Callable[["Env"], Value]

TOL = sem.TOL
NA, PASS, UNKNOWN, FAIL = (np.uint8(c) for c in (Code.NOT_APPLICABLE, Code.PASS, Code.UNKNOWN,
                                                Code.FAIL))


class Env:
    """The rows one rule is evaluated over: a slice of the batch's columns (views, never copies),
    a per-slice cache of missing-value masks, and memoised shared subexpressions."""

    __slots__ = ("_gathered", "_missing", "base", "columns", "memo", "n", "parent", "start", "stop")

    def __init__(self, n: int, columns: Mapping[str, FloatArray], base: Env | None = None,
                 parent: npt.NDArray[np.intp] | None = None, start: int = 0,
                 stop: int | None = None) -> None:
        self.n = n
        self.columns = columns
        self.base = base
        self.parent = parent
        self.start = start
        self.stop = stop
        self._missing: dict[str, BoolArray | None] = {}
        self._gathered: dict[str, FloatArray] = {}
        self.memo: dict[int, Value] = {}

    def column(self, key: str) -> FloatArray:
        got = self._gathered.get(key)
        if got is not None:
            return got
        col = self.columns.get(key)
        if col is not None:
            got = col if self.stop is None else col[self.start:self.stop]
        elif self.base is not None and self.parent is not None:
            got = self.base.column(key)[self.parent]
        else:
            raise KeyError(f"the batch has no column {key!r}")
        self._gathered[key] = got
        return got

    def missing(self, key: str) -> BoolArray | None:
        """A mask of rows where `key` is missing, or None when no row is (the common case)."""
        if key in self._missing:
            return self._missing[key]
        col = self.column(key)
        # Inputs are finite, so the sum is NaN exactly when a value is missing: one pass, no mask.
        mask: BoolArray | None = np.isnan(col) if np.isnan(np.add.reduce(col)) else None
        self._missing[key] = mask
        return mask


def _nonneg(expr: Expr, params: Mapping[str, float]) -> bool:
    """Whether `expr` can never be negative: inputs are validated non-negative, so most rules are.

    For non-negative operands the tolerant comparisons simplify to the exact same float
    operations as the general form, one array pass instead of four.
    """
    if isinstance(expr, Derived):
        return expr.key.startswith("agg:count(")
    if isinstance(expr, FieldRef):
        return expr.spec.kind in ("number", "ordinal", "date")
    if isinstance(expr, OrdinalConst | DateConst):
        return True
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


def _ranked_on(x: Value, numbers: FloatArray) -> Value:
    """The number a rank scale gives each ordinal (held 0-based); NaN, an unknown, stays NaN."""
    a = np.asarray(x, dtype=np.float64)
    unknown = np.isnan(a)
    out = np.where(unknown, sem.NAN, numbers[np.where(unknown, 0, a).astype(np.intp)])
    return out if np.ndim(x) else float(out)


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


def _ceil_nonneg(x: Value) -> Value:
    # x >= 0: abs(x) is x, so these are the general form's float operations.
    out = x * TOL
    np.subtract(x, out, out=out)
    return np.ceil(out, out=out) if isinstance(out, np.ndarray) else np.ceil(out)


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
    if op in (">=", "<"):
        t = b * TOL
        t = np.subtract(b, t, out=t) if isinstance(t, np.ndarray) else b - t
        return a >= t if op == ">=" else a < t
    if op in (">", "<="):
        t = a * TOL
        t = np.add(b, t, out=t) if isinstance(t, np.ndarray) else b + t
        return a > t if op == ">" else a <= t
    return _cmp_general(op, a, b)


def _mark_undefined(codes: CodeArray, side: Value) -> None:
    """Unknown where a side is NaN (a division by zero); one pass when there is none."""
    if np.ndim(side) == 0:
        if side != side:
            codes[...] = UNKNOWN
    elif np.isnan(np.add.reduce(side)):
        np.copyto(codes, UNKNOWN, where=np.isnan(side))


def _as_bool(v: Value, n: int) -> BoolArray:
    arr = np.asarray(v, dtype=np.bool_)
    return np.broadcast_to(arr, (n,)) if arr.ndim == 0 else arr


class _Compiler:
    """Compiles IR to functions of an Env. Nodes used by several rules (a definition such as
    population.total) are computed once per slice: `shared` holds their ids."""

    def __init__(self, params: Mapping[str, float], shared: frozenset[int] = frozenset()) -> None:
        self.params = params
        self.shared = shared

    def expr(self, e: Expr) -> Fn:
        fn = self._expr(e)
        if id(e) not in self.shared:
            return fn
        key = id(e)

        def memoised(env: Env) -> Value:
            got = env.memo.get(key)
            if got is None:
                got = env.memo[key] = fn(env)
            return got
        return memoised

    def _expr(self, e: Expr) -> Fn:
        return getattr(self, COLUMNAR[type(e)])(e)  # type: ignore[no-any-return]

    def const(self, e: Const | OrdinalConst | DateConst) -> Fn:
        value = e.value if isinstance(e, Const) else e.rank if isinstance(e, OrdinalConst) \
            else e.day
        return lambda env: value

    def param(self, e: ParamRef) -> Fn:
        pv = self.params[e.name]
        return lambda env: pv

    def field(self, e: FieldRef) -> Fn:
        key = e.key
        if e.spec.kind == "bool":
            return lambda env: env.column(key) == 1.0
        return lambda env: env.column(key)

    def arith(self, e: Arith) -> Fn:
        left, right = self.expr(e.left), self.expr(e.right)
        if e.op == "+":
            return lambda env: left(env) + right(env)
        if e.op == "-":
            return lambda env: left(env) - right(env)
        if e.op == "*":
            return lambda env: left(env) * right(env)
        return lambda env: _div(left(env), right(env))

    def neg(self, e: Neg) -> Fn:
        arg = self.expr(e.arg)
        return lambda env: -arg(env)

    def scale(self, e: Scale) -> Fn:
        factor, arg = e.factor, self.expr(e.arg)
        return lambda env: factor * arg(env)

    def call(self, e: Call) -> Fn:
        args = [self.expr(a) for a in e.args]
        if e.fn == "ceil":
            ceil = _ceil_nonneg if _nonneg(e.args[0], self.params) else _ceil
            return lambda env: ceil(args[0](env))
        if e.fn == "floor":
            return lambda env: _floor(args[0](env))
        if e.fn == "abs":
            return lambda env: np.abs(args[0](env))
        if e.fn == "rank" and len(e.args) > 1:
            numbers = np.asarray(scale_numbers(e, self.params), dtype=np.float64)
            return lambda env: _ranked_on(args[0](env), numbers)
        if e.fn == "rank":
            return lambda env: args[0](env) + 1.0
        if e.fn == "days_between":
            return lambda env: args[1](env) - args[0](env)
        reduce = np.minimum if e.fn == "min" else np.maximum

        def minmax(env: Env) -> Value:
            out = args[0](env)
            for a in args[1:]:
                out = reduce(out, a(env))
            return out
        return minmax

    def band(self, e: Band) -> Fn:
        arg = self.expr(e.arg)
        cuts = band_cuts(e, self.params)

        def banded(env: Env) -> Value:
            x = np.asarray(arg(env), dtype=np.float64)
            out = np.zeros(np.shape(x))
            for c in cuts:
                out += _cmp_general(">=", x, c)
            return np.where(np.isnan(x), sem.NAN, out)
        return banded

    def logic(self, e: Logic) -> Fn:
        args = [self.expr(a) for a in e.args]
        combine = np.logical_and if e.op == "and" else np.logical_or

        def logic(env: Env) -> Value:
            out = _as_bool(args[0](env), env.n)
            for a in args[1:]:
                out = combine(out, a(env))
            return out
        return logic

    def not_(self, e: Not) -> Fn:
        arg = self.expr(e.arg)
        return lambda env: np.logical_not(arg(env))

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
        if e.left.type == "bool":
            if e.op == "==":
                return lambda env: np.equal(left(env), right(env))
            return lambda env: np.not_equal(left(env), right(env))
        cmp = self.comparator(e)
        return lambda env: cmp(left(env), right(env))

    def comparator(self, e: Compare) -> Callable[[Value, Value], Value]:
        """The tolerant comparison of two numeric values, in its cheapest exact form."""
        op = e.op
        if _nonneg(e.left, self.params) and _nonneg(e.right, self.params):
            return lambda a, b: _cmp_nonneg(op, a, b)
        return lambda a, b: _cmp_general(op, a, b)


Kleene = tuple[Value, "BoolArray | None"]  # (value where known, mask of rows where unknown)


def _any_missing(env: Env, keys: tuple[str, ...]) -> BoolArray | None:
    """Rows where any of `keys` is missing, or None when no row is."""
    mask: BoolArray | None = None
    for key in keys:
        mask = _or_masks(mask, env.missing(key))
    return mask


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
        return getattr(self, COLUMNAR_KLEENE[type(e)])(e)  # type: ignore[no-any-return]

    def logic(self, e: Logic) -> Callable[[Env], Kleene]:
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

    def not_(self, e: Not) -> Callable[[Env], Kleene]:
        arg = self.expr(e.arg)

        def negate(env: Env) -> Kleene:
            v, m = arg(env)
            return np.logical_not(v), m
        return negate

    def compare(self, e: Compare) -> Callable[[Env], Kleene]:
        if e.left.type != "bool":
            return self.strict(e)
        left, right = self.expr(e.left), self.expr(e.right)
        equal = e.op == "=="

        def compare_bools(env: Env) -> Kleene:
            (a, am), (b, bm) = left(env), right(env)
            out = np.equal(a, b) if equal else np.not_equal(a, b)
            return out, _or_masks(am, bm)
        return compare_bools

    def strict(self, e: Expr) -> Callable[[Env], Kleene]:
        keys = missing_keys(e)
        plain = self.plain.expr(e)

        def strict(env: Env) -> Kleene:
            return plain(env), _any_missing(env, keys)
        return strict


COLUMNAR: dict[type[Expr], str] = {
    Const: "const", OrdinalConst: "const", DateConst: "const", ParamRef: "param",
    FieldRef: "field", Derived: "field", Member: "member", Arith: "arith", Neg: "neg",
    Scale: "scale", Call: "call", Band: "band", Compare: "compare", Logic: "logic", Not: "not_",
}
"""The columnar evaluator's handler (a `_Compiler` method) per IR node class."""

COLUMNAR_KLEENE: dict[type[Expr], str] = {
    **dict.fromkeys(COLUMNAR, "strict"), Logic: "logic", Not: "not_", Compare: "compare",
}
"""Its three-valued handler (a `_KleeneCompiler` method) per IR node class."""


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


class _Decided(Mapping[str, FloatArray]):
    """Per-rule values with NaN where the outcome is neither pass nor fail, masked on first access
    so that evaluation does not pay for values nobody reads."""

    def __init__(self, raw: dict[str, FloatArray], codes: dict[str, CodeArray]) -> None:
        self._raw = raw
        self._codes = codes
        self._done: dict[str, FloatArray] = {}

    def __getitem__(self, rule_id: str) -> FloatArray:
        got = self._done.get(rule_id)
        if got is None:
            codes = self._codes[rule_id]
            decided = (codes == PASS) | (codes == FAIL)
            got = self._done[rule_id] = np.where(decided, self._raw[rule_id], sem.NAN)
        return got

    def __iter__(self) -> Any:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


@dataclass
class ColumnarResult:
    """Per rule: outcome codes, measured and required values (NaN unless pass or fail), units."""

    n: int
    rule_ids: list[str]
    codes: dict[str, CodeArray]
    measured: Mapping[str, FloatArray]
    required: Mapping[str, FloatArray]
    units: dict[str, str]
    items: dict[str, list[str | None]] = field(default_factory=dict)
    values: dict[str, FloatArray] = field(default_factory=dict)
    decisions: dict[str, DecidedColumns] = field(default_factory=dict)

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

    def __init__(self, rule: Rule, c: _Compiler) -> None:
        k = _KleeneCompiler(c)
        params = c.params
        self.rule = rule
        self.applies = c.expr(rule.applies_if) if rule.applies_if is not None else None
        self.applies3 = k.expr(rule.applies_if) if rule.applies_if is not None else None
        self.check3 = k.expr(rule.check)
        self.applies_keys = missing_keys(rule.applies_if)
        self.check_keys = tuple(k for k in missing_keys(rule.check) if k not in self.applies_keys)
        cmp = rule.comparison
        self.cmp = c.comparator(cmp) if cmp is not None else None
        self.check = c.expr(rule.check)
        self.left = c.expr(cmp.left) if cmp is not None else None
        self.right = c.expr(cmp.right) if cmp is not None else None
        self.op = cmp.op if cmp is not None else ""
        # Only a side with a division can be undefined (NaN from x/0) once inputs are present.
        self.undefined_left = cmp is not None and _has_division(cmp.left)
        self.undefined_right = cmp is not None and _has_division(cmp.right)
        # A side that is an input column or a constant is referenced, not copied, into the result.
        self.left_column = cmp.left.key if cmp is not None and isinstance(cmp.left, FieldRef) \
            else None
        self.right_constant: float | None = None
        if cmp is not None and isinstance(cmp.right, Const | ParamRef):
            value = cmp.right.value if isinstance(cmp.right, Const) else params[cmp.right.name]
            self.right_constant = float(value)
        self.factor, self.unit = rule.display_scale()

    def run(self, env: Env, codes: CodeArray, measured: FloatArray, required: FloatArray,
            *, write_sides: bool = False) -> None:
        """Write this rule's codes and raw measured/required values for the rows of `env`.

        Unless `write_sides`, a side that is an input column or a constant is not written: the
        caller references the column, or fills the constant, once for the whole batch.
        """
        n = env.n
        if self.cmp is not None:
            m = self.left(env)  # type: ignore[misc]
            r = self.right(env)  # type: ignore[misc]
            ok = _as_bool(self.cmp(m, r), n)
            if write_sides or self.left_column is None:
                measured[...] = m
            if write_sides or self.right_constant is None:
                required[...] = r
        else:
            ok = _as_bool(self.check(env), n)
            measured[...] = ok
            required[...] = 1.0
        # FAIL (3) where not ok, PASS (1) where ok, in two byte-wide passes.
        np.left_shift(ok.view(np.uint8), 1, out=codes)
        np.subtract(FAIL, codes, out=codes)
        if self.undefined_left:
            _mark_undefined(codes, m)
        if self.undefined_right:
            _mark_undefined(codes, r)
        # Decisions are applied from the lowest priority up, so each overrides the ones before,
        # giving the scalar path's order: applicability inputs, applicability, check inputs, ...
        check_missing = _any_missing(env, self.check_keys)
        if check_missing is not None:
            np.copyto(codes, UNKNOWN, where=check_missing)
            if self.cmp is None:
                v, undecided = self.check3(env)
                certain_fail = check_missing & ~_as_bool(v, n)
                if undecided is not None:
                    certain_fail &= ~undecided
                np.copyto(codes, FAIL, where=certain_fail)
        if self.applies is not None:
            applies = _as_bool(self.applies(env), n)
            app_missing = _any_missing(env, self.applies_keys)
            if app_missing is None:
                if applies.base is None and applies.flags.writeable:
                    np.logical_not(applies, out=applies)
                else:
                    applies = ~applies
                np.copyto(codes, NA, where=applies)
            else:
                v, undecided = self.applies3(env)  # type: ignore[misc]
                vb = _as_bool(v, n)
                undecided = np.zeros(n, dtype=np.bool_) if undecided is None else undecided
                np.copyto(codes, NA, where=np.where(app_missing, ~vb & ~undecided, ~applies))
                np.copyto(codes, UNKNOWN, where=app_missing & undecided)

    def slack(self, codes: CodeArray, measured: FloatArray, required: FloatArray) -> FloatArray:
        """Margin towards the requirement where decided, else 0: orders items as the scalar path."""
        if self.op in (">=", ">"):
            out = measured - required
        elif self.op in ("<=", "<"):
            out = required - measured
        else:
            return np.zeros(len(codes))
        decided = (codes == PASS) | (codes == FAIL)
        return np.where(decided & ~np.isnan(out), out, 0.0)


CHUNK = 65_536  # rows per slice: temporaries stay in cache instead of being allocated per operation


def _shared_nodes(rules: Sequence[Rule]) -> frozenset[int]:
    """Ids of composite nodes that occur more than once across the rules (inlined definitions)."""
    seen: dict[int, int] = {}
    for rule in rules:
        for root in (rule.applies_if, rule.check):
            if root is None:
                continue
            for node in walk(root):
                if isinstance(node, Arith | Call | Scale | Neg):
                    seen[id(node)] = seen.get(id(node), 0) + 1
    return frozenset(k for k, v in seen.items() if v > 1)


class ColumnarEvaluator:
    """A pack compiled for many subjects at once."""

    def __init__(self, pack: Pack, rule_ids: Sequence[str] | None = None,
                 chunk: int = CHUNK) -> None:
        params = {n: p.value for n, p in pack.parameters.items()}
        rules = pack.rules if rule_ids is None else tuple(pack.rule(r) for r in rule_ids)
        compiler = _Compiler(params, _shared_nodes(rules))
        self.pack = pack
        self.chunk = max(1, chunk)
        self.rules = [_ColumnarRule(r, compiler) for r in rules]
        plan = pack.plan if rule_ids is None else needed(
            pack.plan, tuple(k for r in rules for e in (r.applies_if, r.check)
                             for k in derived_keys(e)))
        self._derived = _Derived(pack, _Compiler(params), plan) if plan else None

    def evaluate(self, batch: ColumnBatch, *, as_of: dt.date | None = None) -> ColumnarResult:
        """Evaluate every rule on every row of `batch` (values and decisions too)."""
        values: dict[str, FloatArray] = {}
        decisions: dict[str, DecidedColumns] = {}
        if self._derived is not None:
            batch = self._derived.run(batch, as_of, values, decisions)
        result = self._rules(batch)
        result.values, result.decisions = values, decisions
        return result

    def _rules(self, batch: ColumnBatch) -> ColumnarResult:
        n = batch.n
        codes: dict[str, CodeArray] = {}
        measured: dict[str, FloatArray] = {}
        required: dict[str, FloatArray] = {}
        flat = [cr for cr in self.rules if cr.rule.each is None]
        for cr in flat:
            rid = cr.rule.id
            codes[rid] = np.empty(n, dtype=np.uint8)
            measured[rid] = batch.columns[cr.left_column] if cr.left_column else np.empty(n)
            required[rid] = np.full(n, cr.right_constant) if cr.right_constant is not None \
                else np.empty(n)
        for start in range(0, n, self.chunk):
            stop = min(n, start + self.chunk)
            env = Env(stop - start, batch.columns, start=start, stop=stop)
            for cr in flat:
                rid = cr.rule.id
                cr.run(env, codes[rid][start:stop], measured[rid][start:stop],
                       required[rid][start:stop])
        items: dict[str, list[str | None]] = {}
        base = Env(n, batch.columns)
        item_envs: dict[str, Env] = {}
        for cr in self.rules:
            if cr.rule.each is None:
                continue
            table = batch.collections[cr.rule.each]
            ienv = item_envs.get(cr.rule.each)
            if ienv is None:
                ienv = item_envs[cr.rule.each] = Env(len(table.parent), table.columns, base,
                                                     table.parent)
            rid = cr.rule.id
            codes[rid], measured[rid], required[rid], items[rid] = _aggregate(cr, ienv, table, n)
        for cr in self.rules:
            if cr.factor != 1.0:
                measured[cr.rule.id] = measured[cr.rule.id] * cr.factor
                required[cr.rule.id] = required[cr.rule.id] * cr.factor
        return ColumnarResult(n, [cr.rule.id for cr in self.rules], codes,
                              _Decided(measured, codes), _Decided(required, codes),
                              {cr.rule.id: cr.unit for cr in self.rules}, items)


_OUTCOME_CODES = np.array([2.0, 0.0, sem.NAN, 1.0])  # by Code: NA, PASS, UNKNOWN, FAIL -> choice


class _Derived:
    """The pack's derived facts as columns, in the order of its plan (see `engine.scalar`)."""

    def __init__(self, pack: Pack, c: _Compiler, plan: tuple[PlanStep, ...]) -> None:
        self.pack = pack
        self.plan = plan
        self.k = _KleeneCompiler(c)
        self.rules = {r.id: _ColumnarRule(r, c) for r in pack.rules}
        self.values = {v.id: self.k.expr(v.expr) for v in pack.values}
        self.tables = {t.id: (t, [self.k.expr(r.condition) for r in t.rows])
                       for t in pack.decisions}
        self.aggs = {key: tuple(self.k.expr(e) if e is not None else None
                                for e in (a.arg, a.where, a.default))
                     for key, a in pack.aggregates.items()}

    def run(self, batch: ColumnBatch, as_of: dt.date | None, values: dict[str, FloatArray],
            decisions: dict[str, DecidedColumns]) -> ColumnBatch:
        n = batch.n
        cols = dict(batch.columns)
        out = ColumnBatch(n, cols, batch.collections)
        env = Env(n, cols)
        for step in self.plan:
            if step.kind == "as_of":
                if as_of is None:  # the engine reads no clock: the caller's date or nothing
                    raise McrulesError(f"pack {self.pack.id} reads the evaluation date: pass "
                                       "as_of", path="as_of")
                col = np.full(n, float(as_of.toordinal()))
            elif step.kind == "aggregate":
                col = self.aggregate(step.target, env, out)
            elif step.kind == "value":
                v, m = self.values[step.target](env)
                col = _known(v, m, n)
                values[step.target] = col
            elif step.kind == "outcome":
                col = self.outcome(step.target, env, out)
            else:
                table, rows = self.tables[step.target]
                true, unknown = [], []
                for fn in rows:
                    v, m = fn(env)
                    vb = _as_bool(v, n)
                    true.append(vb if m is None else vb & ~m)
                    unknown.append(np.zeros(n, dtype=np.bool_) if m is None else m)
                d = decisions[step.target] = decide_columns(table, true, unknown, n)
                col = np.where(d.output >= 0, d.output.astype(np.float64), sem.NAN)
                if table.hit_policy == "collect":
                    col = np.full(n, sem.NAN)
            cols[step.key] = col
        return out

    def outcome(self, rule_id: str, env: Env, batch: ColumnBatch) -> FloatArray:
        cr = self.rules.get(rule_id)
        n = batch.n
        if cr is None:  # not in force on the evaluation date
            return np.full(n, 2.0)
        if cr.rule.each is None:
            codes = np.empty(n, dtype=np.uint8)
            cr.run(env, codes, np.empty(n), np.empty(n))
        else:
            table = batch.collections[cr.rule.each]
            ienv = Env(len(table.parent), table.columns, env, table.parent)
            codes = _aggregate(cr, ienv, table, n)[0]
        return _OUTCOME_CODES[codes]

    def aggregate(self, key: str, env: Env, batch: ColumnBatch) -> FloatArray:
        """See `Aggregate`: the same three-valued reductions as the scalar path, per parent row."""
        agg = self.pack.aggregates[key]
        arg_fn, where_fn, default_fn = self.aggs[key]
        table = batch.collections[agg.collection]
        n, m = batch.n, len(table.parent)
        parent = table.parent
        ienv = Env(m, table.columns, env, parent)
        zeros = np.zeros(m, dtype=np.bool_)
        if where_fn is not None:
            wv, wm = where_fn(ienv)
            wv = _as_bool(wv, m)
            wu = zeros if wm is None else wm
        else:
            wv, wu = np.ones(m, dtype=np.bool_), zeros
        w_true, w_false = wv & ~wu, ~wv & ~wu

        def per_parent(mask: BoolArray) -> BoolArray:
            return np.bincount(parent, weights=mask, minlength=n) > 0

        if agg.fn in ("any", "all"):
            assert arg_fn is not None
            av, am = arg_fn(ienv)
            av = _as_bool(av, m)
            au = zeros if am is None else am
            a_true, a_false = av & ~au, ~av & ~au
            if agg.fn == "any":
                t, f = w_true & a_true, w_false | a_false
            else:
                t, f = w_false | a_true, w_true & a_false
            nt, nf, nu = per_parent(t), per_parent(f), per_parent(~(t | f))
            if agg.fn == "any":
                col = np.where(nt, 1.0, np.where(nu, sem.NAN, 0.0))
            else:
                col = np.where(nf, 0.0, np.where(nu, sem.NAN, 1.0))
        else:
            if arg_fn is not None:
                av, am = arg_fn(ienv)
                a = np.broadcast_to(np.asarray(av, dtype=np.float64), (m,))
                au = zeros if am is None else am
            else:
                a, au = np.zeros(m), zeros
            inc = w_true & ~au
            unknown = per_parent(wu | (w_true & au))
            if agg.fn == "count":
                col = np.bincount(parent, weights=inc, minlength=n).astype(np.float64)
            elif agg.fn == "sum":
                col = np.bincount(parent, weights=np.where(inc, a, 0.0), minlength=n)
            else:
                col = np.full(n, -np.inf if agg.fn == "max" else np.inf)
                (np.maximum if agg.fn == "max" else np.minimum).at(col, parent[inc], a[inc])
                empty = ~per_parent(inc)
                if default_fn is not None:
                    dv, dm = default_fn(env)
                    default = _known(dv, dm, n)
                    col = np.where(empty, default, col)
                else:
                    col[empty] = sem.NAN
            col = np.where(unknown, sem.NAN, col)
        return np.where(np.isnan(table.present), sem.NAN, col)


def _known(v: Value, m: BoolArray | None, n: int) -> FloatArray:
    """A three-valued result as a float column: NaN where unknown (bools as 1.0/0.0)."""
    col = np.array(np.broadcast_to(np.asarray(v, dtype=np.float64), (n,)))
    if m is not None:
        col[m] = sem.NAN
    return col


def _aggregate(cr: _ColumnarRule, ienv: Env, table: ItemTable,
               n: int) -> tuple[CodeArray, FloatArray, FloatArray, list[str | None]]:
    """A site's verdict is its worst item's; the deciding item is the worst, then the tightest,
    then the first: the scalar path's order."""
    codes = np.where(np.isnan(table.present), UNKNOWN, NA).astype(np.uint8)
    measured = np.full(n, sem.NAN)
    required = np.full(n, sem.NAN)
    labels = np.full(n, None, dtype=object)
    if ienv.n == 0:
        return codes, measured, required, labels.tolist()
    icodes = np.empty(ienv.n, dtype=np.uint8)
    im, ir = np.empty(ienv.n), np.empty(ienv.n)
    cr.run(ienv, icodes, im, ir, write_sides=True)
    slack = cr.slack(icodes, im, ir)
    chosen = _deciding_items(table.parent, icodes, slack)
    rows = table.parent[chosen]
    codes[rows] = icodes[chosen]
    measured[rows] = im[chosen]
    required[rows] = ir[chosen]
    named = icodes[chosen] != NA
    if table.labels:
        labels[rows[named]] = table.label_array()[chosen[named]]
    return codes, measured, required, labels.tolist()


def _deciding_items(parent: npt.NDArray[np.intp], icodes: CodeArray,
                    slack: FloatArray) -> npt.NDArray[np.intp]:
    """Per parent row, the index of its deciding item: highest code, then least slack, then first."""
    m = len(parent)
    if m > 1 and bool(np.any(parent[1:] < parent[:-1])):
        order = np.lexsort((np.arange(m), slack, -icodes.astype(np.int16), parent))
        first = np.ones(m, dtype=np.bool_)
        first[1:] = parent[order][1:] != parent[order][:-1]
        return order[first].astype(np.intp)
    # Items grouped by parent (as the readers build them): reductions per group, no sort.
    starts = np.flatnonzero(np.r_[True, parent[1:] != parent[:-1]])
    group = np.cumsum(np.r_[True, parent[1:] != parent[:-1]]) - 1
    top = np.maximum.reduceat(icodes, starts)
    is_top = icodes == top[group]
    tight = np.where(is_top, slack, np.inf)
    least = np.minimum.reduceat(tight, starts)
    candidate = np.flatnonzero(is_top & (tight == least[group]))
    first = np.r_[True, group[candidate][1:] != group[candidate][:-1]]
    return candidate[first].astype(np.intp)
