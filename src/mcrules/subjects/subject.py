"""What a subject is: a kind of thing rules are about, declared once.

A subject is a two-stage contract: the document model users write (`model`) and the facts model
rules read (`facts_model`, the document itself by default), joined by `derive(document, context)`.
Everything generic (`mcrules.evaluate`, `mcrules check`, reading files, YAML cases, bulk, diff,
Dask, reports) reads this declaration instead of naming a model, so adding a subject is its own
files and one registry line (docs/architecture.md, "Adding a subject").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from mcrules.facts import facts_of, schema_for
from mcrules.rules.schema import Schema
from mcrules.subjects.context import Context

M = TypeVar("M", bound=BaseModel)
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Read(Generic[M]):
    """A document as read from a file or a mapping: the validated model, the companion documents
    the file carried (a site file's layout), and the warnings (unknown keys)."""

    document: M
    extras: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Extra:
    """A companion document a subject may be evaluated with (a sharing request's case history,
    a site's waivers): its name (the `extras` key, the CLI's `--with NAME=FILE`), what it is, and
    the model it is validated against (unknown keys are errors when `strict`), read and checked
    like the subject's own file."""

    name: str
    description: str
    model: type[BaseModel]
    strict: bool = True
    reader: str = ""
    """"module:function" taking `(document, source)` when a parsed document needs more than its
    model to be read (a waiver file remembers each field's line); empty: the model alone."""

    @property
    def noun(self) -> str:
        """The name as words, for messages ("invalid case history file")."""
        return self.name.replace("_", " ")


@dataclass(frozen=True)
class Subject(Generic[M]):
    """One subject: `name` is how rule files (`subject: site`), YAML cases (`site: {...}`) and JSON
    reports refer to it; `label_field` is the model field that names one instance in reports
    (the bulk `name` column, a report's `name`), or "" when it has none."""

    name: str
    model: type[M]
    default_pack: str
    description: str
    label_field: str = "name"
    facts_model: type[BaseModel] | None = None
    """The model rules read when it is not the document (`derive` makes it); None: the document."""
    pack_subject: str = ""
    """The subject the packs' rules are about when it is another (a case history is judged by
    guards about each `case_event`); empty: this one."""
    as_of_field: str = ""
    """A date field of the document that is the evaluation date when none is given (a case's
    `assessed_on`); empty: the API's clock, read once."""
    extras: tuple[Extra, ...] = ()
    strict_keys: bool = False
    """Unknown keys in the document are always errors, not only under `strict` (a case history:
    a typo must not drop a fact a guard reads)."""
    reader: str = ""
    """"module:function" validating a parsed document, `(data, *, strict, source, path) ->
    Read`, when the subject's file carries more than its model (a site file's layout); empty:
    the model alone. A name, not a callable, so a domain declares it without importing io."""
    checker: str = ""
    """"module:function" evaluating one document, `(document, context) -> Report`, when the
    domain does more than evaluate the packs on the derived facts (a site's layout and waivers,
    a case history walked event by event); empty: the packs' rules, values and decisions."""
    attaches: Mapping[str, str] = field(default_factory=dict, compare=False)
    """The parts the `checker` attaches itself (a site's `layout`, a history's `casework`): key
    to the "module:Model" describing its JSON, so the report's JSON Schema types it. Parts other
    domains attach declare their model on their `Part`."""
    schema_extra: Mapping[str, Any] = field(default_factory=dict, compare=False)
    """JSON Schema properties of keys the subject's file carries beside its model, read by its
    `reader` (a site file's layout keys), merged into the file's exported schema."""

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"a subject name must be lower_snake_case, got {self.name!r}")
        if self.label_field and self.label_field not in self.model.model_fields:
            raise ValueError(f"subject {self.name}: {self.model.__name__} has no field "
                             f"{self.label_field!r} to name one {self.noun} by")

    @property
    def noun(self) -> str:
        """The name as words, for messages ("invalid site file")."""
        return self.name.replace("_", " ")

    @property
    def rules_subject(self) -> str:
        """The subject the packs' rule files name (`subject:`)."""
        return self.pack_subject or self.name

    def schema(self) -> Schema:
        """The fields and collections rules about this subject may refer to: the facts model's."""
        return schema_for(self.facts_model or self.model, self.name)

    def derive(self, document: M, context: Context) -> BaseModel:
        """The facts model of `document` in `context`: the document itself unless the subject
        derives its facts (a sharing request's fields are classified and its consent resolved
        against the history, on the context's date, by the context's packs)."""
        return document

    def facts(self, obj: M, context: Context | None = None) -> dict[str, Any]:
        """A validated document as the flat facts the evaluators read, derived in `context`
        (needed by a subject that derives its facts: `derived` says which)."""
        if self.derived:
            if context is None:
                raise TypeError(f"subject {self.name} derives its facts: pass a Context")
            return facts_of(self.derive(obj, context), self.name)
        return facts_of(obj, self.name)

    @property
    def derived(self) -> bool:
        """Whether the facts are derived from the document rather than being it. Found from the
        class and the declaration, so no subject can forget it."""
        return type(self).derive is not Subject.derive or self.facts_model is not None

    @property
    def columnar(self) -> bool:
        """Whether a row of the model is the facts themselves, so bulk can convert a table of
        them column by column; a derived subject is converted row by row through `derive`."""
        return not self.derived

    def label(self, obj: M) -> str | None:
        """The display name of one instance, None when it has none."""
        if not self.label_field:
            return None
        value = getattr(obj, self.label_field, None)
        return None if value is None else str(value)

    def about(self, obj: M, source: str | None = None) -> dict[str, Any]:
        """What a report says about the instance it checked: its name and the file it came from."""
        return {"name": self.label(obj), "file": source}

    def ref(self, obj: M, source: str | None = None) -> dict[str, Any]:
        """The envelope's `subject`: which kind, which one (its label, None when it has none),
        and the file it came from."""
        return {"kind": self.name, "id": self.label(obj), "file": source}

    def default_as_of(self, obj: M) -> Any:
        """The evaluation date the document itself gives (`as_of_field`), None when it gives none."""
        return getattr(obj, self.as_of_field, None) if self.as_of_field else None

    def extra(self, name: str) -> Extra:
        """The companion document `name`; KeyError listing the ones this subject takes."""
        for e in self.extras:
            if e.name == name:
                return e
        known = ", ".join(e.name for e in self.extras) or "none"
        raise KeyError(f"subject {self.name} takes no {name!r} (it takes: {known})")
