"""The visit request staff write, the registration that may come with it, and the facts the
visit pack reads, derived from both on the evaluation date."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from mcrules.models.fields import Whole

Age = Annotated[int, Whole(maximum=130)]
Days = Annotated[int, Whole()]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)
    runs_validators: ClassVar[bool] = False


class VisitRequest(_Strict):
    """A request to visit a resident: who visits, whether a staff member goes with them."""

    id: str | None = Field(default=None, description="The request's reference.")
    visitor_age: Age | None = Field(default=None, description="The visitor's age in whole years.")
    accompanied: bool | None = Field(default=None, description="Whether staff accompany the visit.")


class Registration(_Strict):
    """The resident's registration, given beside the request (`extras={"registration": ...}`)."""

    registered_on: dt.date | None = None


class VisitFacts(_Strict):
    """What the rules read: derived, never written by staff."""

    minor_visitor: bool | None = None
    accompanied: bool | None = None
    days_registered: Days | None = None
