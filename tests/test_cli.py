"""The command line: what a site planner and a CI pipeline see, and the exit codes they rely on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
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
