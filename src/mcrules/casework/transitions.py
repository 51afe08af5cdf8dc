"""The case-management state machine as data: which action may follow which state, and where it
leads. Guards (is eligibility verified, is there consent) are pack rules, not here.

The six steps in order, with the loops the manual allows ("not a linear process"): a review that
finds adjustments are needed sends the case back to case planning, a review that keeps the plan
leaves it in follow-up, from where implementation resumes. Eligibility may be verified again at
any open step. A case may be closed at any step after identification, withdrawn from at any open
state ("they can withdraw at any time"), and transferred (to another office or a partner) from
assessment on. Closed and transferred are terminal.

A referral to a service provider and a report to the police are steps inside the case, not moves
between steps: from identification on, at any open step, they leave the case where it is. The
manual's response cards have staff ask what help a survivor needs, and contact a provider or the
police with her consent, at first contact, before any registration; plan implementation refers
("through direct support by IOM or through referrals"). An ended case refers no one: the office
or partner that took it over does. Their guards (consent, the person's request) are pack rules.
"""

from __future__ import annotations

from collections.abc import Mapping

from mcrules.models.casework import (
    CaseAction,
    CaseEvent,
    CaseState,
    ReviewResult,
    TransferType,
)

S, A = CaseState, CaseAction
TERMINAL = frozenset({S.CLOSED, S.TRANSFERRED_INTERNAL, S.TRANSFERRED_PARTNER})
OPEN = tuple(s for s in S if s not in TERMINAL)

# state -> action -> the next state, or a mapping keyed by the event's branch (review result,
# internal or partner transfer).
Next = CaseState | Mapping[str, CaseState]
_TRANSFER: Mapping[str, CaseState] = {"internal": S.TRANSFERRED_INTERNAL,
                                      "partner": S.TRANSFERRED_PARTNER}
_REVIEW: Mapping[str, CaseState] = {ReviewResult.CONTINUE.value: S.FOLLOW_UP_REVIEW,
                                    ReviewResult.ADJUST.value: S.CASE_PLANNING}


def _open_steps(state: CaseState) -> dict[CaseAction, Next]:
    """What every open state after `new` allows besides its own steps."""
    return {A.VERIFY_ELIGIBILITY: state, A.REFER: state, A.REPORT_TO_POLICE: state,
            A.CLOSE: S.CLOSED, A.WITHDRAW: S.CLOSED}


TABLE: Mapping[CaseState, Mapping[CaseAction, Next]] = {
    S.NEW: {A.IDENTIFY: S.IDENTIFICATION, A.WITHDRAW: S.CLOSED},
    S.IDENTIFICATION: {A.REGISTER: S.REGISTRATION, **_open_steps(S.IDENTIFICATION)},
    S.REGISTRATION: {A.ASSESS: S.ASSESSMENT, **_open_steps(S.REGISTRATION)},
    S.ASSESSMENT: {A.PLAN: S.CASE_PLANNING, A.TRANSFER: _TRANSFER,
                   **_open_steps(S.ASSESSMENT)},
    S.CASE_PLANNING: {A.PLAN: S.CASE_PLANNING, A.IMPLEMENT: S.IMPLEMENTATION,
                      A.TRANSFER: _TRANSFER, **_open_steps(S.CASE_PLANNING)},
    S.IMPLEMENTATION: {A.REVIEW: _REVIEW, A.TRANSFER: _TRANSFER,
                       **_open_steps(S.IMPLEMENTATION)},
    S.FOLLOW_UP_REVIEW: {A.REVIEW: _REVIEW, A.IMPLEMENT: S.IMPLEMENTATION,
                         A.TRANSFER: _TRANSFER, **_open_steps(S.FOLLOW_UP_REVIEW)},
    S.CLOSED: {},
    S.TRANSFERRED_INTERNAL: {},
    S.TRANSFERRED_PARTNER: {},
}


def allowed_actions(state: CaseState) -> tuple[CaseAction, ...]:
    """The actions the table allows from `state`, in the order of the steps."""
    return tuple(a for a in A if a in TABLE[state])


def branch(event: CaseEvent) -> str | None:
    """Which way a branching action goes: the review's result, internal or partner transfer."""
    if event.action is A.REVIEW:
        return event.result
    if event.action is A.TRANSFER and event.to is not None:
        return "internal" if event.to.type is TransferType.INTERNAL_OFFICE else "partner"
    return None


def next_state(state: CaseState, event: CaseEvent) -> CaseState | None:
    """The state after `event` from `state`, or None when the table does not allow it."""
    target = TABLE[state].get(event.action)
    if target is None or isinstance(target, CaseState):
        return target
    key = branch(event)
    return target.get(key) if key is not None else None
