"""The staff_action subject and its one question: is what a staff member proposes, when a
protection incident is disclosed to them, SAFE or UNSAFE by the response cards of Facilitator
Note 2.1.1 (`incident-response-2023`)? The verdict and the manual's guidance are the pack's
decision table and rules; this module only declares the subject and gathers the answer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcrules.engine.check import check_facts
from mcrules.engine.outcomes import Outcome
from mcrules.engine.report import Report
from mcrules.errors import McrulesError
from mcrules.models.staff_action import StaffAction
from mcrules.rules.ir import Severity
from mcrules.rules.pack import Pack
from mcrules.subjects import Context, Part, Subject, load_subject_pack, register, register_part

INCIDENT_PACK = "incident-response-2023"
RESPONSE_TABLE = "incident.response.card"

STAFF_ACTION: Subject[StaffAction] = Subject(
    name="staff_action",
    model=StaffAction,
    default_pack=INCIDENT_PACK,
    description="What a staff member proposes when a protection incident is disclosed to them "
    "(a response card of Facilitator Note 2.1.1) and the facts it depends on: the person's "
    "request, their consent.",
    label_field="",
    strict_keys=True,  # as `casework respond` reads it: a misspelt fact is an error
)
register(STAFF_ACTION)


def load_incident_pack(ref: str | Path = INCIDENT_PACK, *, variants: Iterable[str] = (),
                       parameters: Mapping[str, str | float] | None = None,
                       as_of: dt.date | None = None) -> Pack:
    """A pack deciding staff actions (default incident-response-2023), configured; McrulesError
    when it has no response table to read the verdict from."""
    pack = load_subject_pack(ref, (STAFF_ACTION,), variants=variants, parameters=parameters,
                             as_of=as_of)
    if not any(d.id == RESPONSE_TABLE for d in pack.decisions):
        raise McrulesError(f"pack {pack.id} has no decision table {RESPONSE_TABLE}: it is not "
                           "an incident-response pack")
    return pack


@dataclass(frozen=True)
class ResponseVerdict:
    """The answer for one proposed action. `verdict` is the cards' safe or unsafe (unsafe while a
    fact it hangs on is unknown, `missing` naming it); `reasons` are the manual's guidance and
    `obligations` what to do instead; `refused_by` are the error rules that do not pass and
    `notes` the others. `report` holds every result with its citations."""

    action: str | None
    verdict: str
    reasons: tuple[str, ...]
    obligations: tuple[str, ...]
    missing: tuple[str, ...]
    refused_by: tuple[str, ...]
    notes: tuple[str, ...]
    report: Report

    @property
    def safe(self) -> bool:
        """SAFE by the cards and refused by no error rule."""
        return self.verdict == "safe" and not self.refused_by

    def to_dict(self) -> dict[str, Any]:
        table = next(d for d in self.report.decisions if d.table.id == RESPONSE_TABLE)
        # The card the verdict rests on first, then the sources of the rules that refuse or note
        # it (all there is when the table fell back on an unknown), then the note that
        # introduces the cards.
        cards = [c for c in table.citations if c not in table.table.citations]
        flagged = set(self.refused_by) | set(self.notes)
        rules = [c for r in self.report.results if r.rule.id in flagged for c in r.rule.citations]
        ordered = dict.fromkeys([*cards, *rules, *table.table.citations])
        return {"action": self.action, "verdict": self.verdict, "safe": self.safe,
                "reasons": list(self.reasons), "obligations": list(self.obligations),
                "missing": list(self.missing), "refused_by": list(self.refused_by),
                "notes": list(self.notes),
                "citations": [c.as_dict() for c in ordered],
                "packs": [p.as_dict() for p in self.report.packs]}


def judge_staff_action(action: StaffAction, pack: Pack | None = None, *,
                       as_of: dt.date | None = None) -> ResponseVerdict:
    """Whether `action` is SAFE by the response cards of `pack` (default
    incident-response-2023), with the manual's guidance as the reason."""
    chosen = pack if pack is not None else load_incident_pack()
    report = check_facts(STAFF_ACTION.facts(action), [chosen], subject_name=STAFF_ACTION.name,
                         about=STAFF_ACTION.about(action), as_of=as_of, questions=False)
    return response_of(report, action)


def response_of(report: Report, action: StaffAction) -> ResponseVerdict:
    """The verdict on `action` from a report that evaluated an incident-response pack on it."""
    table = next(d for d in report.decisions if d.table.id == RESPONSE_TABLE)
    decision = table.decision if isinstance(table.decision, str) else None
    # No decision (a table that fails open, no row) is unsafe: only a SAFE row makes it safe.
    verdict = decision if decision == "safe" and not table.fallback else "unsafe"
    not_passed = [r for r in report.results
                  if r.outcome not in (Outcome.PASS, Outcome.NOT_APPLICABLE)]
    return ResponseVerdict(
        action=action.action.value if action.action is not None else None,
        verdict=verdict, reasons=table.reasons, obligations=table.obligations,
        missing=table.missing,
        refused_by=tuple(r.rule.id for r in not_passed if r.rule.severity is Severity.ERROR),
        notes=tuple(r.rule.id for r in not_passed if r.rule.severity is not Severity.ERROR),
        report=report)


def _responds(pack: Pack) -> bool:
    return any(d.id == RESPONSE_TABLE for d in pack.decisions)


@dataclass(frozen=True)
class ResponsePart:
    """The `response` part of a staff action's report: SAFE or UNSAFE by the cards, why, and
    what to do instead. The report refuses when the action is not safe."""

    response: ResponseVerdict

    @property
    def refuses(self) -> bool:
        return not self.response.safe

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.response.to_dict().items() if k != "packs"}

    def legacy(self) -> dict[str, Any]:
        """What `mcrules casework respond --format json` printed before the envelope."""
        return self.response.to_dict()

    def lines(self) -> list[str]:
        r = self.response
        return [f"{r.action or 'the action'}: {'SAFE' if r.safe else 'UNSAFE'}", *r.reasons]


def make_response(report: Report, action: StaffAction, context: Context,
                  packs: tuple[Pack, ...]) -> ResponsePart:
    """The response part, read from the report the one API made."""
    return ResponsePart(response_of(report, action))


register_part(Part(STAFF_ACTION.name, "response", _responds,
                   "mcrules.casework.staff_action:make_response"))
