"""The JSON envelope every report is written as (`Report.to_dict()`, docs/output.md), described as
pydantic models: the one description `schemas/report.schema.json` is exported from, that tests
validate every command's JSON output against, and that a service can name as its typed response.

These models describe output; nothing builds a report through them, so they cannot slow the
evaluators. Every object allows keys beyond those listed: the JSON report is a public contract
whose fields are added, never removed, within a major version, and the old commands (`assess`,
`share`, ...) print their former keys beside the envelope's. A domain part's model (a case's
`assessment`) is declared by its domain, beside the part, and joined to the envelope by
`mcrules.api.schemas` from the subjects' declarations.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Outcome = Literal["pass", "fail", "not_applicable", "unknown"]
Status = Literal["pass", "fail", "not_applicable", "unknown", "waived"]
Severity = Literal["error", "warning", "info"]
Shown = float | bool | str | None
"""A measured, required or derived value as people read it: a number, true/false, a level's
label or an ISO date; null when unknown."""


class Out(BaseModel):
    """An object of the JSON report: its listed keys typed, any other key allowed."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)


class SubjectRef(Out):
    """Which subject a report is about."""

    kind: str = Field(pattern=r"^[a-z][a-z0-9_]*$",
                      description="The subject's name: site, case, case_history, sharing_request, ...")
    id: str | None = Field(description="The label of the one checked (a site's name, a case's "
                                       "id); null when the subject has none.")
    file: str | None = Field(description="The file it was read from (`<stdin>` for standard "
                                         "input); null for a mapping or a model.")


class PackOut(Out):
    """A pack used, configured how, with the content hash of its rules and numbers."""

    id: str
    version: str
    hash: str
    title: str | None = None
    short_title: str | None = None
    variants: list[str] = Field(default_factory=list)
    overrides: dict[str, str] = Field(default_factory=dict)


class CitationOut(Out):
    """Where a rule, value, decision or reason comes from, with a verbatim quote."""

    document: str
    publisher: str | None = None
    edition: str | None = None
    module: str | None = None
    section: str | None = None
    note: str | None = None
    quote: str | None = None
    verified: bool | None = None


class FixOut(Out):
    """The smallest change along one lever of a rule that flips its failing verdict."""

    text: str
    field: str | None = None
    change: float | str | None = None
    to: Shown = None
    unit: str | None = None


class Explained(Out):
    """What every verdict, value and decision carries to explain itself."""

    missing: list[str] = Field(default_factory=list,
                               description="The inputs that were missing, for an unknown one.")
    message: str = Field(default="", description="One sentence for a person.")
    citation: list[CitationOut] = Field(default_factory=list)


class ResultOut(Explained):
    """One rule's verdict (docs/output.md, "Each result")."""

    rule: str
    title: str
    outcome: Outcome
    severity: Severity
    status: Status = Field(description="The outcome, or `waived` for a failure a waiver covers.")
    measured: Shown = None
    required: Shown = None
    unit: str = ""
    op: str = ""
    margin: float | None = None
    item: str | None = None
    fix: FixOut | None = None
    alternative_fixes: list[FixOut] = Field(default_factory=list)
    pack: str | None = None
    rule_hash: str | None = None
    waiver: dict[str, object] | None = None


class ValueOut(Explained):
    """A named derived output of a pack."""

    value: str
    title: str
    outcome: Literal["known", "unknown"]
    result: Shown | list[str] = None
    type: str = ""
    unit: str = ""
    scale: list[str] = Field(default_factory=list)


class DecisionOut(Explained):
    """A decision table's answer."""

    decision_table: str
    title: str
    outcome: Literal["decided", "unknown", "no_match"]
    decision: str | list[str] | None
    fallback: bool = False
    rows: list[int] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)
    obligations: list[str] = Field(default_factory=list)


class QuestionOut(Out):
    """A missing input and the verdicts some answer to it settles, the most settling first."""

    input: str
    settles: list[str]
    count: int = Field(ge=0)
    question: str | None = Field(default=None, description="The question that asks for the "
                                                            "input, where a pack words one.")


class SummaryOut(Out):
    """Counts of results by status."""

    pass_: int = Field(alias="pass", ge=0)
    fail: int = Field(ge=0)
    not_applicable: int = Field(ge=0)
    unknown: int = Field(ge=0)
    waived: int = Field(ge=0)


class Envelope(Out):
    """The keys every report has, whatever its subject (docs/output.md). A domain part (a case's
    `assessment`, a request's `sharing`) sits under its own key beside them; the report also
    keys what it says about the checked instance by the subject's name (`"site": {...}`)."""

    mcrules_version: str
    subject: SubjectRef
    as_of: dt.date = Field(description="The evaluation date, read from the clock at most once.")
    packs: list[PackOut]
    ruleset_hash: str = Field(description="One hash over every pack's id, version and hash.")
    results: list[ResultOut]
    values: list[ValueOut]
    decisions: list[DecisionOut]
    next_questions: list[QuestionOut]
    summary: SummaryOut
    warnings: list[str]
    waivers: list[dict[str, object]] = Field(default_factory=list)
