"""Overlays may only tighten: the stricter threshold wins, a loosening is a load error naming both."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from mcrules import load_site_pack
from mcrules.errors import RuleLoadError
from mcrules.rules import load_pack
from mcrules.rules.overlay import tightening_direction
from mcrules.site import site_schema
from tests.conftest import ROOT, check, outcome

NATIONAL = ROOT / "rules" / "example-national"


def _load(folder: Path):  # type: ignore[no-untyped-def]
    return load_pack(folder, {"site": site_schema()})


def _overlay(tmp_path: Path, params: dict[str, str], base: str = "mct-2023",
             name: str = "national") -> Path:
    """An overlay folder of `base` with one parameter file per entry (`value:` lines or more)."""
    folder = tmp_path / name
    (folder / "parameters").mkdir(parents=True)
    (folder / "pack.yaml").write_text(
        f"id: {name}\ntitle: A national standard\nversion: 1.0.0\noverlays: {base}\n"
        "documents:\n  ns: {title: National standard}\n")
    for pname, body in params.items():
        (folder / "parameters" / f"{pname}.yaml").write_text(
            f"description: national {pname}\n{body}\n"
            "citations:\n  - {document: ns, quote: \"the national minimum\"}\n")
    return folder


def test_an_overlay_gives_the_base_rules_with_its_stricter_thresholds() -> None:
    base, national = _load(ROOT / "rules" / "mct-2023"), _load(NATIONAL)
    assert [r.id for r in national.rules] == [r.id for r in base.rules]
    assert national.parameters["water_per_person"].value == 25
    assert national.parameters["people_per_toilet"].value == 15
    assert national.parameters["people_per_shower"].value == base.parameters["people_per_shower"].value
    assert national.overlays == f"mct-2023@{base.version}"
    assert national.rule("mct.wash.toilets.female").title == "At least 1 toilet per 15 women and girls"


def test_a_result_under_an_overlay_cites_both_standards() -> None:
    national = load_site_pack(NATIONAL)
    report = check({"population": {"female": 50, "male": 50}, "water_supply": "2000 L/day"},
                   national)
    result = report.result("mct.wash.water_per_person")
    assert result.outcome.value == "fail" and result.required == 25
    documents = {c.document.id for c in result.citations}
    assert documents == {"mct-tm-2023", "example-ns-2026"}


def test_rules_the_overlay_does_not_touch_cite_only_the_base() -> None:
    national = _load(NATIONAL)
    docs = {c.document.id for c in national.rule("mct.wash.pit_above_groundwater").citations}
    assert docs == {"mct-tm-2023"}


def test_raising_the_water_minimum_tightens_and_loads(tmp_path: Path) -> None:
    pack = _load(_overlay(tmp_path, {"water_per_person": "value: 30 L/person/day"}))
    assert pack.parameters["water_per_person"].value == 30


def test_lowering_the_water_minimum_is_a_load_error_naming_both(tmp_path: Path) -> None:
    folder = _overlay(tmp_path, {"water_per_person": "value: 15 L/person/day"})
    with pytest.raises(RuleLoadError) as err:
        _load(folder)
    text = str(err.value)
    assert "national loosens mct-2023's water_per_person" in text
    assert "15 L/person/day is looser than 20 L/person/day" in text
    assert "mct.wash.water_per_person" in text and "higher is stricter" in text
    assert err.value.file.endswith("parameters/water_per_person.yaml")


def test_more_people_per_toilet_is_looser_because_the_ratio_divides(tmp_path: Path) -> None:
    folder = _overlay(tmp_path, {"people_per_toilet": "value: 25 person"})
    with pytest.raises(RuleLoadError) as err:
        _load(folder)
    text = str(err.value)
    assert "25 person is looser than 20 person" in text and "lower is stricter" in text
    for rid in ("mct.wash.toilets.female", "mct.wash.toilets.male",
                "mct.wash.toilets.all_centres", "mct.wash.sanitation_separated_by_gender"):
        assert rid in text


def test_fewer_people_per_toilet_is_tighter(tmp_path: Path) -> None:
    pack = load_site_pack(_overlay(tmp_path, {"people_per_toilet": "value: 10 person"}))
    report = check({"provides_accommodation": True, "population": {"female": 11},
                    "toilets": {"female": 1}}, pack)
    assert outcome(report, "mct.wash.toilets.female") == "fail"


def test_the_same_value_as_the_base_is_not_a_loosening(tmp_path: Path) -> None:
    pack = _load(_overlay(tmp_path, {"water_per_person": "value: 20000 mL/person/day"}))
    assert pack.parameters["water_per_person"].value == pytest.approx(20)


def test_a_shorter_latrine_distance_is_looser(tmp_path: Path) -> None:
    with pytest.raises(RuleLoadError, match="latrine_distance_to_water_source"):
        _load(_overlay(tmp_path, {"latrine_distance_to_water_source": "value: 25 m"}))
    pack = _load(_overlay(tmp_path, {"latrine_distance_to_water_source": "value: 100 ft"},
                          name="feet"))
    assert pack.parameters["latrine_distance_to_water_source"].value == pytest.approx(30.48)


def test_a_dated_overlay_that_loosens_later_is_caught_with_its_date(tmp_path: Path) -> None:
    folder = _overlay(tmp_path, {"water_per_person":
                                 "values:\n  2024-01-01: 25 L/person/day\n"
                                 "  2028-01-01: 18 L/person/day"})
    with pytest.raises(RuleLoadError, match="from 2028-01-01: 18 L/person/day is looser"):
        _load(folder)


def test_a_dated_overlay_applies_from_its_date_and_the_base_before(tmp_path: Path) -> None:
    folder = _overlay(tmp_path, {"water_per_person": "values:\n  2027-01-01: 25 L/person/day"})
    pack = _load(folder)
    assert pack.configure(as_of=dt.date(2026, 6, 1)).parameters["water_per_person"].value == 20
    assert pack.configure(as_of=dt.date(2027, 1, 1)).parameters["water_per_person"].value == 25


def test_a_variant_of_the_base_cannot_loosen_an_overlay() -> None:
    national = load_site_pack(NATIONAL, variants=["sphere-water-15"])
    assert national.parameters["water_per_person"].value == 25


def test_an_overlay_names_only_parameters_the_base_has(tmp_path: Path) -> None:
    with pytest.raises(RuleLoadError, match="does not have"):
        _load(_overlay(tmp_path, {"water_per_persn": "value: 30 L/person/day"}))


def test_an_overlay_value_must_be_of_the_base_parameters_kind(tmp_path: Path) -> None:
    with pytest.raises(RuleLoadError, match="must be in a unit of"):
        _load(_overlay(tmp_path, {"water_per_person": "value: 30 m^2/person"}))


def test_an_overlay_value_keeps_the_base_parameters_bounds(tmp_path: Path) -> None:
    with pytest.raises(RuleLoadError, match="maximum"):
        _load(_overlay(tmp_path, {"staffed_hours_per_week": "value: 200 hour/week"}))


def test_an_overlay_that_tightens_nothing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RuleLoadError, match="tightens nothing"):
        _load(_overlay(tmp_path, {}))


def test_an_overlay_of_itself_is_a_cycle(tmp_path: Path) -> None:
    folder = _overlay(tmp_path, {"water_per_person": "value: 30 L/person/day"}, base="national")
    with pytest.raises(RuleLoadError, match="cycle"):
        _load(folder)


def test_an_overlay_declares_no_rules_of_its_own(tmp_path: Path) -> None:
    folder = _overlay(tmp_path, {"water_per_person": "value: 30 L/person/day"})
    text = (folder / "pack.yaml").read_text()
    (folder / "pack.yaml").write_text(text + "rule_files: [wash.yaml]\n")
    with pytest.raises(RuleLoadError, match="unknown key 'rule_files'"):
        _load(folder)


def test_the_content_hash_names_the_base_and_changes_with_the_overlay(tmp_path: Path) -> None:
    national = _load(NATIONAL)
    assert national.fingerprint()["overlays"].startswith("mct-2023@")
    other = _load(shutil.copytree(NATIONAL, tmp_path / "example-national"))
    assert other.content_hash == national.content_hash
    stricter = _load(_overlay(tmp_path, {"water_per_person": "value: 26 L/person/day"}))
    assert stricter.content_hash != national.content_hash
    assert "overlays" not in _load(ROOT / "rules" / "mct-2023").fingerprint()


@pytest.mark.parametrize(("rule_id", "param", "direction"), [
    ("mct.wash.water_per_person", "water_per_person", 1),
    ("mct.wash.toilets.female", "people_per_toilet", -1),
    ("mct.wash.sanitation_separated_by_gender", "people_per_shower", -1),
    ("mct.wash.latrine_distance_to_water_source", "latrine_distance_to_water_source", 1),
    ("mct.staffing.around_the_clock", "staffed_hours_per_week", 1),
    ("mct.shelter.bedding_turnover", "bedding_sets_per_resident", 1),
    ("mct.shelter.bed_per_person", "people_per_bed", -1),
    ("mct.wash.water_per_person", "people_per_toilet", 0),
])
def test_which_way_is_stricter_comes_from_the_rules_comparison(rule_id: str, param: str,
                                                               direction: int) -> None:
    rule = _load(ROOT / "rules" / "mct-2023").rule(rule_id)
    assert tightening_direction(rule, param) == direction


def test_only_the_overlaid_rules_need_cases_in_the_overlay_pack() -> None:
    national = _load(NATIONAL)
    assert national.owns("mct.wash.toilets.female")
    assert not national.owns("mct.wash.pit_above_groundwater")
