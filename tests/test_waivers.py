"""Waivers: a waived failure is reported as `waived`, never as pass; --strict still fails on it;
an expired waiver, a changed rule, an unknown rule or another site is invalid input (exit 2)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mcrules import InputError, Report, check_site, load_site_pack, read_site, read_waivers
from mcrules.cli.main import app
from mcrules.models.waiver import WaiverFile
from mcrules.site.waivers import apply_waivers
from tests.conftest import ROOT

SITE = ROOT / "examples" / "transit-centre.yaml"
WAIVERS = ROOT / "examples" / "waivers" / "transit-centre-waivers.yaml"
RULE = "mct.shelter.recreation_space"
ON = "2026-12-01"


def _cli(*args: str) -> Any:
    return CliRunner().invoke(app, ["check-site", str(SITE), "--as-of", ON, *args],
                              env={"COLUMNS": "200"})


def _edited(tmp_path: Path, **changes: Any) -> Path:
    """The example waiver file with some of its first waiver's fields changed."""
    doc = yaml.safe_load(WAIVERS.read_text())
    waiver = doc["waivers"][0]
    for key, value in changes.items():
        if key.startswith("scope_"):
            waiver["scope"][key.removeprefix("scope_")] = value
        else:
            waiver[key] = value
    path = tmp_path / "waivers.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def _json(*args: str) -> tuple[int, dict[str, Any]]:
    result = _cli("--format", "json", *args)
    return result.exit_code, json.loads(result.stdout)


def test_a_waived_failure_is_reported_as_waived_not_as_pass() -> None:
    code, doc = _json("--waivers", str(WAIVERS))
    assert code == 1                                        # nine other failures are not waived
    result = next(r for r in doc["results"] if r["rule"] == RULE)
    assert (result["outcome"], result["status"]) == ("fail", "waived")
    assert result["waiver"]["id"] == "W-2026-014"
    assert {"justification", "mitigation", "approved_by", "expires", "scope", "rule_hash",
            "status"} <= set(result["waiver"])
    assert result["waiver"]["expires"] == "2027-03-31"
    _, plain = _json()
    assert doc["summary"]["waived"] == 1
    assert doc["summary"]["fail"] == plain["summary"]["fail"] - 1
    assert doc["summary"]["pass"] == plain["summary"]["pass"]
    assert [w["status"] for w in doc["waivers"]] == ["applied"]


def test_waived_failures_alone_exit_0_and_1_under_strict(tmp_path: Path) -> None:
    site, _ = read_site(SITE)
    pack = load_site_pack("mct-2023", as_of=dt.date(2026, 12, 1))
    report = check_site(site, pack, source=str(SITE), as_of=dt.date(2026, 12, 1))
    failing = [r.rule.id for r in report.results if r.outcome.value == "fail"]
    waivers = {"waivers": [{
        "id": f"W-{n}", "rule": rid, "rule_hash": pack.rule_hashes[rid],
        "scope": {"site": "Example transit centre"}, "justification": "being built",
        "mitigation": "interim measures", "approved_by": "Site manager",
        "expires": "2027-01-31"} for n, rid in enumerate(failing)]}
    path = tmp_path / "all.json"
    path.write_text(json.dumps(waivers))
    assert _cli("--waivers", str(path), "--failures-only").exit_code == 0
    assert _cli("--waivers", str(path), "--strict").exit_code == 1
    assert _cli("--waivers", str(WAIVERS)).exit_code == 1     # other failures are not waived


def test_an_expired_waiver_is_invalid_input_naming_the_waiver_and_field() -> None:
    result = _cli("--waivers", str(WAIVERS), "--as-of", "2027-04-01")
    assert result.exit_code == 2
    assert "waivers[0].expires (line 27): waiver W-2026-014: expired on 2027-03-31" in \
        result.stderr


def test_a_waiver_for_a_changed_rule_is_invalid_input(tmp_path: Path) -> None:
    result = _cli("--waivers", str(_edited(tmp_path, rule_hash="0" * 64)))
    assert result.exit_code == 2
    assert "waivers[0].rule_hash" in result.stderr and "has changed since" in result.stderr


def test_a_changed_threshold_changes_the_rules_hash() -> None:
    base = load_site_pack("mct-2023")
    tighter = load_site_pack("mct-2023", parameters={"water_per_person": "25 L/person/day"})
    rid = "mct.wash.water_per_person"
    assert base.rule_hashes[rid] != tighter.rule_hashes[rid]
    assert base.rule_hashes[RULE] == tighter.rule_hashes[RULE]


def test_a_waiver_for_an_unknown_rule_or_another_site_is_invalid_input(tmp_path: Path) -> None:
    result = _cli("--waivers", str(_edited(tmp_path, rule="mct.shelter.recreation_spaces",
                                           scope_site="Another centre")))
    assert result.exit_code == 2
    assert "did you mean mct.shelter.recreation_space?" in result.stderr
    assert "waivers[0].scope.site" in result.stderr


def test_a_waiver_of_a_passing_rule_is_unused_and_a_warning(tmp_path: Path) -> None:
    pack = load_site_pack("mct-2023")
    rid = "mct.wash.water_per_person"
    code, doc = _json("--waivers", str(_edited(tmp_path, rule=rid,
                                               rule_hash=pack.rule_hashes[rid])))
    assert code == 1
    assert [w["status"] for w in doc["waivers"]] == ["unused"]
    assert any("W-2026-014" in w and "not applied" in w for w in doc["warnings"])
    assert next(r for r in doc["results"] if r["rule"] == rid)["status"] == "pass"


def test_two_waivers_of_one_rule_are_both_applied_with_a_warning(tmp_path: Path) -> None:
    doc = yaml.safe_load(WAIVERS.read_text())
    doc["waivers"].append({**doc["waivers"][0], "id": "W-2026-015"})
    path = tmp_path / "waivers.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    code, out = _json("--waivers", str(path))
    assert code == 1
    assert [w["status"] for w in out["waivers"]] == ["applied", "applied"]
    assert f"waivers W-2026-014 and W-2026-015 both waive {RULE}; keep one" in out["warnings"]


def test_a_waiver_before_its_scope_starts_is_not_applied() -> None:
    code, doc = _json("--waivers", str(WAIVERS), "--as-of", "2026-10-15")
    assert code == 1
    assert next(r for r in doc["results"] if r["rule"] == RULE)["status"] == "fail"
    assert doc["waivers"][0]["status"] == "not_in_force"


@pytest.mark.parametrize(("changes", "says"), [
    ({"expires": "soon"}, "waivers[0].expires"),
    ({"rule_hash": "abc"}, "waivers[0].rule_hash"),
    ({"scope_until": "2027-06-30"}, "is after expires"),
    ({"approved_by": ""}, "waivers[0].approved_by"),
    ({"approver": "me"}, "unknown key"),
])
def test_a_malformed_waiver_file_is_invalid_input(tmp_path: Path, changes: dict[str, Any],
                                                  says: str) -> None:
    path = _edited(tmp_path, **changes)
    with pytest.raises(InputError, match="invalid waiver file") as caught:
        read_waivers(path)
    assert says in str(caught.value)
    assert _cli("--waivers", str(path)).exit_code == 2


def test_the_text_report_shows_the_waiver_and_its_mitigation() -> None:
    out = _cli("--waivers", str(WAIVERS)).stdout
    assert "waived by W-2026-014 (expires 2027-03-31)" in out
    assert "1 waived" in out and "Mitigation: Until the hall opens" in out


def test_rules_show_gives_the_hash_a_waiver_records() -> None:
    result = CliRunner().invoke(app, ["rules", "show", RULE])
    assert load_site_pack("mct-2023").rule_hashes[RULE] in result.stdout


@pytest.fixture(scope="module")
def plain() -> Report:
    site, _ = read_site(SITE)
    return check_site(site, load_site_pack("mct-2023"), source=str(SITE),
                      as_of=dt.date(2026, 12, 1))


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_waiving_never_changes_an_outcome_and_strict_sees_through_it(plain: Report,
                                                                    data: st.DataObject) -> None:
    """Whatever is waived, every outcome stays what it was, a waived result was a failure,
    `fail + waived` is the number of failures, and --strict fails exactly as without waivers."""
    rules = [r.rule.id for r in plain.results]
    chosen = data.draw(st.lists(st.sampled_from(rules), unique=True, max_size=12))
    hashes = plain.packs[0].rule_hashes
    waivers = WaiverFile.model_validate({"waivers": [
        {"id": f"W-{n}", "rule": rid, "rule_hash": hashes[rid],
         "scope": {"site": "Example transit centre"}, "justification": "j", "mitigation": "m",
         "approved_by": "a", "expires": "2027-01-31"} for n, rid in enumerate(chosen)]}) \
        if chosen else None
    waived = apply_waivers(plain, waivers, {"Example transit centre"}) if waivers else plain
    assert [r.outcome for r in waived.results] == [r.outcome for r in plain.results]
    assert all(r.outcome.value == "fail" for r, s in zip(waived.results, waived.statuses,
                                                        strict=True) if s == "waived")
    assert waived.summary["fail"] + waived.summary["waived"] == plain.summary["fail"]
    assert waived.failed(strict=True) == plain.failed(strict=True)
    assert waived.summary["waived"] == sum(
        r.outcome.value == "fail" for r in plain.results if r.rule.id in chosen)
