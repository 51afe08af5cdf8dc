"""The next question to ask: which missing inputs would settle which unknown verdicts.

For every unknown rule, value and decision, the inputs it is missing are candidates. A candidate
is listed only when some answer to it, with every other missing input still missing, actually
settles at least one of them under the engine's three-valued logic: each candidate answer is
evaluated, so a listed question never changes nothing (publicodes' `missingVariables` ranks by a
heuristic score and can list such questions). Questions are ranked by how many unknown verdicts
some answer settles, then by where they first appear.

The answers tried are every value of a finite input (yes/no, each choice, each level, the empty
list and each single item of a set), and for numbers and dates a grid that contains the pack's
own constants and parameter values with their neighbours, whole numbers up to 25 and powers of
ten; a missing list is tried empty and with items built from those answers. A verdict that only
some other number settles is not claimed: the search is exact for finite inputs and for
thresholds the pack states, which is every rule shipped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mcrules.engine.outcomes import Outcome
from mcrules.engine.scalar import Evaluation, ScalarEvaluator
from mcrules.rules.ir import Const, DateConst, Derived, Expr, FieldRef, walk
from mcrules.rules.pack import Pack
from mcrules.rules.schema import FieldSpec

_ITEM_PATH = re.compile(r"^(?P<coll>.+)\[(?P<index>\d+)\]\.(?P<field>[^.\[\]]+)$")
_GRID = (*range(26), 30, 40, 50, 60, 75, 100, 150, 168, 200, 500, 1e3, 1e4, 1e5, 1e6, 1e9)
_DAY_OFFSETS = (-3650, -730, -365, -180, -90, -60, -31, -30, -29, -14, -8, -7, -6, -1, 0, 1, 7,
                30, 365)
_LIST_LENGTHS = (2, 3, 5, 10, 20, 50, 100)
MAX_ITEM_PROBES = 40


@dataclass(frozen=True)
class Question:
    """A missing input, and the unknown verdicts (rule, value and decision ids) some answer to
    it settles."""

    input: str
    settles: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"input": self.input, "settles": list(self.settles), "count": len(self.settles)}


def pending(ev: Evaluation) -> dict[str, tuple[str, ...]]:
    """The unknown verdicts of an evaluation, each with the inputs it is missing."""
    out: dict[str, tuple[str, ...]] = {}
    for r in ev.results:
        if r.outcome is Outcome.UNKNOWN:
            out[r.rule.id] = r.missing
    for v in ev.values:
        if v.result is None:
            out[v.value.id] = v.missing
    for d in ev.decisions:
        if not d.settled:
            out[d.table.id] = d.missing
    return out


class _Inputs:
    """What the pack reads, by key: the field specs the answers are drawn from, and its constants."""

    def __init__(self, pack: Pack) -> None:
        self.fields: dict[str, FieldSpec] = {}
        self.items: dict[str, dict[str, FieldSpec]] = {}
        self.numbers: set[float] = {float(p.value) for p in pack.parameters.values()}
        self.days: set[float] = set()
        each = {r.id: r.each for r in pack.rules}
        roots: list[tuple[Expr, str | None]] = []
        for r in pack.rules:
            roots += [(e, r.each) for e in (r.applies_if, r.check) if e is not None]
        roots += [(v.expr, None) for v in pack.values]
        roots += [(i.expr, None) for t in pack.decisions for i in t.inputs]
        roots += [(row.condition, None) for t in pack.decisions for row in t.rows]
        roots += [(e, a.collection) for a in pack.aggregates.values()
                  for e in (a.arg, a.where, a.default) if e is not None]
        for root, coll in roots:
            for node in walk(root):
                if isinstance(node, Const) and isinstance(node.value, float):
                    self.numbers.add(node.value)
                elif isinstance(node, DateConst):
                    self.days.add(node.day)
                elif isinstance(node, FieldRef) and not isinstance(node, Derived):
                    if node.scope == "item" and coll is not None:
                        self.items.setdefault(coll, {})[node.name] = node.spec
                    elif node.scope == "subject":
                        self.fields[node.name] = node.spec
        self.each = each

    def answers(self, spec: FieldSpec, as_of: dt.date | None) -> list[Any]:
        """Candidate answers for one field, in the facts' encoding."""
        kind = spec.kind
        if kind == "bool":
            return [True, False]
        if kind == "enum":
            return list(spec.choices)
        if kind == "ordinal":
            return [float(i) for i in range(len(spec.choices))]
        if kind == "set":
            return [frozenset(), *(frozenset({t}) for t in spec.choices), frozenset(spec.choices)]
        if kind == "date":
            # Around the evaluation date when there is one (no clock is read for it).
            days = set() if as_of is None else \
                {float(as_of.toordinal()) + o for o in _DAY_OFFSETS}
            days |= {d + o for d in self.days for o in (-1, 0, 1)}
            return sorted(days)
        if kind == "number":
            near = {n + d for n in self.numbers for d in (-1.0, 0.0, 1.0)}
            near |= {n * f for n in self.numbers for f in (0.5, 1 - 1e-6, 1 + 1e-6, 2.0)}
            values = {float(v) for v in _GRID} | {v for v in near if v >= 0}
            if spec.integer:
                values = {float(round(v)) for v in values}
            return sorted(values)
        return []

    def item_answers(self, coll: str, as_of: dt.date | None) -> list[list[dict[str, Any]]]:
        """Candidate lists for a missing collection: empty, single items, and longer lists."""
        specs = self.items.get(coll, {})
        per_field = {k: self.answers(s, as_of) for k, s in specs.items()}
        width = max((len(v) for v in per_field.values()), default=1)
        items = []
        for i in range(min(width, MAX_ITEM_PROBES)):
            item: dict[str, Any] = {f"item.{k}": v[i % len(v)] if v else None
                                    for k, v in per_field.items()}
            item["item.__label__"] = f"{coll}[{i}]"
            items.append(item)
        out: list[list[dict[str, Any]]] = [[]]
        out += [[it] for it in items]
        out += [[items[0]] * n for n in _LIST_LENGTHS if items]
        return out


def next_questions(evaluator: ScalarEvaluator, facts: Mapping[str, Any],
                   as_of: dt.date | None,
                   evaluation: Evaluation | None = None,
                   among: Collection[str] | None = None) -> tuple[Question, ...]:
    """The missing inputs whose answer would settle an unknown verdict, most settling first.
    With `among` (rule, value and decision ids), only those verdicts count as pending: a domain
    that reports some of a pack's verdicts ranks its questions by what it reports."""
    ev = evaluation or evaluator.run(facts, as_of=as_of)
    todo = pending(ev)
    if among is not None:
        todo = {k: v for k, v in todo.items() if k in among}
    if not todo:
        return ()
    inputs = _Inputs(evaluator.pack)
    candidates: dict[str, list[str]] = {}
    for vid, missing in todo.items():
        for path in _concrete(missing, vid, inputs, facts):
            candidates.setdefault(path, []).append(vid)
    found: list[tuple[int, int, Question]] = []
    for order, (path, targets) in enumerate(candidates.items()):
        settled: set[str] = set()
        for answer in _answers(path, inputs, facts, as_of):
            after = pending(evaluator.run(answer, as_of=as_of))
            settled |= {t for t in todo if t not in after}
            if all(t in settled for t in targets):
                break
        if settled:
            ordered = tuple(t for t in todo if t in settled)
            found.append((-len(ordered), order, Question(path, ordered)))
    return tuple(q for *_, q in sorted(found, key=lambda x: (x[0], x[1])))


def _concrete(missing: Sequence[str], vid: str, inputs: _Inputs,
              facts: Mapping[str, Any]) -> Iterator[str]:
    """Missing inputs as paths an answer can be given for: a per-item rule's `item.x` becomes
    `coll[i].x` for each item where it is missing."""
    for m in missing:
        if m.startswith("item."):
            coll = inputs.each.get(vid)
            items = facts.get(coll) if coll else None
            for i, item in enumerate(items or ()):
                if item.get(m) is None:
                    yield f"{coll}[{i}].{m[5:]}"
        else:
            yield m


def _answers(path: str, inputs: _Inputs, facts: Mapping[str, Any],
             as_of: dt.date | None) -> Iterator[dict[str, Any]]:
    """The facts with `path` answered, once per candidate answer."""
    m = _ITEM_PATH.match(path)
    if m:
        coll, index, name = m["coll"], int(m["index"]), m["field"]
        spec = inputs.items.get(coll, {}).get(name)
        if spec is None:
            return
        for value in inputs.answers(spec, as_of):
            items = [dict(it) for it in facts[coll]]
            items[index][f"item.{name}"] = value
            yield {**facts, coll: items}
        return
    if path in inputs.fields:
        for value in inputs.answers(inputs.fields[path], as_of):
            yield {**facts, path: value}
    elif path in facts and (path in inputs.items or isinstance(facts.get(path), list | type(None))):
        for items in inputs.item_answers(path, as_of):
            yield {**facts, path: items}
