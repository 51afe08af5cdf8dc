"""Which services a migrant is eligible for, why, and what to ask next.

The verdicts are the pack's: each service is a rule tagged `service` (pass is `eligible`, fail
`not_eligible`, unknown `unknown`) whose check joins its criteria, and each criterion is a
decision table the rule reads with `decision('...') == 'met'`, deciding `met` or `not_met` with
the sentence a caseworker reads. This module only gathers them per service: the reasons (what is
not met first, then what is not yet known, then what is met), the criteria's citations, the
missing inputs, and the next questions ranked by how many pending services an answer settles.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from mcrules.engine.check import check_facts
from mcrules.engine.outcomes import DecisionResult, Outcome, Result
from mcrules.engine.report import Report
from mcrules.errors import McrulesError
from mcrules.models.case import Case
from mcrules.rules.ir import DECISION_PREFIX, Rule, derived_keys
from mcrules.rules.pack import Pack
from mcrules.subjects import Subject, dated, get, load_subject_pack

DEFAULT_PACK = "eligibility-2023"
SERVICE_TAG = "service"
CRITERION_OUTPUTS = frozenset({"met", "not_met"})
OUTCOMES = {Outcome.PASS: "eligible", Outcome.FAIL: "not_eligible", Outcome.UNKNOWN: "unknown"}


def case_subject() -> Subject[Any]:
    """The case subject, from the registry (the assessment package declares it)."""
    return get("case")


def load_eligibility_pack(
    ref: str | Path = DEFAULT_PACK,
    *,
    variants: Iterable[str] = (),
    parameters: Mapping[str, str | float] | None = None,
    as_of: dt.date | None = None,
) -> Pack:
    """Load an eligibility pack (cached until its files or a required pack's change) and
    configure it; McrulesError when it declares no service."""
    pack = load_subject_pack(ref, (case_subject(),), variants=variants, parameters=parameters,
                             as_of=as_of)
    in_force = as_of is None or pack.in_force(as_of)
    if in_force and not any(SERVICE_TAG in r.tags for r in pack.rules):
        raise McrulesError(f"pack {pack.id} declares no service (a rule tagged "
                           f"`{SERVICE_TAG}`): it is not an eligibility pack")
    return pack


@dataclass(frozen=True)
class Criterion:
    """One criterion of a service on this case: met, not_met or unknown, and why."""

    id: str
    question: str
    outcome: str                       # met | not_met | unknown
    reasons: tuple[str, ...]
    obligations: tuple[str, ...]
    missing: tuple[str, ...]
    citations: tuple[dict[str, Any], ...]

    def as_dict(self) -> dict[str, Any]:
        return {"criterion": self.id, "question": self.question, "outcome": self.outcome,
                "reasons": list(self.reasons), "obligations": list(self.obligations),
                "missing": list(self.missing), "citations": list(self.citations)}


@dataclass(frozen=True)
class Service:
    """One service's answer: `as_dict()` is the JSON contract (service, outcome, reasons,
    missing, citations); the criteria behind it stay available to callers."""

    service: str
    rule: str
    title: str
    outcome: str                       # eligible | not_eligible | unknown
    reasons: tuple[str, ...]
    missing: tuple[str, ...]
    citations: tuple[dict[str, Any], ...]
    criteria: tuple[Criterion, ...] = ()

    @property
    def obligations(self) -> tuple[str, ...]:
        """What the criteria not met oblige the centre to do (the duty to refer)."""
        return tuple(o for c in self.criteria if c.outcome == "not_met" for o in c.obligations)

    def as_dict(self) -> dict[str, Any]:
        return {"service": self.service, "outcome": self.outcome, "reasons": list(self.reasons),
                "missing": list(self.missing), "citations": list(self.citations)}


@dataclass(frozen=True)
class NextQuestion:
    """A missing input, the pending services some answer to it settles, and the criterion's
    question it answers."""

    input: str
    settles: tuple[str, ...]
    question: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"input": self.input, "settles": list(self.settles), "count": len(self.settles),
                "question": self.question}


@dataclass(frozen=True)
class EligibilityReport:
    """Every service's answer on one case; `to_dict()` is the JSON of docs/eligibility.md."""

    case: dict[str, Any]
    report: Report
    as_of: dt.date
    services: tuple[Service, ...]
    warnings: tuple[str, ...] = field(default=())

    def service(self, service_id: str) -> Service:
        for s in self.services:
            if s.service == service_id:
                return s
        raise KeyError(service_id)

    @cached_property
    def next_questions(self) -> tuple[NextQuestion, ...]:
        """The missing inputs that would settle pending services, the most settling first (the
        engine's search, over the service verdicts only). Searched for on first use."""
        by_rule = {s.rule: s.service for s in self.services}
        # The question of the most direct criterion that asks for an input: the one missing
        # the fewest inputs ("Did the screening find a victim of trafficking?", not the
        # vulnerable-situation criterion that reads every flag).
        asked: dict[str, tuple[int, str]] = {}
        for s in self.services:
            for c in s.criteria:
                for path in c.missing if c.outcome == "unknown" else ():
                    if path not in asked or len(c.missing) < asked[path][0]:
                        asked[path] = (len(c.missing), c.question)
        out = []
        # Searched over the service verdicts only, so they rank by the services they settle even
        # when the report was made for every verdict (`mcrules.evaluate`).
        for q in self.report.questions_among(by_rule):
            settles = tuple(by_rule[r] for r in q.settles if r in by_rule)
            if settles:
                direct = asked.get(q.input)
                out.append(NextQuestion(q.input, settles, direct[1] if direct else None))
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        from mcrules import __version__

        return {
            "mcrules_version": __version__,
            "case": self.case,
            "packs": [p.as_dict() for p in self.report.packs],
            "ruleset_hash": self.report.ruleset_hash,
            "as_of": self.as_of.isoformat(),
            "services": [s.as_dict() for s in self.services],
            "next_questions": [q.as_dict() for q in self.next_questions],
            "warnings": list(self.warnings),
        }


def eligibility(
    case: Case,
    packs: Pack | Sequence[Pack] | None = None,
    as_of: dt.date | None = None,
    *,
    variants: Iterable[str] = (),
    parameters: Mapping[str, str] | None = None,
    source: str | None = None,
    warnings: Sequence[str] = (),
) -> EligibilityReport:
    """Every service of `packs` (default: eligibility-2023 with `variants` and `parameters`) for
    `case` on `as_of` (default: the case's `assessed_on`; this layer reads no clock, so one of
    them is needed: `mcrules.check_eligibility` reads it). McrulesError when a pack is not in
    force on that date, or a service or criterion is malformed."""
    on = dated(as_of or case.assessed_on, "mcrules.check_eligibility")
    if packs is None:
        chosen: list[Pack] = [load_eligibility_pack(variants=variants, parameters=parameters,
                                                    as_of=on)]
    else:
        chosen = [packs] if isinstance(packs, Pack) else list(packs)
        if tuple(variants) or parameters:
            chosen = [p.configure(tuple(variants), parameters, on) for p in chosen]
        chosen = [p.on_date(on) for p in chosen]  # as loaded: their latest dated values
    subject = case_subject()
    services = service_rules(chosen, on)
    report = check_facts(subject.facts(case), chosen, subject_name=subject.name,
                         about=subject.about(case, source), warnings=warnings, as_of=on,
                         ask_for={r.id for _, r in services})
    return eligibility_of(report, case, chosen, on, source=source)


def service_rules(packs: Sequence[Pack], on: dt.date) -> list[tuple[Pack, Rule]]:
    """Every service rule of `packs` with its pack; McrulesError when a pack is not in force on
    `on` or a service is declared twice."""
    services: list[tuple[Pack, Rule]] = []
    for pack in packs:
        if not pack.in_force(on):
            span = " ".join(f"{word} {day.isoformat()}" for word, day in
                            (("from", pack.effective_from), ("until", pack.effective_to)) if day)
            raise McrulesError(f"pack {pack.id} is not in force on {on.isoformat()} (it is in "
                               f"force {span})", path="as_of")
        services += [(pack, r) for r in pack.rules if SERVICE_TAG in r.tags]
    ids = [_service_id(r) for _, r in services]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise McrulesError(f"service {twice[0]!r} is declared twice (two rules tagged "
                           f"`{SERVICE_TAG}` whose ids end in it)")
    return services


def eligibility_of(report: Report, case: Case, packs: Sequence[Pack], on: dt.date, *,
                   source: str | None = None) -> EligibilityReport:
    """Every service of `packs` from a report that evaluated them on `case` (among other packs,
    maybe), read from its results and decisions rather than evaluated again."""
    services = service_rules(packs, on)
    results = {r.rule.id: r for r in report.results}
    decisions = {d.table.id: d for d in report.decisions}
    answers = tuple(_service(pack, rule, results[rule.id], decisions) for pack, rule in services)
    about = {"id": case.id, "file": source,
             "assessed_on": case.assessed_on.isoformat() if case.assessed_on else None}
    return EligibilityReport(about, report, on, answers, tuple(report.warnings))


# `mcrules.eligibility` is this package, so the top-level API exports the function by this name.
check_eligibility = eligibility


def _service_id(rule: Rule) -> str:
    """`elig.avrr` serves `avrr`: the rule id without its first segment (the pack's prefix)."""
    return rule.id.split(".", 1)[1]


def _criteria_ids(pack: Pack, rule: Rule) -> tuple[str, ...]:
    """The decision tables a service rule reads, in the order its check names them."""
    if rule.applies_if is not None or rule.each is not None:
        raise McrulesError(f"service {rule.id} of pack {pack.id} must apply to every case: no "
                           "`applies_if` or `each` (a service is eligible, not eligible or "
                           "unknown, never not applicable)", path=rule.id)
    ids = tuple(k.removeprefix(DECISION_PREFIX) for k in derived_keys(rule.check)
                if k.startswith(DECISION_PREFIX))
    if not ids:
        raise McrulesError(f"service {rule.id} of pack {pack.id} reads no criterion: its check "
                           "must join `decision('criterion.id') == 'met'`", path=rule.id)
    for cid in ids:
        outputs = set(pack.decision(cid).outputs)
        if outputs != CRITERION_OUTPUTS:
            raise McrulesError(f"criterion {cid} of service {rule.id} must decide met or not_met, "
                               f"not {', '.join(sorted(outputs))}", path=cid)
    return ids


def _criterion(d: DecisionResult) -> Criterion:
    decided = d.outcome == "decided" and d.decision in CRITERION_OUTPUTS
    outcome = str(d.decision) if decided else "unknown"
    reasons = d.reasons if decided else (_not_yet_known(d),)
    return Criterion(d.table.id, d.table.title, outcome, reasons, d.obligations if decided else (),
                     d.missing, tuple(c.as_dict() for c in d.citations))


def _not_yet_known(d: DecisionResult) -> str:
    ask = f" Ask: {', '.join(d.missing)}." if d.missing else ""
    return f"Not yet known: {d.table.title}{ask}"


def _service(pack: Pack, rule: Rule, result: Result,
             decisions: Mapping[str, DecisionResult]) -> Service:
    criteria = tuple(_criterion(decisions[cid]) for cid in _criteria_ids(pack, rule))
    reasons: list[str] = []
    for state in ("not_met", "unknown", "met"):
        for c in criteria:
            if c.outcome == state:
                reasons += [*c.reasons, *c.obligations]
    cites: list[dict[str, Any]] = []
    for cite in (*(c.as_dict() for c in rule.citations),
                 *(x for k in criteria for x in k.citations)):
        if cite not in cites:
            cites.append(cite)
    outcome = OUTCOMES.get(result.outcome)
    if outcome is None:  # excluded by _criteria_ids: no applies_if, no each
        raise McrulesError(f"service {rule.id} is {result.outcome.value}", path=rule.id)
    return Service(_service_id(rule), rule.id, rule.title, outcome, tuple(reasons),
                   result.missing, tuple(cites), criteria)
