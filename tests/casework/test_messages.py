"""The caseworker-facing message of every guard, on a small history each: docs/casework.md shows
these exact sentences, so a change to a rule's text or to the consent query's reasons must update
the page too."""

from __future__ import annotations

from typing import Any

import pytest

from mcrules import check_history
from mcrules.models.casework import CaseHistory
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

DOC = (ROOT / "docs" / "casework.md").read_text()
UN = {"type": "un_agency", "name": "UNHCR"}
OFFICE = {"type": "internal_office", "name": "Main office"}
GUARDIAN = {"id": "K1", "purpose": "registration", "kind": "consent", "given_by": "guardian",
            "guardian": "Appointed guardian", "mode": "written", "decision": "given",
            "date": "2026-02-02"}


def _plan(**over: Any) -> CaseHistory:
    plan = {k: v for k, v in {**PLAN, **over}.items() if v is not None}
    return history([*to_implementation()[:4], ev("plan", "2026-02-04", plan=plan)])


def _transfer(**over: Any) -> CaseHistory:
    return history([*to_implementation(), ev("transfer", "2026-02-06", to=UN)],
                   consents=[REGISTRATION_CONSENT, transfer_consent(**over)])


SHELTER = {"type": "ngo", "name": "Women's shelter"}
POLICE_CONSENT = {"id": "P1", "purpose": "police_report", "kind": "consent", "given_by": "self",
                  "mode": "written", "decision": "given", "date": "2026-02-02"}


def _refer(consent: dict[str, Any] | None = None, person: dict[str, Any] | None = None
           ) -> CaseHistory:
    return history([ev("identify"), ev("refer", to=SHELTER)],
                   consents=[REGISTRATION_CONSENT, *([consent] if consent else [])], person=person)


def _police(consents: list[dict[str, Any]], **keys: Any) -> CaseHistory:
    return history([ev("identify"), ev("report_to_police", **keys)], consents=consents)


def _close(**keys: Any) -> CaseHistory:
    return history([*to_implementation(), ev("close", "2026-02-06", **keys)])


SITUATIONS: dict[str, CaseHistory] = {
    "casework.transition.allowed": history([ev("identify"), ev("assess")]),
    "casework.transition.allowed (ended)": history(
        [*to_implementation(), ev("withdraw", "2026-02-06"),
         ev("review", "2026-02-07", result="continue")]),
    "casework.registration.eligibility_verified": history([ev("identify"),
                                                           ev("register", consent="K1")]),
    "casework.registration.consent": history(
        [ev("identify"), ev("verify_eligibility", result="eligible"), ev("register")], consents=[]),
    "casework.registration.consent (child's own)": history(
        [ev("identify"), ev("verify_eligibility", result="eligible"), ev("register", consent="K1")],
        person=CHILD),
    "casework.registration.consent (scoped to a recipient)": history(
        [ev("identify"), ev("verify_eligibility", result="eligible"), ev("register", consent="K1")],
        consents=[{**REGISTRATION_CONSENT, "recipient": {"type": "ngo", "name": "Partner"}}]),
    "casework.registration.consent (no age)": history(to_implementation()[:3], person={}),
    "casework.assessment.eligibility_verified": history(
        [ev("identify"), ev("verify_eligibility", result="eligible"), ev("register", consent="K1"),
         ev("verify_eligibility", "2026-02-03", result="not_eligible"), ev("assess", "2026-02-03")]),
    **{f"casework.plan.{k}": _plan(**{k: None}) for k in (
        "objectives", "actions", "monitoring", "feedback", "data_protection",
        "information_sharing", "beneficiary_participation")},
    "casework.plan.objectives_measurable (note)": _plan(objectives=["feel safer"]),
    "casework.plan.responsible": _plan(
        actions=[{"action": "accompany to the consulate", "due": "2026-04-15"}]),
    "casework.plan.time_frame": _plan(
        actions=[{"action": "accompany to the consulate", "responsible": "staff-04"}]),
    "casework.transfer.handover_plan": history(
        [*to_implementation(), ev("transfer", "2026-02-06", to=OFFICE, handover_plan=False)]),
    "casework.transfer.handover_plan (unrecorded)": history(
        [*to_implementation(), ev("transfer", "2026-02-06", to=OFFICE)]),
    "casework.transfer.partner_consent (withdrawn)": _transfer(withdrawn_on="2026-02-06"),
    "casework.transfer.partner_consent (expired)": _transfer(valid_until="2026-02-05"),
    "casework.transfer.partner_consent (refused)": _transfer(decision="refused"),
    "casework.transfer.partner_consent (other purpose)": _transfer(purpose="referral"),
    "casework.transfer.partner_consent (other recipient)": _transfer(
        recipient={"type": "un_agency", "name": "WFP"}),
    "casework.transfer.partner_consent (verbal)": _transfer(mode="verbal"),
    "casework.referral.consent": _refer(),
    "casework.referral.consent (other provider)": _refer(
        {**REGISTRATION_CONSENT, "id": "R1", "purpose": "referral",
         "recipient": {"type": "ngo", "name": "Legal aid clinic"}}),
    "casework.referral.consent (child's own)": _refer(
        {**REGISTRATION_CONSENT, "id": "R1", "purpose": "referral", "recipient": SHELTER},
        person=CHILD),
    "casework.police_report.requested_by_person": _police([POLICE_CONSENT],
                                                          requested_by_person=False),
    "casework.police_report.requested_by_person (unrecorded)": _police([POLICE_CONSENT]),
    "casework.police_report.consent": _police([REGISTRATION_CONSENT], requested_by_person=True),
    "casework.closure.reason_stated": _close(prepared=True, unmet_needs_reviewed=True),
    "casework.closure.prepared": _close(reason="support_ended", prepared=False,
                                        unmet_needs_reviewed=True),
    "casework.closure.unmet_needs_reviewed": _close(reason="left_location", prepared=True),
    "casework.consent.child_involved (note)": history(to_implementation()[:3],
                                                      consents=[GUARDIAN], person=CHILD),
}


@pytest.mark.parametrize("situation", sorted(SITUATIONS))
def test_the_docs_show_the_message_each_guard_gives(situation: str) -> None:
    report = check_history(SITUATIONS[situation])
    guard = situation.split(" ")[0]
    found = [v for v in (*report.violations, *report.notes) if v.guard == guard]
    assert len(found) == 1, (situation, report.to_dict()["violations"])
    assert f"| `{situation}` | {found[0].reason} |" in DOC


def test_every_guard_of_the_pack_has_a_message_in_the_docs() -> None:
    from mcrules import load_casework_pack

    shown = {s.split(" ")[0] for s in SITUATIONS}
    assert shown == {r.id for r in load_casework_pack().rules}
