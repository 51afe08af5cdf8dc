"""The household model: a registered household and its members, as a caseworker records them."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from mcrules.models.fields import Quantity, Whole

Area = Annotated[float, Quantity("m^2", examples=["12 m^2", "130 ft^2"])]
Count = Annotated[int, Whole()]
People = Annotated[int, Whole("person")]
Age = Annotated[int, Whole(maximum=130)]


class _Strict(BaseModel):
    """Unknown keys are errors, as in every input model."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)
    runs_validators: ClassVar[bool] = False  # no validators: bulk converts with numpy


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"


class Member(_Strict):
    """One person of the household."""

    id: str = Field(min_length=1, description="A label for this member, used in reports (M1).")
    age: Age | None = Field(default=None, description="Age in whole years.")
    sex: Sex | None = None
    disabled: bool | None = Field(default=None, description="Whether the member has a disability.")
    has_id_document: bool | None = Field(default=None,
                                         description="Whether the member holds an identity document.")


class Household(_Strict):
    """A household: its size, what it was given, and who is in it."""

    name: str | None = Field(default=None, description="The household's reference, used in reports.")
    size: People | None = Field(default=None, description="People in the household.")
    mosquito_nets: Count | None = Field(default=None, description="Mosquito nets distributed.")
    registered: bool | None = Field(default=None, description="Whether the household is registered.")
    shelter_area: Area | None = Field(default=None, description="Covered shelter area.")
    members: list[Member] | None = Field(default=None, description="The household's members.")
