"""Pydantic v2 input models. Quantities are converted to canonical floats when a model is built."""

from mcrules.models.declarations import DefaultWhenSiblingGiven, runs_validators
from mcrules.models.fields import FieldKind, Quantity, Whole, field_kind, field_unit
from mcrules.models.site import (
    Counts,
    PopulationCounts,
    SanitationKind,
    SanitationUnit,
    Service,
    Setting,
    Site,
    Space,
    Staffing,
)

__all__ = [
    "Counts",
    "DefaultWhenSiblingGiven",
    "FieldKind",
    "PopulationCounts",
    "Quantity",
    "SanitationKind",
    "SanitationUnit",
    "Service",
    "Setting",
    "Site",
    "Space",
    "Staffing",
    "Whole",
    "field_kind",
    "field_unit",
    "runs_validators",
]
