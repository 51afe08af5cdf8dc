"""Deterministic synthetic site data for the benchmarks.

The data sit around the five numeric thresholds (toilets and showers per 20 people,
20 L of water, 3.5 m² of covered living area and 30 m² of site area per person) so that
every rule both passes and fails often, and about a tenth of the sites sit exactly on
a threshold. Continuous values are rounded to hundredths, so any value that is not on a
threshold is at least 1e-7 (relative) away from it: far beyond the 1e-9 comparison
tolerance and floating-point noise, which lets engines that compare exactly (or in
decimal arithmetic) agree with the tolerant reference.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

#: Numeric columns, in the dotted names a flat site record uses.
NUMERIC_KEYS: tuple[str, ...] = (
    "population.female",
    "population.male",
    "toilets.female",
    "toilets.male",
    "showers.female",
    "showers.male",
    "water_supply",
    "covered_living_area",
    "total_site_area",
)
#: Every column, numeric ones first.
KEYS: tuple[str, ...] = (*NUMERIC_KEYS, "provides_accommodation")

PEOPLE_PER_TOILET = 20.0
PEOPLE_PER_SHOWER = 20.0
WATER_L_PER_PERSON = 20.0
LIVING_M2_PER_PERSON = 3.5
SITE_M2_PER_PERSON = 30.0

_MAX_POPULATION = 2000
_ZERO_GENDER_SHARE = 0.08  # each gender is absent from this share of sites
_BOUNDARY_SHARE = 0.10  # rows put exactly on (or one unit past) every threshold
_ACCOMMODATION_SHARE = 0.7
# Provision is the requirement times a factor drawn from these ranges: wide (±30 %) and
# centred a little above 1 so that about 30–50 % of sites fail each rule (the sanitation
# rules fail a site when either gender fails, hence their higher centre).
_FACILITY_FACTOR = (0.85, 1.45)
_QUANTITY_FACTOR = (0.75, 1.35)


def _population(rng: np.random.Generator, n: int) -> FloatArray:
    people = rng.integers(1, _MAX_POPULATION + 1, size=n).astype(np.float64)
    people[rng.random(n) < _ZERO_GENDER_SHARE] = 0.0
    return people


def _facilities(rng: np.random.Generator, people: FloatArray, per: float) -> FloatArray:
    """Whole-number facility counts spread around the requirement ceil(people / per)."""
    needed = np.ceil(people / per)
    factor = rng.uniform(*_FACILITY_FACTOR, size=people.shape[0])
    return np.maximum(np.rint(needed * factor), 0.0)


def _quantity(rng: np.random.Generator, total: FloatArray, per_person: float) -> FloatArray:
    """A continuous quantity around per_person * total, rounded to hundredths."""
    factor = rng.uniform(*_QUANTITY_FACTOR, size=total.shape[0])
    return np.round(total * per_person * factor, 2)


def _place_on_boundaries(
    rng: np.random.Generator, cols: dict[str, npt.NDArray[Any]], rows: npt.NDArray[np.intp]
) -> None:
    """Put the given rows exactly on every threshold, or one unit (person or 0.01) past it.

    Per gender: 20·k people with k toilets passes, 20·k + 1 people with k toilets fails and
    with k + 1 showers passes again. Per quantity: exactly the required amount per person
    passes, 0.01 less fails. Each case is drawn independently.
    """
    m = rows.shape[0]
    for gender in ("female", "male"):
        k = rng.integers(1, _MAX_POPULATION // 20 + 1, size=m).astype(np.float64)
        extra_person = np.where(rng.random(m) < 0.5, 1.0, 0.0)
        extra_shower = np.where(rng.random(m) < 0.5, extra_person, 0.0)
        cols[f"population.{gender}"][rows] = 20.0 * k + extra_person
        cols[f"toilets.{gender}"][rows] = k
        cols[f"showers.{gender}"][rows] = k + extra_shower
    total = cols["population.female"][rows] + cols["population.male"][rows]
    for key, per_person in (
        ("water_supply", WATER_L_PER_PERSON),
        ("covered_living_area", LIVING_M2_PER_PERSON),
        ("total_site_area", SITE_M2_PER_PERSON),
    ):
        # per_person * total is exact (a whole or half number); 0.01 less is rounded to
        # the double nearest a hundredth, like every other generated value.
        shortfall = np.where(rng.random(m) < 0.5, 0.01, 0.0)
        cols[key][rows] = np.round(total * per_person - shortfall, 2)
    cols["provides_accommodation"][rows] = True


def make_sites(n: int, seed: int = 0) -> dict[str, npt.NDArray[Any]]:
    """Generate n sites as columns (float64, bool for provides_accommodation).

    Deterministic for a given (n, seed).
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    rng = np.random.default_rng(seed)
    female = _population(rng, n)
    male = _population(rng, n)
    total = female + male
    cols: dict[str, npt.NDArray[Any]] = {
        "population.female": female,
        "population.male": male,
        "toilets.female": _facilities(rng, female, PEOPLE_PER_TOILET),
        "toilets.male": _facilities(rng, male, PEOPLE_PER_TOILET),
        "showers.female": _facilities(rng, female, PEOPLE_PER_SHOWER),
        "showers.male": _facilities(rng, male, PEOPLE_PER_SHOWER),
        "water_supply": _quantity(rng, total, WATER_L_PER_PERSON),
        "covered_living_area": _quantity(rng, total, LIVING_M2_PER_PERSON),
        "total_site_area": _quantity(rng, total, SITE_M2_PER_PERSON),
        "provides_accommodation": rng.random(n) < _ACCOMMODATION_SHARE,
    }
    # Empty sites still report some supply, so a rule wrongly applied to them would fail.
    empty = total == 0.0
    for key in ("water_supply", "covered_living_area", "total_site_area"):
        cols[key][empty] = np.round(rng.uniform(0.0, 50.0, size=int(empty.sum())), 2)
    boundary_rows = np.flatnonzero(rng.random(n) < _BOUNDARY_SHARE)
    _place_on_boundaries(rng, cols, boundary_rows)
    return cols


def to_records(cols: dict[str, npt.NDArray[Any]]) -> list[dict[str, Any]]:
    """Nested dicts shaped like a site file, with plain Python floats and bools."""
    pf, pm, tf, tm, sf, sm, water, living, site = (cols[k].tolist() for k in NUMERIC_KEYS)
    accommodation = cols["provides_accommodation"].tolist()
    return [
        {
            "population": {"female": pf[i], "male": pm[i]},
            "toilets": {"female": tf[i], "male": tm[i]},
            "showers": {"female": sf[i], "male": sm[i]},
            "water_supply": water[i],
            "covered_living_area": living[i],
            "total_site_area": site[i],
            "provides_accommodation": bool(accommodation[i]),
        }
        for i in range(len(pf))
    ]


def to_flat_records(cols: dict[str, npt.NDArray[Any]]) -> list[dict[str, Any]]:
    """Flat dicts keyed by the dotted column names, with plain Python floats and bools."""
    lists = [cols[k].tolist() for k in KEYS]
    return [dict(zip(KEYS, row, strict=True)) for row in zip(*lists, strict=True)]
