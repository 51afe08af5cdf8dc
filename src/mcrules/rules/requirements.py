"""The shared requirement keys: what lets a comparison of packs line up rules whose ids differ.

A rule's `requirement:` names the need it encodes, whoever states it: the Toolkit's
`mct.wash.water_per_person` and Sphere's `sphere.wash.water_per_person` both encode
`water.quantity_per_person`. Each key here has a title (what a side-by-side report calls the
row) and the unit kind of the quantity its rules compare, or None for a yes/no requirement, so
`mcrules lint` can tell a rule that names the wrong requirement (litres against square metres).
A pack may use a key not listed here (a lint warning, for a key that is probably a typo).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Requirement:
    """One shared requirement: its key, its title, and the unit its rules compare in."""

    key: str
    title: str
    unit: str | None
    """Any unit of the kind its rules compare (`L/person/day`; `""` for a count); None: yes/no."""


REQUIREMENTS: dict[str, Requirement] = {r.key: r for r in (
    Requirement("water.quantity_per_person", "Water per person per day", "L/person/day"),
    Requirement("water.point_distance", "Distance from a household to a water point", "m"),
    Requirement("sanitation.toilets_per_person", "Toilets for the number of people", ""),
    Requirement("sanitation.showers_per_person", "Showers or bathing facilities for the number "
                "of people", ""),
    Requirement("sanitation.latrine_distance_to_water_source",
                "Distance from a latrine to a water source", "m"),
    Requirement("sanitation.pit_above_groundwater",
                "Height of a pit's bottom above the groundwater table", "m"),
    Requirement("shelter.covered_area_per_person", "Covered living area per person",
                "m^2/person"),
    Requirement("site.area_per_person", "Site area per person", "m^2/person"),
)}
