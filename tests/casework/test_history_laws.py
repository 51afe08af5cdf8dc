"""Laws of whole case histories, over random walks: registration never goes ahead without verified
eligibility and registration consent, a partner transfer never without consent to it, the state is
the replay of the allowed events, and worsening consent never turns a refused history valid."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mcrules import check_history
from mcrules.casework import next_state
from mcrules.models.casework import CaseAction, CaseEvent, CaseHistory, CaseState
from mcrules.models.consent import ConsentPurpose, Recipient, RecipientType
from mcrules.models.consent_query import valid_consent
from tests.casework.histories import PLAN

LAW = settings(max_examples=40, deadline=None)
START = dt.date(2026, 3, 1)
AGENCY = {"type": "government", "name": "Child welfare agency"}
SHELTER = {"type": "ngo", "name": "Women's shelter"}
CATEGORIES = ["civil_documentation", "health"]
HANDS_OVER = (CaseAction.TRANSFER, CaseAction.REFER, CaseAction.REPORT_TO_POLICE)


@st.composite
def consent_docs(draw: st.DrawFn, i: int) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": f"K{i}", "purpose": draw(st.sampled_from(["registration", "transfer", "referral",
                                                         "police_report"])),
        "kind": draw(st.sampled_from(["consent", "assent"])),
        "given_by": draw(st.sampled_from(["self", "guardian"])),
        "mode": draw(st.sampled_from(["written", "verbal"])),
        "decision": draw(st.sampled_from(["given", "given", "refused"])),
        "date": START + dt.timedelta(days=draw(st.integers(0, 8))),
    }
    if doc["given_by"] == "guardian":
        doc["guardian"] = "Appointed guardian"
    if doc["mode"] == "verbal" and draw(st.booleans()):
        doc["certified_by"] = "staff-17"
    if draw(st.booleans()):
        doc["recipient"] = draw(st.sampled_from([AGENCY, SHELTER]))
    if draw(st.booleans()):
        doc["withdrawn_on"] = doc["date"] + dt.timedelta(days=draw(st.integers(0, 6)))
    if draw(st.integers(0, 3)) == 0:
        doc["data_categories"] = draw(st.lists(st.sampled_from(CATEGORIES), min_size=1,
                                               unique=True))
    return doc


def event_doc(draw: st.DrawFn, action: CaseAction, day: int, ids: list[str]) -> dict[str, Any]:
    doc: dict[str, Any] = {"date": START + dt.timedelta(days=day), "action": action.value}
    if action is CaseAction.VERIFY_ELIGIBILITY:
        doc["result"] = draw(st.sampled_from(["eligible", "eligible", "not_eligible"]))
    elif action is CaseAction.REVIEW:
        doc["result"] = draw(st.sampled_from(["continue", "adjust"]))
    elif action is CaseAction.PLAN:
        doc["plan"] = PLAN
    elif action is CaseAction.CLOSE:
        doc.update(reason="support_ended", prepared=True, unmet_needs_reviewed=True)
    elif action is CaseAction.TRANSFER:
        if draw(st.booleans()):
            doc.update(to={"type": "internal_office"}, handover_plan=draw(st.booleans()))
        else:
            doc["to"] = AGENCY
    elif action is CaseAction.REFER:
        doc["to"] = draw(st.sampled_from([AGENCY, SHELTER, {"type": "ngo", "name": "Legal aid"}]))
    elif action is CaseAction.REPORT_TO_POLICE and draw(st.integers(0, 3)):
        doc["requested_by_person"] = draw(st.booleans())
    if action in HANDS_OVER and draw(st.booleans()):
        doc["data_categories"] = draw(st.lists(st.sampled_from(CATEGORIES), max_size=2,
                                               unique=True))
    if action in (CaseAction.REGISTER, CaseAction.TRANSFER, CaseAction.REFER,
                  CaseAction.REPORT_TO_POLICE) and "handover_plan" not in doc \
            and ids and draw(st.booleans()):
        doc["consent"] = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=2, unique=True))
    return doc


GOOD = [  # records that hold for an adult (the first) or a child (the guardian's)
    {"id": "G1", "purpose": "registration", "kind": "consent", "given_by": "self",
     "mode": "written", "decision": "given", "date": START},
    {"id": "G2", "purpose": "registration", "kind": "consent", "given_by": "guardian",
     "guardian": "Appointed guardian", "mode": "written", "decision": "given", "date": START},
    {"id": "G3", "purpose": "transfer", "recipient": AGENCY, "kind": "consent",
     "given_by": "guardian", "guardian": "Appointed guardian", "mode": "written",
     "decision": "given", "date": START},
    {"id": "G4", "purpose": "referral", "recipient": SHELTER, "kind": "consent",
     "given_by": "guardian", "guardian": "Appointed guardian", "mode": "written",
     "decision": "given", "date": START},
    {"id": "G5", "purpose": "police_report", "kind": "consent", "given_by": "self",
     "mode": "written", "decision": "given", "date": START},
]
STEPS = [CaseAction.IDENTIFY, CaseAction.VERIFY_ELIGIBILITY, CaseAction.REFER,
         CaseAction.REGISTER, CaseAction.REPORT_TO_POLICE, CaseAction.ASSESS, CaseAction.PLAN,
         CaseAction.IMPLEMENT, CaseAction.REFER, CaseAction.REVIEW, CaseAction.TRANSFER,
         CaseAction.CLOSE]


@st.composite
def histories(draw: st.DrawFn) -> CaseHistory:
    consents = [draw(consent_docs(i)) for i in range(draw(st.integers(0, 3)))]
    consents += [g for g in GOOD if draw(st.booleans())]
    ids = [c["id"] for c in consents]
    events = []
    step = 0
    for day in range(draw(st.integers(1, 14))):
        # Mostly the next step, so walks get far; now and then any action.
        if step < len(STEPS) and draw(st.integers(0, 3)) > 0:
            action = STEPS[step]
            step += 1
        else:
            action = draw(st.sampled_from(list(CaseAction)))
        events.append(event_doc(draw, action, day, ids))
    age = draw(st.sampled_from([None, 15, 34]))
    return CaseHistory.model_validate({"case": "C-LAW", "person": {"age": age},
                                       "consents": consents, "events": events})


def _consent(h: CaseHistory, i: int, purpose: ConsentPurpose, recipient: Recipient | None) -> bool:
    e = h.events[i]
    child = h.person is None or h.person.age is None or h.person.age < 18
    records = h.consents
    if purpose is ConsentPurpose.POLICE_REPORT:  # the purpose is the recipient: any refusal holds
        records = [r.model_copy(update={"recipient": None}) if r.purpose is purpose else r
                   for r in records]
    # an event that hands data over without listing it is not covered by a scoped record
    return valid_consent(records, purpose, recipient, e.date, minor=child, ids=e.consent,
                         categories=e.data_categories or (),
                         unlisted=e.action in HANDS_OVER and not e.data_categories).valid


@LAW
@given(histories())
def test_registration_never_goes_ahead_without_verified_eligibility_and_consent(
        h: CaseHistory) -> None:
    report = check_history(h)
    eligible = False
    for out, e in zip(report.events, h.events, strict=True):
        if out.allowed and e.action is CaseAction.VERIFY_ELIGIBILITY:
            eligible = e.result == "eligible"
        if out.allowed and e.action is CaseAction.REGISTER:
            assert eligible
            assert _consent(h, out.event, ConsentPurpose.REGISTRATION, None)


@LAW
@given(histories())
def test_a_partner_transfer_never_goes_ahead_without_consent_to_it(h: CaseHistory) -> None:
    agency = Recipient(type=RecipientType.GOVERNMENT, name="Child welfare agency")
    for out, e in zip(check_history(h).events, h.events, strict=True):
        if out.allowed and e.action is CaseAction.TRANSFER and out.state_after == "transferred_partner":
            assert _consent(h, out.event, ConsentPurpose.TRANSFER, agency)


@LAW
@given(histories())
def test_the_state_is_the_replay_of_the_allowed_events(h: CaseHistory) -> None:
    report = check_history(h)
    state = CaseState.NEW
    for out, e in zip(report.events, h.events, strict=True):
        assert out.state_before == state.value
        if out.allowed:
            after = next_state(state, e)
            assert after is not None and out.state_after == after.value
            state = after
        else:
            assert out.state_after == state.value and out.violations
    assert report.state == state.value
    assert report.valid == all(o.allowed for o in report.events)


def _allowed(h: CaseHistory, action: CaseAction) -> list[tuple[int, CaseEvent]]:
    """The allowed events of `action`, each checked to leave the case where it was."""
    found = []
    for out, e in zip(check_history(h).events, h.events, strict=True):
        if out.allowed and e.action is action:
            assert out.state_after == out.state_before
            found.append((out.event, e))
    return found


@LAW
@given(histories())
def test_a_referral_never_goes_ahead_without_consent_to_it_for_that_provider(
        h: CaseHistory) -> None:
    for i, e in _allowed(h, CaseAction.REFER):
        assert e.to is not None and e.to.type.recipient_type is not None
        provider = Recipient(type=e.to.type.recipient_type, name=e.to.name)
        assert _consent(h, i, ConsentPurpose.REFERRAL, provider)


@LAW
@given(histories())
def test_a_police_report_never_goes_ahead_unless_the_person_asked_and_consented(
        h: CaseHistory) -> None:
    for i, e in _allowed(h, CaseAction.REPORT_TO_POLICE):
        assert e.requested_by_person is True
        assert _consent(h, i, ConsentPurpose.POLICE_REPORT, None)


# "on its date": withdrawn, or last valid, on the day the record was made (a record cannot end
# before it begins).
_WORSE = [{"decision": "refused"}, {"withdrawn_on": "on its date"}, {"valid_until": "on its date"},
          {"mode": "verbal", "certified_by": None}, {"kind": "assent"}]


@LAW
@given(histories(), st.data())
def test_worsening_a_consent_record_never_turns_a_refused_history_valid(
        h: CaseHistory, data: st.DataObject) -> None:
    if not h.consents:
        return
    i = data.draw(st.integers(0, len(h.consents) - 1))
    change = data.draw(st.sampled_from(_WORSE))
    doc = h.model_dump()
    record = doc["consents"][i]
    doc["consents"][i] = {**record, **{k: record["date"] if v == "on its date" else v
                                       for k, v in change.items()}}
    worse = CaseHistory.model_validate(doc)
    assert check_history(worse).valid <= check_history(h).valid


@LAW
@given(histories(), st.data())
def test_adding_a_refusal_never_turns_a_refused_history_valid(h: CaseHistory,
                                                              data: st.DataObject) -> None:
    """A "no" to any purpose, for any recipient or none, on any day, never allows more."""
    refusal = {"id": "NO", "purpose": data.draw(st.sampled_from(list(ConsentPurpose))).value,
               "kind": "consent", "given_by": "self", "mode": "written", "decision": "refused",
               "date": START + dt.timedelta(days=data.draw(st.integers(0, 14)))}
    scope = data.draw(st.sampled_from([None, AGENCY, SHELTER, {"type": "government"}]))
    if scope is not None:
        refusal["recipient"] = scope
    doc = h.model_dump()
    doc["consents"] = [*doc["consents"], refusal]
    assert check_history(CaseHistory.model_validate(doc)).valid <= check_history(h).valid


@LAW
@given(st.lists(st.integers(0, 100).flatmap(consent_docs), max_size=4),
       st.sampled_from(["eligible", "not_eligible"]), st.sampled_from([None, 15, 34]),
       st.booleans())
def test_registration_goes_ahead_exactly_when_eligible_and_consented(
        consents: list[dict[str, Any]], result: str, age: int | None, name_ids: bool) -> None:
    consents = list({c["id"]: c for c in consents}.values())
    register: dict[str, Any] = {"date": START + dt.timedelta(days=5), "action": "register"}
    if name_ids and consents:
        register["consent"] = [c["id"] for c in consents]
    h = CaseHistory.model_validate({
        "case": "C-LAW", "person": {"age": age}, "consents": consents,
        "events": [{"date": START, "action": "identify"},
                   {"date": START, "action": "verify_eligibility", "result": result}, register]})
    allowed = check_history(h).events[2].allowed
    assert allowed == (result == "eligible" and _consent(h, 2, ConsentPurpose.REGISTRATION, None))


@LAW
@given(st.lists(st.integers(0, 100).flatmap(consent_docs), max_size=4),
       st.sampled_from([None, 15, 34]), st.booleans())
def test_a_partner_transfer_goes_ahead_exactly_when_consented(consents: list[dict[str, Any]],
                                                              age: int | None,
                                                              guardian: bool) -> None:
    # a registration refusal would rightly take back G1 and stop the walk before the transfer
    consents = [*{c["id"]: c for c in consents
                  if (c["purpose"], c["decision"]) != ("registration", "refused")}.values(),
                GOOD[0], GOOD[1], *([GOOD[2]] if guardian else [])]
    walk = [{"date": START, "action": "identify"},
            {"date": START, "action": "verify_eligibility", "result": "eligible"},
            {"date": START, "action": "register", "consent": ["G1", "G2"]},
            {"date": START, "action": "assess"},
            {"date": START, "action": "plan", "plan": PLAN},
            {"date": START, "action": "implement"},
            {"date": START + dt.timedelta(days=6), "action": "transfer", "to": AGENCY}]
    h = CaseHistory.model_validate({"case": "C-LAW", "person": {"age": age},
                                    "consents": consents, "events": walk})
    report = check_history(h)
    agency = Recipient(type=RecipientType.GOVERNMENT, name="Child welfare agency")
    expected = _consent(h, 6, ConsentPurpose.TRANSFER, agency)  # age unknown: as for a child
    assert [o.allowed for o in report.events[:6]] == [True] * 6
    assert report.events[6].allowed == expected


@st.composite
def hand_overs(draw: st.DrawFn) -> CaseHistory:
    """A case in implementation that then transfers, refers or reports to the police, on a
    consent for it that lists the data categories it covers (given by the person or a guardian,
    with other records drawn beside it), the event listing some of those categories."""
    action = draw(st.sampled_from(HANDS_OVER))
    purpose = {CaseAction.TRANSFER: "transfer", CaseAction.REFER: "referral",
               CaseAction.REPORT_TO_POLICE: "police_report"}[action]
    scope = draw(st.lists(st.sampled_from(CATEGORIES), min_size=1, unique=True))
    record = {"id": "S1", "purpose": purpose, "kind": "consent",
              "given_by": draw(st.sampled_from(["self", "guardian"])),
              "guardian": "Appointed guardian", "mode": "written", "decision": "given",
              "date": START, "data_categories": scope}
    if record["given_by"] == "self":
        del record["guardian"]
    if action is not CaseAction.REPORT_TO_POLICE:
        record["recipient"] = AGENCY
    more: dict[str, Any] = {"requested_by_person": True} \
        if action is CaseAction.REPORT_TO_POLICE else {"to": AGENCY}
    days = [START + dt.timedelta(days=d) for d in range(7)]
    events = [{"date": days[0], "action": "identify"},
              {"date": days[0], "action": "verify_eligibility", "result": "eligible"},
              {"date": days[0], "action": "register", "consent": ["G1", "G2"]},
              {"date": days[1], "action": "assess"},
              {"date": days[2], "action": "plan", "plan": PLAN},
              {"date": days[3], "action": "implement"},
              {"date": days[4], "action": action.value, "consent": ["S1"],
               "data_categories": draw(st.lists(st.sampled_from(scope), min_size=1,
                                                unique=True)), **more}]
    others = [draw(consent_docs(i)) for i in range(draw(st.integers(0, 2)))]
    return CaseHistory.model_validate({
        "case": "C-LAW", "person": {"age": draw(st.sampled_from([None, 15, 34]))},
        "consents": [GOOD[0], GOOD[1], record, *others], "events": events})


@LAW
@given(hand_overs(), st.booleans())
def test_leaving_out_what_an_event_hands_over_never_turns_a_refused_event_allowed(
        h: CaseHistory, drop: bool) -> None:
    """A transfer, referral or police report that does not list the data it hands over may hand
    over anything: leaving its `data_categories` out, or listing none, never allows more than
    listing them (on main a consent scoped to some categories covered an event listing none)."""
    doc = h.model_dump(exclude_none=True)
    if drop:
        del doc["events"][-1]["data_categories"]
    else:
        doc["events"][-1]["data_categories"] = []
    before, after = check_history(h), check_history(CaseHistory.model_validate(doc))
    assert after.events[-1].allowed <= before.events[-1].allowed
    assert not after.events[-1].allowed
