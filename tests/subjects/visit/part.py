"""The `visit` part: the decision, refusing when the visit is refused."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from mcrules.engine.report import Report
from mcrules.models.envelope import Out
from mcrules.rules.pack import Pack
from mcrules.subjects import Context
from tests.subjects.visit.model import VisitRequest


class VisitOut(Out):
    decision: Literal["allow", "refuse"]
    reasons: list[str]


@dataclass(frozen=True)
class VisitPart:
    decision: str
    reasons: tuple[str, ...]

    @property
    def refuses(self) -> bool:
        return self.decision != "allow"

    def to_dict(self) -> dict[str, Any]:
        return {"decision": self.decision, "reasons": list(self.reasons)}

    def lines(self) -> list[str]:
        return [f"visit: {self.decision}"]


def make(report: Report, document: VisitRequest, context: Context,
         packs: tuple[Pack, ...]) -> VisitPart:
    (d,) = [d for d in report.decisions if d.table.id == "visit.decision"]
    return VisitPart(str(d.decision), d.reasons)
