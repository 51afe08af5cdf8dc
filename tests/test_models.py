"""The site file: validation with named fields, and a JSON Schema that stays current."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mcrules.api.schemas import render, shipped_subjects, stale
from mcrules.errors import InputError
from mcrules.io import read_site, validate_site
from tests.conftest import ROOT


def test_the_issue_example_is_accepted_exactly_as_written() -> None:
    site, warnings = read_site(ROOT / "examples" / "transit-centre.yaml", strict=True)
    assert warnings == []
    assert site.water_supply == 12000.0
    assert site.population is not None and site.population.female == 120


def _problems(data: object, strict: bool = False) -> list[str]:
    with pytest.raises(InputError) as info:
        validate_site(data, strict=strict)
    return [str(p) for p in info.value.problems]


def test_a_negative_count_names_the_field() -> None:
    assert _problems({"toilets": {"female": -1}}) == ["toilets.female: must be 0 or more, got -1"]


def test_a_wrong_unit_dimension_names_the_field_and_what_was_expected() -> None:
    (problem,) = _problems({"water_supply": "3 m"})
    assert problem.startswith("water_supply: '3 m' has the wrong dimension: expected a volume per time")


def test_a_key_of_the_wrong_type_names_the_field() -> None:
    assert _problems({"beds": "many"}) == ["beds: expected a whole number, got 'many'"]
    assert _problems({"population": [1, 2]}) == [
        "population: expected a mapping of keys to values, got a list"]


def test_every_problem_is_reported_at_once() -> None:
    assert len(_problems({"beds": -1, "toilets": {"male": "x"}, "water_supply": "1 m"})) == 3


def test_an_unknown_key_is_a_warning_with_a_suggestion() -> None:
    site, warnings = validate_site({"toilet": {"female": 1}, "beds": 3})
    assert site.beds == 3 and site.toilets is None
    assert warnings == ["toilet: unknown key 'toilet'; did you mean 'toilets'?"]


def test_an_unknown_key_is_an_error_under_strict() -> None:
    assert _problems({"toilet": {"female": 1}}, strict=True) == [
        "toilet: unknown key 'toilet'; did you mean 'toilets'?"]


def test_a_nested_unknown_key_is_found_too() -> None:
    _, warnings = validate_site({"population": {"female": 1, "males": 2}})
    assert warnings == ["population.males: unknown key 'males'; did you mean 'male'?"]


def test_an_enum_typo_gets_a_suggestion() -> None:
    assert _problems({"spaces": ["infirmery"]}) == [
        "spaces[0]: unknown value 'infirmery'; did you mean 'infirmary'?"]


def test_errors_in_a_file_carry_line_numbers(tmp_path: Path) -> None:
    f = tmp_path / "site.yaml"
    f.write_text("name: x\n\nbeds: -4\n")
    with pytest.raises(InputError) as info:
        read_site(f)
    assert info.value.problems[0].line == 3


def test_malformed_yaml_is_an_input_error_with_a_line(tmp_path: Path) -> None:
    f = tmp_path / "site.yaml"
    f.write_text("name: x\npopulation: {female: 3\n  male: 2\n")
    with pytest.raises(InputError, match="malformed YAML") as info:
        read_site(f)
    assert info.value.problems[0].line == 3


def test_json_site_files_are_read_too(tmp_path: Path) -> None:
    f = tmp_path / "site.json"
    f.write_text(json.dumps({"name": "j", "water_supply": "1 m^3/day"}))
    assert read_site(f)[0].water_supply == 1000.0


def test_a_document_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(InputError, match="must be a mapping"):
        validate_site([1, 2])


def test_the_checked_in_json_schema_is_current() -> None:
    assert stale(ROOT / "schemas", shipped_subjects()) == [], "run `make schema` and commit schemas/"


def test_the_json_schema_forbids_unknown_keys_and_documents_units() -> None:
    schema = json.loads(render("site"))
    assert schema["additionalProperties"] is False
    water = schema["properties"]["water_supply"]["anyOf"][0]
    assert water["x-unit"] == "L/day"
