"""The `assessment` part of a case's report: the DoMV profile, the risk and the flags, attached
to every report of a case evaluated with a pack that has a factor catalogue (domv-2023 or a
programme's pack built on it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from mcrules.assessment.assess import CaseAssessment, assessment_of
from mcrules.assessment.catalogue import CATALOGUE_FILE
from mcrules.assessment.programme import Programme, programme_of, refuse_unapplied
from mcrules.engine.report import Report
from mcrules.models.case import Case
from mcrules.rules.pack import Pack
from mcrules.subjects import Context

KEY = "assessment"
_KEYS = ("risk", "domv", "flags", "programme")


def applies(pack: Pack) -> bool:
    """A pack with a DoMV factor catalogue is an assessment pack."""
    return pack.path is not None and (pack.path / CATALOGUE_FILE).is_file()


@dataclass(frozen=True)
class AssessmentPart:
    """The typed attachment: `assessment` is the domain object (`risk`, `domv`, `flags`)."""

    assessment: CaseAssessment
    refuses = False

    def to_dict(self) -> dict[str, Any]:
        full = self.assessment.as_dict()
        return {k: full[k] for k in _KEYS}

    def legacy(self) -> dict[str, Any]:
        """What `mcrules assess --format json` printed before the envelope, key for key."""
        return self.assessment.as_dict()

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
