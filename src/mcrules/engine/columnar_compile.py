"""IR compiled for the columnar evaluator: expressions to functions of an `Env` (two- and
three-valued), and one rule to the writer of its outcome codes and measured/required values, for
flat rules and for rules over a collection's items (the deciding item per row).

Mirrors `engine/compiled.py` (the scalar path) node for node; `tests/test_dispatch.py` holds both
tables to every IR node class.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from mcrules.engine import semantics as sem
from mcrules.engine.columns import FloatArray, ItemTable, set_key
from mcrules.engine.compiled import band_cuts, scale_numbers
from mcrules.engine.kernels import (
    FAIL,
    NA,
    PASS,
    UNKNOWN,
    BoolArray,
    CodeArray,
    Env,
    Value,
    any_missing,
    as_bool,
    ceil_general,
    ceil_nonneg,
    cmp_general,
    cmp_nonneg,
    divide,
    floor_tolerant,
    mark_undefined,
    or_masks,
    ranked_on,
)
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
    walk,
)

Fn = Callable[[Env], Value]
Kleene = tuple[Value, "BoolArray | None"]  # (value where known, mask of rows where unknown)


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



class Compiler:
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
        return lambda env: divide(left(env), right(env))

    def neg(self, e: Neg) -> Fn:
        arg = self.expr(e.arg)
        return lambda env: -arg(env)

    def scale(self, e: Scale) -> Fn:
        factor, arg = e.factor, self.expr(e.arg)
        return lambda env: factor * arg(env)

    def call(self, e: Call) -> Fn:
        args = [self.expr(a) for a in e.args]
        if e.fn == "ceil":
            ceil = ceil_nonneg if _nonneg(e.args[0], self.params) else ceil_general
            return lambda env: ceil(args[0](env))
        if e.fn == "floor":
            return lambda env: floor_tolerant(args[0](env))
        if e.fn == "abs":
            return lambda env: np.abs(args[0](env))
        if e.fn == "rank" and len(e.args) > 1:
            numbers = np.asarray(scale_numbers(e, self.params), dtype=np.float64)
            return lambda env: ranked_on(args[0](env), numbers)
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
                out += cmp_general(">=", x, c)
            return np.where(np.isnan(x), sem.NAN, out)
        return banded

    def logic(self, e: Logic) -> Fn:
        args = [self.expr(a) for a in e.args]
        combine = np.logical_and if e.op == "and" else np.logical_or

        def logic(env: Env) -> Value:
            out = as_bool(args[0](env), env.n)
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
            return lambda a, b: cmp_nonneg(op, a, b)
        return lambda a, b: cmp_general(op, a, b)


class KleeneCompiler:
    """Three-valued evaluation for rows with missing inputs, mirroring `scalar.compile_kleene`.

    Values and missing-masks travel separately, so a missing input (unknown) is never confused with
    a division by zero (undefined, which compares false as in the two-valued path).
    """

    def __init__(self, plain: Compiler) -> None:
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
                vb = as_bool(v, env.n)
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
            return out, or_masks(am, bm)
        return compare_bools

    def strict(self, e: Expr) -> Callable[[Env], Kleene]:
        keys = missing_keys(e)
        plain = self.plain.expr(e)

        def strict(env: Env) -> Kleene:
            return plain(env), any_missing(env, keys)
        return strict


COLUMNAR: dict[type[Expr], str] = {
    Const: "const", OrdinalConst: "const", DateConst: "const", ParamRef: "param",
    FieldRef: "field", Derived: "field", Member: "member", Arith: "arith", Neg: "neg",
    Scale: "scale", Call: "call", Band: "band", Compare: "compare", Logic: "logic", Not: "not_",
}
"""The columnar evaluator's handler (a `Compiler` method) per IR node class."""

COLUMNAR_KLEENE: dict[type[Expr], str] = {
    **dict.fromkeys(COLUMNAR, "strict"), Logic: "logic", Not: "not_", Compare: "compare",
}
"""Its three-valued handler (a `KleeneCompiler` method) per IR node class."""


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


class ColumnarRule:
    """One rule compiled for arrays."""

    def __init__(self, rule: Rule, c: Compiler) -> None:
        k = KleeneCompiler(c)
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
            ok = as_bool(self.cmp(m, r), n)
            if write_sides or self.left_column is None:
                measured[...] = m
            if write_sides or self.right_constant is None:
                required[...] = r
        else:
            ok = as_bool(self.check(env), n)
            measured[...] = ok
            required[...] = 1.0
        # FAIL (3) where not ok, PASS (1) where ok, in two byte-wide passes.
        np.left_shift(ok.view(np.uint8), 1, out=codes)
        np.subtract(FAIL, codes, out=codes)
        if self.undefined_left:
            mark_undefined(codes, m)
        if self.undefined_right:
            mark_undefined(codes, r)
        # Decisions are applied from the lowest priority up, so each overrides the ones before,
        # giving the scalar path's order: applicability inputs, applicability, check inputs, ...
        check_missing = any_missing(env, self.check_keys)
        if check_missing is not None:
            np.copyto(codes, UNKNOWN, where=check_missing)
            if self.cmp is None:
                v, undecided = self.check3(env)
                certain_fail = check_missing & ~as_bool(v, n)
                if undecided is not None:
                    certain_fail &= ~undecided
                np.copyto(codes, FAIL, where=certain_fail)
        if self.applies is not None:
            applies = as_bool(self.applies(env), n)
            app_missing = any_missing(env, self.applies_keys)
            if app_missing is None:
                if applies.base is None and applies.flags.writeable:
                    np.logical_not(applies, out=applies)
                else:
                    applies = ~applies
                np.copyto(codes, NA, where=applies)
            else:
                v, undecided = self.applies3(env)  # type: ignore[misc]
                vb = as_bool(v, n)
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



def shared_nodes(rules: Sequence[Rule]) -> frozenset[int]:
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



def aggregate_items(cr: ColumnarRule, ienv: Env, table: ItemTable,
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
