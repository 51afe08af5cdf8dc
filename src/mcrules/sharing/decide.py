"""`decide_sharing`: may the data requested go to this recipient, and on which conditions.

The answer is the `sharing.decision` table of the pack (fail-closed: an unknown input yields the
most restrictive output still possible). This module only prepares the facts, fills the pack's
texts (`{fields}`, `{k}`), names the fields the catalogue does not know, and works out what would
change the answer: the missing inputs the engine's next questions name, and the safeguards marked
false whose completion would lift the decision.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from mcrules.engine.outcomes import DecisionResult
from mcrules.engine.questions import next_questions
from mcrules.engine.scalar import ScalarEvaluator
from mcrules.errors import McrulesError
from mcrules.facts import facts_of
from mcrules.models.casework import CaseHistory
from mcrules.models.sharing import ClassSource, DataClass, SafeguardFacts, SharingFacts, SharingRequest
from mcrules.rules.ir import Citation, DecisionTable
from mcrules.rules.pack import Pack
from mcrules.sharing.classification import load_catalogue
from mcrules.sharing.derive import derive_facts
from mcrules.sharing.subject import DEFAULT_PACK, SHARING_REQUEST
from mcrules.subjects import dated, load_subject_pack

DECISION_TABLE = "sharing.decision"
PART_TABLES = ("sharing.personal_part", "sharing.sensitive_part", "sharing.open_part")
NOTES_TABLE = "sharing.notes"
ALTERNATIVES_TABLE = "sharing.alternatives"
K_PARAMETER = "min_cell_count"
UNCATALOGUED_REASON = ("not in the field catalogue, so ranked as the most restrictive class "
                       "(personal data, and sensitive: never made public)")
UNLISTED_REASON = ("the request lists no fields, so it may hold any data: ranked as the most "
                   "restrictive class (personal data, and sensitive: never made public); list "
                   "the fields to have them classified")
DECISIONS = ("deny", "aggregate_only", "permit_with_obligations", "permit")
# What staff do to complete an element the decision reads, by the input's key.
COMPLETE = {
    "consent": "obtain the informed consent of the people concerned for this purpose and this "
               "recipient",
    "safeguards.risk_benefit_assessment": "complete a risk-benefit assessment that finds the "
                                          "sharing necessary",
    "safeguards.data_sharing_agreement": "sign a data-sharing agreement with the recipient",
    "safeguards.data_access_request_form": "have the requesting organisation fill out and sign "
                                           "the data access request form",
}
ASK = {
    "granularity": "say whether a list of people (record_level) or a table of counts "
                   "(aggregate) is asked for",
    "recipient": "say who would receive the data (recipient type)",
    "classified": "list the fields requested (or state the data class)",
}


@dataclass(frozen=True)
class Reason:
    """One reason, with the citations it rests on."""

    text: str
    citations: tuple[Citation, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "citation": [c.as_dict() for c in self.citations]}


@dataclass(frozen=True)
class SharingDecision:
    """The answer to a request: `decision` (permit, permit_with_obligations, aggregate_only,
    deny), why, what must be done, what may be offered instead, and what would change it."""

    decision: str
    reasons: tuple[Reason, ...]
    obligations: tuple[str, ...]
    alternatives: tuple[str, ...]
    would_change: tuple[str, ...]
    notes: tuple[Reason, ...]
    data_class: str | None
    fields: tuple[tuple[str, str, str], ...]          # (field, class, source)
    fallback: bool
    missing: tuple[str, ...]
    rows: tuple[int, ...]
    urgent: bool
    pack: Mapping[str, str]
    as_of: dt.date
    result: DecisionResult = field(repr=False, compare=False)
    # Builds the same texts with no text of the request but catalogued field ids, for a decision
    # record: only when a record is asked for (`record_texts`), not for every decision.
    record_builder: Callable[[], _Texts] | None = field(default=None, repr=False, compare=False)

    @cached_property
    def record_texts(self) -> _Texts | None:
        """The texts a decision record may keep; None when `decide_sharing` did not make this."""
        return self.record_builder() if self.record_builder is not None else None

    @property
    def record_level_allowed(self) -> bool:
        return self.decision in ("permit", "permit_with_obligations")

    def as_dict(self) -> dict[str, Any]:
        """The JSON contract: `decision`, `reasons`, `obligations`, `alternatives`, and more."""
        return {
            "decision": self.decision,
            "reasons": [r.as_dict() for r in self.reasons],
            "obligations": list(self.obligations),
            "alternatives": list(self.alternatives),
            "would_change": list(self.would_change),
            "notes": [n.as_dict() for n in self.notes],
            "data_class": self.data_class,
            "fields": [{"field": f, "data_class": c, "source": s} for f, c, s in self.fields],
            "fallback": self.fallback,
            "missing": list(self.missing),
            "rows": list(self.rows),
            "urgent": self.urgent,
            "decision_table": DECISION_TABLE,
            "pack": dict(self.pack),
            "as_of": self.as_of.isoformat(),
        }


_EVALUATORS: dict[str, ScalarEvaluator] = {}


def _evaluator(pack: Pack) -> ScalarEvaluator:
    key = pack.content_hash
    ev = _EVALUATORS.get(key)
    if ev is None:
        if len(_EVALUATORS) > 32:
            _EVALUATORS.clear()
        ev = _EVALUATORS[key] = ScalarEvaluator(pack)
    return ev


def load_sharing_pack(ref: str | Path = DEFAULT_PACK, *, as_of: dt.date | None = None,
                      parameters: Mapping[str, str | float] | None = None) -> Pack:
    """The data-sharing pack (default `data-sharing-2023`), configured."""
    return load_subject_pack(ref, (SHARING_REQUEST,), parameters=parameters, as_of=as_of)


def decide_sharing(request: SharingRequest, *, pack: Pack | None = None,
                   history: CaseHistory | None = None,
                   as_of: dt.date | None = None,
                   adult_age: int | None = None) -> SharingDecision:
    """Decide `request` with `pack` (default: data-sharing-2023), consent references resolved
    against `history` on `as_of` (required: this layer reads no clock; `mcrules.decide_sharing`
    reads it) with `adult_age` (default: domv-2023's cited one in force then)."""
    on = dated(as_of, "mcrules.decide_sharing")
    pack = (pack or load_sharing_pack(as_of=on)).on_date(on)
    if pack.path is None:
        raise McrulesError(f"pack {pack.id} has no folder, so no field catalogue")
    catalogue = load_catalogue(pack.path)
    derived = derive_facts(request, catalogue, history, on, adult_age=adult_age)
    evaluator = _evaluator(pack)
    facts = facts_of(derived.facts, SHARING_REQUEST.name)
    ev = evaluator.run(facts, as_of=on)
    tables = {d.table.id: d for d in ev.decisions}
    if DECISION_TABLE not in tables:
        raise McrulesError(f"pack {pack.id} has no decision table {DECISION_TABLE}")
    main = tables[DECISION_TABLE]
    decision = main.decision if isinstance(main.decision, str) else "deny"
    parts = [tables[t] for t in PART_TABLES if t in tables]
    # The parts that bind: those whose answer is the decision (all of them when it permits).
    binding = [p for p in parts if p.decision == decision
               or decision in ("permit", "permit_with_obligations")] or [main]
    classified = derived.facts.classified or ()
    uncatalogued = [c.id for c in classified if c.source is ClassSource.UNCATALOGUED]
    catalogued = [c.id for c in classified if c.source is ClassSource.CATALOGUE]
    unlisted = any(c.source is ClassSource.UNLISTED for c in classified)
    reads_consent = bool(derived.consent_reason) and any(_reads_consent(p) for p in binding)

    def texts(fill: _Filler, unknown: str, consent: str) -> _Texts:
        """Every text of the answer, filled by `fill`, with `unknown` naming the uncatalogued
        fields and `consent` saying why consent is (not) valid."""
        reasons = [r for p in binding for r in _row_reasons(p, fill)]
        if reads_consent:
            reasons.append(Reason(f"consent: {consent}"))
        if uncatalogued:
            reasons.append(Reason(f"{UNCATALOGUED_REASON}: {unknown}"))
        if unlisted:
            reasons.append(Reason(UNLISTED_REASON))
        obligations: tuple[str, ...] = ()
        if decision == "permit_with_obligations":
            obligations = tuple(dict.fromkeys(fill(o) for p in parts for o in p.obligations))
        notes = tuple(_row_reasons(tables[NOTES_TABLE], fill)) if NOTES_TABLE in tables else ()
        alternatives: tuple[str, ...] = ()
        if ALTERNATIVES_TABLE in tables:
            alternatives = tuple(r.text for r in _row_reasons(tables[ALTERNATIVES_TABLE], fill))
        return _Texts(tuple(reasons), obligations, alternatives, notes)

    shown = texts(_Filler(request, pack), ", ".join(uncatalogued), derived.consent_reason)

    def kept() -> _Texts:
        return texts(_Filler(request, pack, (catalogued, len(uncatalogued))),
                     f"{len(uncatalogued)} field(s)",
                     _without(derived.consent_reason, request.consent_ref))

    fallback = any(p.fallback for p in binding)
    missing = tuple(dict.fromkeys(m for p in binding for m in p.missing))
    data_class = next((v.result for v in ev.values if v.value.id == "sharing.data_class"), None)
    return SharingDecision(
        decision=decision,
        reasons=shown.reasons,
        obligations=shown.obligations,
        alternatives=shown.alternatives,
        would_change=_would_change(evaluator, derived.facts, decision, on, facts),
        notes=shown.notes,
        data_class=DataClass.labels()[int(data_class)] if isinstance(data_class, float) else None,
        fields=tuple((c.id, c.data_class.value, c.source.value)
                     for c in derived.facts.classified or ()),
        fallback=fallback,
        missing=missing,
        rows=main.rows,
        urgent=request.urgent,
        pack={"id": pack.id, "version": pack.version, "hash": pack.content_hash},
        as_of=on,
        result=main,
        record_builder=kept,
    )


@dataclass(frozen=True)
class _Texts:
    reasons: tuple[Reason, ...]
    obligations: tuple[str, ...]
    alternatives: tuple[str, ...]
    notes: tuple[Reason, ...]


def _without(text: str, ref: str | None) -> str:
    """`text` with the request's consent reference (request text) replaced wherever it stands as
    a token: a decision record keeps it only when the caller asks (`keep`)."""
    if not ref:
        return text
    return re.sub(rf"(?<![\w-]){re.escape(ref)}(?![\w-])", "the referenced record", text)


def _reads_consent(result: DecisionResult) -> bool:
    table: DecisionTable = result.table
    rows = {r.number: r for r in table.rows}
    for n in result.rows:
        row = rows.get(n)
        if row is not None and any(c.input == "consent" and c.condition is not None
                                   for c in row.cells):
            return True
    return result.fallback and "consent" in result.missing


class _Filler:
    """Fills `{fields}` and `{k}` in the pack's texts: with the fields as the caller wrote them,
    or, for a decision record, with the catalogued field ids and a count of the others."""

    def __init__(self, request: SharingRequest, pack: Pack,
                 record: tuple[list[str], int] | None = None) -> None:
        k = pack.parameters.get(K_PARAMETER)
        if record is None:
            fields = ", ".join(request.fields)
        else:
            known, others = record
            fields = ", ".join([*known, *([f"{others} uncatalogued field(s)"] if others else [])])
        self.values = {"fields": fields or "(none listed)",
                       "k": f"{k.value:g}" if k is not None else "k"}

    def __call__(self, text: str) -> str:
        for key, value in self.values.items():
            text = text.replace("{" + key + "}", value)
        return text


def _row_reasons(result: DecisionResult, fill: _Filler) -> list[Reason]:
    """The reasons of the rows that decided, each with its row's citations (or the table's); a
    fail-closed fallback's reason with the table's citations."""
    table = result.table
    rows = {r.number: r for r in table.rows}
    if table.default is not None:
        rows[0] = table.default
    out = []
    for n in result.rows:
        row = rows[n]
        cites = row.citations or table.citations
        out += [Reason(fill(t), cites) for t in row.reasons]
    if result.fallback:
        out += [Reason(t, table.citations) for t in result.reasons if t.startswith("fails closed")]
    return out


def _rank(decision: str) -> int:
    return DECISIONS.index(decision) if decision in DECISIONS else 0


def _would_change(evaluator: ScalarEvaluator, facts: SharingFacts, decision: str, on: dt.date,
                  raw: Mapping[str, Any]) -> tuple[str, ...]:
    """What would lift the decision: the missing inputs that some answer settles (the engine's
    next questions), then the elements marked false that, all completed, lift it, keeping only
    those without which it would not."""
    out: list[str] = []
    seen: set[str] = set()
    for q in next_questions(evaluator, raw, on):
        if any(t in q.settles for t in (DECISION_TABLE, *PART_TABLES)) and q.input not in seen:
            seen.add(q.input)
            out.append(COMPLETE.get(q.input) or ASK.get(q.input) or f"give {q.input}")
    s = facts.safeguards or SafeguardFacts()
    flags = {"consent": facts.consent,
             "safeguards.risk_benefit_assessment": s.risk_benefit_assessment,
             "safeguards.data_sharing_agreement": s.data_sharing_agreement,
             "safeguards.data_access_request_form": s.data_access_request_form}
    open_ = [k for k, v in flags.items() if v is not True and k not in seen]
    if not open_:
        return tuple(out)
    best = _decide(evaluator, _with(facts, dict.fromkeys(open_, True)), on)
    if _rank(best) <= _rank(decision):
        return tuple(out)
    for key in open_:
        without = _with(facts, {**dict.fromkeys(open_, True), key: flags[key]})
        if _rank(_decide(evaluator, without, on)) < _rank(best):
            out.append(COMPLETE[key])
    return tuple(out)


def _with(facts: SharingFacts, flags: Mapping[str, bool | None]) -> SharingFacts:
    s = facts.safeguards or SafeguardFacts()
    safeguards = s.model_copy(update={k.split(".", 1)[1]: v for k, v in flags.items()
                                      if k.startswith("safeguards.")})
    consent = flags.get("consent", facts.consent)
    return facts.model_copy(update={"safeguards": safeguards, "consent": consent})


def _decide(evaluator: ScalarEvaluator, facts: SharingFacts, on: dt.date) -> str:
    ev = evaluator.run(facts_of(facts, SHARING_REQUEST.name), as_of=on)
    d = next(d for d in ev.decisions if d.table.id == DECISION_TABLE)
    return d.decision if isinstance(d.decision, str) else "deny"
