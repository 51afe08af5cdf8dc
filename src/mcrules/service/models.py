"""The service's own response bodies as pydantic models, for its OpenAPI document: the error
object of `api.errors` and the listings. The envelope of `Report.to_dict()` is typed per subject
by `mcrules.api.schemas.envelope_model`, the models `schemas/report.schema.json` is made from.
They describe what the routes return; the routes send `to_dict()` itself, so a response is the
CLI's JSON key for key, never a re-serialised copy.

Every model allows keys it does not name (`extra="allow"`): a newer mcrules may add a key to the
envelope, and a client validating against this document must not break on it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


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
