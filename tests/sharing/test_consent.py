"""Valid consent for purpose P to recipient R on date D: fail-closed, one element at a time."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mcrules.models.consent import ConsentPurpose, ConsentRecord, Recipient, RecipientType
from mcrules.sharing.consent import valid_consent

ON = dt.date(2026, 5, 1)
AGENCY = Recipient(type=RecipientType.GOVERNMENT, name="Child welfare agency")


def record(**over: Any) -> ConsentRecord:
    base: dict[str, Any] = {"id": "K7", "purpose": "data_sharing",
                            "recipient": {"type": "government", "name": "Child welfare agency"},
                            "kind": "consent", "given_by": "self", "mode": "written",
                            "decision": "given", "date": "2026-03-14", "valid_until": "2027-03-14"}
    base.update(over)
    return ConsentRecord.model_validate(base)


def check(records: list[ConsentRecord], purpose: str = "data_sharing",
          recipient: Recipient | None = AGENCY, *, minor: bool = False) -> tuple[bool, str]:
    a = valid_consent(records, ConsentPurpose(purpose), recipient, ON, minor=minor)
    return a.valid, a.reason


def test_written_consent_for_this_purpose_and_recipient_authorises() -> None:
    assert check([record()]) == (True, "K7: consent given by the person for data_sharing")


@pytest.mark.parametrize(("over", "why"), [
    ({"decision": "refused"}, "K7 records a refusal"),
    ({"withdrawn_on": "2026-04-30"}, "K7 was withdrawn on 2026-04-30"),
    ({"withdrawn_on": "2026-05-01"}, "K7 was withdrawn on 2026-05-01"),
    ({"valid_until": "2026-04-30"}, "K7 expired on 2026-04-30"),
    ({"date": "2026-05-02"}, "K7 was given only on 2026-05-02"),
    ({"purpose": "referral"}, "K7 is for referral, not data_sharing"),
    ({"recipient": {"type": "ngo"}}, "K7 is for ngo, not government"),
    ({"recipient": {"type": "government", "name": "Police"}},
     "K7 is for another government recipient"),
    ({"recipient": None}, "K7 names no recipient"),
    ({"mode": "verbal"}, "K7 is verbal and not certified in writing by a staff member"),
    ({"given_by": "guardian"}, "K7 is given by a guardian who is not named"),
])
def test_consent_that_is_not_valid_on_every_element_never_authorises(over: dict[str, Any],
                                                                     why: str) -> None:
    assert check([record(**over)]) == (False, why)


def test_withdrawal_after_the_date_leaves_consent_valid_until_then() -> None:
    assert check([record(withdrawn_on="2026-05-02")])[0] is True


def test_verbal_consent_certified_by_staff_counts() -> None:
    assert check([record(mode="verbal", certified_by="staff-17")])[0] is True


def test_a_childs_assent_without_a_guardians_consent_never_counts() -> None:
    assent = record(id="K2", kind="assent", mode="verbal", certified_by="staff-17")
    valid, why = check([assent], minor=True)
    assert not valid
    assert ("K2 is a child's assent; a guardian's consent for data_sharing to this recipient is "
            "also needed") in why


def test_a_childs_own_consent_is_not_enough() -> None:
    valid, why = check([record()], minor=True)
    assert not valid and "a guardian's consent is needed" in why


def test_a_guardians_consent_with_the_childs_assent_counts() -> None:
    guardian = record(id="K1", given_by="guardian", guardian="Appointed guardian")
    assent = record(id="K1a", kind="assent")
    answer = valid_consent([guardian, assent], ConsentPurpose.DATA_SHARING, AGENCY, ON, minor=True)
    assert answer.valid and answer.records == ("K1", "K1a")
    assert "Appointed guardian" not in answer.reason  # reasons name no person


def test_a_reference_to_no_record_is_no_consent() -> None:
    answer = valid_consent([record()], ConsentPurpose.DATA_SHARING, AGENCY, ON, ids=["K9"])
    assert (answer.valid, answer.reason) == (False, "no consent record K9 in the case history")


def test_no_records_is_no_consent() -> None:
    assert check([]) == (False, "no consent record")


def test_a_refusal_is_not_outweighed_by_another_purposes_consent() -> None:
    valid, _ = check([record(decision="refused"), record(id="K8", purpose="referral")])
    assert not valid


def test_a_record_that_lists_its_data_categories_covers_only_those() -> None:
    scoped = record(data_categories=["name", "date_of_birth"])
    inside = valid_consent([scoped], ConsentPurpose.DATA_SHARING, AGENCY, ON, categories=["name"])
    outside = valid_consent([scoped], ConsentPurpose.DATA_SHARING, AGENCY, ON,
                            categories=["name", "medical_needs"])
    assert inside.valid
    assert (outside.valid, outside.reason) == (False, "K7 does not cover medical_needs")
