"""A single pint UnitRegistry extended with a `person` dimension, and the parsing helpers."""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

import pint

from mcrules.errors import UnitError

ureg: Any = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
# People are counted, and per-person rates ("20 L/person/day") are checked by dimension, so a rule
# that divides litres by toilets instead of people is a load error, not a silent wrong answer.
ureg.define("person = [population] = people = persons = p")
# Pickled units (a Pack sent to another process) are restored in the application registry.
pint.set_application_registry(ureg)  # type: ignore[no-untyped-call]

Unit = Any  # pint.Unit; pint's typing is too loose for strict mypy to help here

# Canonical unit per dimension: what an input of that dimension is converted to at the edge.
CANONICAL_UNITS: dict[str, str] = {
    "dimensionless": "dimensionless",
    "length": "m",
    "area": "m^2",
    "volume": "L",
    "volume/time": "L/day",
    "time": "hour",
    "time/time": "hour/week",
    "population": "person",
}

_NUMBER = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")


@lru_cache(maxsize=512)
def parse_unit(text: str) -> Unit:
    """Parse a unit expression (``"L/person/day"``, ``"ft^2"``), raising UnitError if pint cannot."""
    try:
        return ureg.parse_units(_normalise(text))
    except (pint.errors.UndefinedUnitError, pint.errors.DefinitionSyntaxError, ValueError,
            AttributeError, TypeError) as exc:
        raise UnitError(f"unknown unit {text!r}: {exc}") from None


def _normalise(text: str) -> str:
    text = text.strip().replace("²", "^2").replace("³", "^3").replace("·", "*")
    text = re.sub(r"\bsq\.?\s*(m|meters?|metres?)\b", "m^2", text)
    text = re.sub(r"\b(litres|liters|litre|liter)\b", "L", text)
    return text


def _dimensionality(unit: Unit) -> Any:
    return (1 * unit).dimensionality


def canonical_unit_for(unit: Unit) -> Unit:
    """The canonical unit for the dimension of `unit` (or the unit itself if none is declared)."""
    dim = _dimensionality(unit)
    for name in CANONICAL_UNITS.values():
        cand = parse_unit(name)
        if _dimensionality(cand) == dim:
            return cand
    return unit


@lru_cache(maxsize=2048)
def _factor(src: Unit, dst: Unit) -> float:
    return float((1 * src).to(dst).magnitude)


def conversion_factor(src: Unit, dst: Unit) -> float:
    """Multiply a magnitude in `src` by this to get it in `dst`; UnitError if dimensions differ."""
    try:
        return _factor(src, dst)
    except pint.errors.DimensionalityError:
        raise UnitError(
            f"cannot convert {format_unit(src) or 'a plain number'} to "
            f"{format_unit(dst) or 'a plain number'}: {describe_dimension(src)} is not "
            f"{describe_dimension(dst)}"
        ) from None


def parse_quantity(value: Any, default_unit: str) -> tuple[float, Unit]:
    """Parse ``12``, ``"12"``, ``"12 m^3/day"`` or ``"3000 gal/day"`` into (magnitude, unit).

    A bare number is taken in `default_unit`. Booleans are rejected (YAML turns ``yes`` into True).
    """
    if isinstance(value, bool):
        raise UnitError(f"expected a number or a quantity with a unit, got {value!r}")
    if isinstance(value, int | float):
        return float(value), parse_unit(default_unit)
    if not isinstance(value, str):
        raise UnitError(f"expected a number or a quantity string such as '12 {default_unit}', "
                        f"got {type(value).__name__}")
    text = value.strip()
    if not text:
        raise UnitError("expected a quantity, got an empty string")
    if _NUMBER.match(text):
        return float(text), parse_unit(default_unit)
    m = re.match(r"^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*(.+)$", text.replace(",", ""))
    if not m:
        raise UnitError(f"cannot read {value!r} as a quantity: expected a number then a unit, "
                        f"such as '12 {default_unit}'")
    return float(m.group(1)), parse_unit(m.group(2))


def to_canonical(value: Any, unit: str) -> float:
    """Convert an input value to a float in `unit`, checking its dimension. Non-finite is an error."""
    magnitude, src = parse_quantity(value, unit)
    dst = parse_unit(unit)
    if _dimensionality(src) != _dimensionality(dst):
        raise UnitError(
            f"{value!r} has the wrong dimension: expected {describe_dimension(dst)} "
            f"(for example '{format_unit(dst)}'), got {describe_dimension(src)}"
        )
    out = convert(magnitude, src, dst)
    if not math.isfinite(out):
        raise UnitError(f"{value!r} is not a finite quantity")
    return out


def convert(magnitude: float, src: Unit, dst: Unit) -> float:
    """`magnitude` in `src` expressed in `dst`, rounded to twelve significant digits.

    Far finer than any measurement, and 12 m^3/day becomes exactly 12000 L/day instead of
    11999.999999999998, so reports read as the user wrote them.
    """
    return float(f"{magnitude * conversion_factor(src, dst):.12g}")


_SYMBOLS = {"liter": "L", "meter": "m", "day": "day", "person": "person", "hour": "h",
            "week": "week", "second": "s", "minute": "min", "kilometer": "km"}
_POWERS = {2: "²", 3: "³"}


def format_unit(unit: Unit) -> str:
    """A short, readable unit string: ``L/person/day``, ``m²``; empty for dimensionless."""
    num: list[str] = []
    den: list[str] = []
    for name, power in unit._units.items():
        sym = _SYMBOLS.get(name) or f"{ureg.Unit(name):~}"
        p = abs(power)
        term = sym + (_POWERS.get(int(p), f"^{p:g}") if p != 1 else "")
        (num if power > 0 else den).append(term)
    if not num and not den:
        return ""
    head = "·".join(num) if num else "1"
    return "/".join([head, *den])


_DIM_NAMES = {
    "[length]": "a length",
    "[length] ** 2": "an area",
    "[length] ** 3": "a volume",
    "[length] ** 3 / [time]": "a volume per time",
    "[time]": "a time",
    "[population]": "a number of people",
    "[length] ** 3 / [population] / [time]": "a volume per person per time",
    "[length] ** 2 / [population]": "an area per person",
    "dimensionless": "a plain number",
}


def describe_dimension(unit: Unit) -> str:
    """A plain-language name for the dimension of `unit`, for error messages."""
    dim = str(_dimensionality(unit))
    return _DIM_NAMES.get(dim, dim)
