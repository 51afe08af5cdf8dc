"""`mcrules casework check`: exit 0 when every event is allowed, 1 when one is refused, 2 on an
invalid file or option; the JSON contract keys; a caseworker-facing text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mcrules.cli.main import app
from tests.conftest import ROOT

runner = CliRunner()
EX = ROOT / "examples" / "casework"


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["casework", "check", *args], env={"COLUMNS": "200"})


@pytest.mark.parametrize(("name", "code"), [
    ("adult-walk-to-closure.yaml", 0), ("internal-office-transfer.yaml", 0),
    ("partner-transfer-with-guardian.yaml", 0), ("withdrawal.yaml", 0),
    ("child-transfer-refused.yaml", 1), ("registration-refused.yaml", 1),
    ("referral-with-consent.yaml", 0), ("referral-refused-without-consent.yaml", 1),
    ("police-report-not-requested.yaml", 1), ("child-police-transfer.yaml", 1),
])
def test_exit_code_says_whether_every_event_is_allowed(name: str, code: int) -> None:
    assert run(str(EX / name)).exit_code == code


def test_json_has_case_state_valid_and_violations_in_event_order() -> None:
    result = run(str(EX / "registration-refused.yaml"), "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert (doc["case"], doc["state"], doc["valid"]) == ("C-2026-0163", "identification", False)
    assert [(v["event"], v["action"], v["guard"]) for v in doc["violations"]] == [
        (2, "register", "casework.registration.consent"),
        (3, "assess", "casework.transition.allowed")]
    assert all(v["reason"] and v["citations"] for v in doc["violations"])


def test_the_text_lists_each_event_with_the_reason_it_was_refused() -> None:
    out = run(str(EX / "child-transfer-refused.yaml")).stdout
    assert out.startswith("REFUSED  case C-2026-0042: 1 of 9 event(s) refused")
    assert "Transfer to Child welfare agency refused: K2 is a child's assent" in out
    assert "State after the last allowed event: closed" in out


def test_the_blue_variant_is_one_option_away() -> None:
    """Under Blue's "should" the transfer goes ahead with a note, so the closure after it comes
    too late: the case was transferred."""
    result = run(str(EX / "child-transfer-refused.yaml"), "--variant",
                 "blue-transfer-consent-should", "--format", "json")
    doc = json.loads(result.stdout)
    assert doc["state"] == "transferred_partner"
    assert [n["guard"] for n in doc["notes"]] == ["casework.transfer.partner_consent"]
    assert [(v["event"], v["guard"]) for v in doc["violations"]] == [
        (8, "casework.transition.allowed")]
    assert result.exit_code == 1


@pytest.mark.parametrize(("text", "needle"), [
    ("case: C-1\nevents:\n  - {date: 2026-01-01, action: transfer, to: {type: embassy}}\n",
     "events[0].to.type"),
    ("case: C-1\nevents:\n  - {date: 2026-01-01, action: review}\n",
     "events[0].result (line 3): a review event needs result continue or adjust"),
    ("case: C-1\nevents:\n  - {date: 2026-01-01, action: close, reason: bored}\n",
     "events[0].reason"),
    ("case: C-1\nevents:\n  - {date: 2026-01-01, action: identify, plan: {}}\n",
     "events[0].plan (line 3): identify events take no plan"),
    ("case: C-1\nconsents:\n  - {id: K1, purpose: marriage, kind: consent, given_by: self, "
     "mode: written, decision: given, date: 2026-01-01}\n", "consents[0].purpose"),
    ("case: C-1\nevents:\n  - {date: 2026-02-01, action: identify}\n"
     "  - {date: 2026-01-01, action: withdraw}\n",
     "events[1].date (line 4): 2026-01-01 is before the event above it"),
    ("case: C-1\nconsents:\n" + "  - {id: K1, purpose: registration, kind: consent, "
     "given_by: self, mode: written, decision: given, date: 2026-01-01}\n" * 2,
     "consents[1].id (line 4): 'K1' is used by an earlier record"),
    ("case: C-1\nconsents:\n  - {id: K1, purpose: registration, kind: consent, given_by: self, "
     "mode: written, decision: given,\n     date: 2026-03-14, valid_until: 2026-03-01}\n",
     "consents[0].valid_until (line 4): 2026-03-01 is before the record's date 2026-03-14"),
    ("case: C-1\nconsents:\n  - {id: K1, purpose: registration, kind: consent, given_by: self, "
     "mode: written, decision: given,\n     date: 2026-03-14, withdrawn_on: 2026-03-13}\n",
     "consents[0].withdrawn_on (line 4): 2026-03-13 is before the record's date 2026-03-14"),
    ("case: C-1\nevents:\n  - {date: 2026-01-01, action: refer, consent: K1}\n",
     "events[0].to (line 3): a refer event needs `to` (type and name)"),
    ("case: C-1\nevents:\n  - {date: 2026-01-01, action: refer, to: {type: public}}\n",
     "events[0].to.type (line 3): a referral goes to a service provider: government, un_agency, "
     "ngo, implementing_partner, not public"),
    ("case: C-1\nevents:\n  - {date: 2026-01-01, action: transfer, to: {type: un_agency}}\n",
     "events[0].to.name (line 3): a transfer to a partner names the organisation it goes to"),
    ("case: C-1\nevents:\n  - {date: 2026-01-01, action: refer, to: {type: ngo}}\n",
     "events[0].to.name (line 3): a referral names the organisation it goes to"),
    # a name of zero-width characters is no name: it could be the organisation the person refused
    ("case: C-1\nevents:\n  - {date: 2026-01-01, action: refer, to: {type: ngo, "
     "name: \"\\u200b\\u2060\"}}\n",
     "events[0].to.name (line 3): a referral names the organisation it goes to"),
    ("case: C-1\nevents:\n  - {date: 2026-01-01, action: refer, to: {type: ngo, name: X},\n"
     "     requested_by_person: true}\n",
     "events[0].requested_by_person (line 4): refer events take no requested_by_person"),
    ("case: C-1\nevents:\n  - {date: 2026-01-01, action: report_to_police, to: {type: government}}\n",
     "events[0].to (line 3): report_to_police events take no to"),
    ("case: C-1\nevents:\n  - {date: 2026-01-01, action: report_to_police,\n"
     "     requested_by_person: 'yes'}\n",
     "events[0].requested_by_person (line 4): expected true or false, got 'yes'"),
    ("case: C-1\nevnts: []\n", "unknown key 'evnts'; did you mean 'events'?"),
    ("- not a mapping\n", "must be a mapping"),
    ("case: C-1\nevents: {date: 2026-01-01}\n", "events (line 2): expected a list, got a mapping"),
])
def test_an_invalid_file_exits_2_naming_the_field(tmp_path: Path, text: str, needle: str) -> None:
    f = tmp_path / "h.yaml"
    f.write_text(text)
    result = run(str(f))
    assert result.exit_code == 2, result.output
    assert needle in result.stderr
    assert "Traceback" not in result.output


def test_a_bad_format_or_an_unknown_variant_exits_2() -> None:
    assert run(str(EX / "withdrawal.yaml"), "--format", "xml").exit_code == 2
    result = run(str(EX / "withdrawal.yaml"), "--variant", "lenient")
    assert result.exit_code == 2 and "no pack declares lenient" in result.stderr


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    assert run(str(tmp_path / "absent.yaml")).exit_code == 2


def test_the_refused_referral_and_police_report_examples_name_their_guards() -> None:
    doc = json.loads(run(str(EX / "referral-refused-without-consent.yaml"), "-f", "json").stdout)
    assert [(v["event"], v["guard"]) for v in doc["violations"]] == [
        (2, "casework.referral.consent")]
    assert doc["violations"][0]["citations"][0]["quote"] == (
        "You must ask the survivor for informed consent before contacting any service providers.")
    doc = json.loads(run(str(EX / "police-report-not-requested.yaml"), "-f", "json").stdout)
    assert [(v["event"], v["guard"]) for v in doc["violations"]] == [
        (1, "casework.police_report.requested_by_person")]
    assert [e["allowed"] for e in doc["events"]] == [True, False, True]


def test_the_issue_example_with_the_example_programme_pack_exits_1() -> None:
    result = run(str(EX / "child-police-transfer.yaml"), "--pack",
                 str(EX / "programme-casework"), "-f", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert [p["id"] for p in doc["packs"]] == ["casework-2023", "programme-casework"]
    assert doc["state"] == "identification"
