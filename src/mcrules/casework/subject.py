"""The case_event subject: one event of a case history, as the guard rules of `casework-2023`
read it (the state before it, its action, the facts the history gives on its day)."""

from __future__ import annotations

from mcrules.models.casework import CaseEventFacts
from mcrules.subjects import Subject, register

DEFAULT_PACK = "casework-2023"

CASE_EVENT: Subject[CaseEventFacts] = Subject(
    name="case_event",
    model=CaseEventFacts,
    default_pack=DEFAULT_PACK,
    description="One case-management event: the state before it, its action, eligibility, "
    "consent, the case plan's elements, the transfer and the closure.",
    label_field="",
)
register(CASE_EVENT)
