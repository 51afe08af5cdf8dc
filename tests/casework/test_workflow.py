"""The six steps through the API: each guard refuses with its rule, its reason and its source; a
refused event changes nothing; transfers of both kinds; withdrawal; a programme's own guards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mcrules import check_history, load_casework_pack, read_case_history
from mcrules.casework import CASE_EVENT, TRANSITION_GUARD
from mcrules.models.casework import CaseHistory, TransferType
from mcrules.models.consent import RecipientType
from tests.casework.histories import (
    CHILD,
    PLAN,
    REGISTRATION_CONSENT,
    ev,
    history,
    to_implementation,
    transfer_consent,
)
from tests.conftest import ROOT

EX = ROOT / "examples" / "casework"


def refusals(h: CaseHistory, packs: Any = None) -> list[tuple[int, str]]:
    return [(v.event, v.guard) for v in check_history(h, packs).violations]


def test_the_issues_example_is_refused_at_the_transfer_for_want_of_a_guardians_consent() -> None:
    report = check_history(read_case_history(EX / "child-transfer-refused.yaml"))
    assert not report.valid
    (v,) = report.violations
    assert (v.event, v.action, v.guard) == (7, "transfer", "casework.transfer.partner_consent")
    assert v.reason.startswith("Transfer to Child welfare agency refused: K2 is a child's assent; "
                               "a guardian's consent for transfer to this recipient is also needed")
    assert v.citations[0].quote.startswith("When transferring a case to a partner")
    assert report.state == "closed"  # the closure after it is judged from case planning
    assert [e.state_after for e in report.events][6:] == ["case_planning", "case_planning", "closed"]


@pytest.mark.parametrize(("name", "valid", "state"), [
    ("adult-walk-to-closure.yaml", True, "closed"),
    ("internal-office-transfer.yaml", True, "transferred_internal"),
    ("partner-transfer-with-guardian.yaml", True, "transferred_partner"),
    ("withdrawal.yaml", True, "closed"),
    ("registration-refused.yaml", False, "identification"),
    ("child-transfer-refused.yaml", False, "closed"),
])
def test_every_example_ends_where_its_comment_says(name: str, valid: bool, state: str) -> None:
    report = check_history(read_case_history(EX / name))
    assert (report.valid, report.state) == (valid, state)


def test_a_walk_from_identification_to_closure_visits_the_six_steps() -> None:
    report = check_history(read_case_history(EX / "adult-walk-to-closure.yaml"))
    states = [e.state_after for e in report.events]
    assert states == ["identification", "identification", "registration", "assessment",
                      "case_planning", "implementation", "case_planning", "case_planning",
                      "implementation", "follow_up_review", "closed"]


def test_registration_without_verified_eligibility_is_refused() -> None:
    h = history([ev("identify"), ev("register", consent="K1")])
    assert refusals(h) == [(1, "casework.registration.eligibility_verified")]


def test_registration_after_a_not_eligible_verification_is_refused() -> None:
    h = history([ev("identify"), ev("verify_eligibility", result="eligible"),
                 ev("verify_eligibility", result="not_eligible"), ev("register", consent="K1")])
    assert refusals(h) == [(3, "casework.registration.eligibility_verified")]


def test_registration_without_registration_consent_is_refused() -> None:
    h = history([ev("identify"), ev("verify_eligibility", result="eligible"), ev("register")],
                consents=[])
    report = check_history(h)
    assert [(v.event, v.guard) for v in report.violations] == [(2, "casework.registration.consent")]
    assert "no consent record" in report.violations[0].reason


def test_registration_without_either_names_both_guards() -> None:
    h = history([ev("identify"), ev("register")], consents=[])
    assert refusals(h) == [(1, "casework.registration.eligibility_verified"),
                           (1, "casework.registration.consent")]


def test_a_refused_event_changes_nothing_and_later_events_follow_the_last_allowed_state() -> None:
    h = history([ev("identify"), ev("register"), ev("assess"),
                 ev("verify_eligibility", result="eligible"), ev("register", consent="K1"),
                 ev("assess")])
    report = check_history(h)
    assert [(v.event, v.guard) for v in report.violations] == [
        (1, "casework.registration.eligibility_verified"), (2, TRANSITION_GUARD)]
    assert [e.allowed for e in report.events] == [True, False, False, True, True, True]
    assert report.state == "assessment"


def test_an_assessment_before_registration_names_the_state_and_what_may_come_next() -> None:
    h = history([ev("identify"), ev("assess")])
    (v,) = check_history(h).violations
    assert v.guard == TRANSITION_GUARD
    assert v.reason == ("Assessment refused: the case is in identification, where assess cannot "
                        "come next; what may come next is verify_eligibility, register, refer, "
                        "report_to_police, close or withdraw.")


def test_nothing_follows_a_closed_case() -> None:
    h = history([*to_implementation(), ev("withdraw", "2026-02-06"),
                 ev("review", "2026-02-07", result="continue")])
    (v,) = check_history(h).violations
    assert (v.event, v.guard) == (7, TRANSITION_GUARD)
    assert "the case has ended, so nothing may follow" in v.reason


@pytest.mark.parametrize("upto", range(7))
def test_withdrawal_is_allowed_at_any_open_step(upto: int) -> None:
    h = history([*to_implementation()[:upto], ev("withdraw", "2026-02-06")])
    report = check_history(h)
    assert report.valid and report.state == "closed"


def test_a_review_that_adjusts_returns_to_planning_and_one_that_continues_to_follow_up() -> None:
    adjust = check_history(history([*to_implementation(), ev("review", "2026-02-06", result="adjust")]))
    keep = check_history(history([*to_implementation(), ev("review", "2026-02-06", result="continue")]))
    assert (adjust.state, keep.state) == ("case_planning", "follow_up_review")
    resumed = history([*to_implementation(), ev("review", "2026-02-06", result="continue"),
                       ev("implement", "2026-02-07"), ev("review", "2026-02-08", result="continue")])
    assert check_history(resumed).valid


@pytest.mark.parametrize(("missing", "guard"), [
    ("objectives", "casework.plan.objectives"),
    ("actions", "casework.plan.actions"),
    ("monitoring", "casework.plan.monitoring"),
    ("feedback", "casework.plan.feedback"),
    ("data_protection", "casework.plan.data_protection"),
    ("information_sharing", "casework.plan.information_sharing"),
    ("beneficiary_participation", "casework.plan.beneficiary_participation"),
])
def test_a_plan_missing_one_element_is_refused_by_that_elements_guard(missing: str,
                                                                      guard: str) -> None:
    plan = {k: v for k, v in PLAN.items() if k != missing}
    events = [*to_implementation()[:4], ev("plan", "2026-02-04", plan=plan)]
    assert refusals(history(events)) == [(4, guard)]


@pytest.mark.parametrize(("action", "guard"), [
    ({"action": "accompany", "due": "2026-04-15"}, "casework.plan.responsible"),
    ({"action": "accompany", "responsible": "staff-04"}, "casework.plan.time_frame"),
])
def test_every_action_names_who_and_by_when(action: dict[str, Any], guard: str) -> None:
    events = [*to_implementation()[:4], ev("plan", "2026-02-04", plan={**PLAN, "actions": [action]})]
    assert refusals(history(events)) == [(4, guard)]


def test_an_objective_without_a_number_is_named_in_a_note_and_the_plan_goes_ahead() -> None:
    """Measurable as "carries a number" is our interpretation, so it warns, never refuses."""
    plan = {**PLAN, "objectives": ["feel better", "documents within 60 days"]}
    events = [*to_implementation()[:4], ev("plan", "2026-02-04", plan=plan)]
    report = check_history(history(events))
    assert report.violations == () and report.state == "case_planning"
    (v,) = report.notes
    assert v.guard == "casework.plan.objectives_measurable"
    assert "'feel better'" in v.reason and "60 days" not in v.reason


def test_an_internal_transfer_needs_a_shared_handover_plan() -> None:
    to = {"type": "internal_office", "name": "Main office"}
    ok = history([*to_implementation(), ev("transfer", "2026-02-06", to=to, handover_plan=True)])
    without = history([*to_implementation(), ev("transfer", "2026-02-06", to=to, handover_plan=False)])
    unrecorded = history([*to_implementation(), ev("transfer", "2026-02-06", to=to)])
    assert check_history(ok).state == "transferred_internal"
    assert refusals(without) == [(6, "casework.transfer.handover_plan")]
    report = check_history(unrecorded)
    assert refusals(unrecorded) == [(6, "casework.transfer.handover_plan")]
    assert "(not recorded: handover_plan)" in report.violations[0].reason


@pytest.mark.parametrize(("over", "why"), [
    ({}, None),
    ({"decision": "refused"}, "T1 records a refusal"),
    ({"withdrawn_on": "2026-02-06"}, "T1 was withdrawn on 2026-02-06"),
    ({"valid_until": "2026-02-05"}, "T1 expired on 2026-02-05"),
    ({"purpose": "referral"}, "T1 is for referral, not transfer"),
    ({"recipient": {"type": "ngo", "name": "UNHCR"}}, "T1 is for ngo, not un_agency"),
    ({"recipient": {"type": "un_agency", "name": "WFP"}}, "T1 is for another un_agency recipient"),
    ({"mode": "verbal"}, "T1 is verbal and not certified in writing by a staff member"),
    ({"data_categories": ["civil_documentation"]}, "T1 does not cover health"),
])
def test_a_partner_transfer_needs_consent_to_that_transfer_to_that_recipient(
        over: dict[str, Any], why: str | None) -> None:
    h = history([*to_implementation(),
                 ev("transfer", "2026-02-06", to={"type": "un_agency", "name": "UNHCR"},
                    data_categories=["health"])],
                consents=[REGISTRATION_CONSENT, transfer_consent(**over)])
    report = check_history(h)
    if why is None:
        assert report.valid and report.state == "transferred_partner"
    else:
        (v,) = report.violations
        assert v.guard == "casework.transfer.partner_consent" and why in v.reason


def test_the_blue_modules_should_lets_the_transfer_through_with_a_note() -> None:
    h = history([*to_implementation(),
                 ev("transfer", "2026-02-06", to={"type": "government", "name": "Ministry"})])
    pack = load_casework_pack(variants=["blue-transfer-consent-should"])
    report = check_history(h, [pack])
    assert report.valid and report.state == "transferred_partner"
    assert [n.guard for n in report.notes] == ["casework.transfer.partner_consent"]


def test_a_guardians_consent_without_the_childs_assent_is_allowed_with_a_note() -> None:
    guardian = {"id": "K1", "purpose": "registration", "kind": "consent", "given_by": "guardian",
                "guardian": "Appointed guardian", "mode": "written", "decision": "given",
                "date": "2026-02-02"}
    report = check_history(history(to_implementation()[:3], consents=[guardian], person=CHILD))
    assert report.valid
    assert [n.guard for n in report.notes] == ["casework.consent.child_involved"]


def test_without_a_recorded_age_the_persons_own_consent_cannot_be_told_and_refuses() -> None:
    report = check_history(history(to_implementation()[:3], person={}))
    (v,) = report.violations
    assert v.guard == "casework.registration.consent"
    assert "the age is not recorded" in v.reason and "(not recorded: person.age)" in v.reason


@pytest.mark.parametrize(("keys", "guards"), [
    ({"reason": "support_ended", "prepared": True, "unmet_needs_reviewed": True}, []),
    ({"prepared": True, "unmet_needs_reviewed": True}, ["casework.closure.reason_stated"]),
    ({}, ["casework.closure.reason_stated", "casework.closure.prepared",
          "casework.closure.unmet_needs_reviewed"]),
    ({"reason": "support_ended", "unmet_needs_reviewed": True}, ["casework.closure.prepared"]),
    ({"reason": "left_location", "prepared": True, "unmet_needs_reviewed": False},
     ["casework.closure.unmet_needs_reviewed"]),
    ({"reason": "deceased"}, []),
])
def test_closure_states_its_reason_and_prepares_the_person(keys: dict[str, Any],
                                                           guards: list[str]) -> None:
    h = history([*to_implementation(), ev("close", "2026-02-06", **keys)])
    assert [g for _, g in refusals(h)] == guards


def test_a_programme_tightens_the_guards_with_its_own_pack(tmp_path: Path) -> None:
    folder = tmp_path / "programme-casework"
    (folder / "tests").mkdir(parents=True)
    (folder / "pack.yaml").write_text(
        "id: programme-casework\ntitle: A programme's extra guard\nversion: 1.0.0\n"
        "rule_files: [guards.yaml]\ndocuments:\n  sop: {title: Programme SOP, publisher: Programme}\n")
    (folder / "guards.yaml").write_text(
        "subject: case_event\nrules:\n"
        "  - id: programme.assessment.consent\n    title: The assessment needs consent to it\n"
        "    severity: error\n    applies_if: action == 'assess'\n    check: consent.valid\n"
        "    fix:\n      - text: \"{consent}; record consent to the assessment\"\n"
        "    citations:\n"
        "      - {document: sop, section: '2.1', quote: 'Assessment shall follow consent to it.'}\n")
    h = history(to_implementation()[:4])
    assert check_history(h).valid
    packs = [load_casework_pack(), load_casework_pack(folder)]
    assert refusals(h, packs) == [(3, "programme.assessment.consent")]
    assert check_history(h, packs).violations[0].reason == (
        "Assessment refused: K1 is for registration, not assessment; record consent to the "
        "assessment.")


def test_the_report_is_the_json_contract_and_deterministic() -> None:
    h = read_case_history(EX / "child-transfer-refused.yaml")
    a, b = check_history(h).to_dict(), check_history(h).to_dict()
    assert a == b
    assert {"case", "state", "valid", "violations"} <= set(a)
    assert set(a["violations"][0]) == {"event", "action", "guard", "reason", "citations"}
    assert a["case"] == "C-2026-0042" and a["valid"] is False


def test_transfer_types_are_internal_office_and_every_recipient_type() -> None:
    assert {t.value for t in TransferType} == {"internal_office", *(r.value for r in RecipientType)}
    assert CASE_EVENT.default_pack == "casework-2023"


@pytest.mark.parametrize("action", ["transfer", "refer", "report_to_police"])
@pytest.mark.parametrize("listed", [None, []])
def test_an_event_that_lists_no_data_is_not_covered_by_a_consent_scoped_to_some(
        action: str, listed: list[str] | None) -> None:
    """A consent to hand over only civil documentation does not cover an event that does not say
    what it hands over: on main, leaving `data_categories` out (or listing none) let a transfer
    through that listing `health` refused."""
    purpose = {"transfer": "transfer", "refer": "referral",
               "report_to_police": "police_report"}[action]
    to = {"type": "un_agency", "name": "UNHCR"}
    scoped = transfer_consent(purpose=purpose, data_categories=["civil_documentation"],
                              **({} if action != "report_to_police" else {"recipient": None}))
    more: dict[str, Any] = {"to": to} if action != "report_to_police" \
        else {"requested_by_person": True}
    if listed is not None:
        more["data_categories"] = listed
    h = history([*to_implementation(), ev(action, "2026-02-06", consent=["T1"], **more)],
                consents=[REGISTRATION_CONSENT, scoped])
    (v,) = check_history(h).violations
    assert "covers only the data categories it lists" in v.reason
    # listing what it hands over, within the scope, the same event is allowed
    ok = history([*to_implementation(),
                  ev(action, "2026-02-06", consent=["T1"],
                     **{**more, "data_categories": ["civil_documentation"]})],
                 consents=[REGISTRATION_CONSENT, scoped])
    assert check_history(ok).valid
