"""The case file: what a caseworker records at intake for a DoMV and protection-risk assessment.

An empty list means "assessed, none found"; an absent key means "not assessed", so rules on it
stay unknown instead of reading an empty answer as a reassuring one. Vulnerability is not
inherent: nothing here stores a person as "vulnerable"; the assessment derives it from these facts
and their context, on a date.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from mcrules.errors import FieldError
from mcrules.models.base import Day, Flag, InputModel
from mcrules.models.fields import Quantity, Whole
from mcrules.models.ordinal import OrdinalEnum
from mcrules.models.skeleton import look_alike_twin

Years = Annotated[int, Whole("year", maximum=130)]
Days = Annotated[float, Quantity("day", examples=[21, "3 week"])]
Label = Annotated[str, Field(min_length=1, max_length=200)]


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    NOT_RECORDED = "not_recorded"


class Accompaniment(StrEnum):
    """Who the person travels with; only a parent or a legal guardian makes a child accompanied."""

    PARENT = "parent"
    LEGAL_GUARDIAN = "legal_guardian"
    OTHER_ADULT = "other_adult"
    NONE = "none"


class Disability(StrEnum):
    PHYSICAL = "physical"
    SENSORY = "sensory"
    INTELLECTUAL = "intellectual"
    PSYCHOSOCIAL = "psychosocial"


class DocumentStatus(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    NONE = "none"


class Stage(StrEnum):
    """The stage of migration: DoMV is applied at origin, transit and destination, and on return."""

    ORIGIN = "origin"
    TRANSIT = "transit"
    DESTINATION = "destination"
    RETURN = "return"


class Level(StrEnum):
    """The four DoMV levels."""

    INDIVIDUAL = "individual"
    FAMILY_HOUSEHOLD = "family_household"
    COMMUNITY = "community"
    STRUCTURAL = "structural"


class Direction(StrEnum):
    """Whether a factor raises or lowers the likelihood of violence, exploitation or abuse here."""

    RISK = "risk"
    PROTECTIVE = "protective"
    CONTEXT_DEPENDENT = "context_dependent"


class GroupStatus(StrEnum):
    """For a group membership factor: whether the group is dominant or marginalised here."""

    DOMINANT = "dominant"
    MARGINALISED = "marginalised"


class Severity(OrdinalEnum):
    """How severe a threat or a vulnerability is, lowest first."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    VERY_HIGH = "very_high"


class Strength(OrdinalEnum):
    """How strong a capacity is, lowest first; `none` is the scale's minimum, never zero."""

    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Person(InputModel):
    age: Years | None = Field(default=None, description="Age in whole years. Taken from "
                              "`date_of_birth` on `assessed_on` when only that is given.")
    date_of_birth: Day | None = Field(default=None, description="Date of birth.")
    sex: Sex | None = None
    accompanied_by: Accompaniment | None = Field(
        default=None, description="Who the person travels with.")
    disabilities: list[Disability] | None = Field(
        default=None, description="Disabilities found; an empty list means assessed, none found.")
    documents: DocumentStatus | None = Field(default=None, description="Identity documents.")
    literate: Flag | None = None


class Migration(InputModel):
    stage: Stage | None = None
    location: Label | None = Field(default=None, description="Where the person is now.")
    exposure_days: Days | None = Field(
        default=None, description="How long the person has faced the threats here.")


class Factor(InputModel):
    """A DoMV factor: a catalogue `id`, or free `text` that must carry its `level` and
    `direction`. For a catalogue factor, `level` and `direction` override the catalogue's
    defaults (say why in `note`), and `group` resolves a group-membership factor."""

    id: Label | None = Field(default=None, description="A factor id from the pack's catalogue.")
    text: Label | None = Field(default=None, description="A factor not in the catalogue.")
    level: Level | None = None
    direction: Direction | None = None
    group: GroupStatus | None = Field(
        default=None, description="Whether the person's group is dominant or marginalised here.")
    note: Annotated[str, Field(max_length=1000)] | None = None


DERIVED_THREAT_FIELDS = ("paired", "paired_vulnerability")


class Threat(InputModel):
    """A threat the person faces. `paired` and `paired_vulnerability` are not input: the case
    fills them from the vulnerabilities that name this threat (the manual defines a
    vulnerability relative to "a specific threat"), so the risk is scored per threat."""

    id: Label = Field(description="The caseworker's words for the threat (arrest_and_detention).")
    severity: Severity | None = None
    paired: SkipJsonSchema[Flag | None] = Field(
        default=None, exclude=True, description="Derived, never input: whether a vulnerability "
        "names this threat; unknown while vulnerabilities were not assessed.")
    paired_vulnerability: SkipJsonSchema[Severity | None] = Field(
        default=None, exclude=True, description="Derived, never input: the severity of the most "
        "severe vulnerability naming this threat; unknown while one of them has no severity.")

    @model_validator(mode="before")
    @classmethod
    def _no_derived_input(cls, data: Any) -> Any:
        """A file may not set what the case derives: a crafted pairing would lower the risk."""
        if isinstance(data, dict):
            for name in DERIVED_THREAT_FIELDS:
                # null is what a columnar reader fills for a key another row has: not a claim
                if data.get(name) is not None:
                    raise FieldError((name,), "is derived from `vulnerabilities` (the ones naming "
                                     "this threat); it is not an input")
        return data


class Vulnerability(InputModel):
    id: Label = Field(description="The caseworker's words for the vulnerability.")
    threat: Label = Field(description="The id of the threat this vulnerability exposes to.")
    severity: Severity | None = None


class Valence(StrEnum):
    """Whether a coping mechanism protects (positive) or harms (negative) the person."""

    POSITIVE = "positive"
    NEGATIVE = "negative"


class Capacity(InputModel):
    """A capacity: a coping mechanism or strategy "whether positive or negative". Only positive
    ones lower the risk: the manual lists "unsafe or negative coping mechanism" among the factors
    of vulnerability, so a negative one is recorded as a vulnerability too."""

    id: Label = Field(description="The caseworker's words for the capacity.")
    strength: Strength | None = None
    valence: Valence = Field(
        default=Valence.POSITIVE, description="positive (the default: it protects the person) or "
        "negative (an unsafe or negative coping mechanism, which never lowers the risk).")


class Screening(InputModel):
    """Screening answers by specialised-needs flag id: true, false, or absent (not asked)."""

    unaccompanied_or_separated_child: Flag | None = None
    victim_of_trafficking: Flag | None = None
    gbv_survivor: Flag | None = None
    sogiesc: Flag | None = None
    severe_mental_disorder: Flag | None = Field(
        default=None, description="A severe mental health disorder (the fourth MHPSS layer): "
        "referral to specialised mental health services. True also raises psychological_needs.")
    person_with_disability: Flag | None = None
    medical_needs: Flag | None = None
    psychological_needs: Flag | None = None
    international_protection_need: Flag | None = Field(
        default=None, description="The person may need international protection. While true, "
        "AVRR stays closed until their claim is decided or withdrawn.")
    # Situations the modules' screening lists name that are not specialised-needs flags of the
    # assessment (no referral of their own): they feed case-management eligibility only.
    violence: Flag | None = Field(
        default=None, description="The person experienced violence (the Blue module's list).")
    exploitation: Flag | None = Field(
        default=None, description="The person experienced exploitation (every module's list).")
    abuse: Flag | None = Field(
        default=None, description="The person experienced abuse (every module's list).")
    gender_discrimination: Flag | None = Field(
        default=None, description="The person experienced gender discrimination (the Yellow "
        "and Red modules' list).")


class AsylumClaim(StrEnum):
    """Where the person's asylum claim stands, if they made one."""

    NONE = "none"
    PENDING = "pending"
    WITHDRAWN = "withdrawn"
    REJECTED = "rejected"


class ReturnDestinationStatus(StrEnum):
    """Whether returns to the person's destination of return are open, limited or suspended
    (for security or operational reasons)."""

    OPEN = "open"
    LIMITED = "limited"
    SUSPENDED = "suspended"


class Intake(InputModel):
    """The eligibility questions of intake: the answers the programme's service criteria read
    beyond the assessment. Each is absent until asked, so a criterion on it stays unknown."""

    wishes_to_return: Flag | None = Field(
        default=None, description="The person wishes to return to their country of origin.")
    unable_or_unwilling_to_remain: Flag | None = Field(
        default=None, description="The person is unable or unwilling to remain in the country "
        "of transit or destination.")
    informed_decision: Flag | None = Field(
        default=None, description="The person had timely, unbiased and reliable information "
        "to make an informed decision on return.")
    asylum_claim: AsylumClaim | None = Field(
        default=None, description="none, pending, withdrawn or rejected (found not in need of "
        "international protection).")
    return_destination_status: ReturnDestinationStatus | None = Field(
        default=None, description="Whether returns to the destination are open, limited or "
        "suspended.")
    centre_capacity_available: Flag | None = Field(
        default=None, description="The centre has the resources to provide its services to "
        "the person now.")
    programme_criteria_met: Flag | None = Field(
        default=None, description="The person meets the programme's own admission criteria "
        "for the centre's services; read only when the pack's parameter "
        "centre_services_own_criteria is 1 (programme policy).")
    guardian_involved: Flag | None = Field(
        default=None, description="For a child: a parent, legal guardian or the guardianship "
        "authority is involved in the decision to return. AVRR for a child needs it true.")


class Case(InputModel):
    """One person's intake assessment."""

    # Validators: age from date_of_birth, factor shape, vulnerabilities naming listed threats.

    id: Label | None = Field(default=None, description="The caller's reference.")
    assessed_on: Day | None = None
    person: Person | None = None
    migration: Migration | None = None
    factors: list[Factor] | None = Field(
        default=None, description="DoMV risk and protective factors; empty means none found.")
    threats: list[Threat] | None = Field(default=None, description="External threats.")
    vulnerabilities: list[Vulnerability] | None = Field(
        default=None, description="Vulnerabilities, each to a named threat.")
    capacities: list[Capacity] | None = Field(default=None, description="Capacities.")
    screening: Screening | None = None
    intake: Intake | None = None

    @model_validator(mode="before")
    @classmethod
    def _age_from_birth(cls, data: Any) -> Any:
        """Fill `person.age` from `date_of_birth` on `assessed_on`; refuse the two disagreeing."""
        if not isinstance(data, dict):
            return data
        person, on = data.get("person"), data.get("assessed_on")
        if not isinstance(person, dict) or person.get("date_of_birth") is None or on is None:
            return data
        try:
            born = _date(person["date_of_birth"])
            day = _date(on)
        except (TypeError, ValueError):
            return data  # the field validators report the bad date by its path
        years = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
        if years < 0:
            raise FieldError(("person", "date_of_birth"), "is after assessed_on")
        given = person.get("age")
        if given is None:
            return {**data, "person": {**person, "age": years}}
        if isinstance(given, int | float) and not isinstance(given, bool) and given != years:
            raise FieldError(("person", "age"), f"is {given} but date_of_birth gives {years} "
                                               f"on {day.isoformat()}")
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Case:
        for i, f in enumerate(self.factors or ()):
            if (f.id is None) == (f.text is None):
                raise FieldError(("factors", i), "give either `id` (a catalogue factor) or `text`")
            if f.text is not None and (f.level is None or f.direction is None):
                raise FieldError(("factors", i), "a free-text factor needs `level` and `direction`")
        if self.threats is not None and self.vulnerabilities is not None:
            known = {t.id for t in self.threats}
            for i, v in enumerate(self.vulnerabilities):
                if v.threat not in known:
                    listed = ", ".join(sorted(known)) or "none"
                    raise FieldError(("vulnerabilities", i, "threat"),
                                     f"{v.threat!r} is not a listed threat (listed: {listed})")
        return self

    @model_validator(mode="after")
    def _pair_vulnerabilities(self) -> Case:
        """Give each threat the vulnerabilities that name it, so the pack scores risk per threat.

        Bookkeeping, not a verdict (like `person.age` from `date_of_birth`): every number stays in
        the pack. Both evaluators read these fields from the same validated model, so they agree.
        """
        if not self.threats:
            return self
        # By what the id looks like: `аrrest` (Cyrillic а) beside `arrest` reads as one threat,
        # and a vulnerability naming the low-severity twin would score the severe one unpaired.
        twin = look_alike_twin(t.id for t in self.threats)
        if twin is not None:
            j, i = twin
            first, again = self.threats[j].id, self.threats[i].id
            alike = "" if first == again else f" (it reads as {first!r})"
            raise FieldError(("threats", i, "id"), f"{again!r} is listed twice{alike} "
                             f"(threats[{j}]); a vulnerability names its threat by id")
        paired: list[Threat] = []
        for t in self.threats:
            if self.vulnerabilities is None:
                paired.append(t)
                continue
            named = [v.severity for v in self.vulnerabilities if v.threat == t.id]
            rated = [s for s in named if s is not None]
            worst = max(rated, key=lambda s: s.rank) if rated and len(rated) == len(named) \
                else None
            paired.append(t.model_copy(update={"paired": bool(named),
                                               "paired_vulnerability": worst}))
        object.__setattr__(self, "threats", paired)
        return self


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
