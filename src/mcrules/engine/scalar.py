"""The scalar evaluator: one subject at a time, with a full explanation of every verdict.

A pack is compiled once (`engine.compiled`); evaluating a subject first computes the pack's
derived facts in dependency order (the evaluation date, aggregates over collections, values,
the outcomes of rules that other rules read, decisions), then every rule. Results, values and
decisions come back as plain data, with the smallest fix for each failing rule.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from mcrules.engine import semantics as sem
from mcrules.engine.compiled import (
    MISSING_KEY,
    UNDEFINED,
    CompiledRule,
    Facts,
    Getter,
    Verdict,
    compile_kleene,
    deciding_item,
    expand_missing,
)
from mcrules.engine.counterfactual import find_fixes
from mcrules.engine.decide import DECIDED, NO_MATCH, STATUS_WORDS, Decided, decide
from mcrules.engine.outcomes import DecisionResult, Fix, Outcome, Result, ValueResult
from mcrules.errors import McrulesError
from mcrules.rules.ir import (
    AS_OF_KEY,
    Aggregate,
    DecisionTable,
    Rule,
    ValueDecl,
    derived_keys,
    field_keys,
)
from mcrules.rules.pack import Pack
from mcrules.rules.plan import Step as PlanStep
from mcrules.rules.plan import needed

DECIDED_KEY = "__decided__"
_OUTCOME_WORDS = {Outcome.PASS: "pass", Outcome.FAIL: "fail",
                  Outcome.NOT_APPLICABLE: "not_applicable"}


class ExplainedRule(CompiledRule):
    """A compiled rule that dresses its verdicts as Results, with fixes."""

    __slots__ = ("alternatives",)

    def __init__(self, rule: Rule, params: Mapping[str, float], alternatives: bool) -> None:
        super().__init__(rule, params)
        self.alternatives = alternatives

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
            return self.result(Verdict(Outcome.UNKNOWN, m, r, reason=UNDEFINED), f)
        if not cmp(m, r):
            return self.result(Verdict(Outcome.FAIL, m, r), f)
        if self.factor != 1.0:
            m *= self.factor
            r *= self.factor
        return Result(self.rule, Outcome.PASS, m, r, self.unit,
                      m - r if self.ascending else r - m if self.descending else None, self.op)

    def per_item(self, f: Facts) -> Result:
        verdict, merged, label = deciding_item(self, f)
        return self.result(verdict, merged, label)

    def result(self, v: Verdict, f: Facts | None, item: str | None = None) -> Result:
        measured, required, margin = v.measured, v.required, None
        if isinstance(measured, float) and isinstance(required, float):
            measured *= self.factor
            required *= self.factor
            if measured == measured and required == required:
                margin = sem.margin(self.op, measured, required)
        op = self.op if self.cmp is not None else ""
        fixes: tuple[Fix, ...] = ()
        if v.outcome is Outcome.FAIL and f is not None and self.rule.levers:
            # The first lever that yields a fix is the primary one; the others follow if asked.
            levers = self.rule.levers
            for i, lever in enumerate(levers):
                fixes = find_fixes(self, f, (lever,))
                if fixes:
                    if self.alternatives:
                        fixes += find_fixes(self, f, levers[i + 1:])
                    break
        return Result(self.rule, v.outcome, measured, required, self.unit, margin, op,
                      v.missing, item, fixes, v.reason)


@dataclass(frozen=True)
class Evaluation:
    """Everything one subject's evaluation gives: rule results, values, decisions, and the facts
    they were computed from (with the derived ones), for the next-question search."""

    results: tuple[Result, ...]
    values: tuple[ValueResult, ...]
    decisions: tuple[DecisionResult, ...]
    facts: Mapping[str, Any]
    as_of: dt.date | None


Step = Callable[[dict[str, Any]], None]


class ScalarEvaluator:
    """A pack compiled for evaluating one subject at a time with full explanations.

    `alternatives` also computes, for a failing rule, the fix along each of its other levers.
    """

    def __init__(self, pack: Pack, rule_ids: Sequence[str] | None = None, *,
                 alternatives: bool = False) -> None:
        params = {n: p.value for n, p in pack.parameters.items()}
        rules = pack.rules if rule_ids is None else tuple(pack.rule(r) for r in rule_ids)
        self.pack = pack
        self.rules = [ExplainedRule(r, params, alternatives) for r in rules]
        self._steps: list[Callable[[Facts], Result]] = [
            cr.evaluate if cr.rule.each is None else cr.per_item for cr in self.rules]
        # A subset of rules needs only the derived facts they read (and no values or decisions).
        self.plan = pack.plan if rule_ids is None else needed(
            pack.plan, tuple(k for r in rules for e in (r.applies_if, r.check)
                             for k in derived_keys(e)))
        self.values = pack.values if rule_ids is None else ()
        self.decisions = pack.decisions if rule_ids is None else ()
        self._derived = _compile_plan(pack, params, self.plan)
        self.uses_as_of = any(s.kind == "as_of" for s in self.plan)

    def evaluate(self, facts: Facts, *, as_of: dt.date | None = None) -> list[Result]:
        """Evaluate every rule on one subject's flat facts (see `mcrules.facts`)."""
        f = self.derive(facts, as_of) if self._derived else facts
        return [step(f) for step in self._steps]

    def derive(self, facts: Facts, as_of: dt.date | None = None) -> dict[str, Any]:
        """The facts with the pack's derived facts added (a copy; `facts` is not changed)."""
        f: dict[str, Any] = dict(facts)
        f[MISSING_KEY] = {}
        f[DECIDED_KEY] = {}
        f[AS_OF_KEY] = (float(as_of.toordinal()) if as_of is not None
                        else float(self._date(as_of).toordinal()) if self.uses_as_of else math.nan)
        for step in self._derived:
            step(f)
        return f

    def run(self, facts: Facts, *, as_of: dt.date | None = None) -> Evaluation:
        """Rules, values and decisions on one subject."""
        if self.uses_as_of:
            as_of = self._date(as_of)
        f = self.derive(facts, as_of) if self._derived else facts
        results = tuple(step(f) for step in self._steps)
        return Evaluation(results, self._values(f), self._decisions(f), f,
                          as_of if self.uses_as_of else None)

    def _date(self, as_of: dt.date | None) -> dt.date:
        """`as_of`, which a pack that reads the evaluation date needs: the engine reads no clock
        (the API reads it once and passes it down)."""
        if as_of is None:
            raise McrulesError(f"pack {self.pack.id} reads the evaluation date: pass as_of",
                               path="as_of")
        return as_of

    def _values(self, f: Mapping[str, Any]) -> tuple[ValueResult, ...]:
        out = []
        why = f.get(MISSING_KEY) or {}
        for v in self.values:
            result = f.get(v.key)
            missing = tuple(why.get(v.key, ())) if result is None else ()
            reason = "" if result is not None or missing else "undefined value"
            out.append(ValueResult(v, result, missing, reason))
        return tuple(out)

    def _decisions(self, f: Mapping[str, Any]) -> tuple[DecisionResult, ...]:
        decided = f.get(DECIDED_KEY) or {}
        return tuple(dress_decision(t, *decided[t.id]) for t in self.decisions)


def dress_decision(table: DecisionTable, d: Decided, missing: tuple[str, ...]) -> DecisionResult:
    """A Decided as data a caseworker can read: outputs by name, the rows' reasons and
    obligations, the citations of the table and of the rows."""
    by_number = {r.number: r for r in table.rows}
    if table.default is not None:
        by_number[0] = table.default
    rows = [by_number[n] for n in d.rows]
    names = tuple(table.outputs[i] for i in d.outputs)
    decision: str | tuple[str, ...] | None = names[0] if names else None
    if table.hit_policy == "collect" and d.status == DECIDED:
        decision = names
    reasons = tuple(r for row in rows for r in row.reasons)
    if d.fallback:
        verb = "is" if len(missing) == 1 else "are"
        reasons += (f"fails closed to {decision} while {', '.join(missing) or 'an input'} {verb} "
                    "unknown",)
    obligations = tuple(dict.fromkeys(o for row in rows for o in row.obligations))
    citations = table.citations + tuple(c for row in rows for c in row.citations)
    return DecisionResult(table, STATUS_WORDS[d.status], decision, d.rows, reasons, obligations,
                          citations, missing, d.fallback)


# -- derived facts --------------------------------------------------------------------------

def _compile_plan(pack: Pack, params: Mapping[str, float],
                  plan: tuple[PlanStep, ...]) -> list[Step]:
    rules = {r.id: r for r in pack.rules}
    values = {v.id: v for v in pack.values}
    tables = {t.id: t for t in pack.decisions}
    steps: list[Step] = []
    for step in plan:
        if step.kind == "aggregate":
            steps.append(partial(_aggregate, pack.aggregates[step.target], _AggFns.of(
                pack.aggregates[step.target], params)))
        elif step.kind == "value":
            v = values[step.target]
            steps.append(partial(_value, v, compile_kleene(v.expr, params), field_keys(v.expr)))
        elif step.kind == "outcome":
            rule = rules.get(step.target)
            steps.append(partial(_outcome, step.key,
                                 CompiledRule(rule, params) if rule is not None else None))
        elif step.kind == "decision":
            t = tables[step.target]
            steps.append(partial(_decision, t, [compile_kleene(r.condition, params) for r in t.rows],
                                 [field_keys(r.condition) for r in t.rows]))
    return steps


def _missing_of(f: Mapping[str, Any], keys: Sequence[str]) -> tuple[str, ...]:
    return expand_missing(f, [k for k in keys if f.get(k) is None])


def _set(f: dict[str, Any], key: str, value: Any, missing: tuple[str, ...]) -> None:
    if isinstance(value, float) and value != value:
        value = None  # undefined (a division by zero) reads as missing downstream
    f[key] = value
    if value is None:
        f[MISSING_KEY][key] = missing


def _value(v: ValueDecl, fn: Getter, keys: tuple[str, ...], f: dict[str, Any]) -> None:
    value = fn(f)
    _set(f, v.key, value, _missing_of(f, keys) if value is None else ())


def _outcome(key: str, cr: CompiledRule | None, f: dict[str, Any]) -> None:
    if cr is None:  # not in force on the evaluation date
        f[key] = "not_applicable"
        return
    verdict = cr.verdict(f) if cr.rule.each is None else deciding_item(cr, f)[0]
    _set(f, key, _OUTCOME_WORDS.get(verdict.outcome), verdict.missing)


def _decision(table: DecisionTable, rows: list[Getter], keys: list[tuple[str, ...]],
              f: dict[str, Any]) -> None:
    states = []
    for fn in rows:
        v = fn(f)
        states.append(None if v is None else bool(v))
    d = decide(table, states)
    missing: tuple[str, ...] = ()
    if d.status != DECIDED and d.status != NO_MATCH:
        seen: dict[str, None] = {}
        for s, k in zip(states, keys, strict=True):
            if s is None:
                for m in _missing_of(f, k):
                    seen.setdefault(m, None)
        missing = tuple(seen)
    f[DECIDED_KEY][table.id] = (d, missing)
    single = table.outputs[d.outputs[0]] if len(d.outputs) == 1 and \
        table.hit_policy != "collect" else None
    _set(f, table.key, single, missing)


@dataclass(frozen=True)
class _AggFns:
    """An aggregate's item-level expressions, compiled three-valued."""

    arg: Getter | None
    where: Getter | None
    default: Getter | None
    keys: tuple[str, ...]  # the item and subject fields they read

    @classmethod
    def of(cls, agg: Aggregate, params: Mapping[str, float]) -> _AggFns:
        keys: dict[str, None] = {}
        for e in (agg.arg, agg.where):
            for k in field_keys(e):
                keys.setdefault(k, None)
        arg, where, default = (compile_kleene(e, params) if e is not None else None
                               for e in (agg.arg, agg.where, agg.default))
        return cls(arg, where, default, tuple(keys))


def _aggregate(agg: Aggregate, fns: _AggFns, f: dict[str, Any]) -> None:
    """See `Aggregate`: three-valued reductions, exactly as the columnar evaluator does them."""
    items = f[agg.collection]
    if items is None:
        _set(f, agg.key, None, (agg.collection,))
        return
    unknown_items: list[int] = []
    picked: list[Any] = []     # count/sum/min/max: values of included items
    trues = falses = 0         # any/all: items that settle true / false
    for i, item in enumerate(items):
        merged = {**f, **item}
        w = fns.where(merged) if fns.where is not None else True
        a = fns.arg(merged) if fns.arg is not None else True
        if agg.fn in ("any", "all"):
            # any: w and a; all: (not w) or a; Kleene.
            if agg.fn == "any":
                t = w is True and a is True
                fl = w is False or a is False
            else:
                t = w is False or a is True
                fl = w is True and a is False
            trues += t
            falses += fl
            if not (t or fl):
                unknown_items.append(i)
            continue
        if w is None or (w and a is None):
            unknown_items.append(i)
        elif w:
            picked.append(a)
    value: Any
    if agg.fn == "any":
        value = True if trues else (None if unknown_items else False)
    elif agg.fn == "all":
        value = False if falses else (None if unknown_items else True)
    elif unknown_items:
        value = None
    elif agg.fn == "count":
        value = float(len(picked))
    elif agg.fn == "sum":
        value = _sum(picked)
    elif picked:
        value = sem.fmax(*picked) if agg.fn == "max" else sem.fmin(*picked)
    else:
        value = fns.default(f) if fns.default is not None else None
    missing: tuple[str, ...] = ()
    if value is None:
        missing = _item_missing(agg, fns, f, items, unknown_items)
    _set(f, agg.key, value, missing)


def _sum(values: list[float]) -> float:
    total = 0.0
    for v in values:
        total += v
    return total


def _item_missing(agg: Aggregate, fns: _AggFns, f: Mapping[str, Any], items: list[Any],
                  unknown_items: list[int]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for i in unknown_items:
        item = items[i]
        for k in fns.keys:
            if k.startswith("item."):
                if item.get(k) is None:
                    seen.setdefault(f"{agg.collection}[{i}].{k[5:]}", None)
            elif f.get(k) is None:
                for m in expand_missing(f, [k]):
                    seen.setdefault(m, None)
    if not seen and not unknown_items and agg.default is None and agg.fn in ("min", "max"):
        return ()  # no item to take the min or max of
    return tuple(seen)

