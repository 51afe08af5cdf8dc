"""The law of failing closed, for any request and case history: changing one input from known to
unknown (left out, null, a field name the catalogue does not know), or from a valid value to a
type-confused one, never makes the decision less restrictive. A change the reader refuses
(invalid input, exit 2) is not a permit either.

Three keys are left out of "removing a key", because their absence is not an unknown but a
documented value that the reader of the file states by leaving them out: a consent record's
`withdrawn_on` and `valid_until` (none: valid until withdrawn) and `data_categories` (none: the
data the purpose needs), and a request's `data_class` (a declaration that only ever tightens:
none means the fields decide). Setting them to a type-confused value is still in the law.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mcrules.errors import McrulesError
from mcrules.io.case_history import validate_case_history
from mcrules.models.sharing import SharingRequest
from mcrules.sharing import decide_sharing
from mcrules.sharing.decide import DECISIONS
from tests.sharing.strategies import CATALOGUED, RECIPIENTS, SAFEGUARDS, UNKNOWN

ON = dt.date(2026, 12, 1)
PROTECTED = ["hiv_status", "sogiesc", "victim_of_trafficking", "sogiesc_count", "location"]
FIELDS = CATALOGUED + PROTECTED + UNKNOWN
PURPOSES = ["data_sharing", "health_records", "referral", "transfer"]
DOCUMENTED_ABSENCE = {"withdrawn_on", "valid_until", "data_categories", "data_class"}
UNKNOWN_FIELD = "zz_field_nobody_catalogued"
Path = tuple[str | int, ...]


def _strict_booleans() -> bool:
    """Whether the models refuse a string where a boolean belongs (engineer `strict`'s item 1)."""
    try:
        SharingRequest.model_validate({"urgent": "t"})
    except ValueError:
        return True
    return False


STRICT = _strict_booleans()
# Type-confused values for any input: a value of another JSON type. Strings for booleans and
# integers for dates are read leniently until item 1 (strict inputs) lands; they join the law then.
CONFUSED: list[Any] = [[], {}, 7, "soon", 2.5, *(["t", "yes", 1, 0, 1767225600] if STRICT else [])]
maybe = st.booleans()


@st.composite
def consent_records(draw: st.DrawFn, rid: str) -> dict[str, Any]:
    mode = draw(st.sampled_from(["written", "audio", "video", "verbal"]))
    given_by = draw(st.sampled_from(["self", "guardian"]))
    rec: dict[str, Any] = {
        "id": rid, "purpose": draw(st.sampled_from(PURPOSES)),
        "kind": draw(st.sampled_from(["consent", "consent", "assent"])), "given_by": given_by,
        "mode": mode, "decision": draw(st.sampled_from(["given", "given", "refused"])),
        "date": draw(st.sampled_from(["2026-01-10", "2026-11-30", "2027-01-01"])),
    }
    if draw(st.booleans()):
        rec["recipient"] = {"type": draw(st.sampled_from(RECIPIENTS))}
        if draw(maybe):
            rec["recipient"]["name"] = "Partner"
    if given_by == "guardian" and draw(maybe):
        rec["guardian"] = "Appointed guardian"
    if mode == "verbal" and draw(maybe):
        rec["certified_by"] = "staff-17"
    if mode in ("audio", "video") and draw(maybe):
        rec["written_not_feasible"] = draw(st.booleans())
    if draw(st.integers(0, 3)) == 0:
        rec["withdrawn_on"] = draw(st.sampled_from(["2026-06-01", "2027-06-01"]))
    if draw(st.integers(0, 3)) == 0:
        rec["valid_until"] = draw(st.sampled_from(["2026-06-01", "2027-06-01"]))
    if draw(st.integers(0, 2)) == 0:
        rec["data_categories"] = draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=3,
                                               unique=True))
    return rec


@st.composite
def histories(draw: st.DrawFn) -> dict[str, Any]:
    doc: dict[str, Any] = {"case": "C-1"}
    if draw(st.integers(0, 4)):
        person: dict[str, Any] = {}
        if draw(st.integers(0, 3)):
            person["age"] = draw(st.sampled_from([9, 15, 17, 18, 30]))
        if draw(maybe):
            person["sex"] = draw(st.sampled_from(["female", "male"]))
        doc["person"] = person
    n = draw(st.integers(1, 3))
    doc["consents"] = [draw(consent_records(f"K{i + 1}")) for i in range(n)]
    return doc


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    doc: dict[str, Any] = {"recipient": {"type": draw(st.sampled_from(RECIPIENTS))}}
    if draw(maybe):
        doc["recipient"]["name"] = "Partner"
    if draw(st.integers(0, 5)):
        doc["fields"] = draw(st.lists(st.sampled_from(FIELDS), max_size=4, unique=True))
    granularity = draw(st.sampled_from(["record_level", "record_level", "aggregate", None]))
    if granularity:
        doc["granularity"] = granularity
    if draw(st.integers(0, 3)) == 0:
        doc["data_class"] = draw(st.sampled_from(
            ["non_personal", "non_personal_sensitive", "personal"]))
    if draw(st.integers(0, 4)):
        doc["purpose"] = draw(st.sampled_from(["follow-up", "health_records", "referral"]))
    if draw(st.integers(0, 4)):
        doc["case"] = draw(st.sampled_from(["C-1", "C-1", "C-2"]))
    how = draw(st.sampled_from(["ref", "ref", "inline", "none"]))
    if how == "ref":
        doc["consent_ref"] = draw(st.sampled_from(["K1", "K1", "K2", "K9"]))
    elif how == "inline":
        doc["consent"] = {
            "given": draw(st.sampled_from([True, True, False])),
            "purposes": draw(st.lists(st.sampled_from(
                ["follow-up", "health_records", "referral"]), max_size=3, unique=True)),
            "recipients": draw(st.lists(st.sampled_from(RECIPIENTS), max_size=3, unique=True))}
    flags = {k: draw(st.sampled_from([True, True, False, None])) for k in SAFEGUARDS}
    if any(v is not None for v in flags.values()):
        doc["safeguards"] = {k: v for k, v in flags.items() if v is not None}
    return doc


def paths(node: Any, at: Path = ()) -> Iterator[Path]:
    """Every key and list item below `node` (not the root itself)."""
    items = node.items() if isinstance(node, dict) else enumerate(node) \
        if isinstance(node, list) else ()
    for key, value in items:
        yield (*at, key)
        yield from paths(value, (*at, key))


def changed(doc: dict[str, Any], path: Path, change: str, value: Any = None) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    node: Any = out
    for part in path[:-1]:
        node = node[part]
    last = path[-1]
    if change == "remove":
        if isinstance(node, dict):
            del node[last]
        else:  # a list item left out is not a key removed: it is made unknown instead
            node[last] = None
    elif change == "null":
        node[last] = None
    elif change == "unknown_field":
        node[last] = UNKNOWN_FIELD
    else:
        node[last] = value
    return out


def outcome(request: dict[str, Any], history: dict[str, Any] | None) -> int:
    """The decision's rank (0 deny .. 3 permit); -1 when the input is refused (exit 2)."""
    try:
        req = SharingRequest.model_validate(request)
        hist = validate_case_history(history) if history is not None else None
    except (ValueError, McrulesError):
        return -1
    return DECISIONS.index(decide_sharing(req, history=hist, as_of=ON).decision)


def mutations(doc: dict[str, Any]) -> list[tuple[Path, str, Any]]:
    out: list[tuple[Path, str, Any]] = []
    for path in paths(doc):
        if path[-1] not in DOCUMENTED_ABSENCE:
            out += [(path, "remove", None), (path, "null", None)]
        if len(path) >= 2 and path[-2] in ("fields", "data_categories"):
            out.append((path, "unknown_field", None))
        out += [(path, "confuse", v) for v in CONFUSED]
    return out


@st.composite
def favourable(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """A request that the person's own written consent permits when the person is an adult (so
    that every change has a permit to lose) and does not when a child (so that every change has
    a refusal to keep): the age, the fields and the recipient's name drawn, `case` left out now
    and then."""
    fields = draw(st.lists(st.sampled_from(["name", "date_of_birth", "sex", "nationality",
                                            "case_history"]), min_size=1, max_size=3,
                           unique=True))
    request: dict[str, Any] = {
        "case": "C-1", "fields": fields, "granularity": "record_level",
        "recipient": {"type": "ngo", "name": "Partner"}, "purpose": "follow-up",
        "consent_ref": "K1",
        "safeguards": {"data_sharing_agreement": True, "risk_benefit_assessment": True}}
    if draw(st.integers(0, 3)) == 0:
        del request["case"]
    record = {"id": "K1", "purpose": "data_sharing", "recipient": {"type": "ngo"},
              "kind": "consent", "given_by": "self", "mode": "written", "decision": "given",
              "date": "2026-01-10"}
    if draw(maybe):
        record["recipient"]["name"] = "Partner"
    if draw(maybe):
        record["data_categories"] = fields
    history = {"case": "C-1", "person": {"age": draw(st.sampled_from([15, 17, 18, 30]))},
               "consents": [record, *([draw(consent_records("K2"))] if draw(maybe) else [])]}
    return request, history


def check(request: dict[str, Any], history: dict[str, Any] | None) -> None:
    """Every one change of the request and of the history, against the decision before it."""
    before = outcome(request, history)
    if before < 0:
        return
    for path, change, value in mutations(request):
        after = outcome(changed(request, path, change, value), history)
        assert after <= before, ("request", path, change, value, DECISIONS[before],
                                 "refused" if after < 0 else DECISIONS[after])
    for path, change, value in mutations(history) if history is not None else ():
        after = outcome(request, changed(history, path, change, value))
        assert after <= before, ("history", path, change, value, DECISIONS[before],
                                 "refused" if after < 0 else DECISIONS[after])


@settings(max_examples=40, deadline=None)
@given(favourable())
def test_no_unknown_missing_or_confused_input_loosens_what_the_persons_own_consent_gives(
        case: tuple[dict[str, Any], dict[str, Any]]) -> None:
    check(*case)


@settings(max_examples=40, deadline=None)
@given(requests(), histories())
def test_no_unknown_missing_or_confused_input_loosens_a_decision(
        request: dict[str, Any], history: dict[str, Any]) -> None:
    check(request, history)


@settings(max_examples=30, deadline=None)
@given(requests())
def test_no_unknown_missing_or_confused_input_loosens_a_decision_without_a_history(
        request: dict[str, Any]) -> None:
    check(request, None)


@pytest.mark.parametrize("path,value", [(("person", "age"), None), (("case",), "C-2")])
def test_the_law_holds_on_the_cases_the_issue_names(path: Path, value: Any) -> None:
    """A known adult's own consent permits; the age left out, or another case's history, not."""
    history = {"case": "C-1", "person": {"age": 30}, "consents": [
        {"id": "K1", "purpose": "data_sharing", "recipient": {"type": "ngo"}, "kind": "consent",
         "given_by": "self", "mode": "written", "decision": "given", "date": "2026-01-10"}]}
    request = {"case": "C-1", "fields": ["name"], "granularity": "record_level",
               "recipient": {"type": "ngo"}, "purpose": "follow-up", "consent_ref": "K1",
               "safeguards": {"data_sharing_agreement": True, "risk_benefit_assessment": True}}
    assert DECISIONS[outcome(request, history)] == "permit_with_obligations"
    after = outcome(request, changed(history, path, "null" if value is None else "set", value))
    assert after < DECISIONS.index("permit_with_obligations")


INLINE_HISTORY = {"case": "C-1", "person": {"age": 30}, "consents": [
    {"id": "K1", "purpose": "data_sharing", "recipient": {"type": "ngo", "name": "Partner"},
     "kind": "consent", "given_by": "self", "mode": "written", "decision": "given",
     "date": "2026-01-10"}]}
INLINE_REQUEST = {"case": "C-1", "fields": ["name", "date_of_birth"],
                  "granularity": "record_level", "recipient": {"type": "ngo", "name": "Partner"},
                  "purpose": "follow-up",
                  "consent": {"given": True, "purposes": ["follow-up"], "recipients": ["ngo"]},
                  "safeguards": {"data_sharing_agreement": True, "risk_benefit_assessment": True}}


@pytest.mark.parametrize("history_change", [
    {"person": {"age": 15}},  # a child: the block does not say a guardian gave it
    {"person": {}},  # the age not recorded: not known to be an adult
    {"consents": [{**INLINE_HISTORY["consents"][0], "decision": "refused"}]},  # the person's "no"
    {"consents": [{**INLINE_HISTORY["consents"][0], "withdrawn_on": "2026-06-01"}]},
    {"case": "C-2"},  # the history of someone else
])
def test_a_case_history_in_hand_binds_an_inline_consent(history_change: dict[str, Any]) -> None:
    """On main the inline block was read alone, so `consent: {given: true}` permitted a
    15-year-old's record, or one whose person had refused, with the history that says so given."""
    assert DECISIONS[outcome(INLINE_REQUEST, INLINE_HISTORY)] == "permit_with_obligations"
    assert DECISIONS[outcome(INLINE_REQUEST, None)] == "permit_with_obligations"
    after = outcome(INLINE_REQUEST, {**INLINE_HISTORY, **history_change})
    assert 0 <= after < DECISIONS.index("permit_with_obligations"), DECISIONS[after]


@settings(max_examples=40, deadline=None)
@given(requests(), histories())
def test_an_inline_consent_never_outweighs_the_history_given_with_it(
        request: dict[str, Any], history: dict[str, Any]) -> None:
    """For a request stating consent inline: giving a case history never loosens the decision,
    and a history whose every record is a refusal leaves no record-level permit, whatever the
    block says."""
    if "consent" not in request:
        return
    alone, with_history = outcome(request, None), outcome(request, history)
    assert with_history <= alone
    refused = {**history, "consents": [{**c, "decision": "refused"}
                                       for c in history["consents"]]}
    own_record = (request.get("recipient") or {}).get("type") == "data_subject" \
        and "case" in request  # the person's own record: their right of access needs no consent
    if request.get("granularity") == "record_level" and not own_record:
        assert outcome(request, refused) < DECISIONS.index("permit_with_obligations")
