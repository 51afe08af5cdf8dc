"""The service's response bodies as pydantic models, for its OpenAPI document: the JSON envelope
of `Report.to_dict()` typed per subject (its subject key and domain parts named), the error
object of `api.errors`, and the listings. They describe what the routes return; the routes
send `to_dict()` itself, so a response is the CLI's JSON key for key, never a re-serialised copy.

Every model allows keys it does not name (`extra="allow"`): a newer mcrules may add a key to the
envelope, and a client validating against this document must not break on it.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from mcrules.subjects import Subject, parts_of


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Problem(_Open):
    path: str | None = Field(description="The field at fault (`toilets.female`), null when "
                             "the error is about no one field.")
    line: int | None = Field(description="The line in the document, null when unknown.")
    message: str


class ErrorDetail(_Open):
    code: int = Field(description="The CLI's exit code for the same error: 2 invalid input, "
                      "3 internal error.")
    problems: list[Problem]


class ErrorResponse(_Open):
    """Every error of every route: `{"error": {"code", "problems"}}`."""

    error: ErrorDetail


class SubjectRef(_Open):
    kind: str
    id: str | None
    file: str | None


class PackUsed(_Open):
    id: str
    title: str
    short_title: str
    version: str
    hash: str
    variants: list[str]
    overrides: dict[str, str]


class Citation(_Open):
    document: str
    publisher: str
    edition: str
    module: str
    section: str
    note: str
    quote: str
    verified: bool


class Fix(_Open):
    text: str
    field: str | None
    change: float | None
    to: float | None
    unit: str


Status = Literal["pass", "fail", "not_applicable", "unknown", "waived"]


class ResultItem(_Open):
    rule: str
    title: str
    outcome: Literal["pass", "fail", "not_applicable", "unknown"]
    severity: Literal["error", "warning", "info"]
    measured: Any = Field(description="A number, a level's label, a date, yes/no, or null.")
    required: Any
    unit: str
    op: str
    margin: float | None
    item: str | None
    missing: list[str]
    message: str
    fix: Fix | None
    alternative_fixes: list[Fix]
    citation: list[Citation]
    pack: str | None
    rule_hash: str | None
    status: Status
    waiver: dict[str, Any] | None


class Summary(_Open):
    pass_: int = Field(alias="pass")
    fail: int
    not_applicable: int
    unknown: int
    waived: int


class ValueItem(_Open):
    value: str
    title: str
    outcome: Literal["known", "unknown"]
    result: Any
    type: str
    unit: str
    scale: list[str]
    missing: list[str]
    message: str
    citation: list[Citation]


class DecisionItem(_Open):
    decision_table: str
    title: str
    outcome: str
    decision: str | list[str] | None
    fallback: bool
    rows: list[int]
    reasons: list[str]
    obligations: list[str]
    missing: list[str]
    message: str
    citation: list[Citation]


class Question(_Open):
    input: str
    settles: list[str]
    count: int


class Envelope(_Open):
    """The JSON envelope of docs/output.md, the same for every subject."""

    mcrules_version: str
    subject: SubjectRef
    packs: list[PackUsed]
    ruleset_hash: str
    results: list[ResultItem]
    summary: Summary
    waivers: list[dict[str, Any]]
    warnings: list[str]
    as_of: str | None
    values: list[ValueItem]
    decisions: list[DecisionItem]
    next_questions: list[Question]
    by_pack: list[dict[str, Any]] | None = Field(
        default=None, description="With more than one pack: each pack's results and summary.")
    comparison: list[dict[str, Any]] | None = Field(
        default=None, description="With more than one pack: each requirement's verdicts side "
        "by side.")


@cache
def envelope_of(subject: Subject[Any]) -> type[Envelope]:
    """The envelope of `subject`'s reports: its own key (what the report says of the document)
    and each domain part that may be attached to it, named."""
    fields: dict[str, Any] = {
        subject.name: (dict[str, Any], Field(description=f"The {subject.noun} checked: "
                                             "its name or id and the file it came from.")),
    }
    for part in parts_of(subject.name):
        fields[part.key] = (dict[str, Any] | None, Field(
            default=None, description=f"The {part.key} part, when a pack it reads was given."))
    name = "".join(w.capitalize() for w in subject.name.split("_")) + "Report"
    model: type[Envelope] = create_model(name, __base__=Envelope, **fields)
    model.__doc__ = f"The report on one {subject.noun}: {subject.description}"
    return model


class SubjectInfo(_Open):
    name: str
    description: str
    default_pack: str
    schema_url: str = Field(description="Where its document's JSON Schema is served.")
    check_url: str = Field(description="Where a document is checked (POST).")


class PackInfo(_Open):
    id: str
    version: str
    hash: str
    title: str
    effective_from: str | None
    effective_to: str | None
    subjects: list[str]


class Health(_Open):
    status: Literal["ok"]
    mcrules_version: str
    packs: int


class Declaration(_Open):
    """A rule, value or decision table as `mcrules rules show` describes it (`kind` says which;
    the keys past these depend on it: see docs/service.md)."""

    kind: Literal["rule", "value", "decision"]
    pack: str
    pack_version: str
    id: str
    title: str
    description: str
    citations: list[dict[str, Any]]
    defined_at: str
