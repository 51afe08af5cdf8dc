"""The sharing decision: the role-play, the laws of failing closed, and what it says to staff."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mcrules.io import read_subject
from mcrules.models.casework import CaseHistory
from mcrules.models.sharing import SharingRequest
from mcrules.sharing import SHARING_REQUEST, decide_sharing
from mcrules.sharing.decide import DECISIONS
from tests.conftest import ROOT
from tests.sharing.strategies import CATALOGUED, UNKNOWN, build, request_docs

ON = dt.date(2026, 12, 1)
EXAMPLES = ROOT / "examples" / "sharing"


def rank(decision: str) -> int:
    """0 for deny (most restrictive) up to 3 for permit."""
    return DECISIONS.index(decision)


def decide(doc: dict[str, Any], history: CaseHistory | None = None) -> str:
    return decide_sharing(build(doc), history=history, as_of=ON).decision


def test_the_role_play_gives_no_list_but_an_anonymous_aggregate_and_urgency_changes_nothing() -> None:
    request, _ = read_subject(EXAMPLES / "government-list-request.yaml", SHARING_REQUEST)
    d = decide_sharing(request, as_of=ON)
    assert d.decision == "aggregate_only"
    assert d.obligations == ()
    assert any("anonymous table of counts" in a for a in d.alternatives)
    assert any("urgency changes none of the conditions" in n.text for n in d.notes)
    assert all(r.citations for r in d.reasons if not r.text.startswith("consent:"))
    calm = decide_sharing(request.model_copy(update={"urgent": False}), as_of=ON)
    assert calm.decision == d.decision and calm.obligations == d.obligations
    assert "sign a data-sharing agreement with the recipient" in d.would_change


def test_the_json_has_the_contract_keys() -> None:
    request, _ = read_subject(EXAMPLES / "government-list-request.yaml", SHARING_REQUEST)
    data = decide_sharing(request, as_of=ON).as_dict()
    assert {"decision", "reasons", "obligations", "alternatives"} <= set(data)
    assert data["reasons"][0]["citation"][0]["module"] == "Yellow"


def test_a_field_the_catalogue_does_not_know_ranks_most_restrictive_and_is_named() -> None:
    d = decide_sharing(build({"fields": ["sex", "tribe"], "granularity": "aggregate",
                              "recipient": {"type": "public"}}), as_of=ON)
    assert d.decision == "deny"
    assert ("tribe", "personal", "uncatalogued") in d.fields
    assert any("most restrictive class" in r.text and r.text.endswith(": tribe")
               for r in d.reasons)


def test_the_stricter_of_the_declared_and_derived_class_applies() -> None:
    base = {"fields": ["sex", "age_group"], "granularity": "aggregate",
            "recipient": {"type": "public"}}
    assert decide(base) == "permit_with_obligations"
    assert decide({**base, "data_class": "non_personal_sensitive"}) == "deny"
    low = decide_sharing(build({**base, "fields": ["name"], "data_class": "non_personal"}), as_of=ON)
    assert low.data_class == "personal"


def test_granularity_decides_the_class_of_demographic_fields() -> None:
    base = {"fields": ["sex", "nationality"], "recipient": {"type": "public"}}
    agg = decide_sharing(build({**base, "granularity": "aggregate"}), as_of=ON)
    rec = decide_sharing(build({**base, "granularity": "record_level"}), as_of=ON)
    assert (agg.data_class, rec.data_class) == ("non_personal", "personal")
    assert "suppress every cell below 5" in agg.obligations[0]


def test_a_missing_consent_fails_closed_and_asks_for_it() -> None:
    d = decide_sharing(build({"fields": ["name"], "granularity": "record_level",
                              "recipient": {"type": "ngo"},
                              "safeguards": {"data_sharing_agreement": True,
                                             "risk_benefit_assessment": True}}), as_of=ON)
    assert (d.decision, d.fallback, d.missing) == ("aggregate_only", True, ("consent",))
    assert d.would_change[0].startswith("obtain the informed consent")


def history(**over: Any) -> CaseHistory:
    k7: dict[str, Any] = {"id": "K7", "purpose": "data_sharing",
                          "recipient": {"type": "ngo", "name": "Partner"}, "kind": "consent",
                          "given_by": "self", "mode": "written", "decision": "given",
                          "date": "2026-01-10"}
    k7.update(over)
    return CaseHistory.model_validate({"case": "C-1", "person": {"age": 30}, "consents": [k7]})


REF = {"fields": ["name"], "granularity": "record_level",
       "recipient": {"type": "ngo", "name": "Partner"}, "purpose": "referral follow-up",
       "case": "C-1", "consent_ref": "K7",
       "safeguards": {"data_sharing_agreement": True, "risk_benefit_assessment": True}}


def test_a_consent_reference_resolves_against_the_case_history() -> None:
    assert decide(REF, history()) == "permit_with_obligations"
    withdrawn = decide_sharing(build(REF), history=history(withdrawn_on="2026-06-01"), as_of=ON)
    assert withdrawn.decision == "aggregate_only"
    assert any("K7 was withdrawn on 2026-06-01" in r.text for r in withdrawn.reasons)


def test_a_reference_to_no_record_is_no_consent_not_invalid_input() -> None:
    d = decide_sharing(build({**REF, "consent_ref": "K9"}), history=history(), as_of=ON)
    assert d.decision == "aggregate_only"
    assert any("no consent record K9" in r.text for r in d.reasons)
    assert decide(REF) == "aggregate_only"  # no history at all


# -- the laws ---------------------------------------------------------------------------------

def weakened(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Every request with one safeguard or the consent removed (set false, or left out)."""
    out = []
    for key, value in (doc.get("safeguards") or {}).items():
        if value is True:
            for replacement in (False, None):
                w = copy.deepcopy(doc)
                if replacement is None:
                    del w["safeguards"][key]
                else:
                    w["safeguards"][key] = replacement
                out.append(w)
    if doc.get("consent"):
        w = copy.deepcopy(doc)
        del w["consent"]
        out.append(w)
        w = copy.deepcopy(doc)
        w["consent"]["given"] = False
        out.append(w)
    return out


@settings(max_examples=150, deadline=None)
@given(request_docs())
def test_removing_a_safeguard_or_consent_never_loosens_the_decision(doc: dict[str, Any]) -> None:
    before = decide(doc)
    for w in weakened(doc):
        after = decide(w)
        assert rank(after) <= rank(before), (w, before, after)
        if before == "deny":
            assert after == "deny"
        if before == "aggregate_only":
            assert after != "permit"


@settings(max_examples=150, deadline=None)
@given(request_docs(), st.lists(st.sampled_from(CATALOGUED + UNKNOWN), min_size=1, max_size=3))
def test_more_fields_are_never_less_restricted(doc: dict[str, Any], extra: list[str]) -> None:
    # A request that lists no field may hold anything (the most restrictive class, health records
    # too); naming a field answers that question, it is not "more fields".
    assume(doc["fields"])
    more = {**doc, "fields": list(dict.fromkeys([*doc["fields"], *extra]))}
    assert rank(decide(more)) <= rank(decide(doc))


@settings(max_examples=100, deadline=None)
@given(request_docs(), st.lists(st.sampled_from(
    [f for f in CATALOGUED if f != "unaccompanied_children_count"]), min_size=1,
    max_size=5, unique=True))
def test_a_data_subject_asking_for_their_own_record_is_permitted(doc: dict[str, Any],
                                                                 fields: list[str]) -> None:
    own = {**doc, "fields": fields, "granularity": "record_level",
           "recipient": {"type": "data_subject"}, "case": "C-1"}
    own.pop("data_class", None)
    assert decide(own) == "permit"
    # The right of access is to one's own record: naming no case, the list could be anyone's.
    assert decide({k: v for k, v in own.items() if k != "case"}) == "aggregate_only"
    # A field the catalogue does not know may be about someone else: the most restrictive class.
    assert decide({**own, "fields": [*fields, UNKNOWN[0]]}) == "deny"


@settings(max_examples=100, deadline=None)
@given(request_docs())
def test_urgency_never_changes_the_decision(doc: dict[str, Any]) -> None:
    assert decide({**doc, "urgent": True}) == decide({**doc, "urgent": False})


def test_request_files_accept_the_documented_keys(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(
        "data_class: personal\nfields: [name, date_of_birth, sex, nationality]\n"
        "granularity: record_level\n"
        "recipient: {type: government, name: National statistics office}\n"
        "purpose: statistical report\n"
        "consent: {given: true, purposes: [statistical report], recipients: [government]}\n"
        "safeguards: {data_sharing_agreement: false, risk_benefit_assessment: false, "
        "data_access_request_form: false}\nurgent: true\ncase: C-2026-0042\n")
    request, warnings = read_subject(path, SHARING_REQUEST, strict=True)
    assert isinstance(request, SharingRequest) and warnings == []
