"""Case management: the six steps as a state machine whose guards are pack rules (`casework-2023`),
judged event by event over a case history with its consent records; and the safe response of
staff to a disclosed protection incident (`incident-response-2023`, the staff_action subject).

The transition table is data (`transitions`); what the history says on an event's day is derived
(`derive`); whether the event may happen is for the pack's rules to say (`check`).
"""

from mcrules.casework.check import (
    TRANSITION_GUARD,
    CaseworkReport,
    EventOutcome,
    NoGuardPacksError,
    Violation,
    check_history,
    guard_packs,
    load_casework_pack,
)
from mcrules.casework.staff_action import (
    STAFF_ACTION,
    ResponseVerdict,
    judge_staff_action,
    load_incident_pack,
)
from mcrules.casework.subject import CASE_EVENT
from mcrules.casework.transitions import TABLE, allowed_actions, next_state

__all__ = [
    "CASE_EVENT",
    "STAFF_ACTION",
    "TABLE",
    "TRANSITION_GUARD",
    "CaseworkReport",
    "EventOutcome",
    "NoGuardPacksError",
    "ResponseVerdict",
    "Violation",
    "allowed_actions",
    "check_history",
    "guard_packs",
    "judge_staff_action",
    "load_casework_pack",
    "load_incident_pack",
    "next_state",
]
