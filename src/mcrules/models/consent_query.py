"""Is there valid consent for purpose P to recipient R on date D? Fail-closed, with the reason.

A record authorises only when every element holds: it was given (not refused), on or before D,
not withdrawn on or before D, not expired before D, for purpose P, for recipient R (a record that
names no recipient authorises none; when no R is asked, only a record that names none covers it,
and a refusal of any recipient binds it), recorded in writing, in audio or video only where the record
says written consent was not feasible (`written_not_feasible: true`), or verbally and certified in
writing by a named staff member, and covering every data category asked for (a record that lists
its categories covers only those, so never a request that asks for data without listing it), and
not taken back by a refusal of the same
kind and purpose for that scope dated on or after it and on or before D. Reasons name record ids, purposes,
recipient types, categories and dates, never a person or an organisation's name (they go into
decision records). Assent (a child's, or a person's without capacity) never counts as consent by
itself: it needs a valid consent given by a named guardian for the same purpose and recipient,
and for a child (`minor`) only a guardian's consent counts.

It sits with the models so that data sharing and case management both ask it without importing
each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from mcrules.errors import McrulesError
from mcrules.models.consent import (
    RECORDED_MODES,
    ConsentDecision,
    ConsentKind,
    ConsentMode,
    ConsentPurpose,
    ConsentRecord,
    GivenBy,
    Recipient,
)
from mcrules.models.skeleton import id_skeleton


@dataclass(frozen=True)
class ConsentAnswer:
    """The answer: `valid`, the records that make it so, and why (or why not) in words."""

    valid: bool
    reason: str
    records: tuple[str, ...] = ()
    assents: tuple[str, ...] = ()  # the valid assents that go with the consent (the person involved)


def record_problem(record: ConsentRecord, purpose: ConsentPurpose, recipient: Recipient | None,
                   on: dt.date, categories: Sequence[str] = (), *,
                   unlisted: bool = False) -> str | None:
    """Why `record` does not cover (purpose, recipient, on, categories) by itself, or None when it
    does (leaving aside who gave it, which `valid_consent` weighs). `unlisted`: data is asked for
    without a list of what, which only a record that lists no categories covers."""
    rid = record.id
    if record.decision is ConsentDecision.REFUSED:
        return f"{rid} records a refusal"
    if record.withdrawn_on is not None and record.withdrawn_on <= on:
        return f"{rid} was withdrawn on {record.withdrawn_on.isoformat()}"
    if record.date > on:
        return f"{rid} was given only on {record.date.isoformat()}"
    if record.valid_until is not None and record.valid_until < on:
        return f"{rid} expired on {record.valid_until.isoformat()}"
    if record.purpose is not purpose:
        return f"{rid} is for {record.purpose.value}, not {purpose.value}"
    if recipient is None and record.recipient is not None:
        # Nothing is asked of a recipient, so the query may be for anyone (a data-sharing request
        # without one) or for no one outside (registration): a record for one recipient covers
        # neither, and never widens into consent to whoever else. Fail closed.
        return (f"{rid} is for one {record.recipient.type.value} recipient, and no recipient "
                "is named here")
    if recipient is not None and not _covers(record.recipient, recipient):
        if record.recipient is None:
            return f"{rid} names no recipient"
        if record.recipient.type != recipient.type:
            return f"{rid} is for {record.recipient.type.value}, not {recipient.type.value}"
        if recipient.name is None:
            return (f"{rid} is for one named {recipient.type.value} recipient, and this "
                    "recipient is not named")
        return f"{rid} is for another {recipient.type.value} recipient"
    if unlisted and record.data_categories is not None:
        return (f"{rid} covers only the data categories it lists, and the request (or event) "
                "does not list the data it asks for (data_categories)")
    if categories and record.data_categories is not None:
        scope = {c.casefold() for c in record.data_categories}
        outside = [c for c in categories if c.casefold() not in scope]
        if outside:
            return f"{rid} does not cover {', '.join(outside)}"
    if record.mode in RECORDED_MODES and record.written_not_feasible is not True:
        # Blue/Yellow/Red Facilitator Note 2.5.1/3.5.1: "Consent is usually provided in writing by
        # signing a consent form. In case this is not feasible or appropriate (...), it is possible
        # to record audio or video consent."
        return (f"{rid} is a {record.mode.value} consent and does not record that written consent "
                "was not feasible (written_not_feasible)")
    if record.mode is ConsentMode.VERBAL and not _named(record.certified_by):
        return f"{rid} is verbal and not certified in writing by a staff member"
    if record.given_by is GivenBy.GUARDIAN and not _named(record.guardian):
        return f"{rid} is given by a guardian who is not named"
    if record.kind is ConsentKind.ASSENT and record.given_by is GivenBy.GUARDIAN:
        return f"{rid} is an assent given by a guardian; assent is the person's own"
    return None


def _named(who: str | None) -> bool:
    """Whether `who` names someone: not absent, not blank, not invisible characters only (a
    certifying staff member or a guardian written as a zero-width space is no one)."""
    return who is not None and bool(id_skeleton(who))


def _covers(scope: Recipient | None, wanted: Recipient) -> bool:
    """A record scoped to a recipient type covers that type; a record that names the
    organisation covers only a recipient named the same (a record for one agency never covers
    another, nor an unnamed recipient of its type, which may be another: fail closed)."""
    if scope is None or scope.type != wanted.type:
        return False
    if scope.name:
        return wanted.name is not None and scope.name.casefold() == wanted.name.casefold()
    return True


def _touches(scope: Recipient, wanted: Recipient) -> bool:
    """Whether a refusal scoped to `scope` applies to `wanted`: as `_covers`, but names are
    compared by what they look like (`id_skeleton`), so a refusal of `Pаrtner` (Cyrillic а), of
    `Partner` with a zero-width space or of fullwidth `Ｐａｒｔｎｅｒ` still binds `Partner`: a
    caseworker reading the history sees one organisation, and the person's "no" holds."""
    if scope.type != wanted.type:
        return False
    if scope.name:
        # a name that reads as nothing (zero-width characters only) names no one: it may be the
        # refused organisation as much as an absent name may
        seen = id_skeleton(wanted.name) if wanted.name is not None else ""
        return not seen or id_skeleton(scope.name) == seen
    return True


def _latest_refusals(everything: Sequence[ConsentRecord], purpose: ConsentPurpose,
                     recipient: Recipient | None, on: dt.date,
                     categories: Sequence[str],
                     known: Callable[[str], bool] | None = None
                     ) -> dict[ConsentKind, ConsentRecord]:
    """For each kind, the latest refusal for `purpose` in force on `on` whose scope touches what
    is asked (a refusal naming no recipient, or this one, or any recipient when the query names
    none: an unnamed recipient may be the one refused; no categories listed, or one asked). The latest
    decision holds, so an old consent never outlives the person's later "no", even when the
    event cites only the old one. One pass, so a long history stays linear. With `known` (what
    a catalogue knows), a refusal that lists a category it does not know (`dob` for
    `date_of_birth`) may be the data asked for, so it binds: a typo never lifts a refusal."""
    wanted = {id_skeleton(c) for c in categories}
    latest: dict[ConsentKind, ConsentRecord] = {}
    for s in everything:
        if s.decision is not ConsentDecision.REFUSED or s.purpose is not purpose or s.date > on:
            continue
        if s.withdrawn_on is not None and s.withdrawn_on <= on:
            continue  # a refusal taken back no longer holds
        if s.recipient is not None and recipient is not None \
                and not _touches(s.recipient, recipient):
            continue  # a refusal of another recipient; one of any recipient binds an unnamed one
        if s.data_categories is not None and wanted \
                and not {id_skeleton(c) for c in s.data_categories} & wanted \
                and (known is None or all(known(c) for c in s.data_categories)):
            continue
        if s.kind not in latest or s.date > latest[s.kind].date:
            latest[s.kind] = s
    return latest


def _superseded(record: ConsentRecord, refusals: Mapping[ConsentKind, ConsentRecord]) -> str | None:
    """Why a refusal of the same kind dated on or after `record` (the same day: fail closed) takes
    it back, or None."""
    s = refusals.get(record.kind)
    if s is None or s.date < record.date:
        return None
    return f"{record.id} was taken back by the refusal {s.id} of {s.date.isoformat()}"


def consent_purpose(purpose: ConsentPurpose | str) -> ConsentPurpose:
    """`purpose` as the enum: the enum itself or its value; McrulesError naming `purpose` and
    listing the purposes for any other string, TypeError for any other type."""
    if isinstance(purpose, ConsentPurpose):
        return purpose
    if not isinstance(purpose, str):
        raise TypeError(f"purpose must be a ConsentPurpose or its value, got "
                        f"{type(purpose).__name__}")
    try:
        return ConsentPurpose(purpose)
    except ValueError:
        known = ", ".join(p.value for p in ConsentPurpose)
        raise McrulesError(f"unknown purpose {purpose[:60]!r} (known: {known})",
                           path="purpose") from None


def valid_consent(records: Iterable[ConsentRecord], purpose: ConsentPurpose | str,
                  recipient: Recipient | None, on: dt.date, *, minor: bool = False,
                  ids: Sequence[str] | None = None,
                  categories: Sequence[str] = (), unlisted: bool = False,
                  known: Callable[[str], bool] | None = None) -> ConsentAnswer:
    """Whether `records` (or only those whose id is in `ids`) hold valid consent for `purpose`
    to `recipient` on `on`, for the data `categories` asked for (none: no category is asked;
    `unlisted`: data is asked for without saying which, so a record scoped to categories fails;
    `known`: the categories a catalogue knows, so a refusal listing an unknown one binds).
    `minor`: the person is a child, so only a guardian's consent counts. Without `ids` the reason
    names only the records for `purpose`.

    `purpose` may be the enum or its value (`"registration"`); any other value is an error
    naming `purpose`, and a wrong type of any argument a TypeError naming it: a plain string
    once matched no record by identity and failed deep inside with an AttributeError."""
    purpose = consent_purpose(purpose)
    if recipient is not None and not isinstance(recipient, Recipient):
        raise TypeError(f"recipient must be a Recipient or None, got {type(recipient).__name__}")
    if isinstance(on, dt.datetime) or not isinstance(on, dt.date):
        raise TypeError(f"on must be a date, got {type(on).__name__}")
    if isinstance(records, str | bytes | Mapping) or not isinstance(records, Iterable):
        raise TypeError(f"records must be a list of ConsentRecord, got {type(records).__name__}")
    everything = list(records)
    for n, r in enumerate(everything):
        if not isinstance(r, ConsentRecord):
            raise TypeError(f"records[{n}] must be a ConsentRecord, got {type(r).__name__}")
    refusals = _latest_refusals(everything, purpose, recipient, on, categories, known)
    pool = everything
    if ids is not None:
        have = {r.id for r in pool}
        absent = [i for i in ids if i not in have]
        if absent:
            return ConsentAnswer(False, f"no consent record {', '.join(absent)} in the case history")
        pool = [r for r in pool if r.id in ids]
    if not pool:
        return ConsentAnswer(False, "no consent record")
    problems: list[str] = []
    usable: list[ConsentRecord] = []
    beside: list[str] = []  # problems of records for other purposes
    for r in pool:
        why = record_problem(r, purpose, recipient, on, categories, unlisted=unlisted)
        if why is None:
            why = _superseded(r, refusals)
        if why is None:
            usable.append(r)
        else:
            (problems if ids is not None or r.purpose is purpose else beside).append(why)
    if not problems and not usable:
        problems = beside
    consents = [r for r in usable if r.kind is ConsentKind.CONSENT
                and (r.given_by is GivenBy.GUARDIAN or not minor)]
    assents = [r for r in usable if r.kind is ConsentKind.ASSENT]
    if consents:
        chosen = consents[0]
        who = "the guardian" if chosen.given_by is GivenBy.GUARDIAN else "the person"
        return ConsentAnswer(True, f"{chosen.id}: consent given by {who} for {purpose.value}",
                             (chosen.id, *(a.id for a in assents)), tuple(a.id for a in assents))
    if assents:
        whose = "a child's" if minor else "the person's"
        to = " to this recipient" if recipient is not None else ""
        problems.append(f"{assents[0].id} is {whose} assent; a guardian's consent for "
                        f"{purpose.value}{to} is also needed")
    selfs = [r for r in usable if r.kind is ConsentKind.CONSENT and r.given_by is GivenBy.SELF]
    if minor and selfs:
        problems.append(f"{selfs[0].id} is a child's own consent; a guardian's consent is needed")
    return ConsentAnswer(False, "; ".join(problems) or "no valid consent")


def consent_by_age(ask: Callable[[bool], ConsentAnswer],
                   child: bool | None) -> tuple[ConsentAnswer, ConsentAnswer | None]:
    """Whose consent counts for a person known to be a child (True), an adult (False) or of no
    recorded age (None), given `ask(minor)`: a child's, and an unknown age's, is asked as a
    child's (a guardian's consent), an adult's as their own. The second answer is the person's
    own valid consent when the age is unknown: it cannot count (unknown is never adult), and the
    caller says why. The one reading case management and data sharing share."""
    as_child = ask(True)
    if as_child.valid or child is True:
        return as_child, None
    as_adult = ask(False)
    if child is False:
        return as_adult, None
    return as_child, as_adult if as_adult.valid else None
