"""From a case history to the facts one event is judged on. Nothing here decides: it states what
the history says on the event's day (eligibility verified, consent valid and why, the plan's
elements), and the guard rules of the pack decide.

Only allowed events count as history: a refused registration registered nobody, and a refused
verification verified nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from mcrules.models.casework import (
    CaseAction,
    CaseEvent,
    CaseEventFacts,
    CaseHistory,
    CasePlan,
    CaseState,
    ClosureFacts,
    ClosureReason,
    ConsentFacts,
    EligibilityFacts,
    EligibilityResult,
    PersonFacts,
    PlanFacts,
    PoliceReportFacts,
    ReferralFacts,
    TransferFacts,
    TransferType,
)
from mcrules.models.consent import ConsentPurpose, Recipient
from mcrules.models.consent_query import ConsentAnswer, consent_by_age, valid_consent
from mcrules.subjects.adult_age import is_child as is_child_aged

# An objective is taken as measurable when it carries a number (60 days, 3 visits, 2026-05-01):
# an interpretation of "measurable objectives", which the manual does not define.
_MEASURE = re.compile(r"\d")
# The consent each action needs, when it needs one. A referral's is to the provider named in `to`;
# a report to the police names no recipient: the purpose police_report is the police.
PURPOSE = {CaseAction.REGISTER: ConsentPurpose.REGISTRATION,
           CaseAction.ASSESS: ConsentPurpose.ASSESSMENT,
           CaseAction.TRANSFER: ConsentPurpose.TRANSFER,
           CaseAction.REFER: ConsentPurpose.REFERRAL,
           CaseAction.REPORT_TO_POLICE: ConsentPurpose.POLICE_REPORT}


@dataclass(frozen=True)
class EventFacts:
    """The facts of one event, and the words the pack's texts are filled with."""

    facts: CaseEventFacts
    consent_reason: str
    unmeasurable: tuple[str, ...]


def is_child(history: CaseHistory, on: dt.date) -> bool | None:
    """Under the adult age (domv-2023's cited `adult_age`, in force on `on`: the event's date,
    never the clock's) by `person.age`; None when the age is not recorded."""
    return is_child_aged(history.person.age if history.person is not None else None, on)


def measurable(objective: str) -> bool:
    """Whether an objective carries a number to measure it by (see `_MEASURE`)."""
    return _MEASURE.search(objective) is not None


def event_facts(history: CaseHistory, index: int, state: CaseState, allowed: bool,
                earlier: Sequence[CaseEvent]) -> EventFacts:
    """The facts of `history.events[index]`, judged from `state`; `allowed` says whether the
    transition table allows it and `earlier` are the allowed events before it."""
    event = history.events[index]
    child = is_child(history, event.date)
    valid, assent, reason = _consent(history, event, child)
    plan, unmeasurable = _plan(event.plan) if event.action is CaseAction.PLAN else (PlanFacts(), ())
    transfer, refer = event.action is CaseAction.TRANSFER, event.action is CaseAction.REFER
    facts = CaseEventFacts(
        state=state,
        action=event.action,
        transition_allowed=allowed,
        person=PersonFacts(child=child),
        eligibility=EligibilityFacts(verified=_eligible(earlier, event)),
        consent=ConsentFacts(valid=valid, assent=assent),
        plan=plan,
        transfer=TransferFacts(to=event.to.type if transfer and event.to is not None else None,
                               handover_plan=event.handover_plan),
        referral=ReferralFacts(to=event.to.type if refer and event.to is not None else None),
        police_report=PoliceReportFacts(requested_by_person=event.requested_by_person),
        review_result=event.review,
        closure=ClosureFacts(reason_stated=event.reason is not None,
                             deceased=event.reason is ClosureReason.DECEASED,
                             prepared=event.prepared,
                             unmet_needs_reviewed=event.unmet_needs_reviewed),
    )
    return EventFacts(facts, reason, unmeasurable)


#: The events that hand the person's data to someone outside the office. One that does not list
#: the data it hands over may hand over anything, so a consent scoped to some categories does not
#: cover it (as a data-sharing request that lists no fields): leaving `data_categories` out, or
#: listing none, must not be what lets a transfer or a referral through.
HANDS_OVER = frozenset({CaseAction.TRANSFER, CaseAction.REFER, CaseAction.REPORT_TO_POLICE})


def _eligible(earlier: Sequence[CaseEvent], event: CaseEvent) -> bool:
    """The latest allowed verification on or before the event's day found the person eligible."""
    last = None
    for e in earlier:
        if e.action is CaseAction.VERIFY_ELIGIBILITY and e.date <= event.date:
            last = e.eligibility
    return last is EligibilityResult.ELIGIBLE


def _consent(history: CaseHistory, event: CaseEvent,
             child: bool | None) -> tuple[bool | None, bool | None, str]:
    """Valid consent for what `event` needs on its day, whether assent goes with it, and why.
    When the age is not recorded and only the person's own consent holds, it cannot be told."""
    purpose = PURPOSE.get(event.action)
    if purpose is None or (event.to is not None and event.to.type is TransferType.INTERNAL_OFFICE):
        return None, None, ""
    recipient = None
    if event.to is not None:
        kind = event.to.type.recipient_type
        recipient = Recipient(type=kind, name=event.to.name) if kind is not None else None

    records = history.consents
    if purpose is ConsentPurpose.POLICE_REPORT:
        # The purpose names the recipient, the police: a record's recipient narrows nothing, so
        # a refusal that names a police force still takes back an earlier consent.
        records = [r.model_copy(update={"recipient": None})
                   if r.purpose is ConsentPurpose.POLICE_REPORT else r for r in records]

    def ask(minor: bool) -> ConsentAnswer:
        return valid_consent(records, purpose, recipient, event.date, minor=minor,
                             ids=event.consent, categories=event.data_categories or (),
                             unlisted=event.action in HANDS_OVER and not event.data_categories)

    answer, own = consent_by_age(ask, child)
    if own is not None:
        return None, None, (f"{own.records[0]} is the person's own consent and the age is not "
                            "recorded: for a child only a guardian's consent counts")
    if child is None and not answer.valid:
        return False, False, answer.reason
    return answer.valid, bool(answer.assents), answer.reason


def _plan(plan: CasePlan | None) -> tuple[PlanFacts, tuple[str, ...]]:
    """What the plan states, element by element; no plan states nothing."""
    if plan is None:
        return PlanFacts(), ()
    unmeasurable = tuple(o for o in plan.objectives if not measurable(o))
    facts = PlanFacts(
        objectives=len(plan.objectives),
        unmeasurable_objectives=len(unmeasurable),
        actions=len(plan.actions),
        actions_without_responsible=sum(a.responsible is None for a in plan.actions),
        actions_without_due=sum(a.due is None for a in plan.actions),
        monitoring=plan.monitoring is not None,
        feedback=plan.feedback is not None,
        data_protection=plan.data_protection is not None,
        information_sharing=plan.information_sharing is not None,
        beneficiary_participation=plan.beneficiary_participation is True,
    )
    return facts, unmeasurable
