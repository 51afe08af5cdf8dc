"""`mcrules share`: the answer first, JSON with the contract keys, exit 0 when the records may be
shared and 1 when they are refused (deny, aggregate only)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from mcrules.cli.main import app
from tests.conftest import ROOT

runner = CliRunner()
EX = ROOT / "examples" / "sharing"


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def test_the_role_play_reads_answer_first_then_why_then_what_to_offer() -> None:
    result = run("share", str(EX / "government-list-request.yaml"), "--as-of", "2026-12-01")
    assert result.exit_code == 1, result.output  # aggregate only: the records are refused
    out = result.stdout
    assert out.startswith("AGGREGATE ONLY")
    assert out.index("Why") < out.index("You may offer instead") < out.index(
        "What would change the answer")
    assert "urgency changes none of the conditions" in out


def test_json_has_decision_reasons_obligations_alternatives() -> None:
    result = run("share", str(EX / "government-list-request.yaml"), "--format", "json",
                 "--as-of", "2026-12-01")
    doc = json.loads(result.stdout)
    assert doc["decision"] == "aggregate_only"
    assert {"reasons", "obligations", "alternatives"} <= set(doc)


def test_a_consent_reference_is_resolved_with_history() -> None:
    args = ["share", str(EX / "referral-request.yaml"), "--format", "json", "--as-of", "2026-05-01"]
    with_history = json.loads(run(*args, "--history", str(EX / "case-history.yaml")).stdout)
    without = json.loads(run(*args).stdout)
    assert with_history["decision"] == "permit_with_obligations"
    assert without["decision"] == "aggregate_only"


def test_the_offered_aggregate_is_permitted_with_suppression() -> None:
    doc = json.loads(run("share", str(EX / "statistics-aggregate.yaml"), "-f", "json").stdout)
    assert doc["decision"] == "permit_with_obligations"
    assert "suppress every cell below 5" in doc["obligations"][0]


def test_an_invalid_request_exits_2_naming_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("granularity: by_person\nrecipient: {type: journalist}\n")
    result = run("share", str(bad))
    assert result.exit_code == 2
    assert "granularity" in result.stderr and "recipient.type" in result.stderr


def test_a_decision_record_is_appended(tmp_path: Path) -> None:
    log = tmp_path / "decisions.jsonl"
    for _ in range(2):
        run("share", str(EX / "government-list-request.yaml"), "--record", str(log))
    lines = log.read_text().splitlines()
    assert len(lines) == 2 and json.loads(lines[0])["decision"] == "aggregate_only"
