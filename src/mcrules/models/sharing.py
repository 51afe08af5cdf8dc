"""A data-sharing request, as staff write it down when someone asks for data; and the facts the
data-sharing pack decides on, which `mcrules.sharing` derives from it.

The request is the caller's words (field names, a purpose, a consent block or a reference to a
consent record). The facts are what the decision table reads: the class of every requested field
under the pack's catalogue, whether consent is valid for this purpose and recipient, and the
safeguards. Absent means unknown, and unknown fails closed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from mcrules.errors import FieldError
from mcrules.models.base import Flag, InputModel
from mcrules.models.consent import Recipient, RecipientType
from mcrules.models.ordinal import OrdinalEnum

MAX_FIELDS = 500


class DataClass(OrdinalEnum):
    """The three data types of the Toolkit, least to most restricted: so the stricter of two
    classes is their maximum."""

    NON_PERSONAL = "non_personal"
    NON_PERSONAL_SENSITIVE = "non_personal_sensitive"
    PERSONAL = "personal"


class Granularity(StrEnum):
    """One row per person, or a table of counts."""

    RECORD_LEVEL = "record_level"
    AGGREGATE = "aggregate"


class InlineConsent(InputModel):
    """Consent as the request states it: given or not, for which purposes and recipient types."""

    given: Flag | None = Field(default=None, description="Whether the people concerned consented.")
    purposes: list[str] = Field(default_factory=list, max_length=50,
                                description="The purposes consented to, as written in `purpose`.")
    recipients: list[RecipientType] = Field(default_factory=list, max_length=10,
                                            description="The recipient types consented to.")


class Safeguards(InputModel):
    """The written safeguards in place; absent means not known, which counts as not in place."""

    data_sharing_agreement: Flag | None = Field(
        default=None, description="A data-sharing agreement (or contract) with the recipient is signed.")
    risk_benefit_assessment: Flag | None = Field(
        default=None, description="A risk-benefit assessment is done and finds the sharing necessary.")
    data_access_request_form: Flag | None = Field(
        default=None, description="The recipient filled out and signed the data access request form.")


class SharingRequest(InputModel):
    """A request for data, as the request file (`mcrules share FILE`) holds it."""

    data_class: DataClass | None = Field(
        default=None, description="The class the requester or staff declare; the stricter of this "
        "and the class derived from `fields` applies.")
    fields: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list, max_length=MAX_FIELDS,
                              description="The fields requested, in the caller's names.")
    granularity: Granularity | None = Field(
        default=None, description="record_level (a list of people) or aggregate (a table of counts).")
    recipient: Recipient | None = Field(default=None, description="Who would receive the data.")
    purpose: str | None = Field(default=None, max_length=500, description="What the data is for.")
    consent: InlineConsent | None = Field(default=None, description="Consent as stated inline.")
    case: str | None = Field(
        default=None, min_length=1, max_length=100,
        description="The case the data is about (C-...): a `consent_ref` resolves only against "
                    "the case history of this case.")
    consent_ref: str | None = Field(
        default=None, min_length=1, max_length=100,
        description="The id of a consent record in the case history (`--history FILE`) of "
                    "`case`; without `case` it resolves to no consent.")
    safeguards: Safeguards | None = None
    urgent: Flag = Field(default=False, description="Noted; urgency waives no condition.")


    @model_validator(mode="after")
    def _one_consent_statement(self) -> SharingRequest:
        """Consent is stated once, inline or by reference: with both, leaving out the one that
        says no would turn a refusal into a permission."""
        if self.consent is not None and self.consent_ref is not None:
            raise FieldError(("consent_ref",), "state consent once: either a `consent` block or "
                             "a `consent_ref` to a record of the case history, not both")
        return self


class ClassSource(StrEnum):
    """Where a class comes from: the request's declaration, the catalogue, the granularity (a
    list of people is personal data whatever it holds), or none of them (a field the catalogue
    does not know, or a request that lists no fields: the most restrictive class)."""

    DECLARED = "declared"
    CATALOGUE = "catalogue"
    GRANULARITY = "granularity"
    UNCATALOGUED = "uncatalogued"
    UNLISTED = "unlisted"


class ClassifiedField(InputModel):
    """One requested field (or the declared class) with its class."""

    id: str = Field(min_length=1)
    source: ClassSource
    data_class: DataClass
    sensitive: Flag = Field(
        default=False, description="Of a category the manual says should not be made public "
        "(a protection category, or a field the catalogue does not know), whatever its class.")


class SafeguardFacts(InputModel):
    data_sharing_agreement: Flag | None = None
    risk_benefit_assessment: Flag | None = None
    data_access_request_form: Flag | None = None


class SharingFacts(InputModel):
    """What the data-sharing pack's decision reads (derived from a request by mcrules.sharing)."""

    classified: list[ClassifiedField] | None = Field(
        default=None, description="The declared class and each requested field's class; none "
        "given means the class is unknown.")
    granularity: Granularity | None = None
    recipient: RecipientType | None = Field(default=None, description="The recipient's type.")
    case_named: Flag | None = Field(
        default=None, description="The request names the one case (`case`) the data is about: "
        "a person asking for their own record can only be given the record of their own case.")
    consent: Flag | None = Field(
        default=None, description="Valid consent for this purpose to this recipient on the date.")
    safeguards: SafeguardFacts | None = None
    urgent: Flag | None = None
