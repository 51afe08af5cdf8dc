"""The four outcomes, explanations as data, and the counterfactual fix."""

from __future__ import annotations

import orjson

from mcrules import Outcome, check_site, load_site_pack
from mcrules.report import render_json
from tests.conftest import check, outcome, site


def test_missing_data_is_unknown_and_names_what_is_missing(pack) -> None:  # type: ignore[no-untyped-def]
    r = check({"provides_accommodation": True, "population": {"female": 30, "male": 0}},
              pack).result("mct.wash.toilets.female")
    assert r.outcome is Outcome.UNKNOWN
    assert r.missing == ("toilets.female",)


def test_an_empty_site_passes_nothing(pack) -> None:  # type: ignore[no-untyped-def]
    report = check({}, pack)
    assert report.summary["pass"] == 0
    assert all(r.outcome is Outcome.UNKNOWN for r in report.results)


def test_a_rule_that_does_not_apply_is_not_applicable_never_pass(pack) -> None:  # type: ignore[no-untyped-def]
    report = check({"sanitation": [{"id": "S", "kind": "flush_sewer"}]}, pack)
    assert outcome(report, "mct.wash.pit_above_groundwater") == "not_applicable"
    assert outcome(report, "mct.wash.latrine_distance_to_water_source") == "not_applicable"


def test_an_unknown_applicability_is_unknown(pack) -> None:  # type: ignore[no-untyped-def]
    r = check({"beds": 3}, pack).result("mct.shelter.bed_per_person")
    assert r.outcome is Outcome.UNKNOWN and "provides_accommodation" in r.missing


def test_the_worst_latrine_decides_and_is_named(pack) -> None:  # type: ignore[no-untyped-def]
    report = check({"sanitation": [
        {"id": "A", "kind": "pit_latrine", "distance_to_water_source": "40 m"},
        {"id": "B", "kind": "pit_latrine", "distance_to_water_source": "20 m"},
        {"id": "C", "kind": "pit_latrine", "distance_to_water_source": "25 m"},
    ]}, pack)
    r = report.result("mct.wash.latrine_distance_to_water_source")
    assert (r.outcome, r.item, r.measured) == (Outcome.FAIL, "B", 20.0)
    assert r.fix is not None and r.fix.text == "move B 10 m further from the water source"


def test_one_unknown_latrine_makes_a_passing_site_unknown(pack) -> None:  # type: ignore[no-untyped-def]
    r = check({"sanitation": [
        {"id": "A", "kind": "pit_latrine", "distance_to_water_source": "40 m"},
        {"id": "B", "kind": "pit_latrine"},
    ]}, pack).result("mct.wash.latrine_distance_to_water_source")
    assert r.outcome is Outcome.UNKNOWN and r.missing == ("item.distance_to_water_source",)


def test_division_by_zero_is_unknown_not_a_verdict(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.test_loader import GOOD_RULE, load, make_pack

    rules = GOOD_RULE.replace("beds >= bedding_sets", "beds / toilets.female >= 2")
    pack = load(make_pack(tmp_path, rules))
    r = check_site(site(beds=4, toilets={"female": 0}), pack).results[0]
    assert r.outcome is Outcome.UNKNOWN and "undefined" in r.reason


def test_a_failure_explains_itself_with_units_margin_and_citation(pack) -> None:  # type: ignore[no-untyped-def]
    r = check({"population": {"female": 300, "male": 200}, "water_supply": "9 m^3/day"},
              pack).result("mct.wash.water_per_person")
    assert r.outcome is Outcome.FAIL
    assert (r.measured, r.required, r.unit, r.op) == (18.0, 20.0, "L/person/day", ">=")
    assert r.margin == -2.0
    assert r.fix is not None and r.fix.text == "increase the water supply by 1000 L/day"
    assert r.fix.to == 10000.0
    assert "20 litres of water" in r.citations[0].quote


def test_each_lever_gives_its_own_smallest_fix(pack) -> None:  # type: ignore[no-untyped-def]
    r = check({"provides_accommodation": True, "population": {"female": 130, "male": 0},
               "toilets": {"female": 5}},
              pack).result("mct.wash.toilets.female")
    assert [f.text for f in r.fixes] == ["add 2 female toilet(s)", "host 30 fewer women and girls"]


def test_a_continuous_fix_is_rounded_up_and_still_passes(pack) -> None:  # type: ignore[no-untyped-def]
    data = {"provides_accommodation": True, "population": {"female": 7, "male": 6},
            "covered_living_area": "40 m^2"}
    r = check(data, pack).result("mct.shelter.living_area_per_person")
    assert r.fix is not None and r.fix.change is not None
    fixed = dict(data, covered_living_area=40 + r.fix.change)
    assert outcome(check(fixed, pack), "mct.shelter.living_area_per_person") == "pass"
    assert r.fix.change == 5.5


def test_reports_are_deterministic_to_the_byte(pack) -> None:  # type: ignore[no-untyped-def]
    data = {"name": "d", "population": {"female": 21, "male": 3}, "toilets": {"female": 1, "male": 1}}
    assert render_json(check(data, pack)) == render_json(check(data, pack))


def test_reports_carry_pack_versions_and_a_content_hash(pack) -> None:  # type: ignore[no-untyped-def]
    doc = orjson.loads(render_json(check({}, pack)))
    assert doc["packs"][0]["id"] == "mct-2023" and len(doc["packs"][0]["hash"]) == 64
    assert len(doc["ruleset_hash"]) == 64
    assert set(doc["summary"]) == {"pass", "fail", "not_applicable", "unknown", "waived"}
    assert sum(doc["summary"].values()) == len(doc["results"])
    first = doc["results"][0]
    assert {"rule", "outcome", "severity", "measured", "required", "unit", "message", "citation",
            "fix"} <= set(first)


def test_overriding_a_parameter_changes_the_hash_and_the_verdict() -> None:
    base = load_site_pack("mct-2023")
    sphere = load_site_pack("mct-2023", variants=["sphere-water-15"])
    assert base.content_hash != sphere.content_hash
    data = {"population": {"female": 50, "male": 50}, "water_supply": "1600 L/day"}
    assert outcome(check(data, base), "mct.wash.water_per_person") == "fail"
    assert outcome(check(data, sphere), "mct.wash.water_per_person") == "pass"
    custom = load_site_pack("mct-2023", parameters={"water_per_person": "0.02 m^3/person/day"})
    assert custom.parameters["water_per_person"].value == 20.0


def test_rules_out_of_force_are_left_out() -> None:
    import datetime as dt

    assert load_site_pack("mct-2023", as_of=dt.date(2020, 1, 1)).rules == load_site_pack(
        "mct-2023", as_of=dt.date(2020, 1, 1)).rules
    pack = load_site_pack("mct-2023", as_of=dt.date(2025, 1, 1))
    assert len(pack.rules) == len(load_site_pack("mct-2023").rules)


def test_a_pack_not_yet_in_force_has_no_rules() -> None:
    import datetime as dt

    assert load_site_pack("mct-2023", as_of=dt.date(2022, 12, 31)).rules == ()
    assert load_site_pack("mct-2023", as_of=dt.date(2023, 1, 1)).rules


def test_a_condition_false_whatever_the_missing_value_is_not_applicable(pack) -> None:  # type: ignore[no-untyped-def]
    report = check({"provides_accommodation": False}, pack)
    assert outcome(report, "mct.shelter.living_area_per_person") == "not_applicable"
    unknown = check({"provides_accommodation": True}, pack).result("mct.shelter.living_area_per_person")
    assert unknown.outcome is Outcome.UNKNOWN
    assert set(unknown.missing) == {"population.female", "population.male", "covered_living_area"}


def test_a_yes_no_check_false_whatever_the_missing_value_fails_but_never_passes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.test_loader import GOOD_RULE, load, make_pack

    rules = GOOD_RULE.replace("beds >= bedding_sets", "mattresses_plastic_coated and water_safe_for_drinking")
    pack = load(make_pack(tmp_path, rules))
    fail = check_site(site(mattresses_plastic_coated=False), pack).results[0]
    assert fail.outcome is Outcome.FAIL
    unknown = check_site(site(mattresses_plastic_coated=True), pack).results[0]
    assert unknown.outcome is Outcome.UNKNOWN and unknown.missing == ("water_safe_for_drinking",)


def test_a_close_miss_never_reads_like_a_pass(pack) -> None:  # type: ignore[no-untyped-def]
    r = check({"population": {"female": 250, "male": 250}, "water_supply": "9999 L/day"},
              pack).result("mct.wash.water_per_person")
    assert "19.998 L/person/day where at least 20 L/person/day" in r.message


def test_titles_follow_the_parameters_in_force() -> None:
    sphere = load_site_pack("mct-2023", variants=["sphere-water-15", "sphere-site-area-45"])
    assert sphere.rule("mct.wash.water_per_person").title == "At least 15 L/person/day of water"
    assert sphere.rule("mct.site.total_area_per_person").title == "At least 45 m²/person of site"
    ten = load_site_pack("mct-2023", parameters={"people_per_toilet": "10 person"})
    assert ten.rule("mct.wash.toilets.female").title == "At least 1 toilet per 10 women and girls"


def test_a_per_item_rule_that_applies_to_no_item_names_none(pack) -> None:  # type: ignore[no-untyped-def]
    r = check({"sanitation": [{"id": "S", "kind": "flush_sewer"}]}, pack).result(
        "mct.wash.pit_above_groundwater")
    assert r.outcome is Outcome.NOT_APPLICABLE and r.item is None


def test_hosting_nobody_is_not_offered_as_a_fix(pack) -> None:  # type: ignore[no-untyped-def]
    r = check({"provides_accommodation": True, "population": {"female": 1, "male": 0},
               "toilets": {"female": 0}},
              pack).result("mct.wash.toilets.female")
    assert [f.text for f in r.fixes] == ["add 1 female toilet(s)"]


def test_staffed_hours_take_any_rate_of_hours(pack) -> None:  # type: ignore[no-untyped-def]
    r = check({"provides_accommodation": True, "staffing": {"hours_per_week": "24 h/day"}},
              pack).result("mct.staffing.around_the_clock")
    assert (r.outcome, r.measured, r.unit) == (Outcome.PASS, 168.0, "h/week")


def test_a_configured_pack_survives_pickling_into_another_process() -> None:
    import pickle
    import subprocess
    import sys

    pack = load_site_pack("mct-2023", variants=["sphere-water-15"])
    code = ("import pickle, sys, mcrules.units\n"
            "print(pickle.loads(sys.stdin.buffer.read()).content_hash)")
    out = subprocess.run([sys.executable, "-c", code], input=pickle.dumps(pack),
                         capture_output=True, check=True)
    assert out.stdout.decode().strip() == pack.content_hash
