"""The columnar evaluator: many subjects at once, numpy arrays in, outcome codes out.

Compiled from the same IR as the scalar evaluator and bound to the same semantics
(`engine/semantics.py`): the same tolerance, the same NaN for division by zero, the same order of
decisions (missing applicability inputs, applicability, missing check inputs, undefined values,
the check). A hypothesis test holds the two equal on every rule of every shipped pack.

Hot loops see only float64 arrays: no pint, no pydantic, no Python per row.

The pieces: `engine/kernels.py` (array operations), `engine/columnar_compile.py` (IR to functions
of rows, one rule to its outcome codes) and `engine/derived_columns.py` (the pack's derived facts as
columns); this module runs them over a batch, slice by slice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mcrules.engine import semantics as sem
from mcrules.engine.columnar_compile import ColumnarRule, Compiler, aggregate_items, shared_nodes
from mcrules.engine.columns import ColumnBatch, FloatArray
from mcrules.engine.decide_columns import DecidedColumns
from mcrules.engine.derived_columns import DerivedColumns
from mcrules.engine.kernels import FAIL, PASS, CodeArray, Env
from mcrules.engine.outcomes import Code
from mcrules.rules.ir import derived_keys
from mcrules.rules.pack import Pack
from mcrules.rules.plan import needed


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


CHUNK = 65_536  # rows per slice: temporaries stay in cache instead of being allocated per operation


class ColumnarEvaluator:
    """A pack compiled for many subjects at once."""

    def __init__(self, pack: Pack, rule_ids: Sequence[str] | None = None,
                 chunk: int = CHUNK) -> None:
        params = {n: p.value for n, p in pack.parameters.items()}
        rules = pack.rules if rule_ids is None else tuple(pack.rule(r) for r in rule_ids)
        compiler = Compiler(params, shared_nodes(rules))
        self.pack = pack
        self.chunk = max(1, chunk)
        self.rules = [ColumnarRule(r, compiler) for r in rules]
        plan = pack.plan if rule_ids is None else needed(
            pack.plan, tuple(k for r in rules for e in (r.applies_if, r.check)
                             for k in derived_keys(e)))
        self._derived = DerivedColumns(pack, Compiler(params), plan) if plan else None

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
            codes[rid], measured[rid], required[rid], items[rid] = aggregate_items(cr, ienv, table, n)
        for cr in self.rules:
            if cr.factor != 1.0:
                measured[cr.rule.id] = measured[cr.rule.id] * cr.factor
                required[cr.rule.id] = required[cr.rule.id] * cr.factor
        return ColumnarResult(n, [cr.rule.id for cr in self.rules], codes,
                              _Decided(measured, codes), _Decided(required, codes),
                              {cr.rule.id: cr.unit for cr in self.rules}, items)
