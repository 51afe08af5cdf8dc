"""A person's refusal scoped to data the catalogue does not know (`dob` written for
`date_of_birth`) binds: a typo in a refusal never shares what the person refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mcrules.io.case_history import validate_case_history
from mcrules.models.sharing import SharingRequest
from mcrules.sharing.decide import decide_sharing

ON = dt.date(2026, 3, 1)
REQUEST: dict[str, Any] = {
    "case": "C-1", "fields": ["date_of_birth"], "granularity": "record_level",
    "recipient": {"type": "ngo", "name": "Partner"}, "purpose": "follow-up", "consent_ref": "K1",
    "safeguards": {"data_sharing_agreement": True, "risk_benefit_assessment": True}}


def _history(refused: list[str]) -> dict[str, Any]:
    consent = {"id": "K1", "purpose": "data_sharing", "recipient": {"type": "ngo"},
               "kind": "consent", "given_by": "self", "mode": "written", "decision": "given",
               "date": "2026-01-10"}
    refusal = {"id": "K2", "purpose": "data_sharing", "kind": "consent", "given_by": "self",
               "mode": "written", "decision": "refused", "date": "2026-02-01",
               "data_categories": refused}
    return {"case": "C-1", "person": {"age": 30}, "consents": [consent, refusal]}


def _decision(refused: list[str]) -> str:
    history = validate_case_history(_history(refused))
    return decide_sharing(SharingRequest.model_validate(REQUEST), history=history,
                          as_of=ON).decision


@pytest.mark.parametrize("refused", [["dob"], ["date of birth!"], ["name", "birthdate"]])
def test_a_refusal_of_data_the_catalogue_does_not_know_binds(refused: list[str]) -> None:
    assert _decision(refused) in ("deny", "aggregate_only")


def test_a_refusal_of_other_known_data_leaves_the_consent_given() -> None:
    assert _decision(["name"]) in ("permit", "permit_with_obligations")
    assert _decision(["date_of_birth"]) in ("deny", "aggregate_only")
