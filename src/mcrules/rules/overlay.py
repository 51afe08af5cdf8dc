"""Overlays: a pack that takes another pack's rules and may only tighten its thresholds.

A national standard says "at least 25 litres" where the Toolkit says 20. Its pack declares
`overlays: mct-2023` and ships parameter files for the thresholds it changes; loading it gives the
base pack's rules with the stricter value of each, and each rule that reads a changed threshold
cites both sources. Which way is stricter comes from the rules themselves: in
`water_supply / population.total >= water_per_person` a higher value is harder to meet, in
`toilets.female >= ceil(population.female / people_per_toilet)` a lower one is. An overlay value
that is looser than the base's on any date is a load error naming both.

The direction analysis assumes what every site field and parameter is: a quantity that is not
negative (counts, areas, distances, people), so multiplying by one keeps a direction and dividing
by one reverses it. A parameter whose direction cannot be told (it sits under `abs`, in an
equality, or in two places pulling opposite ways) cannot be overlaid.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

from mcrules.errors import OUT_OF_BOUNDS, RuleLoadError, UnitError
from mcrules.rules.ir import (
    Arith,
    Band,
    Call,
    Compare,
    Expr,
    Logic,
    Neg,
    Not,
    Parameter,
    ParamRef,
    Rule,
    Scale,
    walk,
)
from mcrules.rules.parameter_values import strict_factor
from mcrules.units import format_unit

Direction = int | None
"""+1: raising the parameter makes the rule stricter; -1: lowering it does; 0: the rule does not
read it; None: it cannot be told."""

# Keep a relative tolerance like the comparisons' so a value written in another unit is not
# taken for a loosening.
_REL_TOL = 1e-9


@dataclass(frozen=True)
class OverlayFloor:
    """What an overlay fixed for one parameter: which way is stricter, the overlay's own parameter
    (its value or dated values, in the base parameter's unit) and where it was written."""

    direction: int
    parameter: Parameter
    rules: tuple[str, ...]
    source: str

    def stricter(self, value: float, on: dt.date) -> float:
        """The stricter of `value` and the overlay's value in force on `on` (`value` when the
        overlay has none in force yet)."""
        mine = self.parameter.value_on(on)
        if mine is None:
            return value
        return max(value, mine) if self.direction > 0 else min(value, mine)


def _combine(*signs: Direction) -> Direction:
    out: Direction = 0
    for s in signs:
        if s is None:
            return None
        if s == 0:
            continue
        if out == 0:
            out = s
        elif out != s:
            return None
    return out


def _flip(s: Direction) -> Direction:
    return None if s is None else -s


def _reads(expr: Expr, name: str) -> bool:
    return any(isinstance(n, ParamRef) and n.name == name for n in walk(expr))


def _number_sign(expr: Expr, name: str) -> Direction:
    """How `expr` (a number) moves when the parameter `name` rises: +1 up, -1 down, 0 not at all."""
    if not _reads(expr, name):
        return 0
    if isinstance(expr, ParamRef):
        return 1
    if isinstance(expr, Arith):
        left, right = _number_sign(expr.left, name), _number_sign(expr.right, name)
        if expr.op == "+":
            return _combine(left, right)
        if expr.op == "-":
            return _combine(left, _flip(right))
        if left != 0 and right != 0:
            return None  # the parameter on both sides of * or /
        if expr.op == "*":
            return _combine(left, right)
        return _combine(left, _flip(right))
    if isinstance(expr, Neg):
        return _flip(_number_sign(expr.arg, name))
    if isinstance(expr, Scale):
        s = _number_sign(expr.arg, name)
        return s if expr.factor >= 0 or s is None else -s
    if isinstance(expr, Call) and expr.fn in ("ceil", "floor", "min", "max"):
        return _combine(*(_number_sign(a, name) for a in expr.args))
    return None


def _truth_sign(expr: Expr, name: str) -> Direction:
    """How likely `expr` (a condition) is to hold as the parameter rises: +1 more, -1 less."""
    if not _reads(expr, name):
        return 0
    if isinstance(expr, Compare):
        left, right = _number_sign(expr.left, name), _number_sign(expr.right, name)
        if expr.op in (">", ">="):
            return _combine(left, _flip(right))
        if expr.op in ("<", "<="):
            return _combine(_flip(left), right)
        return None
    if isinstance(expr, Logic):
        return _combine(*(_truth_sign(a, name) for a in expr.args))
    if isinstance(expr, Not):
        return _flip(_truth_sign(expr.arg, name))
    if isinstance(expr, Band):
        return None
    return None


def tightening_direction(rule: Rule, name: str) -> Direction:
    """+1 if raising parameter `name` makes `rule` stricter (a pass harder to get, or the rule
    applying more often), -1 if lowering it does, 0 if the rule does not read it, None if it
    cannot be told."""
    check = _flip(_truth_sign(rule.check, name))
    applies = _truth_sign(rule.applies_if, name) if rule.applies_if is not None else 0
    return _combine(check, applies)


def _describe(value: float, unit: object) -> str:
    return f"{value:g} {format_unit(unit)}".strip()


def overlay_parameters(base_id: str, base_rules: tuple[Rule, ...],
                       base_params: Mapping[str, Parameter], overlay_id: str,
                       overlay_params: Mapping[str, Parameter],
                       sources: Mapping[str, str]) -> tuple[dict[str, Parameter],
                                                            dict[str, OverlayFloor]]:
    """The base parameters with each overlaid one set to the stricter value, and what each
    overlay fixed; RuleLoadError naming both packs, the parameter and the rules when an overlay
    loosens a threshold, names a parameter the base does not have, or one whose direction no
    rule settles."""
    merged = dict(base_params)
    floors: dict[str, OverlayFloor] = {}
    for name, mine in overlay_params.items():
        file = sources[name]
        base = base_params.get(name)
        if base is None:
            known = ", ".join(sorted(base_params))
            raise RuleLoadError(f"overlay {overlay_id} sets parameter {name!r}, which {base_id} "
                                f"does not have (known: {known})", file=file, path=name)
        try:
            factor = strict_factor(mine.unit, base.unit)
        except UnitError as exc:
            raise RuleLoadError(f"overlay {overlay_id}: {name} must be in a unit of "
                                f"{base_id}'s {format_unit(base.unit)}: {exc.message}",
                                file=file, path=name, code=exc.code) from None
        mine = replace(mine, unit=base.unit, unit_text=base.unit_text, value=mine.value * factor,
                       dated_values=tuple((d, v * factor) for d, v in mine.dated_values),
                       minimum=base.minimum, maximum=base.maximum)
        for _, value in ((None, mine.value), *mine.dated_values):
            problem = base.bound_violation(value)
            if problem:
                raise RuleLoadError(f"overlay {overlay_id}: {name} {_describe(value, base.unit)} "
                                    f"{problem} in {base_id}", file=file, path=name,
                                    code=OUT_OF_BOUNDS)
        readers = [r for r in base_rules if name in r.params]
        if not readers:
            raise RuleLoadError(f"overlay {overlay_id} sets {name}, which no rule of {base_id} "
                                "reads", file=file, path=name)
        directions = {r.id: tightening_direction(r, name) for r in readers}
        unknown = [rid for rid, d in directions.items() if d is None]
        if unknown:
            raise RuleLoadError(f"overlay {overlay_id}: cannot tell which way {name} is stricter "
                                f"in rule {', '.join(unknown)} of {base_id}, so it cannot be "
                                "overlaid", file=file, path=name)
        ups = sorted(rid for rid, d in directions.items() if d == 1)
        downs = sorted(rid for rid, d in directions.items() if d == -1)
        if ups and downs:
            raise RuleLoadError(f"overlay {overlay_id}: {name} is stricter higher in "
                                f"{', '.join(ups)} but lower in {', '.join(downs)} of {base_id}",
                                file=file, path=name)
        direction = 1 if ups else -1
        rule_ids = tuple(ups or downs)
        _refuse_loosening(base_id, base, overlay_id, mine, direction, rule_ids, file)
        floor = OverlayFloor(direction, mine, rule_ids, file)
        floors[name] = floor
        merged[name] = _stricter_parameter(base, floor)
    return merged, floors


def _change_dates(*params: Parameter) -> list[dt.date]:
    return sorted({d for p in params for d, _ in p.dated_values})


def _refuse_loosening(base_id: str, base: Parameter, overlay_id: str, mine: Parameter,
                      direction: int, rule_ids: tuple[str, ...], file: str) -> None:
    dates = _change_dates(base, mine) or [dt.date.min]
    for on in dates:
        theirs, ours = base.value_on(on), mine.value_on(on)
        if theirs is None or ours is None:
            continue
        looser = ours < theirs if direction > 0 else ours > theirs
        if looser and not math.isclose(ours, theirs, rel_tol=_REL_TOL):
            when = "" if on == dt.date.min else f" from {on.isoformat()}"
            way = "higher" if direction > 0 else "lower"
            raise RuleLoadError(
                f"overlay {overlay_id} loosens {base_id}'s {base.name}{when}: "
                f"{_describe(ours, base.unit)} is looser than {_describe(theirs, base.unit)} in "
                f"rule {', '.join(rule_ids)} (where {way} is stricter); an overlay may only "
                "tighten", file=file, path=base.name)


def _stricter_parameter(base: Parameter, floor: OverlayFloor) -> Parameter:
    """The base parameter with the stricter of both values (on every date, if either is dated)
    and both parameters' citations."""
    mine = floor.parameter
    citations = base.citations + mine.citations
    description = mine.description or base.description
    if not base.dated_values and not mine.dated_values:
        return replace(base, value=floor.stricter(base.value, dt.date.min), citations=citations,
                       description=description)
    schedule: list[tuple[dt.date, float]] = []
    # An undated base value is in force on every date, so before the overlay's first date too.
    starts = _change_dates(base, mine) if base.dated_values else [dt.date.min,
                                                                    *_change_dates(mine)]
    for on in starts:
        theirs = base.value_on(on)
        if theirs is None:
            theirs = mine.value_on(on)
        if theirs is None:
            continue
        schedule.append((on, floor.stricter(theirs, on)))
    # The latest value, as the loader gives a dated parameter (`parameter_values.LATEST`).
    return replace(base, value=schedule[-1][1],
                   dated_values=tuple(schedule), citations=citations, description=description)


def cite_overlay(rules: tuple[Rule, ...], params: Mapping[str, Parameter],
                 floors: Mapping[str, OverlayFloor]) -> tuple[Rule, ...]:
    """Each rule that reads an overlaid parameter, with the overlay parameter's citations after
    its own: a result cites both the base standard and the overlay."""
    out = []
    for rule in rules:
        extra = tuple(c for name in rule.params if name in floors
                      for c in floors[name].parameter.citations if c not in rule.citations)
        out.append(replace(rule, citations=rule.citations + extra) if extra else rule)
    return tuple(out)
