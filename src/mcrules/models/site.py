"""The site file: what a planner writes by hand to describe a migrant-centre layout."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from mcrules.models.base import Flag, InputModel
from mcrules.models.declarations import DefaultWhenSiblingGiven
from mcrules.models.fields import Quantity, Whole

WaterSupply = Annotated[float, Quantity("L/day", examples=["12 m^3/day", "3000 gal/day", 12000])]
Area = Annotated[float, Quantity("m^2", examples=["1800 m^2", "19000 ft^2"])]
Distance = Annotated[float, Quantity("m", examples=["35 m", "100 ft"])]
StaffedHours = Annotated[float, Quantity("hour/week", examples=[168, "24 h/day"], maximum=168)]

Count = Annotated[int, Whole()]
People = Annotated[int, Whole("person")]


class Setting(StrEnum):
    """The kind of site; some rules apply only to some settings."""

    COLLECTIVE_CENTRE = "collective_centre"
    CAMP = "camp"
    TRANSIT_DAYTIME = "transit_daytime"
    TRANSIT_OVERNIGHT = "transit_overnight"
    HOTEL = "hotel"
    OTHER = "other"


class FacilityType(StrEnum):
    """The Toolkit's typology of migrant centres (Facilitator Note 3.4.1); 24/7 staffing follows it."""

    MULTIFUNCTIONAL = "multifunctional"
    SHELTER = "shelter"
    GOVERNMENT_RUN = "government_run"
    INFORMATION_RESOURCE = "information_resource"
    HOTEL_PRIVATE = "hotel_private"
    OTHER = "other"


class ResponsePhase(StrEnum):
    """Sphere's first phase of a crisis (UNHCR's emergency) or its medium term (post-emergency)."""

    INITIAL = "initial"
    MEDIUM_TERM = "medium_term"


class PopulationCounts(InputModel):
    """People hosted, by gender: the Sphere ratios are counted per gender."""

    female: People | None = Field(default=None, description="Women and girls hosted.")
    male: People | None = Field(default=None, description="Men and boys hosted.")
    unaccompanied_minors: People | None = Field(
        default=None, description="Unaccompanied minors among them (counted in female or male too)."
    )


class Counts(InputModel):
    """Toilets or showers by the gender they are reserved for; `shared` are not separated."""

    female: Count | None = Field(default=None, description="Units reserved for women and girls.")
    male: Count | None = Field(default=None, description="Units reserved for men and boys.")
    # Listing gendered units without shared ones says there are none; an empty mapping says
    # nothing, so it stays unknown rather than passing the separation rule.
    shared: Annotated[Count | None, DefaultWhenSiblingGiven(("female", "male"), 0)] = Field(
        default=None,
        description="Units used by everyone, not separated by gender. They do not count towards "
        "either gender's ratio. Taken as 0 when `female` or `male` is given without it.",
    )
    accessible: Count | None = Field(
        default=None,
        description="Units accessible to persons with disabilities, whichever gender they are "
        "reserved for (they are also counted under `female`, `male` or `shared`).",
    )


class SanitationKind(StrEnum):
    """How excreta is contained: decides whether the groundwater rules apply."""

    PIT_LATRINE = "pit_latrine"
    POUR_FLUSH_PIT = "pour_flush_pit"
    SEPTIC_TANK = "septic_tank"
    LINED_CONTAINMENT = "lined_containment"
    CHEMICAL = "chemical"
    FLUSH_SEWER = "flush_sewer"


class SanitationUnit(InputModel):
    """One latrine, toilet block or containment system."""

    id: str = Field(min_length=1, description="A label for this unit, used in reports (L1, Block B).")
    kind: SanitationKind
    distance_to_water_source: Distance | None = Field(
        default=None, description="Horizontal distance to the nearest water source."
    )
    pit_bottom_above_groundwater: Distance | None = Field(
        default=None,
        description="Height of the pit bottom above the highest seasonal groundwater table.",
    )


class Space(StrEnum):
    """Spaces a site provides; rules check for the ones the Toolkit requires."""

    SEPARATE_SLEEPING_AREAS = "separate_sleeping_areas"
    FAMILY_AREA = "family_area"
    VULNERABLE_PERSONS_AREA = "vulnerable_persons_area"
    CHILD_FRIENDLY_SPACE = "child_friendly_space"
    INFIRMARY = "infirmary"
    ISOLATION_ROOM = "isolation_room"
    PRIVATE_MEDICAL_CONSULTATION = "private_medical_consultation"
    SPECIFIC_NEEDS_AREA = "specific_needs_area"
    SEPARATE_EATING_AREA = "separate_eating_area"
    LIVING_SEPARATE_FROM_COMMUNAL = "living_separate_from_communal"
    RECREATION_SPACE = "recreation_space"
    COUNSELLING_SPACE = "counselling_space"
    COMMUNAL_AREA = "communal_area"
    PERIMETER = "perimeter"
    STORAGE = "storage"
    PERSONNEL_OFFICE = "personnel_office"
    LIGHTING_ELECTRICITY = "lighting_electricity"
    CHILD_PLAY_AREA = "child_play_area"
    SOGIESC_SPACE = "sogiesc_space"
    ELDERLY_SPACE = "elderly_space"
    DISABILITY_SPACE = "disability_space"


class Service(StrEnum):
    """Services offered on site; some switch rules on (in-house health care)."""

    HEALTH_IN_HOUSE = "health_in_house"
    FOOD = "food"
    MHPSS = "mhpss"
    CASE_MANAGEMENT = "case_management"
    LEGAL_AID = "legal_aid"
    EDUCATION = "education"
    RECREATION = "recreation"


class SecurityMeasure(StrEnum):
    """The Toolkit's minimum safety and security measures a site has in place."""

    SECURITY_OFFICER_CONSULTED = "security_officer_consulted"
    GUARDS = "guards"
    SEPARATE_ENTRANCES = "separate_entrances"
    EXIT_DOORS = "exit_doors"
    FIRE_EXTINGUISHERS = "fire_extinguishers"
    MEETING_POINTS = "meeting_points"
    CHILD_SAFETY_MEASURES = "child_safety_measures"


class BuildingAspect(StrEnum):
    """What of an existing building's condition has been assessed (Facilitator Note 3.4.6)."""

    STRUCTURE = "structure"
    ROOF = "roof"
    DOORS = "doors"
    WINDOWS = "windows"
    WATER_SANITATION = "water_sanitation"
    ELECTRICAL_WIRING = "electrical_wiring"
    HEATING_COOLING = "heating_cooling"
    LOCATION = "location"


class Staffing(InputModel):
    """Who is present and when."""

    hours_per_week: StaffedHours | None = Field(
        default=None,
        description="Hours per week with personnel on site; 168 means 24 hours a day, 7 days a week. "
        "Any rate of hours is accepted: '24 h/day' is 168.",
    )
    medical_staff_full_time: Flag | None = Field(
        default=None, description="A doctor and/or nurse is present full time."
    )
    health_professional_hours_per_week: StaffedHours | None = Field(
        default=None,
        description="Hours per week with a health professional on site; 168 is around the clock.",
    )
    gender_balanced: Flag | None = Field(
        default=None, description="Personnel is balanced in gender."
    )


class Site(InputModel):
    """A migrant centre as built or planned. Every field is optional: what is missing is `unknown`."""

    name: str | None = Field(default=None, description="A human-readable name for reports.")
    setting: Setting | None = None
    provides_accommodation: Flag | None = Field(
        default=None, description="Residents stay overnight."
    )
    population: PopulationCounts | None = Field(
        default=None, description="People hosted at capacity, by gender."
    )
    toilets: Counts | None = None
    showers: Counts | None = None
    water_supply: WaterSupply | None = Field(
        default=None,
        description="Water available to residents for drinking, cooking and hygiene, per day.",
    )
    covered_living_area: Area | None = Field(
        default=None, description="Covered floor area for living, excluding sanitation and cooking."
    )
    total_site_area: Area | None = Field(
        default=None, description="Usable surface area of the whole site."
    )
    beds: Count | None = Field(
        default=None, description="Beds or culturally equivalent places to rest (hammocks, wickers)."
    )
    mattresses_plastic_coated: Flag | None = Field(
        default=None, description="All mattresses are plastic-coated for cleaning and disinfection."
    )
    bedding_sets: Count | None = Field(
        default=None, description="Sets of sheets and blankets in stock, including those in use."
    )
    sanitation: list[SanitationUnit] | None = Field(
        default=None, description="Each latrine, toilet block or containment system."
    )
    spaces: list[Space] | None = Field(default=None, description="Spaces the site provides.")
    services: list[Service] | None = Field(default=None, description="Services offered on site.")
    staffing: Staffing | None = None
    water_safe_for_drinking: Flag | None = Field(
        default=None, description="Water has been verified safe for drinking, cooking and hygiene."
    )
    facility_type: FacilityType | None = Field(
        default=None, description="The Toolkit's type of facility (multifunctional, shelter, ...)."
    )
    phase: ResponsePhase | None = Field(
        default=None,
        description="Phase of the response: `initial` (Sphere's first phases, UNHCR's emergency) "
        "or `medium_term` (UNHCR's post-emergency).",
    )
    cold_climate: Flag | None = Field(
        default=None, description="Household activities happen indoors for warmth (cold climate)."
    )
    urban: Flag | None = Field(default=None, description="An urban setting.")
    indoor_cooking_and_sanitation: Flag | None = Field(
        default=None,
        description="The covered living area includes internal cooking space and bathing and/or "
        "sanitation facilities.",
    )
    water_sources_distanced_from_washing_and_waste: Flag | None = Field(
        default=None,
        description="Water sources are away from clothes-washing and bathing areas and waste "
        "disposal sites.",
    )
    sanitation_design_capacity: People | None = Field(
        default=None, description="How many people the sanitation facilities were designed for."
    )
    latrines_cleared_regularly: Flag | None = Field(
        default=None, description="Latrines are emptied regularly by a specialised service provider."
    )
    solid_waste_disposed_properly: Flag | None = Field(
        default=None, description="Solid waste is collected and disposed of properly."
    )
    building_assessed: list[BuildingAspect] | None = Field(
        default=None, description="Aspects of the building's condition that have been assessed."
    )
    environmental_assessment_done: Flag | None = Field(
        default=None, description="An environmental assessment was carried out at site selection."
    )
    security_measures: list[SecurityMeasure] | None = Field(
        default=None, description="Safety and security measures in place."
    )
    unaccompanied_minors_separated: Flag | None = Field(
        default=None,
        description="Unaccompanied minors are hosted in separate rooms and areas by age and gender.",
    )
    eating_area_capacity: People | None = Field(
        default=None, description="How many people the eating area seats at once."
    )
    meal_shifts: Flag | None = Field(default=None, description="Meals are served in shifts.")
    beneficiaries_in_maintenance: Flag | None = Field(
        default=None, description="Residents take part in maintaining the premises."
    )
    cleaning_schedule: Flag | None = Field(
        default=None, description="A cleaning schedule is established."
    )
    exceeds_host_community_conditions: Flag | None = Field(
        default=None,
        description="The site's standards exceed the living conditions of the host community.",
    )
    host_community_measures: Flag | None = Field(
        default=None,
        description="Measures reduce tension with the host community (e.g. services extended to it).",
    )
    max_distance_shelter_to_toilet: Distance | None = Field(
        default=None, description="The longest walk from any shelter to its nearest toilet."
    )
    max_distance_shelter_to_water_point: Distance | None = Field(
        default=None, description="The longest walk from any shelter to its nearest water point."
    )
    water_taps: Count | None = Field(default=None, description="Water taps in use.")
    communal_services_outside_site: Flag | None = Field(
        default=None,
        description="Communal services are provided by facilities outside the planned site area.",
    )
