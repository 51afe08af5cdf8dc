"""The smallest change along a declared lever that flips a failing verdict.

Searches on the compiled rule itself, so the fix is exactly what the evaluator would accept: a
linear guess from two evaluations (exact for the Sphere ratios), then doubling and bisection when
the rule is not linear in the lever (ceil, min, max). Counts move in whole steps; quantities are
rounded up to three significant figures and re-checked. A fix must make the rule pass while it
still applies: hosting nobody is not offered as a way to meet a per-person minimum.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from mcrules.engine.compiled import CompiledRule
from mcrules.engine.outcomes import Fix, format_number
from mcrules.rules.ir import Lever
from mcrules.units import format_unit

_MAX_DOUBLINGS = 64
_SECANT_STEPS = 4  # refinements of the linear guess (each two closure calls)
_WALK = 4  # steps tried around a guess before falling back to bisection


def find_fixes(cr: CompiledRule, facts: Mapping[str, Any], levers: Sequence[Lever] | None = None
               ) -> tuple[Fix, ...]:
    """One Fix per lever that can flip the verdict, in the order the rule declares them."""
    out = []
    for lever in cr.rule.levers if levers is None else levers:
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
        unit = _unit_text(lever.field.unit)
        # Counts of people read as plain numbers: "host 20 fewer women", not "20 person fewer".
        shown = format_number(delta) + (f" {unit}" if unit and unit != "person" else "")
        text = lever.text.replace("{delta}", shown).replace("{item}", label)
        out.append(Fix(text, key, sign * delta, float(current) + sign * delta, unit))
    return tuple(out)


@lru_cache(maxsize=256)
def _unit_text(unit: Any) -> str:
    return format_unit(unit) if unit is not None else ""


def _search(cr: CompiledRule, facts: Mapping[str, Any], key: str, value: float, sign: float,
            integer: bool) -> float | None:
    """The smallest change `d` >= 0 along `key` (in direction `sign`) after which the rule holds."""
    if cr.cmp is None:
        return None
    scratch = {k: facts[k] for k in cr.all_keys}  # the rule reads nothing else

    def ok(d: float) -> bool:
        new = value + sign * d
        if new < 0:
            return False
        scratch[key] = new
        return cr.holds(scratch, exact=not integer)

    limit = value if sign < 0 else math.inf
    lo, hi = 0.0, 1.0 if integer else max(abs(value) * 1e-3, 1e-6)
    direct = _direct(cr, facts, key, value, sign, integer)
    if direct is not None and ok(direct):
        return direct if integer else _round_up(direct, ok)
    guess, exact = _linear_guess(cr, scratch, key, value, sign, integer)
    if exact and guess is not None and 0 < guess <= limit:
        # The secant found a root. It is the smallest change only if one step less still fails:
        # a rule with ceil() is flat in places, and the secant can land at a plateau's far end.
        # Continuous changes are stated to three significant figures, so the step is one unit in
        # the third figure, and they aim at the threshold itself, not at its float tolerance.
        candidate = guess if integer else _round_up(guess, None)
        smaller = candidate - 1 if integer else candidate - _third_figure(candidate)
        if ok(candidate) and (smaller <= 0 or not ok(smaller)):
            return candidate
    found = False
    if guess is not None and 0 < guess <= limit:
        if integer:
            # Exact for a lever that enters linearly; a few steps away for one inside ceil().
            if ok(guess):
                for _ in range(_WALK):
                    if guess <= 1 or not ok(guess - 1):
                        return guess
                    guess -= 1
                hi, found = guess, True
            else:
                for _ in range(_WALK):
                    guess += 1
                    if guess > limit:
                        return None
                    if ok(guess):
                        return guess
                lo, hi = guess, guess * 2
        elif ok(guess):
            if not ok(guess * (1 - 1e-6)):
                return _round_up(guess, ok)
            hi, found = guess, True
    if not found:
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


def _direct(cr: CompiledRule, facts: Mapping[str, Any], key: str, value: float, sign: float,
            integer: bool) -> float | None:
    """The exact change when the lever is the compared value itself and nothing else reads it
    (add toilets until there are as many as required): no search at all."""
    if cr.left_key != key or key in cr.other_keys:
        return None
    if (sign > 0) != (cr.op in (">=", ">")):
        return None
    target = float(cr.right(facts))  # type: ignore[misc]
    if target != target:
        return None
    need = target - value if sign > 0 else value - target
    if integer:
        need = float(math.ceil(need - 1e-9 * max(abs(target), 1.0)))
        if cr.op in (">", "<"):
            need += 1.0 if (value + sign * need == target) else 0.0
    return need if need > 0 else None


def _linear_guess(cr: CompiledRule, scratch: dict[str, Any], key: str, value: float, sign: float,
                  integer: bool) -> tuple[float | None, bool]:
    """Where the margin reaches zero: a secant from two points, refined a few times, so it is exact
    for a lever that enters linearly and close for one that enters as 1/x or inside ceil()."""
    step = max(abs(value) * 0.5, 1.0)
    if sign < 0 and value - step < 0:
        step = value
    if step <= 0:
        return None, False

    def gap(d: float) -> float:
        scratch[key] = value + sign * d
        m, r = cr.left(scratch), cr.right(scratch)  # type: ignore[misc]
        return float(m - r) if cr.op in (">=", ">") else float(r - m)

    d0, g0 = 0.0, gap(0.0)
    d1, g1 = step, gap(step)
    d = None
    exact = False
    for _ in range(_SECANT_STEPS):
        if not (g1 != g0 and g0 == g0 and g1 == g1):
            break
        d = d1 - g1 * (d1 - d0) / (g1 - g0)
        if d <= 0 or (sign < 0 and d > value):
            break
        d0, g0, d1, g1 = d1, g1, d, gap(d)
        if abs(g1) <= 1e-9 * max(abs(g0), 1.0):
            exact = True
            break
    scratch[key] = value
    if d is None or not d > 0 or d != d:
        return None, False
    if integer:
        # Exact only if the real root is where the integer step lands, else walk from it.
        return float(max(math.ceil(d - 1e-9), 1)), exact and float(d).is_integer()
    return d, exact


def _third_figure(d: float) -> float:
    """One unit in the third significant figure of `d`: 1000 -> 10, 0.0123 -> 0.0001."""
    return float(10 ** (math.floor(math.log10(d)) - 2))


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
