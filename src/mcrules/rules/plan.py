"""The order a pack computes its derived facts in: aggregates, values, referenced rule outcomes
and decisions, each after everything it reads. A cycle is a load error naming its members."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from mcrules.errors import VALUE_CYCLE, RuleLoadError
from mcrules.rules.ir import (
    AS_OF_KEY,
    OUTCOME_PREFIX,
    Aggregate,
    DecisionTable,
    Expr,
    Rule,
    ValueDecl,
    derived_keys,
)

StepKind = Literal["as_of", "aggregate", "value", "outcome", "decision"]


@dataclass(frozen=True)
class Step:
    """Compute one derived fact: `key` is where later expressions read it."""

    kind: StepKind
    key: str
    target: str  # the aggregate key, value id, rule id or decision id
    deps: tuple[str, ...]


def _reads(exprs: Sequence[Expr | None]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for e in exprs:
        for k in derived_keys(e):
            seen.setdefault(k, None)
    return tuple(seen)


def build_plan(rules: Sequence[Rule], values: Sequence[ValueDecl],
               decisions: Sequence[DecisionTable], aggregates: Mapping[str, Aggregate],
               source: str) -> tuple[Step, ...]:
    """Every derived fact in dependency order; RuleLoadError on a cycle."""
    rules_by_id = {r.id: r for r in rules}
    steps: dict[str, Step] = {}
    for agg in aggregates.values():
        steps[agg.key] = Step("aggregate", agg.key, agg.key,
                              _reads([agg.arg, agg.where, agg.default]))
    for v in values:
        steps[v.key] = Step("value", v.key, v.id, _reads([v.expr]))
    for d in decisions:
        exprs: list[Expr | None] = [i.expr for i in d.inputs]
        exprs += [row.condition for row in d.rows]
        steps[d.key] = Step("decision", d.key, d.id, _reads(exprs))
    # Rule outcomes are derived facts only where something reads them.
    pending = [k for s in list(steps.values()) for k in s.deps]
    pending += [k for r in rules for k in _reads([r.applies_if, r.check])]
    while pending:
        key = pending.pop()
        if key in steps:
            continue
        if key == AS_OF_KEY:
            steps[key] = Step("as_of", key, key, ())
        elif key.startswith(OUTCOME_PREFIX):
            rule = rules_by_id[key[len(OUTCOME_PREFIX):]]
            steps[key] = Step("outcome", key, rule.id, _reads([rule.applies_if, rule.check]))
            pending.extend(steps[key].deps)
    return _ordered(steps, source)


def _ordered(steps: Mapping[str, Step], source: str) -> tuple[Step, ...]:
    out: list[Step] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(key: str, path: list[str]) -> None:
        if state.get(key) == 2:
            return
        if state.get(key) == 1:
            cycle = [*path[path.index(key):], key]
            names = " -> ".join(_name(k) for k in cycle)
            raise RuleLoadError(f"a cycle: {names}; a value, rule or decision cannot depend on "
                                "itself", file=source, code=VALUE_CYCLE)
        state[key] = 1
        for dep in steps[key].deps:
            visit(dep, [*path, key])
        state[key] = 2
        out.append(steps[key])

    for key in steps:
        visit(key, [])
    return tuple(out)


def _name(key: str) -> str:
    kind, _, rest = key.partition(":")
    return f"{kind} {rest}" if rest else key


def needed(plan: tuple[Step, ...], roots: tuple[str, ...]) -> tuple[Step, ...]:
    """The steps of `plan` that computing `roots` (derived keys) requires, in plan order."""
    by_key = {s.key: s for s in plan}
    want: set[str] = set()
    todo = [k for k in roots if k in by_key]
    while todo:
        key = todo.pop()
        if key not in want:
            want.add(key)
            todo.extend(d for d in by_key[key].deps if d in by_key)
    return tuple(s for s in plan if s.key in want)
