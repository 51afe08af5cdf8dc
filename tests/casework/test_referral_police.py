"""Referrals and reports to the police as case steps, example by example: the consent each needs
and whose, the person's request, refusals that take consent back, and where in the case they may
happen."""

from __future__ import annotations

from typing import Any

from mcrules import check_history
from tests.casework.histories import CHILD, REGISTRATION_CONSENT, ev, history

SHELTER = {"type": "ngo", "name": "Women's shelter"}
POLICE = {"type": "government", "name": "City police"}


def record(rid: str, purpose: str, **over: Any) -> dict[str, Any]:
    return {"id": rid, "purpose": purpose, "kind": "consent", "given_by": "self",
            "mode": "written", "decision": "given", "date": "2026-02-02", **over}


def guardian(rid: str, purpose: str, **over: Any) -> dict[str, Any]:
    return record(rid, purpose, given_by="guardian", guardian="Appointed guardian", **over)


def _allowed(events: list[dict[str, Any]], consents: list[dict[str, Any]],
             person: dict[str, Any] | None = None) -> list[bool]:
    return [e.allowed for e in check_history(history(events, consents, person)).events]


def test_a_later_refusal_naming_a_police_force_takes_back_an_earlier_consent() -> None:
    consents = [record("P1", "police_report"),
                record("P2", "police_report", recipient=POLICE, decision="refused",
                       date="2026-02-05")]
    events = [ev("identify"), ev("report_to_police", "2026-02-03", requested_by_person=True),
              ev("report_to_police", "2026-02-06", requested_by_person=True, consent="P1")]
    report = check_history(history(events, consents))
    assert [e.allowed for e in report.events] == [True, True, False]
    assert "P1 was taken back by the refusal P2" in report.violations[0].reason


def test_a_consent_that_names_a_police_force_covers_a_report_to_the_police() -> None:
    events = [ev("identify"), ev("report_to_police", requested_by_person=True)]
    assert _allowed(events, [record("P1", "police_report", recipient=POLICE)]) == [True, True]


def test_consent_for_a_referral_or_a_transfer_to_the_police_never_covers_a_report() -> None:
    events = [ev("identify"), ev("report_to_police", requested_by_person=True)]
    for purpose in ("referral", "transfer", "data_sharing"):
        assert _allowed(events, [record("X", purpose, recipient=POLICE)]) == [True, False]


def test_consent_to_a_police_report_never_covers_a_referral() -> None:
    events = [ev("identify"), ev("refer", to=SHELTER)]
    assert _allowed(events, [record("P1", "police_report", recipient=SHELTER)]) == [True, False]


def test_a_childs_referral_needs_a_guardians_consent_and_goes_with_her_assent() -> None:
    events = [ev("identify"), ev("refer", to=SHELTER)]
    own = record("R1", "referral", recipient=SHELTER)
    assert _allowed(events, [own], CHILD) == [True, False]
    assent = record("R2", "referral", recipient=SHELTER, kind="assent")
    report = check_history(history(events, [guardian("R1", "referral", recipient=SHELTER),
                                            assent], CHILD))
    assert report.valid and report.notes == ()
    report = check_history(history(events, [guardian("R1", "referral", recipient=SHELTER)],
                                   CHILD))
    assert report.valid and [n.guard for n in report.notes] == ["casework.consent.child_involved"]


def test_a_childs_own_request_and_a_guardians_consent_allow_a_report_to_the_police() -> None:
    events = [ev("identify"), ev("report_to_police", requested_by_person=True)]
    assert _allowed(events, [record("P1", "police_report")], CHILD) == [True, False]
    assert _allowed(events, [guardian("P1", "police_report")], CHILD) == [True, True]


def test_without_a_recorded_age_the_persons_own_consent_does_not_allow_a_referral() -> None:
    events = [ev("identify"), ev("refer", to=SHELTER)]
    report = check_history(history(events, [record("R1", "referral", recipient=SHELTER)], {}))
    assert [e.allowed for e in report.events] == [True, False]
    assert report.violations[0].reason.endswith("(not recorded: person.age).")


def test_no_referral_before_identification_or_after_the_case_has_ended() -> None:
    consents = [REGISTRATION_CONSENT, record("R1", "referral", recipient=SHELTER)]
    assert _allowed([ev("refer", to=SHELTER)], consents) == [False]
    events = [ev("identify"), ev("withdraw"), ev("refer", to=SHELTER),
              ev("report_to_police", requested_by_person=True)]
    report = check_history(history(events, consents))
    assert [e.allowed for e in report.events] == [True, True, False, False]
    assert {v.guard for v in report.violations} == {"casework.transition.allowed"}


def test_referrals_and_reports_leave_the_case_at_its_step() -> None:
    consents = [REGISTRATION_CONSENT, record("R1", "referral", recipient=SHELTER),
                record("P1", "police_report")]
    events = [ev("identify"), ev("verify_eligibility", result="eligible"),
              ev("register", consent="K1"), ev("refer", to=SHELTER),
              ev("report_to_police", requested_by_person=True), ev("assess", "2026-02-03")]
    report = check_history(history(events, consents))
    assert report.valid and report.state == "assessment"
    assert [(e.state_before, e.state_after) for e in report.events[3:5]] == [
        ("registration", "registration"), ("registration", "registration")]


def test_a_refusal_naming_one_organisation_takes_back_a_consent_to_its_whole_type() -> None:
    """She consented to any NGO, then refused the shelter: a referral or a transfer names its
    organisation, so the refusal is weighed against it."""
    consents = [REGISTRATION_CONSENT, record("R1", "referral", recipient={"type": "ngo"}),
                record("R2", "referral", recipient=SHELTER, decision="refused",
                       date="2026-02-05")]
    events = [ev("identify"), ev("refer", "2026-02-06", to=SHELTER, consent="R1"),
              ev("refer", "2026-02-06", to={"type": "ngo", "name": "Legal aid"}, consent="R1")]
    assert _allowed(events, consents) == [True, False, True]
