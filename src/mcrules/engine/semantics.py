"""The arithmetic both evaluators share, written once for plain floats.

- Comparisons allow a relative tolerance of 1e-9, so converting an input to another unit (m³ to
  litres, ft² to m²) never flips a verdict on a boundary.
- Division by zero gives NaN ("undefined"); a comparison with NaN is false; a rule whose measured
  or required value is NaN is `unknown`, never `pass` or `fail`.
- ceil/floor forgive the same tolerance: ceil(2.0000000000004) is 2.
- Ordinal levels are their 0-based rank and dates their day number, so they compare as floats;
  `band` counts the cut points a value reaches, with the tolerance of `ge`.
The columnar evaluator implements exactly these with numpy; a differential test holds them equal.
"""

from __future__ import annotations

import math

TOL = 1e-9
NAN = float("nan")


def div(a: float, b: float) -> float:
    return a / b if b != 0 else NAN


def ceil(x: float) -> float:
    return float(math.ceil(x - TOL * abs(x))) if x == x else NAN


def floor(x: float) -> float:
    return float(math.floor(x + TOL * abs(x))) if x == x else NAN


def fmin(*xs: float) -> float:
    return NAN if any(x != x for x in xs) else min(xs)


def fmax(*xs: float) -> float:
    return NAN if any(x != x for x in xs) else max(xs)


# Each first tries the plain comparison, which settles most cases with the same answer the
# tolerant form gives (a >= b implies a >= b - tol, since tol >= 0), before computing the tolerance.
def ge(a: float, b: float) -> bool:
    return a >= b or a >= b - TOL * max(abs(a), abs(b))


def gt(a: float, b: float) -> bool:
    return a > b and a > b + TOL * max(abs(a), abs(b))


def le(a: float, b: float) -> bool:
    return a <= b or a <= b + TOL * max(abs(a), abs(b))


def lt(a: float, b: float) -> bool:
    return a < b and a < b - TOL * max(abs(a), abs(b))


def eq(a: float, b: float) -> bool:
    return a == b or abs(a - b) <= TOL * max(abs(a), abs(b))


def ne(a: float, b: float) -> bool:
    return not eq(a, b)


COMPARE = {">=": ge, ">": gt, "<=": le, "<": lt, "==": eq, "!=": ne}


def margin(op: str, measured: float, required: float) -> float | None:
    """Slack in the direction of the requirement: positive passes with room, negative fails."""
    if op in (">=", ">"):
        return measured - required
    if op in ("<=", "<"):
        return required - measured
    return None


def rank(x: float) -> float:
    """An ordinal's 1-based position on its scale (held 0-based): the lowest level is 1."""
    return x + 1.0


def rank_on(x: float, numbers: tuple[float, ...]) -> float:
    """The number a rank scale gives an ordinal (held 0-based): `numbers[x]`; NaN stays NaN."""
    return NAN if x != x else numbers[int(x)]


def band(x: float, cuts: tuple[float, ...]) -> float:
    """The 0-based label index of `x`: how many cut points it reaches (with the tolerance of
    `ge`, so a unit conversion never moves a value across a cut). NaN stays NaN."""
    if x != x:
        return NAN
    return float(sum(1 for c in cuts if ge(x, c)))
