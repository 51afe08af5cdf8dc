"""The units layer: any pint unit in, canonical floats out, wrong dimensions refused."""

from __future__ import annotations

import pytest

from mcrules.errors import UnitError
from mcrules.units import format_unit, parse_quantity, parse_unit, to_canonical


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("12 m^3/day", "L/day", 12000.0),
        ("3000 gal/day", "L/day", 11356.235352),
        ("19000 ft^2", "m^2", 1765.15776),
        ("100 ft", "m", 30.48),
        (12000, "L/day", 12000.0),
        ("12000", "L/day", 12000.0),
        ("1.5 m", "m", 1.5),
        ("1,800 m²", "m^2", 1800.0),
        ("0.5 L/hour", "L/day", 12.0),
    ],
)
def test_quantities_convert_to_the_canonical_unit(text: object, unit: str, expected: float) -> None:
    assert to_canonical(text, unit) == pytest.approx(expected, rel=1e-12)


def test_a_bare_number_is_taken_in_the_default_unit() -> None:
    assert parse_quantity(20, "L/day") == (20.0, parse_unit("L/day"))


@pytest.mark.parametrize("bad", ["30 m^2", "3 m", "5 person"])
def test_a_quantity_of_the_wrong_dimension_is_refused(bad: str) -> None:
    with pytest.raises(UnitError, match="wrong dimension"):
        to_canonical(bad, "L/day")


@pytest.mark.parametrize("bad", ["", "lots", "12 furlongs per fortnight squared", True, [1]])
def test_unreadable_quantities_are_refused(bad: object) -> None:
    with pytest.raises(UnitError):
        to_canonical(bad, "L/day")


def test_the_person_dimension_makes_per_person_rates_checkable() -> None:
    rate = parse_unit("L/person/day")
    assert (1 * rate).dimensionality != (1 * parse_unit("L/day")).dimensionality
    assert format_unit(rate) == "L/person/day"
    assert format_unit(parse_unit("m^2/person")) == "m²/person"


def test_conversion_noise_is_rounded_away_at_the_edge() -> None:
    assert to_canonical("12 m^3/day", "L/day") == 12000.0
