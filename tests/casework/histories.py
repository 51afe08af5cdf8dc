"""Case histories for the casework tests, built from parts so each test states only what differs."""

from __future__ import annotations

from typing import Any

from mcrules.models.casework import CaseHistory

CHILD = {"age": 15, "sex": "female", "accompanied_by": "none"}
ADULT = {"age": 34, "sex": "male", "accompanied_by": "none"}
REGISTRATION_CONSENT = {"id": "K1", "purpose": "registration", "kind": "consent",
                        "given_by": "self", "mode": "written", "decision": "given",
                        "date": "2026-02-02"}
PLAN = {"objectives": ["civil documentation obtained within 60 days"],
        "actions": [{"action": "accompany to the consulate", "responsible": "staff-04",
                     "due": "2026-04-15"}],
        "monitoring": "fortnightly meeting", "feedback": "reviews the plan at each meeting",
        "data_protection": "shared with consent only", "information_sharing": "told of referrals",
        "beneficiary_participation": True}


def ev(action: str, date: str = "2026-02-02", **keys: Any) -> dict[str, Any]:
    return {"date": date, "action": action, **keys}


def to_implementation() -> list[dict[str, Any]]:
    """identify, verify, register, assess, plan, implement: an adult's case in implementation."""
    return [ev("identify"), ev("verify_eligibility", result="eligible"),
            ev("register", consent="K1"), ev("assess", "2026-02-03"),
            ev("plan", "2026-02-04", plan=PLAN), ev("implement", "2026-02-05")]


def history(events: list[dict[str, Any]], consents: list[dict[str, Any]] | None = None,
            person: dict[str, Any] | None = None) -> CaseHistory:
    return CaseHistory.model_validate({
        "case": "C-TEST", "person": ADULT if person is None else person,
        "consents": [REGISTRATION_CONSENT] if consents is None else consents,
        "events": events})


def transfer_consent(**over: Any) -> dict[str, Any]:
    """An adult's written consent to a transfer to UNHCR (a un_agency), given on 2026-02-05."""
    return {"id": "T1", "purpose": "transfer", "recipient": {"type": "un_agency", "name": "UNHCR"},
            "kind": "consent", "given_by": "self", "mode": "written", "decision": "given",
            "date": "2026-02-05", **over}
