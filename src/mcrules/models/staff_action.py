"""What a staff member proposes to do when a protection incident is disclosed to them, and the
facts the response cards of the Training Manual's Facilitator Note 2.1.1 judge it on: the
`staff_action` subject of the pack `incident-response-2023`.

The cards are written for staff who are not trained to interview survivors (the session's food
security advisor told that a woman was attacked); the pack decides SAFE or UNSAFE for such staff.
Absent means unknown, and an action whose verdict hangs on an unknown fact is UNSAFE until it is
known: calling the police is never safe while it is not known that the person asked for it.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from mcrules.models.base import Flag, InputModel


class StaffActionKind(StrEnum):
    """The response cards, each as the action it proposes (and contacting a service provider,
    which the card on asking what help she needs makes conditional on consent)."""

    CHECK_SAFETY = "check_safety"
    ASK_IF_HURT = "ask_if_hurt"
    ASK_WHAT_HAPPENED = "ask_what_happened"
    ASK_WHO_IS_RESPONSIBLE = "ask_who_is_responsible"
    ASK_WHEN_AND_WHERE = "ask_when_and_where"
    ASK_NEEDS_AND_CONSENT = "ask_needs_and_consent"
    GIVE_CONTACT_INFORMATION = "give_contact_information"
    CONTACT_SERVICE_PROVIDER = "contact_service_provider"
    CALL_POLICE = "call_police"
    REPORT_TO_MANAGER = "report_to_manager"
    DO_NOTHING = "do_nothing"


class StaffAction(InputModel):
    """One proposed action and the facts its verdict depends on."""

    action: StaffActionKind | None = Field(
        default=None, description="What the staff member proposes to do.")
    requested_by_person: Flag | None = Field(
        default=None, description="call_police: the person asked staff to call the police.")
    consent_given: Flag | None = Field(
        default=None, description="contact_service_provider, call_police: the person gave "
                                  "informed consent to this contact.")
