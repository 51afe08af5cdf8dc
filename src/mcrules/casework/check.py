"""`check_history`: walk a case history through the state machine, each event judged by the guard
rules of the packs; the report says which events are refused, by which guard, why, and on what
source.

A refused event changes nothing: later events are judged from the state after the last allowed
event, with only allowed events as history. A guard of severity `error` that fails, or cannot be
told (`unknown`: fail closed), refuses the event; a warning or an info guard that does not pass
is a note on an allowed event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcrules.casework.derive import EventFacts, event_facts
from mcrules.casework.subject import CASE_EVENT, DEFAULT_PACK
from mcrules.casework.transitions import TERMINAL, allowed_actions, next_state
from mcrules.engine.check import evaluator
from mcrules.engine.outcomes import Outcome, Result
from mcrules.engine.report import PackInfo
from mcrules.errors import McrulesError
from mcrules.facts import facts_of
from mcrules.models.casework import CaseAction, CaseEvent, CaseHistory, CaseState
from mcrules.rules.discovery import find_pack
from mcrules.rules.ir import Citation, Severity
from mcrules.rules.pack import Pack
from mcrules.subjects import load_subject_pack

TRANSITION_GUARD = "casework.transition.allowed"
# Whose informed consent a consent guard asks for, by whether the person is a child.
WHOSE = {True: "the guardian's informed consent, with the child's assent,",
         False: "the person's informed consent",
         None: "the person's informed consent (a guardian's, with the child's assent, for a child)"}
# What the caseworker must record when a derived fact is unknown: the key of the history file,
# not the fact's name (consent.valid is unknown only because the age is not recorded).
_HISTORY_KEY = {"consent.valid": "person.age", "consent.assent": "person.age",
                "person.child": "person.age"}
LABELS = {
    CaseAction.IDENTIFY: "Identification",
    CaseAction.VERIFY_ELIGIBILITY: "Eligibility verification",
    CaseAction.REGISTER: "Registration",
    CaseAction.ASSESS: "Assessment",
    CaseAction.PLAN: "Case plan",
    CaseAction.IMPLEMENT: "Plan implementation",
    CaseAction.REVIEW: "Review",
    CaseAction.TRANSFER: "Transfer",
    CaseAction.REFER: "Referral",
    CaseAction.REPORT_TO_POLICE: "Report to the police",
    CaseAction.CLOSE: "Closure",
    CaseAction.WITHDRAW: "Withdrawal",
}


class NoGuardPacksError(McrulesError, ValueError):
    """An empty list of guard packs: judging a history by no guards would allow every event, so
    it is refused as invalid input (a ValueError for callers that catch those)."""


@dataclass(frozen=True)
class Violation:
    """A guard that refused an event: `event` is its 0-based index in `events`."""

    event: int
    action: str
    guard: str
    reason: str
    citations: tuple[Citation, ...]
    outcome: str = "fail"

    def to_dict(self) -> dict[str, Any]:
        return {"event": self.event, "action": self.action, "guard": self.guard,
                "reason": self.reason, "citations": [c.as_dict() for c in self.citations]}


@dataclass(frozen=True)
class EventOutcome:
    """One event: allowed or refused, the states around it, and the notes of guards that do not
    refuse (warnings)."""

    event: int
    date: dt.date
    action: str
    allowed: bool
    state_before: str
    state_after: str
    violations: tuple[Violation, ...]
    notes: tuple[Violation, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"event": self.event, "date": self.date.isoformat(), "action": self.action,
                "allowed": self.allowed, "state_before": self.state_before,
                "state_after": self.state_after,
                "violations": [v.to_dict() for v in self.violations],
                "notes": [n.to_dict() for n in self.notes]}


@dataclass(frozen=True)
class CaseworkReport:
    """The contract: `case`, `state` (after the last allowed event), `valid`, `violations` in
    event order; also every event's outcome and the packs used."""

    case: str
    state: str
    events: tuple[EventOutcome, ...]
    packs: tuple[PackInfo, ...]
    replaced_by: tuple[str, ...] = ()
    """The packs that replaced the default guards (`replaces:` in their pack.yaml); empty when
    the default's guards were evaluated."""

    @property
    def violations(self) -> tuple[Violation, ...]:
        return tuple(v for e in self.events for v in e.violations)

    @property
    def notes(self) -> tuple[Violation, ...]:
        return tuple(n for e in self.events for n in e.notes)

    @property
    def valid(self) -> bool:
        return all(e.allowed for e in self.events)

    def to_dict(self) -> dict[str, Any]:
        return {"case": self.case, "state": self.state, "valid": self.valid,
                "violations": [v.to_dict() for v in self.violations],
                "notes": [n.to_dict() for n in self.notes],
                "events": [e.to_dict() for e in self.events],
                "packs": [p.as_dict() for p in self.packs],
                "default_guards": {"pack": DEFAULT_PACK, "evaluated": not self.replaced_by,
                                   "replaced_by": list(self.replaced_by)}}


def load_casework_pack(ref: str | Path = DEFAULT_PACK, *, variants: Sequence[str] = (),
                       parameters: Mapping[str, str | float] | None = None,
                       as_of: dt.date | None = None) -> Pack:
    """A pack of guards about case events (default `casework-2023`), configured."""
    return load_subject_pack(ref, (CASE_EVENT,), variants=variants, parameters=parameters,
                             as_of=as_of)


def _is_default(pack: Pack) -> bool:
    """Whether `pack` is the default guard pack (configured or not): loaded from the folder the
    default's id resolves to, so a programme pack that merely takes the id is not mistaken for it."""
    return pack.path is not None and pack.path.resolve() == find_pack(DEFAULT_PACK).resolve()


def guard_packs(packs: Sequence[Pack] | None = None) -> tuple[Pack, ...]:
    """The packs a history is judged by: the default guards (casework-2023) and every pack
    given, each once. A programme's pack tightens the default, never replaces it, unless its
    pack.yaml says `replaces: casework-2023` (the report then says so). None: the default alone;
    an empty list is NoGuardPacksError, never "no guards, everything allowed"."""
    if packs is None:
        return (load_casework_pack(),)
    given = tuple(packs)
    if not given:
        raise NoGuardPacksError("no guard packs: a case history is judged by the default guards "
                                f"({DEFAULT_PACK}) and a programme's own; pass none for the "
                                "default, never an empty list")
    seen: set[tuple[str, str]] = set()
    unique: list[Pack] = []
    for p in given:
        key = (str(p.path), p.content_hash)
        if key not in seen:
            seen.add(key)
            unique.append(p)
    if any(_is_default(p) for p in unique) or any(p.replaces == DEFAULT_PACK for p in unique):
        return tuple(unique)
    return (load_casework_pack(), *unique)


def check_history(history: CaseHistory, packs: Sequence[Pack] | None = None) -> CaseworkReport:
    """Judge every event of `history` with the default guards (casework-2023) and those of
    `packs` (a programme's own, which tighten them; see `guard_packs`), each on the event's date."""
    chosen = guard_packs(packs)
    replaced = () if any(_is_default(p) for p in chosen) else \
        tuple(p.id for p in chosen if p.replaces == DEFAULT_PACK)
    state = CaseState.NEW
    earlier: list[CaseEvent] = []
    outcomes: list[EventOutcome] = []
    for i, event in enumerate(history.events):
        target = next_state(state, event)
        derived = event_facts(history, i, state, target is not None, earlier)
        refused, notes = _judge(derived, event, i, state, chosen)
        allowed = not refused and target is not None
        after = target if allowed and target is not None else state
        if allowed:
            earlier.append(event)
        outcomes.append(EventOutcome(i, event.date, event.action.value, allowed, state.value,
                                     after.value, tuple(refused), tuple(notes)))
        state = after
    return CaseworkReport(history.case, state.value, tuple(outcomes),
                          tuple(PackInfo.of(p) for p in chosen), replaced)


def _judge(derived: EventFacts, event: CaseEvent, index: int, state: CaseState,
           packs: Sequence[Pack]) -> tuple[list[Violation], list[Violation]]:
    """The guards that refuse the event and, on an allowed event, those that only note something.
    An action the table does not allow is refused by the transition guard alone: its other guards
    are moot."""
    facts = facts_of(derived.facts, CASE_EVENT.name)
    results: list[Result] = []
    for pack in packs:
        # The guards' dated values in force on the event's own day (self when none is dated).
        results.extend(evaluator(pack.on_date(event.date)).run(facts, as_of=event.date).results)
    fill = _filler(derived, event, state)
    refused: list[Violation] = []
    notes: list[Violation] = []
    transition_ok = derived.facts.transition_allowed
    for r in results:
        if r.outcome in (Outcome.PASS, Outcome.NOT_APPLICABLE):
            continue
        if not transition_ok and r.rule.id != TRANSITION_GUARD:
            continue
        refuses = r.rule.severity is Severity.ERROR
        v = Violation(index, event.action.value, r.rule.id, _reason(r, event, fill, refuses),
                      r.rule.citations, r.outcome.value)
        into = refused if refuses else notes
        if v not in into:  # a programme pack that requires the default brings its guards twice
            into.append(v)
    if not transition_ok and not any(v.guard == TRANSITION_GUARD for v in refused):
        # A pack set without the transition guard still never lets the table be broken.
        refused.insert(0, Violation(index, event.action.value, TRANSITION_GUARD,
                                    _reason(None, event, fill, True), ()))
    return refused, ([] if refused else notes)


def _label(event: CaseEvent) -> str:
    if event.action in (CaseAction.TRANSFER, CaseAction.REFER) and event.to is not None:
        return f"{LABELS[event.action]} to {event.to.name or event.to.type.value.replace('_', ' ')}"
    return LABELS[event.action]


def _filler(derived: EventFacts, event: CaseEvent, state: CaseState) -> dict[str, str]:
    allowed = [a.value for a in allowed_actions(state)]
    nxt = "the case has ended, so nothing may follow" if state in TERMINAL or not allowed else \
        "what may come next is " + (f"{', '.join(allowed[:-1])} or {allowed[-1]}"
                                    if len(allowed) > 1 else allowed[0])
    return {
        "state": state.value,
        "action": event.action.value,
        "allowed": nxt,
        "consent": derived.consent_reason or "no consent is recorded",
        "whose": WHOSE[derived.facts.person.child],
        "unmeasurable": "; ".join(f"'{o}'" for o in derived.unmeasurable),
    }


def _reason(result: Result | None, event: CaseEvent, fill: Mapping[str, str],
            refuses: bool) -> str:
    """The caseworker's sentence: what was refused (or, for a note, what it is about), why and
    what would allow it, from the rule's first fix text with the event's words filled in; an
    unknown names what is not recorded."""
    text = result.rule.levers[0].text if result is not None and result.rule.levers else \
        "the case is in {state}, where {action} cannot come next; {allowed}"
    for key, value in fill.items():
        text = text.replace("{" + key + "}", value)
    head = f"{_label(event)} {'refused' if refuses else 'allowed, but'}: {text}"
    if result is not None and result.outcome is Outcome.UNKNOWN and result.missing:
        keys = dict.fromkeys(_HISTORY_KEY.get(m, m.rsplit(".", 1)[-1]) for m in result.missing)
        head += f" (not recorded: {', '.join(keys)})"
    return head if head.endswith(".") else head + "."
