"""What a rule may refer to: the flat, typed fields of one subject (a site, a case, a request).

The domain layer derives a Schema from its pydantic model; the rules layer compiles against it, so
an expression naming a field that does not exist, or with the wrong type, is a load error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

FieldKind = Literal["number", "bool", "enum", "set", "text", "ordinal", "date"]


@dataclass(frozen=True)
class FieldSpec:
    """One field: its dotted name, kind, canonical unit and, for enums and sets, the allowed values
    (for an ordinal, its labels from lowest to highest). Dates are held as day numbers."""

    name: str
    kind: FieldKind
    unit: str = "dimensionless"
    integer: bool = False
    choices: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Collection:
    """A list of items inside the subject (the latrines of a site); rules may check each item."""

    name: str
    fields: Mapping[str, FieldSpec]
    label: str = "id"
    description: str = ""


@dataclass(frozen=True)
class Schema:
    """All fields and collections of one subject."""

    subject: str
    fields: Mapping[str, FieldSpec]
    collections: Mapping[str, Collection] = field(default_factory=dict)
