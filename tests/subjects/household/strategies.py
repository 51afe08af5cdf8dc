"""Hypothesis strategies for household documents: any key may be absent, ages cross 18, sizes
cross the 1:2 net ratio, areas come in m² or ft²."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.subjects.household.model import Sex


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


members = st.fixed_dictionaries(
    {"id": st.sampled_from(["M1", "M2", "M3"])},
    optional={"age": st.sampled_from([0, 5, 17, 18, 19, 64, 130]),
              "sex": st.sampled_from([s.value for s in Sex]),
              "disabled": st.booleans(),
              "has_id_document": st.booleans()})


@st.composite
def households(draw: st.DrawFn) -> dict[str, Any]:
    """A household document as a caseworker would write it, with any key possibly absent."""
    doc: dict[str, Any] = {}

    def put(key: str, strategy: st.SearchStrategy[Any]) -> None:
        value = draw(maybe(strategy))
        if value is not None:
            doc[key] = value

    put("name", st.sampled_from(["HH-1", "HH-2"]))
    put("size", st.one_of(st.integers(0, 12), st.sampled_from([1, 2, 3, 4, 5])))
    put("mosquito_nets", st.integers(0, 6))
    put("registered", st.booleans())
    # Always text, so a Parquet column has one type; the numbers say which unit is meant.
    put("shelter_area", st.one_of(st.integers(0, 60).map(lambda n: f"{n} m^2"),
                                  st.sampled_from(["12.5 m^2", "130 ft^2"])))
    put("members", st.lists(members, max_size=4))
    return doc
