"""A case history as a caseworker keeps it, and the facts one event of it is judged on.

`CaseHistory` is the file (`mcrules casework check FILE`): the person, the consent records and the
events in order, exactly to the case-history keys. `CaseEventFacts` is the `case_event` subject:
the state before one event, its action and what the history says on that day (eligibility
verified, consent valid, the plan's elements), which the guard rules of `casework-2023` read.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator

from mcrules.errors import FieldError
from mcrules.models.base import Day, Flag, InputModel
from mcrules.models.consent import (
    MAX_RECORDS,
    ConsentRecord,
    HistoryPerson,
    RecipientType,
)
from mcrules.models.fields import Whole
from mcrules.models.skeleton import id_skeleton, look_alike_twin

MAX_EVENTS = 1_000
MAX_PLAN_ITEMS = 100
Text = Annotated[str, Field(min_length=1, max_length=2_000)]
Short = Annotated[str, Field(min_length=1, max_length=200)]
Count = Annotated[int, Whole()]


class CaseState(StrEnum):
    """Where a case is: before identification, one of the six steps, or ended (closed or
    transferred, both terminal)."""

    NEW = "new"
    IDENTIFICATION = "identification"
    REGISTRATION = "registration"
    ASSESSMENT = "assessment"
    CASE_PLANNING = "case_planning"
    IMPLEMENTATION = "implementation"
    FOLLOW_UP_REVIEW = "follow_up_review"
    CLOSED = "closed"
    TRANSFERRED_INTERNAL = "transferred_internal"
    TRANSFERRED_PARTNER = "transferred_partner"


class CaseAction(StrEnum):
    """What an event does."""

    IDENTIFY = "identify"
    VERIFY_ELIGIBILITY = "verify_eligibility"
    REGISTER = "register"
    ASSESS = "assess"
    PLAN = "plan"
    IMPLEMENT = "implement"
    REVIEW = "review"
    TRANSFER = "transfer"
    REFER = "refer"
    REPORT_TO_POLICE = "report_to_police"
    CLOSE = "close"
    WITHDRAW = "withdraw"


class EligibilityResult(StrEnum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"


class ReviewResult(StrEnum):
    """A review keeps the plan (continue) or sends the case back to planning (adjust)."""

    CONTINUE = "continue"
    ADJUST = "adjust"


class ClosureReason(StrEnum):
    """The manual's five reasons a case ends."""

    SUPPORT_ENDED = "support_ended"
    NO_LONGER_ELIGIBLE = "no_longer_eligible"
    WITHDREW = "withdrew"
    LEFT_LOCATION = "left_location"
    DECEASED = "deceased"


class TransferType(StrEnum):
    """Where a case goes: another office of the same organisation, or a partner (a recipient type
    as in a data-sharing request)."""

    INTERNAL_OFFICE = "internal_office"
    PUBLIC = "public"
    GOVERNMENT = "government"
    UN_AGENCY = "un_agency"
    NGO = "ngo"
    IMPLEMENTING_PARTNER = "implementing_partner"
    DONOR = "donor"
    DATA_SUBJECT = "data_subject"

    @property
    def recipient_type(self) -> RecipientType | None:
        """The recipient type of a partner; None for another office."""
        return None if self is TransferType.INTERNAL_OFFICE else RecipientType(self.value)


class TransferTo(InputModel):
    type: TransferType = Field(description="internal_office, or a partner's recipient type.")
    name: Short | None = Field(default=None, description="The office or the organisation.")


# Who a referral may go to: a service provider, never the public, a donor, the person themself or
# another office (which a transfer reaches).
REFERRAL_TYPES = (TransferType.GOVERNMENT, TransferType.UN_AGENCY, TransferType.NGO,
                  TransferType.IMPLEMENTING_PARTNER)


class PlanAction(InputModel):
    action: Text = Field(description="What will be done.")
    responsible: Short | None = Field(default=None, description="Who is responsible for it.")
    due: Day | None = Field(default=None, description="By when.")


class CasePlan(InputModel):
    """A case plan as the event records it; the guards say which required element is missing."""

    objectives: list[Text] = Field(default_factory=list, max_length=MAX_PLAN_ITEMS,
                                   description="Measurable objectives (a number: 60 days, 3 visits).")
    actions: list[PlanAction] = Field(default_factory=list, max_length=MAX_PLAN_ITEMS)
    monitoring: Text | None = Field(default=None, description="How assistance will be monitored.")
    feedback: Text | None = Field(
        default=None, description="How the beneficiary's feedback will be incorporated.")
    data_protection: Text | None = Field(
        default=None, description="How the process will adhere to data protection principles.")
    information_sharing: Text | None = Field(
        default=None, description="How information will be shared with the beneficiary and "
                                  "between caseworkers and counterparts.")
    beneficiary_participation: Flag | None = Field(
        default=None, description="The beneficiary took an active part in elaborating the plan.")
    resources: Text | None = Field(default=None, description="Resource allocations, a budget.")


class CaseEvent(InputModel):
    """One event of a case history; which keys an action takes is checked, so a `plan` on an
    assessment or a transfer without `to` is an invalid file, not a silent no-op."""


    date: Day
    action: CaseAction
    result: Annotated[str, Field(max_length=20)] | None = Field(
        default=None, description="verify_eligibility: eligible | not_eligible; review: "
                                  "continue | adjust.")
    consent: list[Short] | None = Field(
        default=None, max_length=100, description="The consent record ids this event relies on.")
    plan: CasePlan | None = None
    to: TransferTo | None = Field(default=None, description="Where a transfer or a referral "
                                                            "goes.")
    # Strict: "yes" or 1 must not count as the person's request (only YAML/JSON true does).
    requested_by_person: Flag | None = Field(
        default=None, description="report_to_police: the person asked staff to report to the "
                                  "police.")
    handover_plan: Flag | None = Field(
        default=None, description="A handover plan was shared with the caseworker taking over.")
    data_categories: list[Short] | None = Field(
        default=None, max_length=50, description="The data a transfer, a referral or a report "
        "to the police hands over; a consent scoped to some categories covers only an event "
        "that lists them.")
    reason: ClosureReason | None = Field(default=None, description="Why the case closes.")
    prepared: Flag | None = Field(
        default=None, description="The beneficiary was prepared for the transition.")
    unmet_needs_reviewed: Flag | None = Field(
        default=None, description="Unmet or new needs were identified before closure.")
    note: Annotated[str, Field(max_length=2_000)] | None = None

    @field_validator("consent", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        """`consent:` takes one id or a list of ids."""
        return [value] if isinstance(value, str) else value

    @property
    def eligibility(self) -> EligibilityResult | None:
        """A verification's result (validated below)."""
        return EligibilityResult(self.result) if self.action is CaseAction.VERIFY_ELIGIBILITY \
            and self.result is not None else None

    @property
    def review(self) -> ReviewResult | None:
        """A review's result (validated below)."""
        return ReviewResult(self.result) if self.action is CaseAction.REVIEW \
            and self.result is not None else None

    @model_validator(mode="after")
    def _keys_fit_the_action(self) -> CaseEvent:
        a = self.action
        allowed = _KEYS.get(a, set())
        given = {k for k in _OPTIONAL if getattr(self, k) is not None}
        extra = sorted(given - allowed)
        if extra:
            raise FieldError((extra[0],), f"{a.value} events take no {', '.join(extra)}")
        for action, kind in ((CaseAction.VERIFY_ELIGIBILITY, EligibilityResult),
                             (CaseAction.REVIEW, ReviewResult)):
            values = [m.value for m in kind]
            if a is action and self.result not in values:
                got = "none" if self.result is None else repr(self.result)
                raise FieldError(("result",), f"a {a.value} event needs result "
                                 f"{' or '.join(values)}, got {got}")
        if a in (CaseAction.TRANSFER, CaseAction.REFER) and self.to is None:
            raise FieldError(("to",), f"a {a.value} event needs `to` (type and name)")
        if a is CaseAction.REFER and self.to is not None and self.to.type not in REFERRAL_TYPES:
            raise FieldError(("to", "type"), f"a referral goes to a service provider: "
                             f"{', '.join(t.value for t in REFERRAL_TYPES)}, not "
                             f"{self.to.type.value}")
        if a in (CaseAction.REFER, CaseAction.TRANSFER) and self.to is not None \
                and self.to.type is not TransferType.INTERNAL_OFFICE \
                and (self.to.name is None or not id_skeleton(self.to.name)):
            # Consent and refusal are to one organisation; an unnamed one could be the one the
            # person refused, so the event must say which it is (a name of zero-width
            # characters only reads as no name at all).
            what = "referral" if a is CaseAction.REFER else "transfer to a partner"
            raise FieldError(("to", "name"), f"a {what} names the organisation it goes to")
        if self.handover_plan is not None and (self.to is None
                                               or self.to.type is not TransferType.INTERNAL_OFFICE):
            raise FieldError(("handover_plan",), "only a transfer to an internal_office takes one")
        return self


_OPTIONAL = ("result", "consent", "plan", "to", "requested_by_person", "handover_plan",
             "data_categories", "reason", "prepared", "unmet_needs_reviewed")
_KEYS: dict[CaseAction, set[str]] = {
    CaseAction.VERIFY_ELIGIBILITY: {"result"},
    CaseAction.REGISTER: {"consent"},
    CaseAction.ASSESS: {"consent"},
    CaseAction.PLAN: {"plan"},
    CaseAction.REVIEW: {"result"},
    CaseAction.TRANSFER: {"to", "consent", "handover_plan", "data_categories"},
    CaseAction.REFER: {"to", "consent", "data_categories"},
    CaseAction.REPORT_TO_POLICE: {"requested_by_person", "consent", "data_categories"},
    CaseAction.CLOSE: {"reason", "prepared", "unmet_needs_reviewed"},
}


class CaseHistory(InputModel):
    """A case history file: `case`, `person`, `consents`, `events` (in the order they happened)."""


    case: Short = Field(description="The case reference.")
    person: HistoryPerson | None = None
    consents: list[ConsentRecord] = Field(default_factory=list, max_length=MAX_RECORDS)
    events: list[CaseEvent] = Field(default_factory=list, max_length=MAX_EVENTS)

    @model_validator(mode="after")
    def _consistent(self) -> CaseHistory:
        # By what the id looks like: `К1` (Cyrillic) is `K1`.
        twin = look_alike_twin(c.id for c in self.consents)
        if twin is not None:
            j, i = twin
            first, again = self.consents[j].id, self.consents[i].id
            alike = "" if first == again else f" (it reads as {first!r})"
            raise FieldError(("consents", i, "id"),
                             f"{again!r} is used by an earlier record{alike}; give each "
                             "consent record an id of its own")
        for i in range(1, len(self.events)):
            if self.events[i].date < self.events[i - 1].date:
                raise FieldError(("events", i, "date"),
                                 f"{self.events[i].date.isoformat()} is before the event above "
                                 "it; list events in the order they happened")
        return self


# ---------------------------------------------------------------------------------------------
# The case_event subject: what the guard rules read about one event.


class PersonFacts(InputModel):
    child: Flag | None = Field(default=None, description="Under 18 (from `person.age`); "
                                                         "absent when the age is not recorded.")


class EligibilityFacts(InputModel):
    verified: Flag = Field(
        default=False, description="The latest eligibility verification on or before the event "
                                   "found the person eligible.")


class ConsentFacts(InputModel):
    valid: Flag | None = Field(
        default=None, description="Valid consent for the event's purpose and recipient on its "
                                  "date; absent when it cannot be told (the age not recorded).")
    assent: Flag | None = Field(
        default=None, description="The person's own assent goes with a guardian's consent.")


class PlanFacts(InputModel):
    objectives: Count = Field(default=0, description="Objectives stated.")
    unmeasurable_objectives: Count = Field(
        default=0, description="Objectives with no number to measure them by.")
    actions: Count = Field(default=0, description="Actions stated.")
    actions_without_responsible: Count = Field(default=0)
    actions_without_due: Count = Field(default=0)
    monitoring: Flag = False
    feedback: Flag = False
    data_protection: Flag = False
    information_sharing: Flag = False
    beneficiary_participation: Flag = False


class TransferFacts(InputModel):
    to: TransferType | None = None
    handover_plan: Flag | None = None


class ReferralFacts(InputModel):
    to: TransferType | None = Field(default=None, description="The service provider's type.")


class PoliceReportFacts(InputModel):
    requested_by_person: Flag | None = Field(
        default=None, description="The person asked staff to report to the police; absent when "
                                  "the event does not record it.")


class ClosureFacts(InputModel):
    reason_stated: Flag = False
    deceased: Flag = Field(default=False, description="The stated reason is that the person died.")
    prepared: Flag | None = None
    unmet_needs_reviewed: Flag | None = None


class CaseEventFacts(InputModel):
    """One event as the guards see it: the state before it and what the history says that day.

    Defaults are the fail-closed readings (no verified eligibility, no plan element); the facts
    that may really be unknown (consent when the age is not recorded, preparation for closure)
    admit None, so a guard on them is `unknown` and refuses.
    """

    state: CaseState = Field(default=CaseState.NEW, description="The state before the event.")
    action: CaseAction = Field(default=CaseAction.IDENTIFY)
    transition_allowed: Flag = Field(
        default=False, description="The transition table allows the action from the state.")
    person: PersonFacts = Field(default_factory=PersonFacts)
    eligibility: EligibilityFacts = Field(default_factory=EligibilityFacts)
    consent: ConsentFacts = Field(default_factory=ConsentFacts)
    plan: PlanFacts = Field(default_factory=PlanFacts)
    transfer: TransferFacts = Field(default_factory=TransferFacts)
    referral: ReferralFacts = Field(default_factory=ReferralFacts)
    police_report: PoliceReportFacts = Field(default_factory=PoliceReportFacts)
    review_result: ReviewResult | None = None
    closure: ClosureFacts = Field(default_factory=ClosureFacts)
