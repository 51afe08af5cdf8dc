"""Parameters cannot be nonsense: bounds hold wherever a value comes from, units are strict, and a
dated parameter takes the value in force on the evaluation date."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mcrules import Pack
from mcrules.errors import McrulesError, RuleLoadError
from mcrules.rules import load_pack
from mcrules.rules.pack import Variant
from mcrules.site import site_schema
from mcrules.testing import run_pack_tests
from tests.conftest import ROOT

CITE = "citations: [{document: mct-tm-2023, section: s, quote: q}]\n"
DATED_WATER = ("description: Water per person per day, rising in 2027.\n"
               "values:\n  2023-01-01: 20 L/person/day\n  2027-01-01: 25 L/person/day\n"
               "minimum: 0 L/person/day\nexclusive_minimum: true\n" + CITE)


def copy_pack(tmp_path: Path) -> Path:
    folder = tmp_path / "mct"
    shutil.copytree(ROOT / "rules" / "mct-2023", folder)
    return folder


def load(folder: Path) -> Pack:
    return load_pack(folder, {"site": site_schema()})


def write_param(folder: Path, name: str, text: str) -> Path:
    f = folder / "parameters" / f"{name}.yaml"
    f.write_text(text)
    return f


def test_every_shipped_parameter_declares_bounds(pack: Pack) -> None:
    for p in pack.parameters.values():
        assert p.minimum is not None, p.name
        assert p.bound_violation(p.value) is None, p.name


def test_people_per_toilet_above_zero_and_staffed_hours_at_most_168_a_week(pack: Pack) -> None:
    assert pack.parameters["people_per_toilet"].bounds_text() == "> 0 person"
    assert pack.parameters["staffed_hours_per_week"].bounds_text() == ">= 0 h/week and <= 168 h/week"


@pytest.mark.parametrize(
    ("name", "value", "needle"),
    [
        ("people_per_toilet", "0 person", "0 person must be > 0 person (its minimum)"),
        ("people_per_toilet", "-20 person", "-20 person must be > 0 person (its minimum)"),
        ("people_per_toilet", ".nan", "not a finite quantity"),
        ("people_per_toilet", ".inf", "not a finite quantity"),
        ("people_per_toilet", "1e999 person", "not a finite quantity"),
        ("latrine_distance_to_water_source", "-1 m", "-1 m must be >= 0 m (its minimum)"),
        ("staffed_hours_per_week", "169 hour/week", "must be <= 168 h/week (its maximum)"),
        ("staffed_hours_per_week", "25 hour/day", "25 hour/day must be <= 24 h/day (its maximum)"),
    ],
)
def test_a_pack_value_outside_its_bounds_does_not_load(tmp_path: Path, name: str, value: str,
                                                        needle: str) -> None:
    folder = copy_pack(tmp_path)
    f = folder / "parameters" / f"{name}.yaml"
    text = f.read_text()
    old = next(line for line in text.splitlines() if line.startswith("value:"))
    f.write_text(text.replace(old, f"value: {value}"))
    with pytest.raises(RuleLoadError) as info:
        load(folder)
    assert info.value.file == str(f)
    assert info.value.line == text.splitlines().index(old) + 1
    assert name in str(info.value) and needle in str(info.value)


@pytest.mark.parametrize(
    ("text", "needle", "line"),
    [
        ("values:\n  2023-01-01: 10 hour/week\n  2024-01-01: 0.5 radian\n", "rad is not a plain "
         "ratio", 3),
        ("value: 10 hour/week\nminimum: 0 radian\n", "`minimum`: cannot convert rad", 2),
        ("value: 10 hour/week\nminimum: 0 m\n", "`minimum`: cannot convert m", 2),
        ("value: 10 hour/week\nexclusive_minimum: yes please\n", "must be true or false", 2),
        ("value: 10 hour/week\nexclusive_maximum: true\n", "needs a `maximum`", 2),
        ("value: 10 hour/week\nminimum: 20\nmaximum: 10\n", "leave no valid value", 3),
        ("value: 10 hour/week\nvalues: {2023-01-01: 10 hour/week}\n", "exactly one of", 2),
        ("description: none\n", "exactly one of", 1),
        ("values: {2023-01-01: 10 hour/week, 2022-01-01: 12 hour/week}\n", "dates must ascend", 1),
        ("values:\n  2023-01-01: 10 hour/week\n  2023-1-2: 12 hour/week\n", "not a date", 3),
        ("values:\n  2023-01-01: 10 hour/week\n  2024-01-01: 2 m\n", "value of 2024-01-01", 3),
        ("values:\n  2023-01-01: 100 hour/week\n  2024-01-01: 170 hour/week\nmaximum: 168\n",
         "170 hour/week must be <= 168 h/week", 3),
        ("values: {}\n", "at least one", 1),
    ],
)
def test_malformed_bounds_and_dated_values_name_file_and_line(tmp_path: Path, text: str,
                                                              needle: str, line: int) -> None:
    folder = copy_pack(tmp_path)
    f = write_param(folder, "staffed_hours_per_week", text + CITE)
    with pytest.raises(RuleLoadError, match="staffed_hours_per_week") as info:
        load(folder)
    assert needle in str(info.value)
    assert (info.value.file, info.value.line) == (str(f), line)


def test_a_variant_outside_the_bounds_does_not_load(tmp_path: Path) -> None:
    folder = copy_pack(tmp_path)
    head = folder / "pack.yaml"
    text = head.read_text()
    head.write_text(text.replace("water_per_person: 15 L/person/day", "water_per_person: 0 L/day/person"))
    with pytest.raises(RuleLoadError) as info:
        load(folder)
    assert info.value.file == str(head)
    assert info.value.line == text.splitlines().index("      water_per_person: 15 L/person/day") + 1
    assert "parameter water_per_person: 0 L/day/person must be > 0 L/person/day" in str(info.value)


@pytest.mark.parametrize("raw", ["0 person", "-20 person", "-20", 0, float("nan"), float("inf"),
                                 "inf", "nan", "1e999", "0.5 radian", "20 m", "2" * 200])
def test_configure_refuses_a_nonsense_people_per_toilet(pack: Pack, raw: str | float) -> None:
    with pytest.raises(McrulesError, match="parameter people_per_toilet"):
        pack.configure(parameters={"people_per_toilet": raw})


def test_configure_checks_a_variant_it_applies(pack: Pack) -> None:
    bad = Variant("bad", "no toilets needed", {"people_per_toilet": "0 person"})
    broken = replace(pack, variants={**pack.variants, "bad": bad})
    with pytest.raises(McrulesError, match=r"people_per_toilet: 0 person must be > 0 person"):
        broken.configure(["bad"])


def test_a_value_in_another_unit_of_the_same_kind_is_converted(pack: Pack) -> None:
    p = pack.configure(parameters={"staffed_hours_per_week": "12 hour/day"}).parameters
    assert p["staffed_hours_per_week"].value == 84
    assert pack.configure(parameters={"staffed_hours_per_week": "50 percent"}) \
        .parameters["staffed_hours_per_week"].value == 84


def test_an_angle_is_not_hours_per_week(pack: Pack) -> None:
    with pytest.raises(McrulesError, match="rad is not a plain ratio"):
        pack.configure(parameters={"staffed_hours_per_week": "0.5 radian"})


@settings(max_examples=200, deadline=None)
@given(st.floats(-1e5, 1e5, allow_nan=False).map(lambda x: round(x, 6)))
def test_any_in_bounds_override_is_accepted_and_any_other_refused(pack: Pack, hours: float) -> None:
    text = f"{hours!r} hour/week"
    if 0 <= hours <= 168:
        assert pack.configure(parameters={"staffed_hours_per_week": text}) \
            .parameters["staffed_hours_per_week"].value == hours
    else:
        with pytest.raises(McrulesError, match=r"staffed_hours_per_week: .* must be (>=|<=)"):
            pack.configure(parameters={"staffed_hours_per_week": text})


# --- dated values ------------------------------------------------------------------------------


@pytest.fixture
def dated(tmp_path: Path) -> Pack:
    folder = copy_pack(tmp_path)
    write_param(folder, "water_per_person", DATED_WATER)
    return load(folder)


def water(pack: Pack) -> float:
    return pack.parameters["water_per_person"].value


def test_the_day_before_a_new_value_keeps_the_old_one(dated: Pack) -> None:
    assert water(dated.configure(as_of=dt.date(2026, 12, 31))) == 20


def test_a_new_value_is_in_force_on_its_own_date(dated: Pack) -> None:
    pack = dated.configure(as_of=dt.date(2027, 1, 1))
    assert water(pack) == 25
    assert "25 L/person/day" in pack.rule("mct.wash.water_per_person").title


def test_the_first_dated_value_is_in_force_from_its_date(dated: Pack) -> None:
    assert water(dated.configure(as_of=dt.date(2023, 1, 1))) == 20


def test_a_date_before_the_first_value_names_the_parameter_and_its_first_date(dated: Pack) -> None:
    with pytest.raises(McrulesError, match=r"water_per_person has no value on 2022-12-31: its "
                                           r"first dated value starts on 2023-01-01"):
        dated.configure(as_of=dt.date(2022, 12, 31))


def test_without_as_of_a_pack_holds_each_schedules_latest_value_whatever_the_day(
        dated: Pack) -> None:
    # The rules layer reads no clock: a pack loaded or configured without a date holds the
    # latest dated value, on any day; the API configures every pack for its evaluation date.
    assert water(dated) == 25
    assert water(dated.configure()) == 25
    assert water(dated.configure(as_of=dt.date(2026, 6, 1)).configure()) == 25


def test_the_api_chooses_a_loaded_packs_dated_values_on_its_evaluation_date(
        dated: Pack) -> None:
    import mcrules

    site = {"population": {"female": 250, "male": 250}, "water_supply": 10000}

    def required(on: dt.date) -> float:
        report = mcrules.evaluate("site", site, packs=[dated], as_of=on)
        return next(r.required for r in report.results
                    if r.rule.id == "mct.wash.water_per_person")

    assert (required(dt.date(2026, 12, 31)), required(dt.date(2027, 1, 1))) == (20, 25)


def test_every_evaluation_takes_the_dated_value_in_force_on_its_own_date(dated: Pack) -> None:
    # A pack loaded without a date (the latest value, 25) or configured for another date is
    # evaluated on the caller's date by the scalar path and by bulk alike.
    from mcrules.bulk.run import compile_pack
    from mcrules.io import validate_site
    from mcrules.site import check_site

    site, _ = validate_site({"population": {"female": 250, "male": 250}, "water_supply": 10000})
    for pack in (dated, dated.configure(as_of=dt.date(2027, 6, 1))):
        for on, want in ((dt.date(2026, 12, 31), 20), (dt.date(2027, 1, 1), 25)):
            report = check_site(site, [pack], as_of=on)
            result = next(r for r in report.results if r.rule.id == "mct.wash.water_per_person")
            assert result.required == want
            assert water(compile_pack(pack, as_of=on).evaluator.pack) == want


def test_the_content_hash_follows_the_chosen_value_and_only_it(dated: Pack) -> None:
    def digest(on: dt.date) -> str:
        return dated.configure(as_of=on).content_hash

    assert digest(dt.date(2024, 5, 1)) == digest(dt.date(2026, 12, 31))
    assert digest(dt.date(2026, 12, 31)) != digest(dt.date(2027, 1, 1))


def test_an_override_replaces_the_schedule(dated: Pack) -> None:
    pack = dated.configure(parameters={"water_per_person": "15 L/person/day"},
                           as_of=dt.date(2027, 1, 1))
    assert water(pack) == 15 and pack.parameters["water_per_person"].dated_values == ()
    assert water(pack.configure(as_of=dt.date(2024, 1, 1))) == 15


def test_a_variant_wins_over_the_dated_value(dated: Pack) -> None:
    assert water(dated.configure(["sphere-water-15"], as_of=dt.date(2027, 1, 1))) == 15


# --- YAML cases --------------------------------------------------------------------------------


def test_a_yaml_case_chooses_dated_values_by_its_as_of_and_refuses_bad_overrides(
        tmp_path: Path) -> None:
    folder = copy_pack(tmp_path)
    write_param(folder, "water_per_person", DATED_WATER)
    cases = folder / "tests" / "dated.yaml"
    cases.write_text("""\
cases:
  - name: 10000 L/day for 500 people passes the 20 L of 2026
    as_of: 2026-12-31
    site: {population: {female: 250, male: 250}, water_supply: 10000}
    expect:
      mct.wash.water_per_person: {outcome: pass, required: 20}
  - name: 10000 L/day for 500 people fails the 25 L of 2027
    as_of: 2027-01-01
    site: {population: {female: 250, male: 250}, water_supply: 10000}
    expect:
      mct.wash.water_per_person: {outcome: fail, required: 25}
  - name: no toilets are needed at 0 people per toilet
    parameters: {people_per_toilet: 0 person}
    site: {population: {female: 20}, toilets: {female: 0}}
    expect:
      mct.wash.toilets.female: pass
""")
    report = run_pack_tests(folder, [cases])
    assert [c.ok for c in report.cases] == [True, True, False]
    assert report.cases[2].problems == (
        "parameter people_per_toilet: 0 person must be > 0 person (its minimum)",)
