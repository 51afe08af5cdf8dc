"""From a request to the facts the data-sharing pack decides on: classification and consent.

Nothing here decides: it states what is known. Absent stays absent (None), so the pack's
fail-closed table treats it as unknown; a consent reference that resolves to no valid record is
`False` with the reason, never an error. Unknown is never the permissive reading: a person whose
age is not recorded is not known to be an adult, a reference with no `case` (or to another
case's history) resolves to no one's consent, and data asked for without a list of fields is not
covered by a consent scoped to some categories.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mcrules.models.casework import CaseHistory
from mcrules.models.consent import ConsentPurpose, Recipient, RecipientType
from mcrules.models.consent_query import ConsentAnswer, consent_by_age, valid_consent
from mcrules.models.sharing import SafeguardFacts, SharingFacts, SharingRequest
from mcrules.sharing.classification import Catalogue
from mcrules.subjects.adult_age import is_child


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


def unlisted(request: SharingRequest) -> bool:
    """The request asks for data without listing what it holds."""
    return not request.fields


def needed_purposes(request: SharingRequest, catalogue: Catalogue) -> list[ConsentPurpose]:
    """The purposes a consent must have: those the catalogue names for the fields asked for
    (health records need `health_records`), else the one the request's purpose names. Data the
    catalogue cannot vouch for (a field it does not know, or a list of people whose fields are
    not listed) may hold anything, so it needs the request's purpose and every purpose the
    catalogue names: one consent record cannot cover that; list the fields instead."""
    own = consent_purpose(request.purpose)
    if unlisted(request) or any(catalogue.category_of(f) is None for f in request.fields):
        return list(dict.fromkeys([own, *catalogue.consent_purposes(catalogue.purpose_fields())]))
    return catalogue.consent_purposes(request.fields) or [own]


def resolve_consent(request: SharingRequest, history: CaseHistory | None, on: dt.date,
                    purposes: Sequence[ConsentPurpose] = (ConsentPurpose.DATA_SHARING,),
                    adult_age: int | None = None,
                    known: Callable[[str], bool] | None = None) -> tuple[bool | None, str]:
    """Valid consent for the request's `purposes` and recipient on `on`: True, False (with the
    reason) or None when the request states nothing about consent. When it states both an inline
    block and a reference, both must hold."""
    answers: list[tuple[bool | None, str]] = []
    inline = request.consent
    if inline is not None:
        answers.append(_inline(request, inline.given, inline.purposes, inline.recipients,
                               purposes))
        if history is not None:
            # A history in hand binds an inline claim: it may hold the person's refusal, a
            # withdrawal, or show a child whose consent is a guardian's, none of which the
            # block can say. Checked on every path, so leaving `case` out never loosens it.
            answers.append(_referenced(request, None, history, on, purposes, adult_age,
                                       known))
    if request.consent_ref is not None:
        ref = request.consent_ref
        answers.append(_referenced(request, ref, history, on, purposes, adult_age, known))
    if not answers:
        return None, "no consent is stated"
    if any(a is False for a, _ in answers):
        return False, "; ".join(r for a, r in answers if a is not True)
    if any(a is None for a, _ in answers):
        return None, "; ".join(r for a, r in answers if a is None)
    return True, "; ".join(r for _, r in answers)


def _referenced(request: SharingRequest, ref: str | None, history: CaseHistory | None,
                on: dt.date, purposes: Sequence[ConsentPurpose],
                adult_age: int | None = None,
                known: Callable[[str], bool] | None = None) -> tuple[bool, str]:
    """Whether the consent record `ref` of the request's own case (None: any record of it)
    covers every purpose; `adult_age` is the configured one (None: the cited one on `on`)."""
    ids = None if ref is None else [ref]
    what = f"consent {ref}" if ref is not None else "consent stated inline (with a case history)"
    if not request.purpose:
        return False, f"{what}: no purpose is stated, so no consent can cover it"
    if request.case is None:
        return False, (f"{what}: the request names no `case`, so the reference belongs "
                       "to no one and resolves to no consent")
    if history is None or not history.consents:
        where = "no case history holds it" if ref is not None else \
            "the case history holds no consent record"
        return False, f"{what}: {where}, so there is no consent"
    if history.case != request.case:
        return False, (f"{what}: the case history given is of another case than the "
                       "request's `case`, so it holds no consent for this person")
    age = history.person.age if history.person is not None else None
    child = is_child(age, on) if adult_age is None else \
        (None if age is None else age < adult_age)
    recipient = request.recipient if isinstance(request.recipient, Recipient) else None
    reasons = []
    for purpose in purposes:
        def ask(minor: bool, purpose: ConsentPurpose = purpose) -> ConsentAnswer:
            return valid_consent(history.consents, purpose, recipient, on, minor=minor,
                                 ids=ids, categories=request.fields,
                                 unlisted=unlisted(request), known=known)

        answer, own = consent_by_age(ask, child)
        if own is not None:
            return False, (f"{what}: {own.records[0]} is the person's own consent "
                           "and person.age is not recorded: the person is not known to be "
                           "an adult, and for a child only a guardian's consent counts")
        if not answer.valid:
            return False, f"{what}: {answer.reason}"
        reasons.append(answer.reason)
    return True, f"{what}: {'; '.join(reasons)}"


def _inline(request: SharingRequest, given: bool | None, purposes: list[str],
            recipients: list[RecipientType],
            needed: Sequence[ConsentPurpose]) -> tuple[bool | None, str]:
    if given is None:
        return None, "the consent block does not say whether consent was given"
    if not given:
        return False, "consent was not given"
    purpose = (request.purpose or "").strip().casefold()
    if not purpose:
        return False, "no purpose is stated, so no consent can cover it"
    stated = {p.strip().casefold() for p in purposes}
    if purpose not in stated:
        return False, "consent does not cover the purpose stated"
    missing = [p.value for p in needed if p is not ConsentPurpose.DATA_SHARING
               and p.value not in stated and p.value != consent_purpose(purpose).value]
    if missing:
        return False, f"the fields asked for need consent for {', '.join(missing)}, and the " \
                      "consent block does not list it among its purposes"
    if request.recipient is None or request.recipient.type not in recipients:
        who = request.recipient.type.value if request.recipient else "an unnamed recipient"
        return False, f"consent does not cover {who} as recipient"
    return True, f"consent given for the purpose stated, to {request.recipient.type.value}"


def derive_facts(request: SharingRequest, catalogue: Catalogue, history: CaseHistory | None,
                 on: dt.date, *, adult_age: int | None = None) -> Derived:
    """The facts of `request` under `catalogue`, consent resolved against `history` on `on`
    with `adult_age` (None: domv-2023's cited one in force on `on`)."""
    classified = catalogue.classify(request.fields, request.granularity, request.data_class)
    consent, reason = resolve_consent(request, history, on, needed_purposes(request, catalogue),
                                      adult_age, catalogue.knows)
    s = request.safeguards
    safeguards = None if s is None else SafeguardFacts(
        data_sharing_agreement=s.data_sharing_agreement,
        risk_benefit_assessment=s.risk_benefit_assessment,
        data_access_request_form=s.data_access_request_form)
    facts = SharingFacts(
        classified=classified or None,
        granularity=request.granularity,
        recipient=request.recipient.type if request.recipient is not None else None,
        case_named=request.case is not None,
        consent=consent,
        safeguards=safeguards,
        urgent=request.urgent,
    )
    return Derived(facts, reason)
