"""Hypothesis strategies for case files: any key may be absent, values sit at the pack's edges."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from tests.subjects.casefile.model import Need, Severity, Stage, Strength

AS_OF = dt.date(2026, 4, 1)
_days = st.sampled_from([-400, -365, -31, -30, -29, -8, -7, -6, -1, 0, 1, 30])


def _date(offset: int) -> str:
    return (AS_OF + dt.timedelta(days=offset)).isoformat()


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@st.composite
def case_files(draw: st.DrawFn) -> dict[str, Any]:
    """A case file as a caseworker's app would send it, with any key possibly absent."""
    doc: dict[str, Any] = {}

    def put(key: str, strategy: st.SearchStrategy[Any]) -> None:
        value = draw(maybe(strategy))
        if value is not None:
            doc[key] = value

    put("assessed_on", _days.map(_date))
    put("consent_valid_until", _days.map(_date))
    put("age", st.sampled_from([0, 15, 17, 18, 19, 40]))
    put("accompanied", st.booleans())
    put("stage", st.sampled_from([s.value for s in Stage]))
    put("exposure_days", st.sampled_from([0, 1, 21, 29.5, 30, 60, "3 week"]))
    put("needs", st.lists(st.sampled_from([n.value for n in Need]), unique=True))
    put("threats", st.lists(st.fixed_dictionaries(
        {"id": st.sampled_from(["arrest", "robbery", "exploitation"])},
        optional={"severity": st.sampled_from([s.value for s in Severity]),
                  "since": _days.map(_date)}), max_size=3))
    put("capacities", st.lists(st.fixed_dictionaries(
        {"id": st.sampled_from(["family", "community"])},
        optional={"strength": st.sampled_from([s.value for s in Strength])}), max_size=3))
    return doc
