"""`--pack ID@VERSION` and `--ruleset-hash H` on every command that evaluates packs: the version
or rule set asked for runs as before; any other is exit 2 naming what was found, and nothing is
written. `mcrules lint` and `mcrules test` without a path work from any folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from typer.testing import CliRunner

from mcrules.cli.main import app
from mcrules.rules import loader
from mcrules.rules.pin import ruleset_hash_of
from mcrules.subjects import load_subject_pack
from mcrules.testing import discover_packs
from tests.conftest import ROOT

runner = CliRunner()
EX = ROOT / "examples"
OTHER = "0" * 64


def run(*args: str | Path):  # type: ignore[no-untyped-def]
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200", "CI": "true"})


def _version(pack_id: str) -> str:
    return load_subject_pack(pack_id).version


def _hash_of_listed(packs: list[dict[str, Any]]) -> str:
    """The ruleset hash of the packs a JSON report lists (id, version, hash of each)."""
    return ruleset_hash_of([SimpleNamespace(**p) for p in packs])


# Each command: its arguments, the pack it evaluates, its exit code on the example, and the
# ruleset hash of what it evaluates, read from its own JSON output.
COMMANDS: dict[str, tuple[tuple[str, ...], str, int, Any]] = {
    "check-site": (("check-site", str(EX / "transit-centre.yaml")), "mct-2023", 1,
                   lambda d: d["ruleset_hash"]),
    "assess": (("assess", str(EX / "cases" / "two-threats.yaml")), "domv-2023", 0,
               lambda d: d["ruleset_hash"]),
    # exit 1: some service of the example is not eligible (docs/exit-codes.md)
    "eligibility": (("eligibility", str(EX / "eligibility" / "avrr-eligible.yaml")),
                    "eligibility-2023", 1, lambda d: d["ruleset_hash"]),
    "casework check": (("casework", "check", str(EX / "casework" / "withdrawal.yaml")),
                       "casework-2023", 0, lambda d: _hash_of_listed(d["packs"])),
    "casework respond": (("casework", "respond",
                          str(EX / "casework" / "incident" / "ask-if-hurt.yaml")),
                         "incident-response-2023", 0, lambda d: _hash_of_listed(d["packs"])),
    "share": (("share", str(EX / "sharing" / "referral-request.yaml"), "--history",
               str(EX / "sharing" / "case-history.yaml")), "data-sharing-2023", 0,
              lambda d: _hash_of_listed([d["pack"]])),
}


@pytest.mark.parametrize("name", COMMANDS)
def test_a_pin_to_the_installed_version_runs_as_before(name: str) -> None:
    args, pack_id, code, _ = COMMANDS[name]
    plain = run(*args, "-f", "json")
    pinned = run(*args, "-f", "json", "-p", f"{pack_id}@{_version(pack_id)}")
    assert plain.exit_code == pinned.exit_code == code, pinned.output
    assert json.loads(pinned.stdout) == json.loads(plain.stdout)


@pytest.mark.parametrize("name", COMMANDS)
def test_a_pin_to_another_version_is_exit_2_naming_both_versions(name: str) -> None:
    args, pack_id, _, _ = COMMANDS[name]
    result = run(*args, "-p", f"{pack_id}@0.0.1")
    assert result.exit_code == 2
    assert f"'{pack_id}@0.0.1' asks for version 0.0.1" in result.stderr
    assert f"is version {_version(pack_id)}" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("name", COMMANDS)
def test_the_ruleset_hash_a_report_prints_is_accepted_and_another_refused(name: str) -> None:
    args, _, code, hash_of = COMMANDS[name]
    found = hash_of(json.loads(run(*args, "-f", "json").stdout))
    assert run(*args, "--ruleset-hash", found).exit_code == code
    refused = run(*args, "--ruleset-hash", OTHER)
    assert refused.exit_code == 2
    assert found in refused.stderr and OTHER in refused.stderr
    assert refused.stdout == ""


def test_a_malformed_ruleset_hash_is_exit_2() -> None:
    result = run("check-site", EX / "transit-centre.yaml", "--ruleset-hash", "abc")
    assert result.exit_code == 2 and "64 hex digits" in result.stderr


def test_a_configured_pack_has_another_ruleset_hash() -> None:
    """`--set` changes the rules applied, so the hash of the plain pack refuses it."""
    site = EX / "transit-centre.yaml"
    plain = json.loads(run("check-site", site, "-f", "json").stdout)["ruleset_hash"]
    result = run("check-site", site, "--set", "water_per_person=30 L/person/day",
                 "--ruleset-hash", plain)
    assert result.exit_code == 2 and "has hash" in result.stderr


def test_share_refused_by_its_hash_appends_no_decision_record(tmp_path: Path) -> None:
    record = tmp_path / "decisions.jsonl"
    args = COMMANDS["share"][0]
    assert run(*args, "--record", record, "--ruleset-hash", OTHER).exit_code == 2
    assert not record.exists()


def test_bulk_pins_and_hashes_and_writes_nothing_when_refused(tmp_path: Path) -> None:
    sites = EX / "corpus" / "sites.csv"
    out = tmp_path / "out.jsonl"
    assert run("bulk", sites, "-o", out, "-p", f"mct-2023@{_version('mct-2023')}").exit_code == 0
    assert out.stat().st_size > 0
    out.unlink()
    refused = run("bulk", sites, "-o", out, "-p", "mct-2023@0.0.1")
    assert refused.exit_code == 2
    assert "asks for version 0.0.1" in refused.stderr and _version("mct-2023") in refused.stderr
    assert not out.exists()
    found = ruleset_hash_of([load_subject_pack("mct-2023")])
    assert run("bulk", sites, "-o", out, "--ruleset-hash", found).exit_code == 0
    out.unlink()
    refused = run("bulk", sites, "-o", out, "--ruleset-hash", OTHER)
    assert refused.exit_code == 2 and found in refused.stderr
    assert not out.exists()


def test_aggregate_pins_and_hashes(tmp_path: Path) -> None:
    rows = EX / "sharing" / "arrivals.csv"
    version = _version("data-sharing-2023")
    assert run("aggregate", rows, "--by", "sex", "-p",
               f"data-sharing-2023@{version}").exit_code == 0
    refused = run("aggregate", rows, "--by", "sex", "-p", "data-sharing-2023@0.0.1")
    assert refused.exit_code == 2 and version in refused.stderr
    found = ruleset_hash_of([load_subject_pack("data-sharing-2023")])
    assert run("aggregate", rows, "--by", "sex", "--ruleset-hash", found).exit_code == 0
    out = tmp_path / "release.json"
    refused = run("aggregate", rows, "--by", "sex", "-o", out, "--ruleset-hash", OTHER)
    assert refused.exit_code == 2 and found in refused.stderr and not out.exists()


def test_rules_list_prints_the_ruleset_hash_to_pin() -> None:
    found = ruleset_hash_of([load_subject_pack("mct-2023")])
    result = run("rules", "list", "-p", f"mct-2023@{_version('mct-2023')}")
    assert result.exit_code == 0 and f"--ruleset-hash {found}" in result.stdout


# ---- lint and test without a path ------------------------------------------------------------

def test_lint_without_a_path_outside_a_checkout_lints_the_installed_packs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("lint")
    assert result.exit_code == 0, result.output
    assert f"{len(discover_packs(loader.builtin_pack_dir()))} pack(s)" in result.stdout


def test_lint_and_test_without_a_path_prefer_the_local_rules_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(ROOT / "rules" / "casework-2023", tmp_path / "rules" / "casework-2023")
    monkeypatch.chdir(tmp_path)
    linted = run("lint")
    assert linted.exit_code == 0 and "1 pack(s)" in linted.stdout
    tested = run("test")
    assert tested.exit_code == 0, tested.output
    assert "coverage casework-2023: 100.0%" in tested.stdout


def test_test_without_a_path_outside_a_checkout_runs_the_installed_packs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    installed = tmp_path / "site-packages" / "mcrules" / "packs"
    shutil.copytree(ROOT / "rules" / "casework-2023", installed / "casework-2023")
    monkeypatch.setattr(loader, "builtin_pack_dir", lambda: installed)
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    result = run("test")
    assert result.exit_code == 0, result.output
    assert "coverage casework-2023: 100.0%" in result.stdout
