"""Consent records as a case history keeps them (`consents:`), exactly to the case-history keys.

A record is one decision a person (or their guardian) took about one purpose, optionally for one
recipient, in one mode, on one date: refusals and withdrawals are facts like any other, so a
query can fail closed on them (`mcrules.models.consent_query`, which data sharing and case
management both ask).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from mcrules.errors import FieldError
from mcrules.models.base import Day, Flag, InputModel
from mcrules.models.case import Accompaniment, Sex
from mcrules.models.fields import Whole

MAX_RECORDS = 10_000
MAX_CATEGORIES = 50



class ConsentPurpose(StrEnum):
    """What the consent is for; one purpose never authorises another."""

    REGISTRATION = "registration"
    ASSESSMENT = "assessment"
    REFERRAL = "referral"
    TRANSFER = "transfer"
    DATA_SHARING = "data_sharing"
    HEALTH_RECORDS = "health_records"
    POLICE_REPORT = "police_report"
    AUDIO_VISUAL = "audio_visual"


class ConsentKind(StrEnum):
    """Consent, or the assent of a child or a person without capacity to consent."""

    CONSENT = "consent"
    ASSENT = "assent"


class GivenBy(StrEnum):
    SELF = "self"
    GUARDIAN = "guardian"


class ConsentMode(StrEnum):
    """How it was recorded: written by default, audio or video, or verbal certified by staff."""

    WRITTEN = "written"
    AUDIO = "audio"
    VIDEO = "video"
    VERBAL = "verbal"


# Audio and video count only where written consent is not feasible (`written_not_feasible`).
RECORDED_MODES = frozenset({ConsentMode.AUDIO, ConsentMode.VIDEO})


class ConsentDecision(StrEnum):
    GIVEN = "given"
    REFUSED = "refused"


class RecipientType(StrEnum):
    """Who receives data or a case (shared with data-sharing requests and transfers)."""

    PUBLIC = "public"
    GOVERNMENT = "government"
    UN_AGENCY = "un_agency"
    NGO = "ngo"
    IMPLEMENTING_PARTNER = "implementing_partner"
    DONOR = "donor"
    DATA_SUBJECT = "data_subject"


class Recipient(InputModel):
    """A recipient: its type, and the organisation's name when one is meant."""

    type: RecipientType = Field(description="The kind of recipient.")
    name: str | None = Field(default=None, max_length=200,
                             description="The organisation, e.g. National statistics office.")


class ConsentRecord(InputModel):
    """One entry of a case history's `consents:` list."""

    id: str = Field(min_length=1, max_length=100, description="Referred to by events and requests.")
    purpose: ConsentPurpose
    recipient: Recipient | None = Field(
        default=None, description="The one recipient it is for; none: it authorises no recipient.")
    kind: ConsentKind
    given_by: GivenBy
    guardian: str | None = Field(default=None, max_length=200,
                                 description="Who the guardian is, when `given_by: guardian`.")
    mode: ConsentMode
    written_not_feasible: Flag | None = Field(
        default=None,
        description="Audio or video consent only: written consent was not feasible or appropriate "
                    "(a child, low literacy, no capacity to consent). Absent: the audio or video "
                    "consent does not count.")
    certified_by: str | None = Field(
        default=None, max_length=100,
        description="The staff member who certified a verbal consent in writing.")
    decision: ConsentDecision
    date: Day
    valid_until: Day | None = Field(
        default=None, description="The last day it is valid; none: valid until withdrawn.")
    withdrawn_on: Day | None = Field(
        default=None, description="From this day on it authorises nothing.")
    data_categories: list[Annotated[str, Field(min_length=1, max_length=100)]] | None = Field(
        default=None, min_length=1, max_length=MAX_CATEGORIES,
        description="The data it covers (civil_documentation, health); none: whatever the "
                    "purpose needs. A request for a category not listed is not covered. An "
                    "empty list is refused: a refusal scoped to no data would refuse nothing, "
                    "so `[]` written for \"everything\" would loosen it.")

    @model_validator(mode="after")
    def _dates_in_order(self) -> ConsentRecord:
        """A record valid until, or withdrawn on, a day before it was given is a data-entry
        error to correct, not a consent that merely expired."""
        for name in ("valid_until", "withdrawn_on"):
            day = getattr(self, name)
            if day is not None and day < self.date:
                raise FieldError((name,), f"{day} is before the record's date {self.date}")
        if self.written_not_feasible is not None and self.mode not in RECORDED_MODES:
            raise FieldError(("written_not_feasible",), "only an audio or video consent says "
                             f"whether written consent was feasible, not a {self.mode.value} one")
        return self


class HistoryPerson(InputModel):
    """Who the case is about, as far as consent and case management need it: a child's consent is
    a guardian's. The enumerations are the case file's (`mcrules.models.case`)."""

    age: Annotated[int, Whole("year", maximum=150)] | None = Field(
        default=None, description="Age in whole years.")
    sex: Sex | None = None
    accompanied_by: Accompaniment | None = Field(
        default=None, description="Who the person travels with.")
