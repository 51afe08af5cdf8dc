"""From a request to the facts the data-sharing pack decides on: classification and consent.

Nothing here decides: it states what is known. Absent stays absent (None), so the pack's
fail-closed table treats it as unknown; a consent reference that resolves to no valid record is
`False` with the reason, never an error.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from mcrules.models.consent import ConsentHistory, ConsentPurpose, Recipient, RecipientType
from mcrules.models.consent_query import valid_consent
from mcrules.models.sharing import SafeguardFacts, SharingFacts, SharingRequest
from mcrules.sharing.classification import Catalogue

ADULT_AGE = 18


@dataclass(frozen=True)
class Derived:
    """The facts, and in words why consent is (not) valid ("" when nothing was stated)."""

    facts: SharingFacts
    consent_reason: str


def consent_purpose(purpose: str | None) -> ConsentPurpose:
    """The consent-record purpose a request's purpose needs: itself when it names one of them
    (`health_records`, `referral`), otherwise data sharing."""
    key = (purpose or "").strip().casefold().replace(" ", "_")
    try:
        return ConsentPurpose(key)
    except ValueError:
        return ConsentPurpose.DATA_SHARING


def resolve_consent(request: SharingRequest, history: ConsentHistory | None,
                    on: dt.date) -> tuple[bool | None, str]:
    """Valid consent for the request's purpose and recipient on `on`: True, False (with the
    reason) or None when the request states nothing about consent. When it states both an inline
    block and a reference, both must hold."""
    answers: list[tuple[bool | None, str]] = []
    inline = request.consent
    if inline is not None:
        answers.append(_inline(request, inline.given, inline.purposes, inline.recipients))
    if request.consent_ref is not None:
        ref = request.consent_ref
        if history is None or not history.consents:
            answers.append((False, f"consent {ref}: no case history holds it, so there is no "
                            "consent"))
        else:
            age = history.person.age if history.person is not None else None
            recipient = request.recipient
            answer = valid_consent(history.consents, consent_purpose(request.purpose),
                                   recipient if isinstance(recipient, Recipient) else None, on,
                                   minor=age is not None and age < ADULT_AGE, ids=[ref],
                                   categories=request.fields)
            answers.append((answer.valid, f"consent {ref}: {answer.reason}"))
    if not answers:
        return None, "no consent is stated"
    if any(a is False for a, _ in answers):
        return False, "; ".join(r for a, r in answers if a is not True)
    if any(a is None for a, _ in answers):
        return None, "; ".join(r for a, r in answers if a is None)
    return True, "; ".join(r for _, r in answers)


def _inline(request: SharingRequest, given: bool | None, purposes: list[str],
            recipients: list[RecipientType]) -> tuple[bool | None, str]:
    if given is None:
        return None, "the consent block does not say whether consent was given"
    if not given:
        return False, "consent was not given"
    purpose = (request.purpose or "").strip().casefold()
    if not purpose:
        return False, "no purpose is stated, so no consent can cover it"
    if purpose not in {p.strip().casefold() for p in purposes}:
        return False, "consent does not cover the purpose stated"
    if request.recipient is None or request.recipient.type not in recipients:
        who = request.recipient.type.value if request.recipient else "an unnamed recipient"
        return False, f"consent does not cover {who} as recipient"
    return True, f"consent given for the purpose stated, to {request.recipient.type.value}"


def derive_facts(request: SharingRequest, catalogue: Catalogue, history: ConsentHistory | None,
                 on: dt.date) -> Derived:
    """The facts of `request` under `catalogue`, consent resolved against `history` on `on`."""
    classified = catalogue.classify(request.fields, request.granularity, request.data_class)
    consent, reason = resolve_consent(request, history, on)
    s = request.safeguards
    safeguards = None if s is None else SafeguardFacts(
        data_sharing_agreement=s.data_sharing_agreement,
        risk_benefit_assessment=s.risk_benefit_assessment,
        data_access_request_form=s.data_access_request_form)
    facts = SharingFacts(
        classified=classified or None,
        granularity=request.granularity,
        recipient=request.recipient.type if request.recipient is not None else None,
        consent=consent,
        safeguards=safeguards,
        urgent=request.urgent,
    )
    return Derived(facts, reason)
