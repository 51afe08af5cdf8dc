"""The pack's derived facts as columns for the columnar evaluator: the evaluation date, the
aggregates over collections, values, rule outcomes and decision tables, in the order of the pack's
plan (`rules/plan.py`), each with the scalar path's three-valued semantics (`engine/scalar.py`).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from mcrules.engine import semantics as sem
from mcrules.engine.columnar_compile import ColumnarRule, Compiler, KleeneCompiler, aggregate_items
from mcrules.engine.columns import ColumnBatch, FloatArray
from mcrules.engine.decide_columns import DecidedColumns, decide_columns
from mcrules.engine.kernels import BoolArray, Env, as_bool, known
from mcrules.errors import McrulesError
from mcrules.rules.pack import Pack
from mcrules.rules.plan import Step as PlanStep

_OUTCOME_CODES = np.array([2.0, 0.0, sem.NAN, 1.0])  # by Code: NA, PASS, UNKNOWN, FAIL -> choice


class DerivedColumns:
    """The pack's derived facts as columns, in the order of its plan (see `engine.scalar`)."""

    def __init__(self, pack: Pack, c: Compiler, plan: tuple[PlanStep, ...]) -> None:
        self.pack = pack
        self.plan = plan
        self.k = KleeneCompiler(c)
        self.rules = {r.id: ColumnarRule(r, c) for r in pack.rules}
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
                col = known(v, m, n)
                values[step.target] = col
            elif step.kind == "outcome":
                col = self.outcome(step.target, env, out)
            else:
                table, rows = self.tables[step.target]
                true, unknown = [], []
                for fn in rows:
                    v, m = fn(env)
                    vb = as_bool(v, n)
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
            codes = aggregate_items(cr, ienv, table, n)[0]
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
            wv = as_bool(wv, m)
            wu = zeros if wm is None else wm
        else:
            wv, wu = np.ones(m, dtype=np.bool_), zeros
        w_true, w_false = wv & ~wu, ~wv & ~wu

        def per_parent(mask: BoolArray) -> BoolArray:
            return np.bincount(parent, weights=mask, minlength=n) > 0

        if agg.fn in ("any", "all"):
            assert arg_fn is not None
            av, am = arg_fn(ienv)
            av = as_bool(av, m)
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
                    default = known(dv, dm, n)
                    col = np.where(empty, default, col)
                else:
                    col[empty] = sem.NAN
            col = np.where(unknown, sem.NAN, col)
        return np.where(np.isnan(table.present), sem.NAN, col)
