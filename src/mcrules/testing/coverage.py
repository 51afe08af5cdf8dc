"""What a pack's YAML cases exercise: each rule and each of its reachable outcomes, each value
(known, and unknown when it can be), each decision-table row and default.

An outcome is reachable when the rule's shape allows it: `pass` and `fail` always;
`not_applicable` when the rule has `applies_if` or `each`; `unknown` when it reads an input the
subject's model lets be missing (a field that admits None or has no default, or a derived fact).
This is a property of the rule's text, so a rule that can never fail still counts `fail` (lint's
MCR012 finds those).

An overlay counts only the rules reading a parameter it sets (`Pack.owns`), the rules its own
cases must cover; the base pack's cases answer for the rest.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from mcrules.rules.ir import Derived, Expr, FieldRef, walk
from mcrules.rules.pack import Pack
from mcrules.subjects import Subject

RULE_OUTCOMES = ("pass", "fail", "not_applicable", "unknown")


@dataclass(frozen=True)
class ItemCoverage:
    """One rule, value or decision-table row: the outcomes it can reach and those cases gave."""

    id: str
    kind: str  # rule | value | row
    reachable: tuple[str, ...]
    covered: tuple[str, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(o for o in self.reachable if o not in self.covered)


@dataclass
class PackCoverage:
    """Coverage of one pack, as counts and percentages a CI gate can compare with a minimum."""

    pack: str
    items: list[ItemCoverage] = field(default_factory=list)

    def _ratio(self, kinds: tuple[str, ...], outcomes: bool) -> tuple[int, int]:
        chosen = [i for i in self.items if i.kind in kinds]
        if outcomes:
            return (sum(len(i.reachable) - len(i.missing) for i in chosen),
                    sum(len(i.reachable) for i in chosen))
        return sum(bool(i.covered) for i in chosen), len(chosen)

    @property
    def rules(self) -> tuple[int, int]:
        """(rules some case expects, rules)."""
        return self._ratio(("rule",), False)

    @property
    def outcomes(self) -> tuple[int, int]:
        """(reachable rule and value outcomes some case gave, reachable outcomes)."""
        return self._ratio(("rule", "value"), True)

    @property
    def rows(self) -> tuple[int, int]:
        """(decision-table rows and defaults some case decided by, rows and defaults)."""
        return self._ratio(("row",), False)

    @property
    def percent(self) -> float:
        """All of it in one figure: covered points over points, where a point is a reachable
        outcome of a rule or value, or a decision-table row."""
        a, b = self.outcomes
        c, d = self.rows
        return 100.0 if b + d == 0 else 100.0 * (a + c) / (b + d)

    def as_dict(self) -> dict[str, Any]:
        return {"pack": self.pack, "percent": round(self.percent, 2),
                "rules": list(self.rules), "outcomes": list(self.outcomes),
                "rows": list(self.rows),
                "items": [{"id": i.id, "kind": i.kind, "reachable": list(i.reachable),
                           "covered": list(i.covered)} for i in self.items]}


def pack_coverage(pack: Pack, subjects: Iterable[Subject[Any]], expected: set[str],
                  seen: set[tuple[str, str]]) -> PackCoverage:
    """The coverage of `pack` given the ids cases expected (rows as `table#n`) and the
    (id, outcome) pairs they gave. For an overlay, only the rules reading a parameter the overlay
    sets count."""
    models = {s.name: s.facts_model or s.model for s in subjects}
    out = PackCoverage(pack.id)
    # An overlay answers only for the rules reading a parameter it sets (`Pack.owns`); the base
    # pack's own cases cover its other rules, values and decision rows, as `mcrules test` says.
    for rule in (r for r in pack.rules if pack.owns(r.id)):
        reachable = ["pass", "fail"]
        if rule.applies_if is not None or rule.each is not None:
            reachable.append("not_applicable")
        if _may_be_missing(pack, models.get(rule.subject), (rule.check, rule.applies_if),
                           rule.each):
            reachable.append("unknown")
        out.items.append(_item(rule.id, "rule", reachable, seen))
    if pack.overlays:
        return out
    # A required pack's values and tables are its own cases' to cover (`Pack.owns`).
    for value in (v for v in pack.values if pack.owns(v.id)):
        reachable = ["known"]
        if _may_be_missing(pack, models.get(value.subject), (value.expr,), None):
            reachable.append("unknown")
        out.items.append(_item(value.id, "value", reachable, seen))
    for table in (t for t in pack.decisions if pack.owns(t.id)):
        rows = [r.number for r in table.rows] + ([0] if table.default is not None else [])
        for n in rows:
            key = f"{table.id}#{n or 'default'}"
            out.items.append(ItemCoverage(key, "row", ("decided",),
                                          ("decided",) if key in expected else ()))
    return out


def _item(ident: str, kind: str, reachable: list[str], seen: set[tuple[str, str]]) -> ItemCoverage:
    got = {o for i, o in seen if i == ident}
    return ItemCoverage(ident, kind, tuple(reachable), tuple(o for o in reachable if o in got))


def _may_be_missing(pack: Pack, model: type[BaseModel] | None, exprs: Iterable[Expr | None],
                    each: str | None, depth: int = 0) -> bool:
    """Whether an input these expressions read may be missing from a valid subject."""
    for expr in exprs:
        if expr is None:
            continue
        for node in walk(expr):
            if isinstance(node, Derived):
                if node.key == "as_of":
                    continue
                if node.key.startswith("value:") and depth < 20:
                    decl = pack.value(node.key.removeprefix("value:"))
                    if _may_be_missing(pack, model, (decl.expr,), None, depth + 1):
                        return True
                    continue
                return True
            if isinstance(node, FieldRef) and _optional(model, node, each):
                return True
    return False


def _optional(model: type[BaseModel] | None, ref: FieldRef, each: str | None) -> bool:
    """Whether the model lets this field be absent or None; True when it cannot tell."""
    if model is None:
        return True
    path = ref.name.split(".")
    if ref.scope == "item":
        if each is None:
            return True
        path = [*each.split("."), *path]
    current: Any = model
    for part in path:
        fields = getattr(current, "model_fields", None)
        if fields is None or part not in fields:
            return True
        info = fields[part]
        # a field with a default other than None (an empty list, 0) is never missing
        defaulted = not info.is_required() and (info.default is not None
                                                 or info.default_factory is not None)
        if _admits_none(info.annotation) or not (info.is_required() or defaulted):
            return True
        current = _inner_model(info.annotation)
    return False


def _admits_none(tp: Any) -> bool:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return type(None) in typing.get_args(tp)
    if origin is typing.Annotated:
        return _admits_none(typing.get_args(tp)[0])
    return tp is type(None)


def _inner_model(tp: Any) -> Any:
    """The model inside Optional[...], list[...] or Annotated[...], or None."""
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp
    for arg in typing.get_args(tp):
        inner = _inner_model(arg)
        if inner is not None:
            return inner
    return None
