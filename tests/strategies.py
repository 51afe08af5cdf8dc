"""Hypothesis strategies for site documents: missing fields, zeros and exact boundaries included."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from mcrules.models.site import (
    BuildingAspect,
    FacilityType,
    ResponsePhase,
    SanitationKind,
    SecurityMeasure,
    Service,
    Setting,
    Space,
)

people = st.one_of(st.integers(0, 60), st.sampled_from([19, 20, 21, 39, 40, 41, 400]))
counts = st.integers(0, 25)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@st.composite
def sites(draw: st.DrawFn) -> dict[str, Any]:
    """A site document as a user would write it (metric units), with any key possibly absent."""
    doc: dict[str, Any] = {}

    def put(key: str, strategy: st.SearchStrategy[Any]) -> None:
        value = draw(maybe(strategy))
        if value is not None:
            doc[key] = value

    put("setting", st.sampled_from([s.value for s in Setting]))
    put("provides_accommodation", st.booleans())
    put("facility_type", st.sampled_from([f.value for f in FacilityType]))
    put("phase", st.sampled_from([p.value for p in ResponsePhase]))
    put("population", st.fixed_dictionaries({"female": people, "male": people},
                                            optional={"unaccompanied_minors": st.integers(0, 3)}))
    put("toilets", st.fixed_dictionaries({"female": counts, "male": counts},
                                         optional={"shared": st.integers(0, 2),
                                                   "accessible": st.integers(0, 2)}))
    put("showers", st.fixed_dictionaries({"female": counts, "male": counts},
                                         optional={"shared": st.integers(0, 2)}))
    for flag in ("cold_climate", "urban", "indoor_cooking_and_sanitation",
                 "water_sources_distanced_from_washing_and_waste", "latrines_cleared_regularly",
                 "solid_waste_disposed_properly", "environmental_assessment_done",
                 "unaccompanied_minors_separated", "meal_shifts", "beneficiaries_in_maintenance",
                 "cleaning_schedule", "exceeds_host_community_conditions",
                 "host_community_measures", "communal_services_outside_site"):
        put(flag, st.booleans())
    put("sanitation_design_capacity", people)
    put("eating_area_capacity", people)
    put("water_taps", st.integers(0, 4))
    put("max_distance_shelter_to_toilet", st.sampled_from([0, 49.99, 50, 50.01, 120]))
    put("max_distance_shelter_to_water_point", st.sampled_from([0, 199.99, 200, 200.01, 500, 501]))
    put("building_assessed", st.lists(st.sampled_from([b.value for b in BuildingAspect]),
                                      unique=True))
    put("security_measures", st.lists(st.sampled_from([m.value for m in SecurityMeasure]),
                                      unique=True))
    put("water_supply", st.one_of(st.integers(0, 20000), st.floats(0, 2e4, allow_nan=False)))
    put("covered_living_area", st.one_of(st.integers(0, 1500), st.floats(0, 1500, allow_nan=False)))
    put("total_site_area", st.one_of(st.integers(0, 12000), st.floats(0, 12000, allow_nan=False)))
    put("beds", st.integers(0, 500))
    put("bedding_sets", st.integers(0, 900))
    put("mattresses_plastic_coated", st.booleans())
    put("water_safe_for_drinking", st.booleans())
    put("spaces", st.lists(st.sampled_from([s.value for s in Space]), unique=True))
    put("services", st.lists(st.sampled_from([s.value for s in Service]), unique=True))
    put("staffing", st.fixed_dictionaries({}, optional={
        "hours_per_week": st.sampled_from([0, 40, 167, 168]),
        "health_professional_hours_per_week": st.sampled_from([0, 40, 167, 168]),
        "gender_balanced": st.booleans(),
        "medical_staff_full_time": st.booleans()}))
    put("sanitation", st.lists(st.fixed_dictionaries(
        {"id": st.sampled_from(["L1", "L2", "B1"]),
         "kind": st.sampled_from([k.value for k in SanitationKind])},
        optional={"distance_to_water_source": st.sampled_from([0, 29.99, 30, 30.01, 55.5]),
                  "pit_bottom_above_groundwater": st.sampled_from([0, 1.49, 1.5, 2.0])}),
        max_size=4))
    return doc


# How a name can be written so that it reads the same to a caseworker and differs byte for byte.
_CYRILLIC = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і"}


@st.composite
def disguised(draw: st.DrawFn, text: str) -> str:
    """`text` with look-alike letters of another script, fullwidth forms, zero-width characters,
    another case, doubled spaces or typographic apostrophes: a different string that reads as
    `text`."""
    out = []
    for ch in text:
        how = draw(st.sampled_from(["same", "same", "cyrillic", "fullwidth", "zero_width",
                                    "upper", "space", "quote"]))
        if how == "cyrillic" and ch in _CYRILLIC:
            ch = _CYRILLIC[ch]
        elif how == "fullwidth" and "!" <= ch <= "~":
            ch = chr(ord(ch) + 0xFEE0)
        elif how == "zero_width":
            ch = ch + "\u200b"
        elif how == "upper":
            ch = ch.upper()
        elif how == "space" and ch == " ":
            ch = "  "
        elif how == "quote" and ch == "'":
            ch = "\u2019"
        out.append(ch)
    return "".join(out)
