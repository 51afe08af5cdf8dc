"""Assess one case: the DoMV profile, the risk equation, the specialised-needs flags, explained.

The verdicts come from the pack (values, rules and a decision table, evaluated by the scalar
engine); this module only gathers them into the shape a case-management app reads: which terms
drive the risk, the manual's strategies for each, each flag's referral and citation, and the next
questions that would settle what is still unknown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcrules.assessment.catalogue import Catalogue, load_catalogue
from mcrules.assessment.domv import DomvProfile, domv_profile
from mcrules.assessment.programme import Programme
from mcrules.assessment.subject import CASE
from mcrules.engine.check import check_facts, evaluator
from mcrules.engine.outcomes import DecisionResult, Result, ValueResult
from mcrules.engine.questions import Question
from mcrules.engine.report import Report
from mcrules.errors import McrulesError
from mcrules.models.case import Case, Threat
from mcrules.rules.pack import Pack
from mcrules.subjects import dated, load_subject_pack

DEFAULT_PACK = CASE.default_pack
# Every flag the report shows, in its order; each one is also a referral service of
# eligibility-2023 (`referral.<flag id>`, in the same order).
FLAG_IDS = ("unaccompanied_or_separated_child", "victim_of_trafficking", "gbv_survivor",
            "sogiesc", "person_with_disability", "medical_needs", "psychological_needs",
            "severe_mental_disorder", "international_protection_need")
FLAG_PREFIX = "assess.flag."
RISK_LEVEL = "assess.risk.level"
RISK_SCORE = "assess.risk.score"
REFERRALS = "assess.referrals"
COMBINER_PARAMETER = "risk_additive"
UNPAIRED_PARAMETER = "unpaired_vulnerability_rank"
TERMS = {"threat": "assess.risk.threat", "vulnerability": "assess.risk.vulnerability",
         "capacity": "assess.risk.capacity", "time": "assess.risk.time"}


def load_case_pack(
    ref: str | Path = DEFAULT_PACK,
    *,
    variants: Iterable[str] = (),
    parameters: Mapping[str, str | float] | None = None,
    as_of: dt.date | None = None,
) -> Pack:
    """Load a pack of case rules (cached until its files change) and configure it."""
    return load_subject_pack(ref, (CASE,), variants=variants, parameters=parameters, as_of=as_of)


@dataclass(frozen=True)
class Flag:
    id: str
    title: str
    outcome: str                       # present | absent | unknown
    referral: tuple[str, ...]
    citations: tuple[dict[str, Any], ...]
    missing: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "outcome": self.outcome,
                "referral": "; ".join(self.referral), "citation": list(self.citations),
                "missing": list(self.missing)}


@dataclass(frozen=True)
class Risk:
    outcome: str                       # assessed | unknown
    level: str | None
    scale: tuple[str, ...]
    score: float | None
    combiner: str                      # multiplicative | additive
    missing: tuple[str, ...]
    terms: dict[str, float | None]
    drivers: dict[str, Any]
    strategies: tuple[dict[str, Any], ...]
    citations: tuple[dict[str, Any], ...]
    per_threat: tuple[ThreatRisk, ...] = ()
    deciding_threat: str | None = None
    at_least: str | None = None          # while unknown: the worst level a threat already has

    def as_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "level": self.level, "scale": list(self.scale),
                "score": None if self.score is None else round(self.score, 6),
                "combiner": self.combiner, "missing": list(self.missing),
                "deciding_threat": self.deciding_threat, "at_least": self.at_least,
                "per_threat": [t.as_dict() for t in self.per_threat],
                "terms": self.terms, "drivers": self.drivers,
                "strategies": list(self.strategies), "citation": list(self.citations)}


@dataclass(frozen=True)
class ThreatRisk:
    """One threat's risk: its severity, the most severe vulnerability naming it (or the
    programme's rank for a threat none names), the score and level the pack gives it alone.
    The case's risk is its worst threat's, so `deciding` marks the threats that set it."""

    threat: str
    severity: str | None
    vulnerabilities: tuple[dict[str, Any], ...]   # {id, severity} of each naming the threat
    vulnerability: str | None                     # the most severe one's severity
    vulnerability_source: str                     # vulnerabilities | programme_policy | unknown
    score: float | None
    level: str | None
    missing: tuple[str, ...]
    deciding: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"threat": self.threat, "severity": self.severity,
                "vulnerability": self.vulnerability,
                "vulnerability_source": self.vulnerability_source,
                "vulnerabilities": list(self.vulnerabilities),
                "score": None if self.score is None else round(self.score, 6),
                "level": self.level, "missing": list(self.missing), "deciding": self.deciding}


@dataclass(frozen=True)
class CaseAssessment:
    """Everything `mcrules assess` shows; `as_dict()` is its JSON (docs/assessment.md)."""

    case: dict[str, Any]
    report: Report
    as_of: dt.date
    risk: Risk
    domv: DomvProfile
    flags: tuple[Flag, ...]
    warnings: tuple[str, ...] = field(default=())
    programme: dict[str, Any] | None = None

    @property
    def results(self) -> tuple[Result, ...]:
        return self.report.results

    @property
    def values(self) -> tuple[ValueResult, ...]:
        return self.report.values

    @property
    def decisions(self) -> tuple[DecisionResult, ...]:
        return self.report.decisions

    @property
    def next_questions(self) -> tuple[Question, ...]:
        """The missing inputs that would settle unknown verdicts, the most settling first."""
        return self.report.next_questions()

    def flag(self, flag_id: str) -> Flag:
        return next(f for f in self.flags if f.id == flag_id)

    def as_dict(self) -> dict[str, Any]:
        from mcrules import __version__

        return {
            "mcrules_version": __version__,
            "case": self.case,
            "packs": [p.as_dict() for p in self.report.packs],
            "ruleset_hash": self.report.ruleset_hash,
            "programme": self.programme,
            "as_of": self.as_of.isoformat(),
            "risk": self.risk.as_dict(),
            "domv": self.domv.as_dict(),
            "flags": [f.as_dict() for f in self.flags],
            "results": [r.as_dict() for r in self.report.results],
            "values": [v.as_dict() for v in self.report.values],
            "decisions": [d.as_dict() for d in self.report.decisions],
            "next_questions": [q.as_dict() for q in self.report.next_questions()],
            "summary": self.report.summary,
            "warnings": list(self.warnings),
        }


def assess_case(
    case: Case,
    pack: Pack | None = None,
    *,
    programme: Programme | None = None,
    variants: Iterable[str] = (),
    parameters: Mapping[str, str] | None = None,
    as_of: dt.date | None = None,
    source: str | None = None,
    warnings: Sequence[str] = (),
) -> CaseAssessment:
    """Assess `case` on `as_of` (default: the case's `assessed_on`; this layer reads no clock, so
    one of them is needed: `mcrules.assess_case` reads it) with `pack`
    (default: the programme's pack, else domv-2023), configured by the programme's settings, then
    `variants` and `parameters`. Raises InputError naming the field for a factor the catalogue
    cannot resolve."""
    on = dated(as_of or case.assessed_on, "mcrules.assess_case")
    loaded = pack is None
    if pack is None:
        pack = load_case_pack(programme.pack if programme else DEFAULT_PACK)
    if programme is not None:
        pack = programme.configure(pack, variants=tuple(variants),
                                   parameters=dict(parameters or {}), as_of=on)
    elif loaded or tuple(variants) or parameters:
        pack = pack.configure(tuple(variants), parameters, on)
    pack = pack.on_date(on)  # a pack given as loaded holds its latest dated values
    report = check_facts(CASE.facts(case), [pack], subject_name=CASE.name,
                         about=CASE.about(case, source), warnings=warnings, as_of=on)
    return assessment_of(report, case, pack, on, source=source, programme=programme)


def assessment_of(report: Report, case: Case, pack: Pack, on: dt.date, *,
                  source: str | None = None,
                  programme: Programme | None = None) -> CaseAssessment:
    """The assessment of `case` from a report that evaluated `pack` on it (among other packs,
    maybe): the DoMV profile, the risk and the flags, read from the report's values and
    decisions rather than evaluated again."""
    catalogue = load_catalogue(pack)
    profile = domv_profile(case, catalogue, pack)
    values = {v.value.id: v for v in report.values}
    decisions = {d.table.id: d for d in report.decisions}
    risk = _risk(case, pack, catalogue, values, on)
    flags = tuple(_flag(fid, values, decisions) for fid in FLAG_IDS)
    about = {"id": case.id, "file": source, "assessed_on":
             case.assessed_on.isoformat() if case.assessed_on else None}
    return CaseAssessment(about, report, on, risk, profile, flags, tuple(report.warnings),
                          programme.as_dict() if programme is not None else None)


def combiner_of(pack: Pack) -> str:
    """Which written form the pack combines with; McrulesError for anything but 0 or 1."""
    value = pack.parameters[COMBINER_PARAMETER].value
    if value == 0:
        return "multiplicative"
    if value == 1:
        return "additive"
    raise McrulesError(f"parameter {COMBINER_PARAMETER} must be 0 (multiplicative) or 1 "
                       f"(additive), got {value:g}", path=COMBINER_PARAMETER)


def _risk(case: Case, pack: Pack, catalogue: Catalogue,
          values: Mapping[str, ValueResult], on: dt.date) -> Risk:
    level, score = values[RISK_LEVEL], values[RISK_SCORE]
    per_threat = _per_threat(case, pack, on, score)
    deciding = next((t.threat for t in per_threat if t.deciding), None)
    terms = {name: _number(values[vid]) for name, vid in TERMS.items()}
    # The worst threat's T × V (or T + V): the term the score divides; `threat` and
    # `vulnerability` stay the case's most severe of each, which need not pair.
    terms["pair"] = _number(values[f"assess.risk.pair_{combiner_of(pack)}"])
    drivers = _drivers(case, per_threat)
    strategies = []
    for term, key in (("risk", None), ("threat", "threats"), ("vulnerability", "vulnerabilities"),
                      ("capacity", "capacities")):
        st = catalogue.strategy(term)  # type: ignore[arg-type]
        if st is None:
            continue
        strategies.append({"term": term, "strategy": st.strategy, "steps": list(st.steps),
                           "targets": drivers.get(key, []) if key else [],
                           "citation": [c.as_dict(pack) for c in st.citations]})
    shown = level.shown if level.known else None
    combiner = combiner_of(pack)
    cites: list[dict[str, Any]] = []
    for vid in (f"assess.risk.score_{combiner}", TERMS["time"], f"assess.risk.pair_{combiner}"):
        cites += [c.as_dict() for c in values[vid].value.citations if c.as_dict() not in cites]
    scale = level.value.scale
    known = [scale.index(t.level) for t in per_threat if t.level in scale]
    # The case's risk is its worst threat's: while one threat is unknown, the others already
    # known bound it from below, and a caseworker should not read "unknown" as "nothing yet".
    floor = scale[max(known)] if known and not level.known else None
    return Risk("assessed" if level.known else "unknown", shown, scale,
                _number(score), combiner, _inputs(case, level.missing), terms, drivers,
                tuple(strategies), tuple(cites), per_threat, deciding, floor)


def _per_threat(case: Case, pack: Pack, on: dt.date, worst: ValueResult) -> tuple[ThreatRisk, ...]:
    """Each threat scored alone by the pack (the case with that threat and the vulnerabilities
    naming it): the report shows every threat's risk and names the one that decides the case's,
    and the arithmetic stays in the pack. A threat decides when its score is the case's."""
    if not case.threats:
        return ()
    scalar = evaluator(pack)
    case_score = _number(worst) if worst.known else None
    out: list[ThreatRisk] = []
    for t in case.threats:
        named = None if case.vulnerabilities is None else \
            [v for v in case.vulnerabilities if v.threat == t.id]
        alone = case.model_copy(update={"threats": [t], "vulnerabilities": named})
        run = scalar.run(CASE.facts(alone), as_of=on)
        got = {v.value.id: v for v in run.values}
        lv, sc = got[RISK_LEVEL], got[RISK_SCORE]
        number = _number(sc)
        deciding = (number is not None and case_score is not None
                    and abs(number - case_score) <= 1e-9 * max(1.0, number))
        out.append(ThreatRisk(
            t.id, t.severity.value if t.severity else None,
            tuple({"id": v.id, "severity": v.severity.value if v.severity else None}
                  for v in named or ()),
            t.paired_vulnerability.value if t.paired_vulnerability else None,
            _source(t), number, lv.shown if lv.known else None,
            _inputs(case, lv.missing), deciding))
    return tuple(out)


def _source(t: Threat) -> str:
    """Where a threat's vulnerability term comes from: a vulnerability naming it, the
    programme's rank for a threat none names (parameter unpaired_vulnerability_rank), or
    unknown while vulnerabilities were not assessed."""
    if t.paired is None:
        return "unknown"
    return "vulnerabilities" if t.paired else f"programme_policy ({UNPAIRED_PARAMETER})"


def _inputs(case: Case, missing: Sequence[str]) -> tuple[str, ...]:
    """`missing` with each threat's derived pairing replaced by the inputs it comes from: a
    caseworker is asked for `vulnerabilities[1].severity`, never for a field no file may set."""
    out: list[str] = []
    for key in missing:
        stem, _, attr = key.rpartition(".")
        if stem.startswith("threats[") and attr in ("paired", "paired_vulnerability") and \
                case.threats is not None:
            tid = case.threats[int(stem[len("threats["):-1])].id
            if case.vulnerabilities is None:
                found = ["vulnerabilities"]
            else:
                found = [f"vulnerabilities[{j}].severity"
                         for j, v in enumerate(case.vulnerabilities)
                         if v.threat == tid and v.severity is None]
            out += [k for k in found if k not in out]
        elif key not in out:
            out.append(key)
    return tuple(out)


def _drivers(case: Case, per_threat: Sequence[ThreatRisk]) -> dict[str, Any]:
    """The items that set the risk: the deciding threats (every threat, until the risk is
    known), the most severe vulnerabilities naming them, the strongest positive capacities, and
    for each threat the vulnerabilities that expose the person to it. The manual's strategies
    target these, so a caseworker acts on the threat that decides the risk."""
    def top(items: Sequence[Any], attr: str) -> list[str]:
        rated = [i for i in items if getattr(i, attr) is not None]
        if not rated:
            return []
        best = max(getattr(i, attr).rank for i in rated)
        return [i.id for i in rated if getattr(i, attr).rank == best]

    threats, vulns, caps = case.threats or [], case.vulnerabilities or [], case.capacities or []
    deciding = {t.threat for t in per_threat if t.deciding}
    chosen = [t for t in threats if t.id in deciding] or threats
    ids = {t.id for t in chosen}
    pairs = [{"threat": t.id, "severity": t.severity.value if t.severity else None,
              "vulnerabilities": [v.id for v in vulns if v.threat == t.id]} for t in threats]
    return {"threats": top(chosen, "severity"),
            "vulnerabilities": top([v for v in vulns if v.threat in ids], "severity"),
            "capacities": top([c for c in caps if c.valence.value == "positive"], "strength"),
            "exposure_days": case.migration.exposure_days if case.migration else None,
            "pairs": pairs}


def _flag(fid: str, values: Mapping[str, ValueResult],
          decisions: Mapping[str, DecisionResult]) -> Flag:
    v = values[FLAG_PREFIX + fid]
    outcome = "unknown" if v.result is None else "present" if v.result else "absent"
    referral: tuple[str, ...] = ()
    cites = [c.as_dict() for c in v.value.citations]
    table = decisions.get(REFERRALS)
    if table is not None:
        for row in table.table.rows:
            if any(c.input == fid and c.values == (True,) for c in row.cells):
                referral = row.obligations
                cites += [c.as_dict() for c in row.citations if c.as_dict() not in cites]
    return Flag(fid, v.value.title, outcome, referral, tuple(cites), v.missing)


def _number(v: ValueResult) -> float | None:
    shown = v.shown
    return float(shown) if isinstance(shown, int | float) and not isinstance(shown, bool) else None
