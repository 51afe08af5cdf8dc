"""Reading a parameter's value from text: strict units, finite, within bounds, chosen by date.

One path for every source of a value (the pack file, a variant, `--set`, `Pack.configure`), so a
value refused in one place is refused in all of them, with the same message.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

from mcrules.errors import OUT_OF_BOUNDS, McrulesError, UnitError
from mcrules.limits import MAX_QUANTITY_CHARS
from mcrules.rules.ir import Parameter
from mcrules.units import (
    Unit,
    convert,
    format_unit,
    parse_quantity,
    parse_unit,
    strict_conversion_factor,
)

# Untrusted text (`--set`, a variant) is bounded before it is parsed; no real quantity is longer.
MAX_VALUE_TEXT = MAX_QUANTITY_CHARS


LATEST = dt.date.max
"""The date a pack chooses its dated parameters on when no `as_of` is given: after every date, so
each schedule's latest value, whatever day the pack is loaded on. The rules layer never reads the
clock: the API reads it once (`mcrules.clock`) and configures every pack it evaluates for
that date, so an undated choice is seen only by a caller who compiles a pack without one."""


def strict_factor(src: Unit, dst: Unit) -> float:
    """The one strict dimension check (`mcrules.units.strict_conversion_factor`), which site and
    row values share with parameters: an angle is not a ratio of times."""
    return strict_conversion_factor(src, dst)


def unit_text_of(raw: Any) -> str:
    """The unit as written after the number (`L/person/day`), or `dimensionless` for a bare one."""
    if isinstance(raw, str) and " " in raw.strip():
        return raw.strip().split(None, 1)[1]
    return "dimensionless"


def quantity_in(raw: Any, unit_text: str, unit: Unit) -> float:
    """`raw` (a number, taken in `unit_text`, or text with any unit of the same kind) as a finite
    float in `unit`; UnitError saying why not."""
    if isinstance(raw, str) and len(raw) > MAX_VALUE_TEXT:
        raise UnitError(f"a value is at most {MAX_VALUE_TEXT} characters, got {len(raw)}")
    magnitude, src = parse_quantity(raw, unit_text)
    strict_factor(src, unit)
    value = convert(magnitude, src, unit)
    if not math.isfinite(value):
        raise UnitError(f"{raw!r} is not a finite quantity")
    return value


def shown(raw: Any, value: float, param: Parameter) -> str:
    """The value as the user wrote it, then in the parameter's unit if that reads differently."""
    text = str(raw).strip()
    in_unit = f"{value:g} {format_unit(param.unit)}".rstrip()
    if unit_text_of(text) == "dimensionless":
        return in_unit
    return text if text.split()[0] == f"{value:g}" and parse_unit(unit_text_of(text)) == \
        param.unit else f"{text} (= {in_unit})"


def checked_value(param: Parameter, raw: Any) -> float:
    """`raw` as a value of `param`, in its unit; McrulesError naming the parameter, and the bound
    and the value when it is out of bounds."""
    try:
        value = quantity_in(raw, param.unit_text, param.unit)
    except UnitError as exc:
        raise McrulesError(f"parameter {param.name}: {exc.message}", code=exc.code) from None
    problem = param.bound_violation(value)
    if problem is not None:
        raise McrulesError(f"parameter {param.name}: {shown(raw, value, param)} {problem}",
                           code=OUT_OF_BOUNDS)
    return value


def value_in_force(param: Parameter, on: dt.date) -> float:
    """The value of `param` in force on `on`; McrulesError naming the parameter and its first
    date when `on` comes before it."""
    value = param.value_on(on)
    if value is None:
        first = param.dated_values[0][0]
        raise McrulesError(f"parameter {param.name} has no value on {on.isoformat()}: its first "
                           f"dated value starts on {first.isoformat()}")
    return value


def scale_violation(scale: str, entries: Sequence[tuple[str, float]]) -> str | None:
    """Why the numbers of the rank scale `scale` ((level, number), lowest level first) are not a
    rank scale, or None: a higher level ranked below a lower one would let a more severe threat
    lower a risk, so it is refused at load, and again when a variant or `--set` changes one."""
    for (low, a), (high, b) in itertools.pairwise(entries):
        if b < a:
            return (f"scale {scale} ranks level {high} ({b:g}) below the lower level {low} "
                    f"({a:g}); a higher level needs a number at least as high")
    return None


def set_scale_violation(params: Mapping[str, Parameter], values: Mapping[str, float]) -> str | None:
    """Why setting `values` (parameter name -> checked number) would make a rank scale of
    `params` descend, or None: one check for a variant at load and for `Pack.configure`."""
    for scale in sorted({params[n].scale for n in values if n in params} - {""}):
        levels = [(p.label, values.get(n, p.value)) for n, p in params.items() if p.scale == scale]
        problem = scale_violation(scale, levels)
        if problem is not None:
            return problem
    return None
