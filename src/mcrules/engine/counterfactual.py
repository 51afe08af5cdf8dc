"""The smallest change along a declared lever that flips a failing verdict.

Searches on the compiled rule itself, so the fix is exactly what the evaluator would accept: a
linear guess from two evaluations (exact for the Sphere ratios), then doubling and bisection when
the rule is not linear in the lever (ceil, min, max). Counts move in whole steps; quantities are
rounded up to three significant figures and re-checked.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mcrules.engine.outcomes import Fix, format_number
from mcrules.units import format_unit

if TYPE_CHECKING:
    from mcrules.engine.scalar import CompiledRule

_MAX_DOUBLINGS = 64


def find_fixes(cr: CompiledRule, facts: Mapping[str, Any]) -> tuple[Fix, ...]:
    """One Fix per lever that can flip the verdict, in the order the rule declares them."""
    out = []
    for lever in cr.rule.levers:
        label = str(facts.get("item.__label__") or "")
        if lever.field is None:
            out.append(Fix(lever.text.replace("{item}", label)))
            continue
        key = lever.field.key
        current = facts.get(key)
        if not isinstance(current, int | float) or isinstance(current, bool):
            continue
        sign = 1.0 if lever.direction == "increase" else -1.0
        integer = lever.field.spec.integer
        delta = _search(cr, facts, key, float(current), sign, integer)
        if delta is None:
            continue
        unit = format_unit(lever.field.unit) if lever.field.unit is not None else ""
        # Counts of people read as plain numbers: "host 20 fewer women", not "20 person fewer".
        shown = format_number(delta) + (f" {unit}" if unit and unit != "person" else "")
        text = lever.text.replace("{delta}", shown).replace("{item}", label)
        out.append(Fix(text, key, sign * delta, float(current) + sign * delta, unit))
    return tuple(out)


def _search(cr: CompiledRule, facts: Mapping[str, Any], key: str, value: float, sign: float,
            integer: bool) -> float | None:
    scratch = dict(facts)

    def ok(d: float) -> bool:
        new = value + sign * d
        if new < 0:
            return False
        scratch[key] = new
        return cr.passes(scratch)

    limit = value if sign < 0 else math.inf
    lo, hi = 0.0, 1.0 if integer else max(abs(value) * 1e-3, 1e-6)
    guess = _linear_guess(cr, scratch, key, value, sign, integer)
    if guess is not None and 0 < guess <= limit and ok(guess):
        # Exact when the rule is linear in the lever; otherwise it only bounds the search.
        smaller = guess - 1 if integer else guess * 0.99
        if smaller <= 0 or not ok(smaller):
            return guess
        hi = guess
    else:
        # Bracket: `lo` fails, `hi` passes; doubling from a small step.
        for _ in range(_MAX_DOUBLINGS):
            if hi >= limit:
                hi = limit
                if not ok(hi):
                    return None
                break
            if ok(hi):
                break
            lo, hi = hi, hi * 2
        else:
            return None
    if integer:
        while hi - lo > 1:
            mid = float(math.floor((lo + hi) / 2))
            lo, hi = (lo, mid) if ok(mid) else (mid, hi)
        return hi
    for _ in range(100):
        mid = (lo + hi) / 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
        if hi - lo <= 1e-12 * max(hi, 1.0):
            break
    return _round_up(hi, ok)


def _linear_guess(cr: CompiledRule, scratch: dict[str, Any], key: str, value: float, sign: float,
                  integer: bool) -> float | None:
    """Where the margin reaches zero if it is linear in the lever; None if it is not a comparison."""
    if cr.left is None or cr.right is None:
        return None
    step = 1.0 if integer else max(abs(value) * 0.5, 1.0)
    if sign < 0 and value - step < 0:
        step = value
    if step <= 0:
        return None

    def gap(v: float) -> float:
        scratch[key] = v
        m, r = cr.left(scratch), cr.right(scratch)  # type: ignore[misc]
        return float(m - r) if cr.op in (">=", ">") else float(r - m)

    g0, g1 = gap(value), gap(value + sign * step)
    scratch[key] = value
    slope = (g1 - g0) / step
    if not (slope > 0 and g0 == g0 and g1 == g1):
        return None
    d = -g0 / slope
    if integer:
        return float(max(math.ceil(d - 1e-9), 1))
    return _round_up(d, None)


def _round_up(d: float, ok: Any) -> float:
    """Round a continuous change up to three significant figures (still passing, if `ok` given)."""
    if d <= 0:
        return d
    exp = math.floor(math.log10(d)) - 2
    rounded = math.ceil(d / 10**exp - 1e-9) * 10**exp
    rounded = float(f"{rounded:.3g}")
    if ok is not None and not ok(rounded):
        return d
    return rounded
