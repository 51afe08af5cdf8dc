"""A single pint UnitRegistry extended with a `person` dimension, and the parsing helpers."""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

import pint

from mcrules.errors import UNIT_MISMATCH, UnitError
from mcrules.limits import (
    MAX_NUMBER_DIGITS,
    MAX_QUANTITY_CHARS,
    MAX_UNIT_PARENS,
    excerpt,
    number_digits_ok,
)

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

# A number, then optional space, then the unit (empty: the default unit). Linear: the groups
# cannot trade characters, since a unit never starts with a digit once the number has ended.
_QUANTITY = re.compile(r"([-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)"
                       r"(?:[ \t]*([^\s0-9.].*))?\Z", re.DOTALL)
# Commas only as thousands separators, in groups of three: `12,000 L/day`, never `1,2 m^3/day`.
_THOUSANDS = re.compile(r"([-+]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?)(?![0-9,])")


@lru_cache(maxsize=512)
def parse_unit(text: str) -> Unit:
    """Parse a unit expression (``"L/person/day"``, ``"ft^2"``), raising UnitError if pint cannot.

    The text is bounded and checked against the shape of a unit (names, numbers, ``* / ^ ( )``,
    parentheses nested at most `MAX_UNIT_PARENS` deep) before pint sees it, so pint's cost stays
    small; whatever pint still raises on hostile text (ZeroDivisionError for ``L/day/0``, a
    TokenError for ``(L/day``) becomes a UnitError quoting a bounded excerpt.
    """
    shown = excerpt(text)
    if not isinstance(text, str):
        raise UnitError(f"expected a unit, got {shown}")
    if len(text) > MAX_QUANTITY_CHARS:
        raise UnitError(f"a unit is at most {MAX_QUANTITY_CHARS} characters, got {len(text)}")
    problem = _unit_shape_problem(text)
    if problem:
        raise UnitError(f"unknown unit {shown}: {problem}")
    try:
        unit = ureg.parse_units(_normalise(text))
    except pint.errors.UndefinedUnitError as exc:
        raise UnitError(f"unknown unit {shown}: {excerpt(str(exc), 80)}") from None
    except Exception:  # pint on untrusted text: any failure is a unit we cannot read
        raise UnitError(f"unknown unit {shown}: expected a unit such as 'L/day' or 'm^2'"
                        ) from None
    return unit


_UNIT_CHARS = re.compile(r"^[\w \t*/^().\-+²³·°%µ]*$")


def _unit_shape_problem(text: str) -> str:
    """Why `text` cannot be a unit, in one pass over it; empty when it may be one."""
    if not _UNIT_CHARS.match(text):
        return "only names, numbers, spaces and * / ^ ( ) may appear in a unit"
    depth = 0
    for c in text:
        if c == "(":
            depth += 1
            if depth > MAX_UNIT_PARENS:
                return f"parentheses are nested at most {MAX_UNIT_PARENS} deep"
        elif c == ")":
            depth -= 1
            if depth < 0:
                return "a ')' closes no '('"
    return "a '(' is never closed" if depth else ""


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
            f"{describe_dimension(dst)}", code=UNIT_MISMATCH
        ) from None


def parse_quantity(value: Any, default_unit: str) -> tuple[float, Unit]:
    """Parse ``12``, ``"12"``, ``"12 m^3/day"`` or ``"3000 gal/day"`` into (magnitude, unit).

    A bare number is taken in `default_unit`. Booleans are rejected (YAML turns ``yes`` into True).
    Text is at most `MAX_QUANTITY_CHARS` long and read in one pass. A comma only separates
    thousands (``12,000``): ``1,2`` is 1.2 in half the world and 12 in the other, so it is refused.
    """
    if isinstance(value, bool):
        raise UnitError(f"expected a number or a quantity with a unit, got {value!r}")
    if isinstance(value, int):
        if not number_digits_ok(str(value) if value.bit_length() < 200 else "9" * 61):
            raise UnitError(f"a number has at most {MAX_NUMBER_DIGITS} digits, got "
                            f"{excerpt(value)}")
        return float(value), parse_unit(default_unit)
    if isinstance(value, float):
        return value, parse_unit(default_unit)
    if not isinstance(value, str):
        raise UnitError(f"expected a number or a quantity string such as '12 {default_unit}', "
                        f"got {type(value).__name__}")
    if len(value) > MAX_QUANTITY_CHARS:
        raise UnitError(f"a quantity is at most {MAX_QUANTITY_CHARS} characters, got "
                        f"{len(value)}: {excerpt(value)}")
    text = value.strip()
    if not text:
        raise UnitError("expected a quantity, got an empty string")
    if "," in text:
        grouped = _THOUSANDS.match(text)
        if not grouped:
            raise UnitError(f"cannot read {excerpt(value)} as a quantity: a comma may only "
                            "separate thousands (1,200); the decimal mark is a point (1.2)")
        text = grouped.group(1).replace(",", "") + text[grouped.end(1):]
    m = _QUANTITY.match(text)
    if not m:
        raise UnitError(f"cannot read {excerpt(value)} as a quantity: expected a number then a "
                        f"unit, such as '12 {default_unit}'")
    number, unit = m.group(1), m.group(2)
    return float(number), parse_unit(unit if unit else default_unit)


@lru_cache(maxsize=2048)
def _root(unit: Unit) -> Unit:
    return ureg.get_root_units(unit)[1]


def strict_conversion_factor(src: Unit, dst: Unit) -> float:
    """`conversion_factor`, but also refusing units that pint counts as plain numbers of another
    kind: an angle (`0.5 radian`) is not a ratio of times (`hour/week`), though both reduce to 1.

    The one dimension check of every value read from outside: site and row fields, parameters.
    """
    factor = conversion_factor(src, dst)
    src_root, dst_root = _root(src), _root(dst)
    if src_root != dst_root:
        def name(root: Unit) -> str:
            return format_unit(root) or "a plain ratio"
        raise UnitError(f"cannot convert {format_unit(src) or 'a plain number'} to "
                        f"{format_unit(dst) or 'a plain number'}: {name(src_root)} is not "
                        f"{name(dst_root)}", code=UNIT_MISMATCH)
    return factor


def to_canonical(value: Any, unit: str) -> float:
    """Convert an input value to a float in `unit`, checking its dimension. Non-finite is an error."""
    magnitude, src = parse_quantity(value, unit)
    dst = parse_unit(unit)
    if _dimensionality(src) != _dimensionality(dst) or _root(src) != _root(dst):
        expected, got = describe_dimension(dst), describe_dimension(src)
        if got == expected:  # both plain numbers to pint (an angle and a ratio of times)
            expected, got = _kind_of(dst), _kind_of(src)
        raise UnitError(
            f"{excerpt(value)} has the wrong dimension: expected {expected} "
            f"(for example '{format_unit(dst)}'), got {got}"
        )
    out = convert(magnitude, src, dst)
    if not math.isfinite(out):
        raise UnitError(f"{excerpt(value)} is not a finite quantity")
    return out


_ROOT_KINDS = {"radian": "an angle", "steradian": "a solid angle"}


def _kind_of(unit: Unit) -> str:
    """What a unit pint calls dimensionless measures: a plain ratio, or an angle."""
    names = [name for name in _root(unit)._units if name in _ROOT_KINDS]
    if not names:
        return "a plain ratio"
    return f"{_ROOT_KINDS[names[0]]} ('{format_unit(unit)}')"


def convert(magnitude: float, src: Unit, dst: Unit) -> float:
    """`magnitude` in `src` expressed in `dst`, rounded to twelve significant digits.

    Far finer than any measurement, and 12 m^3/day becomes exactly 12000 L/day instead of
    11999.999999999998, so reports read as the user wrote them.
    """
    return float(f"{magnitude * conversion_factor(src, dst):.12g}")


_SYMBOLS = {"liter": "L", "meter": "m", "day": "day", "person": "person", "hour": "h",
            "week": "week", "second": "s", "minute": "min", "kilometer": "km",
            "year": "year", "month": "month"}  # not pint's `a`: "must be >= 15 a" reads as nothing
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
