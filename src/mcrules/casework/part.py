"""The case-history subject's report: every event judged by the guards, as the `casework` part of
one Report. A history is walked event by event (each on its own date, from the state the earlier
allowed events reached), so its verdicts are per event, in the part; the report refuses when an
event is refused."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from mcrules.casework.check import CaseworkReport, check_history
from mcrules.engine.report import Report
from mcrules.models.casework import CaseHistory, CaseState
from mcrules.models.envelope import CitationOut, Out
from mcrules.subjects import Context

KEY = "casework"


class ViolationOut(Out):
    """A guard that refused an event (or, among `notes`, one that only warns)."""

    event: int = Field(ge=0, description="The event's 0-based index in the history.")
    action: str
    guard: str
    reason: str
    citations: list[CitationOut]


class EventOut(Out):
    """One event: allowed or refused, and the states around it."""

    event: int = Field(ge=0)
    date: dt.date
    action: str
    allowed: bool
    state_before: CaseState
    state_after: CaseState
    violations: list[ViolationOut]


class CaseworkOut(Out):
    """The JSON of the `casework` part (docs/casework.md)."""

    case: str
    state: CaseState = Field(description="The state after the last allowed event.")
    valid: bool
    violations: list[ViolationOut]
    events: list[EventOut]
    notes: list[ViolationOut] = Field(default_factory=list)


@dataclass(frozen=True)
class CaseworkPart:
    """The typed attachment: `casework` is the domain object (`state`, `valid`, `violations`,
    `events`)."""

    casework: CaseworkReport

    @property
    def refuses(self) -> bool:
        """An event was refused: the history breaks a guard."""
        return not self.casework.valid

    def to_dict(self) -> dict[str, Any]:
        full = self.casework.to_dict()
        return {k: v for k, v in full.items() if k != "packs"}

    def legacy(self) -> dict[str, Any]:
        """What `mcrules casework check --format json` printed before the envelope."""
        return self.casework.to_dict()

    def lines(self) -> list[str]:
        cw = self.casework
        head = f"case {cw.case}: {'valid' if cw.valid else 'refused'}, state {cw.state}"
        return [head, *(v.reason for v in cw.violations)]


def check_document(history: CaseHistory, context: Context) -> Report:
    """The case-history subject's checker: `check_history` with the context's guard packs."""
    cw = check_history(history, context.packs)
    return Report({"id": history.case, "file": context.source}, cw.packs, (),
                  context.warnings, subject_name="case_history", as_of=context.as_of,
                  attachments={KEY: CaseworkPart(cw)})
