"""Case management: the six steps as a state machine whose guards are pack rules (`casework-2023`),
judged event by event over a case history with its consent records.

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
from mcrules.casework.subject import CASE_EVENT
from mcrules.casework.transitions import TABLE, allowed_actions, next_state

__all__ = [
    "CASE_EVENT",
    "TABLE",
    "TRANSITION_GUARD",
    "CaseworkReport",
    "EventOutcome",
    "NoGuardPacksError",
    "Violation",
    "allowed_actions",
    "check_history",
    "guard_packs",
    "load_casework_pack",
    "next_state",
]
