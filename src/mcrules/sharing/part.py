"""The `sharing` part of a data-sharing request's report: the decision first, then why, what must
be done and what may be offered instead (`decide_sharing`), attached to every report of a
request evaluated with a pack that has the decision table. The report refuses when the records
asked for are not shared (`deny`, `aggregate_only`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from mcrules.engine.report import Report
from mcrules.models.envelope import CitationOut, Out
from mcrules.models.sharing import SharingRequest
from mcrules.rules.pack import Pack
from mcrules.sharing.decide import DECISION_TABLE, SharingDecision, decide_sharing
from mcrules.subjects import Context

KEY = "sharing"
REFUSALS = ("deny", "aggregate_only")


def applies(pack: Pack) -> bool:
    """A pack with the sharing decision table decides requests."""
    return any(t.id == DECISION_TABLE for t in pack.decisions)


class ReasonOut(Out):
    """One reason for the decision, with the citations it rests on."""

    text: str
    citation: list[CitationOut]


class SharingOut(Out):
    """The JSON of the `sharing` part (docs/sharing.md): the decision first."""

    decision: Literal["permit", "permit_with_obligations", "aggregate_only", "deny"]
    reasons: list[ReasonOut]
    obligations: list[str]
    alternatives: list[str]
    would_change: list[str]
    data_class: str | None
    fallback: bool
    missing: list[str]


@dataclass(frozen=True)
class SharingPart:
    """The typed attachment: `decision` is the domain object (`decision`, `reasons`, ...);
    `request` the request it decides, which a decision record fingerprints (`decision_record`)."""

    decision: SharingDecision
    request: SharingRequest | None = field(default=None, compare=False)

    @property
    def refuses(self) -> bool:
        """The records asked for are not shared."""
        return self.decision.decision in REFUSALS

    def to_dict(self) -> dict[str, Any]:
        return self.decision.as_dict()

    def legacy(self) -> dict[str, Any]:
        """What `mcrules share --format json` printed before the envelope, key for key."""
        return self.decision.as_dict()

    def lines(self) -> list[str]:
        d = self.decision
        return [f"decision: {d.decision}", *(r.text for r in d.reasons)]


def make(report: Report, request: SharingRequest, context: Context,
         packs: tuple[Pack, ...]) -> SharingPart:
    """The decision of the first pack with the decision table, on the context's date, consent
    resolved against the context's `history`."""
    return SharingPart(decide_sharing(request, pack=packs[0], history=context.extra("history"),
                                      as_of=context.as_of, adult_age=context.adult_age()),
                       request)
