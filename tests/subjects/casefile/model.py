"""A small case file that exists only in the test suite: it exercises every construct of the
rule grammar (ordinals, dates, aggregates, values, outcome references, decision tables)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from mcrules.models.fields import Quantity, Whole
from mcrules.models.ordinal import OrdinalEnum

Days = Annotated[float, Quantity("day", examples=["3 week", 21])]
Years = Annotated[int, Whole("year")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    runs_validators: ClassVar[bool] = False  # no validators: bulk converts with numpy


class Severity(OrdinalEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    VERY_HIGH = "very_high"


class Strength(OrdinalEnum):
    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Stage(StrEnum):
    ORIGIN = "origin"
    TRANSIT = "transit"
    DESTINATION = "destination"


class Need(StrEnum):
    MEDICAL = "medical"
    LEGAL = "legal"
    SHELTER = "shelter"


class Threat(_Strict):
    id: str = Field(min_length=1)
    severity: Severity | None = None
    since: dt.date | None = None


class Capacity(_Strict):
    id: str = Field(min_length=1)
    strength: Strength | None = None


class CaseFile(_Strict):
    id: str | None = None
    assessed_on: dt.date | None = None
    consent_valid_until: dt.date | None = None
    age: Years | None = None
    accompanied: bool | None = None
    stage: Stage | None = None
    exposure_days: Days | None = None
    needs: list[Need] | None = None
    threats: list[Threat] | None = None
    capacities: list[Capacity] | None = None
