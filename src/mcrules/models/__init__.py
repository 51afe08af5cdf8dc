"""Pydantic v2 input models. Quantities are converted to canonical floats when a model is built."""

from mcrules.models.fields import Quantity, field_unit
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
    "PopulationCounts",
    "Quantity",
    "SanitationKind",
    "SanitationUnit",
    "Service",
    "Setting",
    "Site",
    "Space",
    "Staffing",
    "field_unit",
]
