"""The mct-2023 site rules, stated the way the Toolkit states them."""

from __future__ import annotations

import pytest

from mcrules import load_site_pack
from tests.conftest import check, outcome

PUBLIC_IDS = [
    "mct.wash.toilets.female", "mct.wash.toilets.male", "mct.wash.showers.female",
    "mct.wash.showers.male", "mct.wash.water_per_person", "mct.shelter.living_area_per_person",
    "mct.site.total_area_per_person", "mct.wash.latrine_distance_to_water_source",
    "mct.wash.pit_above_groundwater", "mct.shelter.bed_per_person",
    "mct.wash.toilets.all_centres", "mct.wash.showers.all_centres",
]


def test_the_public_rule_ids_exist(pack) -> None:  # type: ignore[no-untyped-def]
    ids = {r.id for r in pack.rules}
    assert set(PUBLIC_IDS) <= ids


@pytest.mark.parametrize(("women", "verdict"), [(19, "pass"), (20, "pass"), (21, "fail")])
def test_toilets_one_per_twenty_people_per_gender(pack, women: int, verdict: str) -> None:  # type: ignore[no-untyped-def]
    report = check({"provides_accommodation": True, "population": {"female": women, "male": women},
                    "toilets": {"female": 1, "male": 1}}, pack)
    assert outcome(report, "mct.wash.toilets.female") == verdict
    assert outcome(report, "mct.wash.toilets.male") == verdict


def test_shared_toilets_do_not_count_for_either_gender(pack) -> None:  # type: ignore[no-untyped-def]
    report = check({"provides_accommodation": True, "population": {"female": 20, "male": 20},
                    "toilets": {"female": 0, "male": 0, "shared": 2},
                    "showers": {"female": 1, "male": 1}}, pack)
    assert outcome(report, "mct.wash.toilets.female") == "fail"
    assert outcome(report, "mct.wash.sanitation_separated_by_gender") == "fail"


@pytest.mark.parametrize(("men", "verdict"), [(40, "pass"), (41, "fail")])
def test_showers_one_per_twenty_people_per_gender(pack, men: int, verdict: str) -> None:  # type: ignore[no-untyped-def]
    report = check({"provides_accommodation": True, "population": {"female": 0, "male": men},
                    "showers": {"female": 0, "male": 2}}, pack)
    assert outcome(report, "mct.wash.showers.male") == verdict
    assert outcome(report, "mct.wash.showers.female") == "not_applicable"


@pytest.mark.parametrize(("litres", "verdict"), [("10000 L/day", "pass"), ("9999 L/day", "fail"),
                                                  ("10 m^3/day", "pass")])
def test_twenty_litres_per_person_per_day(pack, litres: str, verdict: str) -> None:  # type: ignore[no-untyped-def]
    report = check({"population": {"female": 250, "male": 250}, "water_supply": litres}, pack)
    assert outcome(report, "mct.wash.water_per_person") == verdict


def test_sphere_reading_of_water_is_one_option_away() -> None:
    sphere = load_site_pack("mct-2023", variants=["sphere-water-15"])
    report = check({"population": {"female": 250, "male": 250}, "water_supply": "7500 L/day"}, sphere)
    assert outcome(report, "mct.wash.water_per_person") == "pass"


@pytest.mark.parametrize(("area", "verdict"), [("350 m^2", "pass"), ("349.9 m^2", "fail")])
def test_covered_living_area_of_three_and_a_half_square_metres_per_person(pack, area: str,  # type: ignore[no-untyped-def]
                                                                          verdict: str) -> None:
    report = check({"provides_accommodation": True, "population": {"female": 50, "male": 50},
                    "covered_living_area": area}, pack)
    assert outcome(report, "mct.shelter.living_area_per_person") == verdict


def test_living_area_does_not_apply_without_accommodation(pack) -> None:  # type: ignore[no-untyped-def]
    report = check({"provides_accommodation": False, "population": {"female": 50, "male": 50},
                    "covered_living_area": "1 m^2"}, pack)
    assert outcome(report, "mct.shelter.living_area_per_person") == "not_applicable"


@pytest.mark.parametrize(("area", "verdict"), [("3000 m^2", "pass"), ("2999 m^2", "fail")])
def test_thirty_square_metres_of_site_per_person(pack, area: str, verdict: str) -> None:  # type: ignore[no-untyped-def]
    report = check({"population": {"female": 50, "male": 50}, "total_site_area": area}, pack)
    assert outcome(report, "mct.site.total_area_per_person") == verdict


@pytest.mark.parametrize(("distance", "verdict"), [("30 m", "pass"), ("29.99 m", "fail"),
                                                    ("100 ft", "pass"), ("98 ft", "fail")])
def test_latrines_thirty_metres_from_water_sources(pack, distance: str, verdict: str) -> None:  # type: ignore[no-untyped-def]
    report = check({"sanitation": [{"id": "L1", "kind": "pit_latrine",
                                    "distance_to_water_source": distance}]}, pack)
    assert outcome(report, "mct.wash.latrine_distance_to_water_source") == verdict


@pytest.mark.parametrize("kind", ["flush_sewer", "lined_containment", "chemical"])
def test_groundwater_rules_do_not_apply_to_sewered_or_lined_toilets(pack, kind: str) -> None:  # type: ignore[no-untyped-def]
    report = check({"sanitation": [{"id": "T", "kind": kind}]}, pack)
    assert outcome(report, "mct.wash.latrine_distance_to_water_source") == "not_applicable"
    assert outcome(report, "mct.wash.pit_above_groundwater") == "not_applicable"


def test_pit_bottoms_one_and_a_half_metres_above_groundwater(pack) -> None:  # type: ignore[no-untyped-def]
    report = check({"sanitation": [
        {"id": "P1", "kind": "pit_latrine", "pit_bottom_above_groundwater": "1.5 m"},
        {"id": "P2", "kind": "pour_flush_pit", "pit_bottom_above_groundwater": "1.4 m"}]}, pack)
    r = report.result("mct.wash.pit_above_groundwater")
    assert (r.outcome.value, r.item, r.severity.value) == ("fail", "P2", "error")


def test_the_blue_module_reads_the_pit_rule_as_should() -> None:
    blue = load_site_pack("mct-2023", variants=["blue-module-pit-should"])
    assert blue.rule("mct.wash.pit_above_groundwater").severity.value == "warning"


def test_a_bed_for_every_person(pack) -> None:  # type: ignore[no-untyped-def]
    data = {"provides_accommodation": True, "population": {"female": 10, "male": 10}, "beds": 19}
    r = check(data, pack).result("mct.shelter.bed_per_person")
    assert r.outcome.value == "fail" and r.fix is not None
    assert r.fix.text == "add 1 bed(s) or culturally equivalent places to rest"


def test_in_house_health_care_needs_staff_infirmary_and_isolation(pack) -> None:  # type: ignore[no-untyped-def]
    report = check({"services": ["health_in_house"], "spaces": ["infirmary"],
                    "staffing": {"medical_staff_full_time": True}}, pack)
    assert outcome(report, "mct.health.medical_staff_full_time") == "pass"
    assert outcome(report, "mct.health.infirmary") == "pass"
    assert outcome(report, "mct.health.isolation_space") == "fail"
    no_health = check({"services": ["food"], "spaces": []}, pack)
    assert outcome(no_health, "mct.health.infirmary") == "not_applicable"


def test_round_the_clock_staff_is_recommended_when_accommodation_is_provided(pack) -> None:  # type: ignore[no-untyped-def]
    r = check({"provides_accommodation": True, "staffing": {"hours_per_week": 120}},
              pack).result("mct.staffing.around_the_clock")
    assert (r.outcome.value, r.severity.value) == ("fail", "warning")
    strict = load_site_pack("mct-2023", variants=["duty-of-care-strict"])
    assert strict.rule("mct.staffing.around_the_clock").severity.value == "error"


def test_every_disagreement_points_at_a_real_variant(pack) -> None:  # type: ignore[no-untyped-def]
    for rule in pack.rules:
        for d in rule.disagreements:
            assert d.variant in pack.variants, (rule.id, d.variant)
