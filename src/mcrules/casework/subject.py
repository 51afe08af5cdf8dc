"""The case_event subject: one event of a case history, as the guard rules of `casework-2023`
read it (the state before it, its action, the facts the history gives on its day); and the
case_history subject, the whole history, walked event by event."""

from __future__ import annotations

from mcrules.models.casework import CaseEventFacts, CaseHistory
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

CASE_HISTORY: Subject[CaseHistory] = Subject(
    name="case_history",
    model=CaseHistory,
    default_pack=DEFAULT_PACK,
    description="A case's history: the person, the consent records and every case-management "
    "event in order, each judged by the guards about a `case_event`.",
    label_field="case",
    facts_model=CaseEventFacts,
    pack_subject=CASE_EVENT.name,
    strict_keys=True,
    checker="mcrules.casework.part:check_document",
    attaches={"casework": "mcrules.casework.part:CaseworkOut"},
)
register(CASE_HISTORY)
