"""Hand-written references for the five numeric rules: the speed ceiling and the truth.

``numpy_failures`` is the fastest plain-numpy formulation we could write; any engine is
measured against it. ``python_failures`` is the obvious per-record loop an app author would
write, the floor an engine has to beat. Both follow the benchmark's rule semantics: a
rule that does not apply is not a failure, ``a >= b`` allows a relative 1e-9, and
``ceil(x)`` is taken as ``ceil(x - 1e-9·|x|)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

RTOL = 1e-9
#: Site-level rule ids every engine reports.
RULE_IDS: tuple[str, ...] = ("toilets", "showers", "water", "living_area", "site_area")
#: Extra per-gender counts the references report.
GENDER_IDS: tuple[str, ...] = ("toilets.female", "toilets.male", "showers.female", "showers.male")

# For non-negative a and b, "not (a >= b - RTOL·max(a, b))" reduces to "a < b·(1 - RTOL)":
# when a >= b it is false either way, and when a < b the max is b. Likewise
# ceil(x - RTOL·x) = ceil(x·(1 - RTOL)). Every input here is a count, an area, a volume
# or a ratio of those, so the numpy code uses the reduced forms (one multiply, no abs).
_SHRINK = 1.0 - RTOL
_WATER_MIN = 20.0 * _SHRINK
_LIVING_MIN = 3.5 * _SHRINK
_SITE_MIN = 30.0 * _SHRINK


def numpy_failures(cols: Mapping[str, npt.NDArray[Any]]) -> dict[str, int]:
    """Failure counts per rule id (plus per-gender toilet and shower counts), vectorised.

    Assumes non-negative inputs, as real site data are (see the note on the reduced forms).
    Works in place on a few scratch arrays: at a million rows, allocating a fresh array per
    operation costs about as much as the arithmetic.
    """
    female = cols["population.female"]
    male = cols["population.male"]
    n = female.shape[0]
    total = female + male
    occupied = total > 0.0
    scratch = np.empty(n)
    short = np.empty(n, dtype=np.bool_)
    other = np.empty(n, dtype=np.bool_)
    present = np.empty(n, dtype=np.bool_)
    counts: dict[str, int] = {}
    for facility in ("toilets", "showers"):
        for gender, people, out in (("female", female, short), ("male", male, other)):
            # out = people > 0 and have < ceil(people / 20), both with tolerance
            np.divide(people, 20.0, out=scratch)
            scratch *= _SHRINK
            np.ceil(scratch, out=scratch)
            scratch *= _SHRINK
            np.less(cols[f"{facility}.{gender}"], scratch, out=out)
            np.greater(people, 0.0, out=present)
            out &= present
            counts[f"{facility}.{gender}"] = int(np.count_nonzero(out))
        short |= other
        counts[facility] = int(np.count_nonzero(short))
    # An empty site gives an inf or nan ratio; the occupied mask discards it.
    with np.errstate(divide="ignore", invalid="ignore"):
        for key, rule_id, minimum in (
            ("water_supply", "water", _WATER_MIN),
            ("covered_living_area", "living_area", _LIVING_MIN),
            ("total_site_area", "site_area", _SITE_MIN),
        ):
            np.divide(cols[key], total, out=scratch)
            np.less(scratch, minimum, out=short)
            short &= occupied
            if rule_id == "living_area":
                short &= cols["provides_accommodation"]
            counts[rule_id] = int(np.count_nonzero(short))
    return counts


def _at_least(a: float, b: float) -> bool:
    """a >= b with a relative tolerance of RTOL."""
    return a >= b - RTOL * max(abs(a), abs(b))


def _ceil(x: float) -> int:
    """ceil(x) that ignores a relative excess of up to RTOL (so 20.000000001 / 20 is 1)."""
    return math.ceil(x - RTOL * abs(x))


def python_failures(records: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Failure counts from a plain per-record loop over nested site records."""
    counts = dict.fromkeys((*RULE_IDS, *GENDER_IDS), 0)
    for rec in records:
        population = rec["population"]
        female = population["female"]
        male = population["male"]
        for facility in ("toilets", "showers"):
            have = rec[facility]
            f_short = female > 0 and not _at_least(have["female"], _ceil(female / 20.0))
            m_short = male > 0 and not _at_least(have["male"], _ceil(male / 20.0))
            if f_short:
                counts[f"{facility}.female"] += 1
            if m_short:
                counts[f"{facility}.male"] += 1
            if f_short or m_short:
                counts[facility] += 1
        total = female + male
        if total > 0:
            if not _at_least(rec["water_supply"] / total, 20.0):
                counts["water"] += 1
            if rec["provides_accommodation"] and not _at_least(rec["covered_living_area"] / total, 3.5):
                counts["living_area"] += 1
            if not _at_least(rec["total_site_area"] / total, 30.0):
                counts["site_area"] += 1
    return counts
