"""The consent laws, as properties of the one query both case management and data sharing ask:
fail closed, scoped by purpose, recipient, data categories and validity window; assent is not
consent; verbal consent counts only when a staff member certified it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from mcrules.models.consent import ConsentPurpose, ConsentRecord, Recipient, RecipientType
from mcrules.models.consent_query import valid_consent
from tests.strategies import disguised

ON = dt.date(2026, 5, 1)
PURPOSES = list(ConsentPurpose)
TYPES = [RecipientType.GOVERNMENT, RecipientType.NGO, RecipientType.UN_AGENCY]
NAMES = [None, "Child welfare agency", "Police"]
LAW = settings(max_examples=40, deadline=None)


@st.composite
def records(draw: st.DrawFn, ident: str) -> ConsentRecord:
    day = lambda: ON + dt.timedelta(days=draw(st.integers(-40, 40)))  # noqa: E731
    doc: dict[str, Any] = {
        "id": ident,
        "purpose": draw(st.sampled_from(PURPOSES)).value,
        "kind": draw(st.sampled_from(["consent", "assent"])),
        "given_by": draw(st.sampled_from(["self", "guardian"])),
        "mode": draw(st.sampled_from(["written", "audio", "video", "verbal"])),
        "decision": draw(st.sampled_from(["given", "given", "refused"])),
        "date": day(),
    }
    if draw(st.booleans()):
        doc["recipient"] = {"type": draw(st.sampled_from(TYPES)).value,
                            "name": draw(st.sampled_from(NAMES))}
    if doc["given_by"] == "guardian" and draw(st.booleans()):
        doc["guardian"] = "Appointed guardian"
    if doc["mode"] == "verbal" and draw(st.booleans()):
        doc["certified_by"] = "staff-17"
    # A record cannot end before it begins (that is invalid input, not an expiry): its last day
    # and its withdrawal fall on or after its date, before or after the query's day.
    later = lambda: doc["date"] + dt.timedelta(days=draw(st.integers(0, 80)))  # noqa: E731
    if draw(st.booleans()):
        doc["valid_until"] = later()
    if draw(st.booleans()):
        doc["withdrawn_on"] = later()
    if draw(st.booleans()):
        doc["data_categories"] = draw(st.lists(st.sampled_from(["health", "civil_documentation"]),
                                               min_size=1, unique=True))
    return ConsentRecord.model_validate(doc)


record_sets = st.integers(0, 4).flatmap(
    lambda n: st.tuples(*(records(f"K{i}") for i in range(n))).map(list))
queries = st.tuples(st.sampled_from(PURPOSES),
                    st.one_of(st.none(), st.builds(Recipient, type=st.sampled_from(TYPES),
                                                   name=st.sampled_from(NAMES))),
                    st.booleans(),
                    st.lists(st.sampled_from(["health", "civil_documentation"]), unique=True))


def changed(r: ConsentRecord, **over: Any) -> ConsentRecord:
    """`r` with some keys changed, validated again (so enum fields stay enums)."""
    return ConsentRecord.model_validate({**r.model_dump(), **over})


def ask(rs: list[ConsentRecord], q: tuple[Any, ...]) -> bool:
    purpose, recipient, minor, categories = q
    return valid_consent(rs, purpose, recipient, ON, minor=minor, categories=categories).valid


_DEGRADE = [{"decision": "refused"}, {"withdrawn_on": ON}, {"withdrawn_on": ON - dt.timedelta(1)},
            {"valid_until": ON - dt.timedelta(1)}, {"date": ON + dt.timedelta(1)},
            {"mode": "verbal", "certified_by": None}]


@LAW
@given(record_sets, queries, st.data())
def test_a_withdrawal_refusal_or_expiry_never_turns_a_refusal_into_an_allowance(
        rs: list[ConsentRecord], q: tuple[Any, ...], data: st.DataObject) -> None:
    if not rs:
        assert not ask(rs, q)
        return
    i = data.draw(st.integers(0, len(rs) - 1))
    change = data.draw(st.sampled_from(_DEGRADE))
    try:
        worse = [changed(r, **change) if j == i else r for j, r in enumerate(rs)]
    except ValidationError:
        assume(False)  # the change would end the record before it begins: not a record at all
    assert ask(worse, q) <= ask(rs, q)


@LAW
@given(record_sets, queries, st.data())
def test_removing_a_given_record_never_turns_a_refusal_into_an_allowance(
        rs: list[ConsentRecord], q: tuple[Any, ...], data: st.DataObject) -> None:
    if rs:
        i = data.draw(st.integers(0, len(rs) - 1))
        if rs[i].decision.value == "given":  # removing a refusal may rightly restore a consent
            assert ask(rs[:i] + rs[i + 1:], q) <= ask(rs, q)


@LAW
@given(record_sets, queries, st.data())
def test_adding_a_refusal_never_turns_a_refusal_into_an_allowance(
        rs: list[ConsentRecord], q: tuple[Any, ...], data: st.DataObject) -> None:
    if rs:
        i = data.draw(st.integers(0, len(rs) - 1))
        no = changed(rs[i], id="KR", decision="refused")
        assert ask([*rs, no], q) <= ask(rs, q)


def _registration(ident: str, decision: str, date: str, **more: Any) -> ConsentRecord:
    return ConsentRecord.model_validate({
        "id": ident, "purpose": "registration", "kind": "consent", "given_by": "self",
        "mode": "written", "decision": decision, "date": date, **more})


def test_a_later_refusal_takes_back_an_earlier_consent_even_when_only_the_consent_is_cited() -> None:
    given_ = _registration("K1", "given", "2026-03-01")
    no = _registration("K2", "refused", "2026-04-01")
    for ids in (None, ["K1"]):
        answer = valid_consent([given_, no], ConsentPurpose.REGISTRATION, None, ON, ids=ids)
        assert not answer.valid and "K1 was taken back by the refusal K2 of 2026-04-01" \
            in answer.reason
    # before the refusal the consent holds; a later consent after the refusal holds again
    assert valid_consent([given_, no], ConsentPurpose.REGISTRATION, None,
                         dt.date(2026, 3, 15)).valid
    again = _registration("K3", "given", "2026-04-20")
    assert valid_consent([given_, no, again], ConsentPurpose.REGISTRATION, None, ON).valid


def test_a_refusal_for_one_recipient_never_takes_back_consent_for_another() -> None:
    agency = {"type": "government", "name": "Child welfare agency"}
    given_ = changed(_registration("K1", "given", "2026-03-01", recipient=agency),
                     purpose="transfer")
    no = changed(_registration("K2", "refused", "2026-04-01",
                               recipient={"type": "ngo", "name": "Shelter"}), purpose="transfer")
    to = Recipient(type=RecipientType.GOVERNMENT, name="Child welfare agency")
    assert valid_consent([given_, no], ConsentPurpose.TRANSFER, to, ON).valid


@LAW
@given(record_sets, queries)
def test_consent_for_another_purpose_never_authorises(rs: list[ConsentRecord],
                                                      q: tuple[Any, ...]) -> None:
    purpose = q[0]
    other = [r for r in rs if r.purpose is not purpose]
    assert not ask(other, q)


@LAW
@given(record_sets, queries)
def test_consent_for_another_recipient_never_authorises(rs: list[ConsentRecord],
                                                        q: tuple[Any, ...]) -> None:
    recipient = q[1]
    if recipient is None:
        return
    other = [r for r in rs if r.recipient is None or r.recipient.type != recipient.type
             or (r.recipient.name and (not recipient.name
                                       or r.recipient.name.casefold() != recipient.name.casefold()))]
    assert not ask(other, q)


@LAW
@given(record_sets, queries)
def test_a_childs_assent_without_a_guardians_consent_never_counts(rs: list[ConsentRecord],
                                                                  q: tuple[Any, ...]) -> None:
    no_guardian = [r for r in rs if not (r.kind.value == "consent" and r.given_by.value == "guardian")]
    assert not ask(no_guardian, (q[0], q[1], True, q[3]))


@LAW
@given(record_sets, queries)
def test_assent_alone_never_counts_as_consent(rs: list[ConsentRecord], q: tuple[Any, ...]) -> None:
    assents = [r for r in rs if r.kind.value == "assent"]
    assert not ask(assents, q)


@LAW
@given(record_sets, queries)
def test_verbal_consent_without_a_certifying_staff_member_never_counts(
        rs: list[ConsentRecord], q: tuple[Any, ...]) -> None:
    uncertified = [changed(r, mode="verbal", certified_by=None) for r in rs]
    assert not ask(uncertified, q)


@LAW
@given(record_sets, queries)
def test_a_record_never_covers_a_data_category_it_does_not_list(rs: list[ConsentRecord],
                                                                q: tuple[Any, ...]) -> None:
    narrowed = [changed(r, data_categories=["civil_documentation"]) for r in rs]
    assert not ask(narrowed, (q[0], q[1], q[2], ["health"]))


def test_a_guardians_consent_with_the_childs_assent_for_the_transfer_counts() -> None:
    guardian = ConsentRecord.model_validate({
        "id": "K3", "purpose": "transfer", "kind": "consent", "given_by": "guardian",
        "guardian": "Appointed guardian", "mode": "written", "decision": "given",
        "date": "2026-04-02", "recipient": {"type": "government", "name": "Child welfare agency"}})
    assent = changed(guardian, id="K2", kind="assent", given_by="self", guardian=None)
    agency = Recipient(type=RecipientType.GOVERNMENT, name="Child welfare agency")
    answer = valid_consent([assent, guardian], ConsentPurpose.TRANSFER, agency, ON, minor=True)
    assert answer.valid and answer.records == ("K3", "K2") and answer.assents == ("K2",)


def test_consent_to_one_named_recipient_never_covers_an_unnamed_one_of_its_type() -> None:
    agency = {"type": "government", "name": "Child welfare agency"}
    named = changed(_registration("K1", "given", "2026-03-01", recipient=agency),
                    purpose="transfer")
    unnamed = Recipient(type=RecipientType.GOVERNMENT)
    answer = valid_consent([named], ConsentPurpose.TRANSFER, unnamed, ON)
    assert not answer.valid
    assert answer.reason == ("K1 is for one named government recipient, and this recipient is "
                             "not named")
    # a record naming only the type covers every recipient of that type, named or not
    broad = changed(named, recipient={"type": "government"})
    assert valid_consent([broad], ConsentPurpose.TRANSFER, unnamed, ON).valid


@LAW
@given(st.data(), st.sampled_from(["Partner", "Women's shelter", "Child welfare agency"]),
       st.sampled_from(["health", "civil_documentation"]))
def test_a_refusal_binds_a_recipient_and_a_category_it_names_in_look_alike_letters(
        data: st.DataObject, name: str, category: str) -> None:
    """The person's later "no" to `Pаrtner` (Cyrillic а), `Partner` with a zero-width space or
    fullwidth `Ｐａｒｔｎｅｒ` is a "no" to Partner: a caseworker reading the history sees one
    organisation. On main such a refusal was skipped and the old consent permitted."""
    given_ = changed(_registration("K1", "given", "2026-03-01",
                                   recipient={"type": "ngo", "name": name},
                                   data_categories=[category]), purpose="data_sharing")
    other_name = data.draw(disguised(name))
    other_category = data.draw(disguised(category))
    no = changed(given_, id="K2", decision="refused", date=dt.date(2026, 4, 1),
                 recipient={"type": "ngo", "name": other_name}, data_categories=[other_category])
    to = Recipient(type=RecipientType.NGO, name=name)
    assert valid_consent([given_], ConsentPurpose.DATA_SHARING, to, ON,
                         categories=[category]).valid
    answer = valid_consent([given_, no], ConsentPurpose.DATA_SHARING, to, ON,
                           categories=[category], ids=["K1"])
    assert not answer.valid and "taken back by the refusal K2" in answer.reason


def test_a_refusal_of_a_named_recipient_binds_a_request_that_names_no_recipient() -> None:
    """A consent to any NGO, then a refusal of Partner: a request to an NGO it does not name may
    be Partner, so the refusal holds (on main the unnamed request was permitted)."""
    broad = changed(_registration("K1", "given", "2026-03-01", recipient={"type": "ngo"}),
                    purpose="data_sharing")
    no = changed(broad, id="K2", decision="refused", date=dt.date(2026, 4, 1),
                 recipient={"type": "ngo", "name": "Partner"})
    for unnamed in (Recipient(type=RecipientType.NGO),
                    Recipient(type=RecipientType.NGO, name="\u200b\u2060")):  # reads as nothing
        assert valid_consent([broad], ConsentPurpose.DATA_SHARING, unnamed, ON).valid
        answer = valid_consent([broad, no], ConsentPurpose.DATA_SHARING, unnamed, ON)
        assert not answer.valid and "taken back by the refusal K2" in answer.reason
    # a refusal of another organisation still leaves a named request to Partner's neighbour alone
    other = Recipient(type=RecipientType.NGO, name="Legal aid clinic")
    assert valid_consent([broad, no], ConsentPurpose.DATA_SHARING, other, ON).valid


def test_a_staff_member_or_guardian_named_by_invisible_characters_only_names_no_one() -> None:
    """`certified_by: "\u200b"` passed as a certified verbal consent, and `guardian: "\u200b"`
    as a named guardian's consent for a child, on main."""
    verbal = _registration("K1", "given", "2026-03-01", mode="verbal", certified_by="\u200b\u2060")
    answer = valid_consent([verbal], ConsentPurpose.REGISTRATION, None, ON)
    assert not answer.valid and "not certified in writing" in answer.reason
    guardian = _registration("K2", "given", "2026-03-01", given_by="guardian", guardian="\u200b")
    answer = valid_consent([guardian], ConsentPurpose.REGISTRATION, None, ON, minor=True)
    assert not answer.valid and "guardian who is not named" in answer.reason
    assert valid_consent([changed(verbal, certified_by="staff-17")], ConsentPurpose.REGISTRATION,
                         None, ON).valid



def _good(ident: str, purpose: ConsentPurpose, recipient: RecipientType | None,
          name: str | None, **more: Any) -> ConsentRecord:
    """A written consent of the person's own, given before ON, for `purpose` and the recipient:
    valid for an adult wherever its scope reaches."""
    return ConsentRecord.model_validate({
        "id": ident, "purpose": purpose.value, "kind": "consent", "given_by": "self",
        "mode": "written", "decision": "given", "date": ON - dt.timedelta(days=10),
        **({"recipient": {"type": recipient.value, "name": name}} if recipient else {}), **more})


@LAW
@given(record_sets, queries, st.sampled_from(TYPES), st.sampled_from(NAMES))
def test_a_consent_scoped_to_a_recipient_never_authorises_a_query_that_names_none(
        rs: list[ConsentRecord], q: tuple[Any, ...], kind: RecipientType,
        name: str | None) -> None:
    """Registration, assessment or a data-sharing request without a recipient asks for none: a
    record for one recipient is no consent to anyone else (on main it covered the query)."""
    scoped = [*(r for r in rs if r.recipient is not None), _good("KS", q[0], kind, name)]
    assert not ask(scoped, (q[0], None, *q[2:]))


@LAW
@given(record_sets, queries, st.sampled_from([None, *TYPES]), st.sampled_from(NAMES),
       st.sampled_from(["consent", "assent"]))
def test_a_refusal_of_any_recipient_binds_a_query_that_names_none(
        rs: list[ConsentRecord], q: tuple[Any, ...], kind: RecipientType | None,
        name: str | None, refused_kind: str) -> None:
    """A refusal on the day asked, of whatever recipient, takes back every consent of its kind
    for its purpose when the query names no recipient (it may be the one refused); adding it
    never turns a refusal into an allowance (on main a refusal naming a recipient was skipped)."""
    purpose, _, _, categories = q
    unnamed = (purpose, None, False, categories)
    rs = [*rs, _good("KG", purpose, None, None)]  # valid for the unnamed query until refused
    no = ConsentRecord.model_validate({
        "id": "KR", "purpose": purpose.value, "kind": refused_kind, "given_by": "self",
        "mode": "written", "decision": "refused", "date": ON,
        **({"recipient": {"type": kind.value, "name": name}} if kind is not None else {})})
    assert ask([*rs, no], unnamed) <= ask(rs, unnamed)
    if refused_kind == "consent":
        assert not ask([*rs, no], unnamed)



def test_a_refusal_of_a_named_partner_takes_back_a_recipientless_consent() -> None:
    general = changed(_registration("K1", "given", "2026-03-01"), purpose="data_sharing")
    no = changed(general, id="K2", decision="refused", date=dt.date(2026, 4, 1),
                 recipient={"type": "ngo", "name": "Partner"})
    assert valid_consent([general], ConsentPurpose.DATA_SHARING, None, ON).valid
    answer = valid_consent([general, no], ConsentPurpose.DATA_SHARING, None, ON)
    assert not answer.valid and "K1 was taken back by the refusal K2 of 2026-04-01" in answer.reason
    scoped = changed(general, recipient={"type": "ngo", "name": "Partner"})
    answer = valid_consent([scoped], ConsentPurpose.DATA_SHARING, None, ON)
    assert not answer.valid
    assert "K1 is for one ngo recipient, and no recipient is named here" in answer.reason
