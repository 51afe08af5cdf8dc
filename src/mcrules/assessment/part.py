"""The `assessment` part of a case's report: the DoMV profile, the risk and the flags, attached
to every report of a case evaluated with a pack that has a factor catalogue (domv-2023 or a
programme's pack built on it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from mcrules.assessment.assess import CaseAssessment, assessment_of
from mcrules.assessment.catalogue import CATALOGUE_FILE
from mcrules.assessment.programme import Programme, programme_of, refuse_unapplied
from mcrules.engine.report import Report
from mcrules.models.case import Case
from mcrules.models.envelope import CitationOut, Out
from mcrules.rules.pack import Pack
from mcrules.subjects import Context

KEY = "assessment"
_KEYS = ("risk", "domv", "flags", "programme")


def applies(pack: Pack) -> bool:
    """A pack with a DoMV factor catalogue is an assessment pack."""
    return pack.path is not None and (pack.path / CATALOGUE_FILE).is_file()


class RiskOut(Out):
    """The protection risk: its level on the pack's scale, or unknown and what is missing."""

    outcome: Literal["assessed", "unknown"]
    level: str | None
    score: float | None
    missing: list[str]
    citation: list[CitationOut] = Field(default_factory=list)


class DomvOut(Out):
    """The DoMV profile: the factors at each level, and the levels that drive it."""

    outcome: Literal["assessed", "unknown"]
    levels: dict[str, dict[str, Any]]
    driving_levels: list[str]


class FlagOut(Out):
    """A screening flag and the referral it calls for."""

    id: str
    outcome: Literal["present", "absent", "unknown"]
    referral: str
    missing: list[str] = Field(default_factory=list)


class AssessmentOut(Out):
    """The JSON of the `assessment` part (docs/assessment.md)."""

    risk: RiskOut
    domv: DomvOut
    flags: list[FlagOut]
    programme: dict[str, Any] | None


@dataclass(frozen=True)
class AssessmentPart:
    """The typed attachment: `assessment` is the domain object (`risk`, `domv`, `flags`)."""

    assessment: CaseAssessment
    refuses = False

    def to_dict(self) -> dict[str, Any]:
        full = self.assessment.as_dict()
        return {k: full[k] for k in _KEYS}

    def legacy(self) -> dict[str, Any]:
        """What `mcrules assess --format json` printed before the envelope, key for key, to be
        laid over the envelope. Its `results` are left out: the envelope's carry every key they
        had and add `status`, `pack`, `rule_hash` and `waiver`, which a result must have
        (schemas/report.schema.json), so laying the old ones over them would lose those."""
        return {k: v for k, v in self.assessment.as_dict().items() if k != "results"}

    def lines(self) -> list[str]:
        risk = self.assessment.risk
        out = [f"risk: {risk.level or 'unknown'}"
               + (f" (score {risk.score:g})" if risk.score is not None else "")]
        raised = [f.id for f in self.assessment.flags if f.outcome == "present"]
        if raised:
            out.append("flags: " + ", ".join(raised))
        return out


def make(report: Report, case: Case, context: Context, packs: tuple[Pack, ...]) -> AssessmentPart:
    """The part for the first assessment pack of the context."""
    on: dt.date = context.as_of
    programme = context.extra("programme")
    if programme is not None:
        if not isinstance(programme, Programme):  # given as the file's model, not read
            programme = programme_of(programme)
        refuse_unapplied(programme, packs[0])
    return AssessmentPart(assessment_of(report, case, packs[0], on, source=context.source,
                                        programme=programme))
