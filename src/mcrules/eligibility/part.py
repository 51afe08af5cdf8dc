"""The `eligibility` part of a case's report: every service's answer, attached to every report
of a case evaluated with a pack that declares services (eligibility-2023, a programme's own).

Eligibility has no subject of its own: it reads the `case` subject, so it registers a part of
that subject rather than a subject."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from mcrules.eligibility.services import SERVICE_TAG, EligibilityReport, eligibility_of
from mcrules.engine.report import Report
from mcrules.models.case import Case
from mcrules.models.envelope import Out, QuestionOut
from mcrules.rules.pack import Pack
from mcrules.subjects import Context, Part, register_part

KEY = "eligibility"


def applies(pack: Pack) -> bool:
    """A pack with a rule tagged `service` declares services."""
    return any(SERVICE_TAG in r.tags for r in pack.rules)


class ServiceOut(Out):
    """One service's answer, with why and what is missing."""

    service: str
    outcome: Literal["eligible", "not_eligible", "unknown"]
    reasons: list[str]
    missing: list[str]


class EligibilityOut(Out):
    """The JSON of the `eligibility` part (docs/eligibility.md)."""

    services: list[ServiceOut]
    next_questions: list[QuestionOut]


@dataclass(frozen=True)
class EligibilityPart:
    """The typed attachment: `eligibility` is the domain object (`services`, `service(id)`)."""

    eligibility: EligibilityReport
    refuses = False  # a service that is not eligible is a failing rule already

    def to_dict(self) -> dict[str, Any]:
        full = self.eligibility.to_dict()
        return {"services": full["services"], "next_questions": full["next_questions"]}

    def legacy(self) -> dict[str, Any]:
        """What `mcrules eligibility --format json` printed before the envelope, key for key."""
        return self.eligibility.to_dict()

    def lines(self) -> list[str]:
        return [f"{s.service}: {s.outcome.replace('_', ' ')}" for s in self.eligibility.services]


def make(report: Report, case: Case, context: Context,
         packs: tuple[Pack, ...]) -> EligibilityPart:
    return EligibilityPart(eligibility_of(report, case, packs, context.as_of,
                                          source=context.source))


register_part(Part("case", KEY, applies, "mcrules.eligibility.part:make",
                   schema="mcrules.eligibility.part:EligibilityOut"))
