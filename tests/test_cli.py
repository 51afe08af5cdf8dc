"""The command line: what a site planner and a CI pipeline see, and the exit codes they rely on."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mcrules.cli.main import app
from tests.conftest import ROOT

runner = CliRunner()
EXAMPLE = str(ROOT / "examples" / "transit-centre.yaml")
COMPLIANT = str(ROOT / "examples" / "compliant-shelter.yaml")


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def test_a_failing_site_exits_1_and_says_what_to_change() -> None:
    result = run("check-site", EXAMPLE)
    assert result.exit_code == 1
    assert "move L2 6 m further from the water source" in result.stdout


def test_a_compliant_site_exits_0() -> None:
    assert run("check-site", COMPLIANT).exit_code == 0


def test_json_output_is_the_documented_object() -> None:
    result = run("check-site", EXAMPLE, "--format", "json")
    doc = json.loads(result.stdout)
    assert set(doc) >= {"site", "packs", "ruleset_hash", "results", "summary"}
    assert doc["summary"]["fail"] == sum(r["outcome"] == "fail" for r in doc["results"])
    r = next(r for r in doc["results"] if r["rule"] == "mct.wash.latrine_distance_to_water_source")
    assert (r["outcome"], r["measured"], r["required"], r["unit"]) == ("fail", 24.0, 30.0, "m")
    assert r["fix"]["text"].startswith("move L2")
    assert r["citation"][0]["quote"]


def test_markdown_output_has_a_table_and_sources() -> None:
    result = run("check-site", EXAMPLE, "--format", "markdown")
    assert "| outcome | severity | rule |" in result.stdout
    assert "## Sources of the failing rules" in result.stdout


def test_unknown_fails_only_under_strict(tmp_path: Path) -> None:
    f = tmp_path / "s.yaml"
    f.write_text((ROOT / "examples" / "compliant-shelter.yaml").read_text()
                 .replace("water_safe_for_drinking: true\n", ""))
    assert run("check-site", str(f)).exit_code == 0
    assert run("check-site", str(f), "--strict").exit_code == 1


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("water_supply: 30 m^2\n", "water_supply (line 1): '30 m^2' has the wrong dimension"),
        ("toilets: {female: -2}\n", "toilets.female (line 1): must be 0 or more, got -2"),
        ("population: {female: 3\n  male: 2\n", "malformed YAML"),
        ("beds: plenty\n", "beds (line 1): expected a whole number, got 'plenty'"),
        ("- just\n- a list\n", "must be a mapping"),
    ],
)
def test_bad_files_exit_2_naming_the_field(tmp_path: Path, content: str, needle: str) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(content)
    result = run("check-site", str(f))
    assert result.exit_code == 2
    assert needle in result.stderr


def test_a_typo_is_a_warning_and_an_error_under_strict(tmp_path: Path) -> None:
    f = tmp_path / "typo.yaml"
    f.write_text("toilet: {female: 1}\n")
    lenient = run("check-site", str(f))
    assert lenient.exit_code == 0 and "did you mean 'toilets'" in lenient.stdout
    strict = run("check-site", str(f), "--strict")
    assert strict.exit_code == 2 and "unknown key 'toilet'" in strict.stderr


def test_variants_and_parameter_overrides_from_the_command_line() -> None:
    result = run("check-site", EXAMPLE, "--format", "json", "--variant", "sphere-water-15",
                 "--set", "people_per_toilet=10 person")
    doc = json.loads(result.stdout)
    assert doc["packs"][0]["variants"] == ["sphere-water-15"]
    r = next(r for r in doc["results"] if r["rule"] == "mct.wash.toilets.female")
    assert (r["outcome"], r["required"]) == ("fail", 12.0)


def test_bad_options_exit_2() -> None:
    assert run("check-site", EXAMPLE, "--variant", "nope").exit_code == 2
    assert run("check-site", EXAMPLE, "--set", "water_per_person=3 m").exit_code == 2
    assert run("check-site", EXAMPLE, "--pack", "nope").exit_code == 2
    assert run("check-site", EXAMPLE, "--format", "xml").exit_code == 2
    assert run("check-site", "/no/such/file.yaml").exit_code == 2


def test_rules_list_and_show() -> None:
    listing = run("rules", "list")
    assert listing.exit_code == 0 and "mct.wash.toilets.female" in listing.stdout
    shown = run("rules", "show", "mct.wash.showers.female")
    assert shown.exit_code == 0
    assert "interpretation of Sphere" in shown.stdout
    assert "--variant showers-advisory" in shown.stdout
    assert "people_per_shower = 20 person" in shown.stdout
    assert run("rules", "show", "mct.wash.toilet").exit_code == 2


def test_mcrules_test_runs_the_pack_cases() -> None:
    result = run("test", str(ROOT / "rules"))
    assert result.exit_code == 0, result.stdout
    assert " 0 failed" in result.stdout


def test_schema_check_detects_a_stale_file(tmp_path: Path) -> None:
    assert run("schema", "--out", str(tmp_path)).exit_code == 0
    assert run("schema", "--out", str(tmp_path), "--check").exit_code == 0
    (tmp_path / "site.schema.json").write_text("{}")
    assert run("schema", "--out", str(tmp_path), "--check").exit_code == 1


def test_the_installed_script_runs() -> None:
    exe = Path(sys.executable).parent / "mcrules"
    proc = subprocess.run([str(exe), "check-site", COMPLIANT, "--format", "json"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["summary"]["fail"] == 0


@pytest.mark.parametrize(
    ("setting", "needle"),
    [
        ("people_per_toilet=0 person", "people_per_toilet: 0 person must be > 0 person (its minimum)"),
        ("people_per_toilet=-20 person", "people_per_toilet: -20 person must be > 0 person"),
        ("people_per_toilet=-20", "people_per_toilet: -20 person must be > 0 person"),
        ("people_per_toilet=inf", "people_per_toilet: cannot read 'inf'"),
        ("people_per_toilet=nan", "people_per_toilet: cannot read 'nan'"),
        ("people_per_toilet=1e999 person", "people_per_toilet: '1e999 person' is not a finite"),
        ("staffed_hours_per_week=169 hour/week", "must be <= 168 h/week (its maximum)"),
        ("staffed_hours_per_week=25 hour/day", "25 hour/day (= 175 h/week) must be <= 168 h/week"),
        ("staffed_hours_per_week=0.5 radian", "staffed_hours_per_week: cannot convert rad to h/week"),
        ("water_per_person=0 L/person/day", "water_per_person: 0 L/person/day must be > 0"),
    ],
)
def test_an_out_of_bounds_set_exits_2_naming_the_parameter_and_bound(setting: str,
                                                                     needle: str) -> None:
    result = run("check-site", COMPLIANT, "--set", setting)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert needle in " ".join(result.stderr.split())


def test_bulk_refuses_an_out_of_bounds_set_too(tmp_path: Path) -> None:
    rows = tmp_path / "sites.jsonl"
    rows.write_text('{"population": {"female": 20}, "toilets": {"female": 1}}\n')
    result = run("bulk", str(rows), "--out", str(tmp_path / "out.jsonl"),
                 "--set", "people_per_toilet=0 person")
    assert result.exit_code == 2
    assert "people_per_toilet: 0 person must be > 0 person" in result.stderr


@settings(max_examples=30, deadline=None)
@given(st.integers(-400, 400))
def test_any_in_bounds_set_is_accepted_and_any_other_refused(people: int) -> None:
    result = run("check-site", COMPLIANT, "--set", f"people_per_toilet={people} person")
    if people > 0:
        assert result.exit_code in (0, 1), result.stderr
    else:
        assert result.exit_code == 2
        assert f"people_per_toilet: {people} person must be > 0 person" in result.stderr


def dated_pack(tmp_path: Path) -> Path:
    folder = tmp_path / "dated"
    shutil.copytree(ROOT / "rules" / "mct-2023", folder)
    (folder / "parameters" / "water_per_person.yaml").write_text(
        "description: Water per person per day, rising in 2027.\n"
        "values:\n  2023-01-01: 20 L/person/day\n  2027-01-01: 25 L/person/day\n"
        "minimum: 0 L/person/day\nexclusive_minimum: true\n"
        "citations: [{document: mct-tm-2023, section: s, quote: q}]\n")
    return folder


def test_as_of_chooses_the_dated_value_in_force(tmp_path: Path) -> None:
    folder = str(dated_pack(tmp_path))

    def required(on: str) -> float:
        result = run("check-site", COMPLIANT, "--pack", folder, "--as-of", on, "--format", "json")
        doc = json.loads(result.stdout)
        return next(r["required"] for r in doc["results"] if r["rule"] == "mct.wash.water_per_person")

    assert (required("2026-12-31"), required("2027-01-01")) == (20, 25)
    result = run("check-site", COMPLIANT, "--pack", folder, "--as-of", "2022-12-31")
    assert result.exit_code == 2
    assert "water_per_person has no value on 2022-12-31: its first dated value starts on " \
           "2023-01-01" in " ".join(result.stderr.split())


def test_rules_show_lists_bounds_and_dated_values(tmp_path: Path) -> None:
    result = run("rules", "show", "mct.wash.water_per_person", "--pack", str(dated_pack(tmp_path)))
    assert result.exit_code == 0
    assert "valid: > 0 L/person/day" in result.stdout
    assert "from 2023-01-01: 20 L/person/day" in result.stdout
    assert "from 2027-01-01: 25 L/person/day" in result.stdout


def test_python_dash_m_runs_the_cli_as_the_script_does() -> None:
    """`python -m mcrules.cli.main` once printed nothing and exited 0 whatever it was asked, so a
    lint or pack test run that way checked nothing."""
    proc = subprocess.run([sys.executable, "-m", "mcrules.cli.main", "lint",
                           str(ROOT / "rules" / "example-national")],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "1 pack(s): 0 error(s)" in proc.stdout
    bad = subprocess.run([sys.executable, "-m", "mcrules.cli.main", "no-such-command"],
                         capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode == 2
