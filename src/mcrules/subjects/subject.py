"""What a subject is: a kind of thing rules are about, declared once by its name and model.

Everything generic (reading files, YAML cases, bulk, Dask, reports) reads this declaration instead
of naming a model, so adding a subject never edits io, testing or bulk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from mcrules.facts import facts_of, schema_for
from mcrules.rules.schema import Schema

M = TypeVar("M", bound=BaseModel)
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


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

    def schema(self) -> Schema:
        """The fields and collections rules about this subject may refer to."""
        return schema_for(self.model, self.name)

    def facts(self, obj: M) -> dict[str, Any]:
        """A validated instance as the flat facts the evaluators read."""
        return facts_of(obj, self.name)

    @property
    def columnar(self) -> bool:
        """Whether a row of the model is the facts themselves, so bulk can convert a table of
        them column by column. A subject that derives its facts (overrides `facts`: a sharing
        request, whose fields are classified and consent resolved) cannot: bulk would read the
        request as if it were the facts. Found from the class, so no subject can forget it."""
        return type(self).facts is Subject.facts

    def label(self, obj: M) -> str | None:
        """The display name of one instance, None when it has none."""
        if not self.label_field:
            return None
        value = getattr(obj, self.label_field, None)
        return None if value is None else str(value)

    def about(self, obj: M, source: str | None = None) -> dict[str, Any]:
        """What a report says about the instance it checked: its name and the file it came from."""
        return {"name": self.label(obj), "file": source}
