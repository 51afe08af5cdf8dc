"""The response cards of Facilitator Note 2.1.1 as the staff_action subject decides them: every
card's verdict as the manual gives it, the laws (no contact with a provider without consent, no
call to the police without the person's request and consent, an unknown never makes an action
safe), and `mcrules casework respond`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mcrules.casework import judge_staff_action, load_incident_pack
from mcrules.cli.main import app
from mcrules.errors import McrulesError
from mcrules.models.staff_action import StaffAction, StaffActionKind
from mcrules.subjects import get
from tests.conftest import ROOT

runner = CliRunner()
LAW = settings(max_examples=60, deadline=None)
PACK = load_incident_pack()
K = StaffActionKind
# The verdicts of the cards, as Facilitator Note 2.1.1 gives them (Yellow and Red alike).
CARDS = {K.CHECK_SAFETY: "safe", K.ASK_IF_HURT: "safe", K.ASK_WHAT_HAPPENED: "unsafe",
         K.ASK_WHO_IS_RESPONSIBLE: "unsafe", K.ASK_WHEN_AND_WHERE: "unsafe",
         K.ASK_NEEDS_AND_CONSENT: "safe", K.GIVE_CONTACT_INFORMATION: "safe",
         K.REPORT_TO_MANAGER: "safe", K.DO_NOTHING: "unsafe"}
facts = st.builds(StaffAction, action=st.none() | st.sampled_from(list(K)),
                  requested_by_person=st.none() | st.booleans(),
                  consent_given=st.none() | st.booleans())


def test_staff_action_is_a_registered_subject_with_the_incident_pack_as_default() -> None:
    subject = get("staff_action")
    assert subject.model is StaffAction and subject.default_pack == "incident-response-2023"


@pytest.mark.parametrize("card", sorted(CARDS))
def test_each_card_gets_the_verdict_the_manual_gives_with_its_guidance(card: K) -> None:
    verdict = judge_staff_action(StaffAction(action=card), PACK)
    assert verdict.verdict == CARDS[card]
    assert verdict.reasons[0].startswith(CARDS[card].upper() + ": ")
    assert verdict.to_dict()["citations"][0]["note"] == "Facilitator Note 2.1.1"


def test_calling_the_police_later_from_somewhere_private_is_unsafe_and_refused() -> None:
    verdict = judge_staff_action(StaffAction(action=K.CALL_POLICE, requested_by_person=False,
                                             consent_given=True), PACK)
    assert (verdict.verdict, verdict.safe) == ("unsafe", False)
    assert verdict.refused_by == ("incident.response.police_on_request_and_consent",)
    assert "unless they have requested that you do so" in verdict.reasons[0]


@LAW
@given(facts)
def test_no_contact_with_a_provider_or_the_police_is_safe_without_consent_and_request(
        action: StaffAction) -> None:
    verdict = judge_staff_action(action, PACK)
    if verdict.safe:
        assert action.action is not None
        if action.action is K.CONTACT_SERVICE_PROVIDER:
            assert action.consent_given is True
        if action.action is K.CALL_POLICE:
            assert action.requested_by_person is True and action.consent_given is True
    assert verdict.safe == (verdict.verdict == "safe")


@LAW
@given(facts, st.sampled_from(["action", "requested_by_person", "consent_given"]))
def test_forgetting_a_fact_never_makes_an_unsafe_action_safe(action: StaffAction,
                                                            key: str) -> None:
    forgotten = action.model_copy(update={key: None})
    assert judge_staff_action(forgotten, PACK).safe <= judge_staff_action(action, PACK).safe


def test_an_unknown_request_fails_closed_and_names_what_to_ask() -> None:
    verdict = judge_staff_action(StaffAction(action=K.CALL_POLICE, consent_given=True), PACK)
    assert verdict.verdict == "unsafe" and verdict.missing == ("requested_by_person",)


def test_a_pack_without_the_response_table_is_not_an_incident_pack(tmp_path: Path) -> None:
    with pytest.raises(McrulesError, match="unknown subject 'case_event'"):
        load_incident_pack(ROOT / "rules" / "casework-2023")
    (tmp_path / "pack.yaml").write_text(
        "id: cards\ntitle: t\nversion: '1'\ndocuments: {d: {title: D}}\n")
    (tmp_path / "r.yaml").write_text(
        "subject: staff_action\nrules:\n  - id: cards.x.y\n    title: t\n    severity: info\n"
        "    check: consent_given\n    fix: [{text: ask}]\n"
        "    citations: [{document: d, quote: 'may'}]\n")
    with pytest.raises(McrulesError, match=r"no decision table incident\.response\.card"):
        load_incident_pack(tmp_path)


def _respond(tmp_path: Path, text: str, *args: str):  # type: ignore[no-untyped-def]
    f = tmp_path / "action.yaml"
    f.write_text(text)
    return runner.invoke(app, ["casework", "respond", str(f), *args], env={"COLUMNS": "200"})


@pytest.mark.parametrize(("text", "code"), [
    ("action: ask_if_hurt\n", 0),
    ("action: contact_service_provider\nconsent_given: true\n", 0),
    ("action: contact_service_provider\nconsent_given: false\n", 1),
    ("action: call_police\n", 1),
    ("{}\n", 1),
])
def test_respond_exits_0_when_safe_and_1_when_not(tmp_path: Path, text: str, code: int) -> None:
    assert _respond(tmp_path, text).exit_code == code


def test_the_example_shows_the_card_and_its_guidance() -> None:
    result = runner.invoke(app, ["casework", "respond", str(
        ROOT / "examples" / "casework" / "incident" / "call-police-not-requested.yaml")],
        env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert result.stdout.startswith("UNSAFE  call_police")
    assert "Don't say anything at the time, but later call the police" in result.stdout


def test_respond_json_gives_the_verdict_reasons_and_the_card(tmp_path: Path) -> None:
    result = _respond(tmp_path, "action: do_nothing\n", "--format", "json")
    doc = json.loads(result.stdout)
    assert (doc["action"], doc["verdict"], doc["safe"]) == ("do_nothing", "unsafe", False)
    assert "Ignoring domestic violence is not acceptable." in doc["reasons"][0]
    assert doc["notes"] == ["incident.response.safe"]
    assert doc["citations"][0]["quote"].startswith("Do nothing if it is domestic violence")


@pytest.mark.parametrize(("text", "needle"), [
    ("action: call_police\nrequested_by_person: 'yes'\n",
     "requested_by_person (line 2): expected true or false"),
    ("action: call_police\nconsnt_given: true\n", "did you mean 'consent_given'?"),
    ("action: interview_her\n", "action (line 1)"),
])
def test_an_invalid_action_file_exits_2_naming_the_field(tmp_path: Path, text: str,
                                                         needle: str) -> None:
    result = _respond(tmp_path, text)
    assert result.exit_code == 2, result.output
    assert needle in result.stderr


def test_the_police_variant_makes_the_refusal_a_note_and_the_verdict_stays_unsafe(
        tmp_path: Path) -> None:
    result = _respond(tmp_path, "action: call_police\nrequested_by_person: false\n",
                      "--variant", "police-report-should", "--format", "json")
    doc = json.loads(result.stdout)
    assert (doc["verdict"], doc["refused_by"]) == ("unsafe", [])
    assert doc["notes"] == ["incident.response.police_on_request_and_consent"]
    assert result.exit_code == 1
