"""Decision records hold the decision and why, never the personal values a request carries."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import orjson
from hypothesis import given, settings

from mcrules import decision_record
from mcrules.models.casework import CaseHistory
from mcrules.sharing import decide_sharing
from mcrules.sharing.records import render_record, request_fingerprint
from tests.sharing.strategies import build, request_docs

ON = dt.date(2026, 12, 1)
NAME, DOB, PASSPORT, GUARDIAN = "Amina Diallo", "2009-04-12", "P4820193", "Moussa Diallo"
DOB_PATTERN = re.compile(r"\b(19|20)\d\d-\d\d-\d\d\b")
PERSONAL = [NAME, "Amina", "Diallo", DOB, PASSPORT, GUARDIAN, "12/04/2009"]


def leaky_request() -> dict[str, Any]:
    """A request whose free text carries personal values, as a hurried caller might write it."""
    return {"fields": ["name", "date_of_birth", "document_number", "sex"],
            "granularity": "record_level",
            "recipient": {"type": "government", "name": f"Office of {NAME}"},
            "purpose": f"file of {NAME} born {DOB} (12/04/2009), passport {PASSPORT}",
            "case": "C-2026-0042", "consent_ref": "K7",
            "safeguards": {"data_sharing_agreement": True, "risk_benefit_assessment": True}}


def history() -> CaseHistory:
    return CaseHistory.model_validate({
        "case": "C-2026-0042", "person": {"age": 15},
        "consents": [{"id": "K7", "purpose": "data_sharing", "kind": "consent",
                      "given_by": "guardian", "guardian": GUARDIAN, "mode": "written",
                      "recipient": {"type": "government", "name": f"Office of {NAME}"},
                      "decision": "given", "date": "2026-03-14"}]})


def test_a_decision_record_has_the_required_keys() -> None:
    request = build(leaky_request())
    d = decide_sharing(request, history=history(), as_of=ON)
    rec = decision_record(d, request, decision_id="d-1",
                          time=dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC))
    assert {"decision_id", "time", "pack_hash", "request_fingerprint", "decision", "reasons",
            "obligations"} <= set(rec)
    assert rec["time"] == "2026-12-01T09:30:00Z"
    assert rec["pack_hash"] == d.pack["hash"]
    assert rec["request_fingerprint"] == request_fingerprint(request)
    assert render_record(rec) == render_record(dict(reversed(list(rec.items()))))


def test_decision_records_hold_no_names_dates_of_birth_or_document_numbers() -> None:
    request = build(leaky_request())
    for hist in (history(), None):
        d = decide_sharing(request, history=hist, as_of=ON)
        text = render_record(decision_record(d, request)).decode()
        for value in PERSONAL:
            assert value not in text, value
        dates = {m.group(0) for m in DOB_PATTERN.finditer(text)}
        assert DOB not in dates


@settings(max_examples=60, deadline=None)
@given(request_docs())
def test_no_record_repeats_the_requests_free_text(doc: dict[str, Any]) -> None:
    doc = {**doc, "purpose": f"about {NAME} {DOB} {PASSPORT}",
           "recipient": {**doc["recipient"], "name": f"{NAME} office"}}
    request = build(doc)
    rec = orjson.loads(render_record(decision_record(decide_sharing(request, as_of=ON), request)))
    text = orjson.dumps(rec).decode()
    for value in PERSONAL:
        assert value not in text
