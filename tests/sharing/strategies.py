"""Hypothesis strategies for data-sharing requests (catalogued, unknown and declared classes)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from mcrules.models.sharing import SharingRequest

CATALOGUED = ["name", "date_of_birth", "sex", "age_group", "nationality", "arrival_date",
              "medical_needs", "case_history", "material_circumstances", "biometrics",
              "photograph", "document_number", "households_count",
              "unaccompanied_children_count", "access_to_health_care"]
UNKNOWN = ["tribe", "favourite_colour"]
RECIPIENTS = ["public", "government", "un_agency", "ngo", "implementing_partner", "donor",
              "data_subject"]
CLASSES = ["non_personal", "non_personal_sensitive", "personal"]
SAFEGUARDS = ["data_sharing_agreement", "risk_benefit_assessment", "data_access_request_form"]
maybe_bool = st.sampled_from([True, False, None])


@st.composite
def request_docs(draw: st.DrawFn) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "fields": draw(st.lists(st.sampled_from(CATALOGUED + UNKNOWN), max_size=5, unique=True)),
        "recipient": {"type": draw(st.sampled_from(RECIPIENTS))},
        "purpose": "statistical report",
        "urgent": draw(st.booleans()),
    }
    granularity = draw(st.sampled_from(["record_level", "aggregate", None]))
    if granularity:
        doc["granularity"] = granularity
    declared = draw(st.sampled_from([*CLASSES, None]))
    if declared:
        doc["data_class"] = declared
    given = draw(maybe_bool)
    if given is not None or draw(st.booleans()):
        doc["consent"] = {"given": given,
                          "purposes": draw(st.sampled_from([["statistical report"], ["other"]])),
                          "recipients": draw(st.lists(st.sampled_from(RECIPIENTS), max_size=3))}
    flags = {k: draw(maybe_bool) for k in SAFEGUARDS}
    if any(v is not None for v in flags.values()):
        doc["safeguards"] = {k: v for k, v in flags.items() if v is not None}
    return doc


def build(doc: dict[str, Any]) -> SharingRequest:
    return SharingRequest.model_validate(doc)
