"""The DoMV profile of a case: each factor resolved as risk or protective in this context, and why.

This is bookkeeping, not a verdict. The manual says "No one factor will lead to a specific
outcome, but rather multiple intersecting factors", so no factor here is weighted or turned into
a finding about the person: a level is said to drive vulnerability only when it holds more risk
than protective factors, by count, and the profile says so in words a caseworker can check.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from mcrules.assessment.catalogue import Catalogue, CatalogueFactor
from mcrules.errors import InputError, Problem
from mcrules.models.case import Case, Direction, Factor, Level, Stage
from mcrules.rules.pack import Pack

LEVELS = tuple(level.value for level in Level)


@dataclass(frozen=True)
class ResolvedFactor:
    """One factor of the case, with the direction it has here and the reason."""

    label: str
    level: str
    direction: str               # risk | protective | context_dependent (unresolved)
    source: str                  # catalogue | free_text
    resolved_by: str             # catalogue_default | context | caseworker | unresolved
    why: str
    id: str | None = None
    citations: tuple[dict[str, Any], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "level": self.level,
                "direction": self.direction, "source": self.source,
                "resolved_by": self.resolved_by, "why": self.why,
                "citation": list(self.citations)}


@dataclass(frozen=True)
class LevelProfile:
    level: str
    risk: tuple[ResolvedFactor, ...] = ()
    protective: tuple[ResolvedFactor, ...] = ()
    unresolved: tuple[ResolvedFactor, ...] = ()

    @property
    def drives(self) -> bool:
        """More risk than protective factors found at this level (a count, not a weight)."""
        return len(self.risk) > len(self.protective)

    @property
    def summary(self) -> str:
        if not (self.risk or self.protective or self.unresolved):
            return "no factor recorded"
        parts = [f"{len(self.risk)} risk", f"{len(self.protective)} protective"]
        if self.unresolved:
            parts.append(f"{len(self.unresolved)} depending on context not yet recorded")
        balance = ("risk factors outnumber protective ones" if self.drives else
                   "protective factors outnumber risk ones" if len(self.protective) > len(self.risk)
                   else "risk and protective factors balance")
        return f"{', '.join(parts)}: {balance}"

    def as_dict(self) -> dict[str, Any]:
        return {"level": self.level, "risk": [f.as_dict() for f in self.risk],
                "protective": [f.as_dict() for f in self.protective],
                "unresolved": [f.as_dict() for f in self.unresolved],
                "drives_vulnerability": self.drives, "summary": self.summary}


@dataclass(frozen=True)
class DomvProfile:
    """Per level, the factors found; which levels drive vulnerability; `assessed` is false when
    the case has no `factors` key (not assessed), as opposed to an empty list (none found)."""

    assessed: bool
    levels: tuple[LevelProfile, ...]
    stage: str | None = None
    location: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def driving_levels(self) -> tuple[str, ...]:
        return tuple(lp.level for lp in self.levels if lp.drives)

    def as_dict(self) -> dict[str, Any]:
        return {"outcome": "assessed" if self.assessed else "unknown",
                "missing": [] if self.assessed else ["factors"],
                "context": {"stage": self.stage, "location": self.location},
                "levels": {lp.level: lp.as_dict() for lp in self.levels},
                "driving_levels": list(self.driving_levels),
                "notes": list(self.notes)}


def domv_profile(case: Case, catalogue: Catalogue, pack: Pack) -> DomvProfile:
    """Resolve every factor of `case` against `catalogue`; InputError naming the factor path
    for an id the catalogue does not hold or a level it cannot supply."""
    stage = case.migration.stage if case.migration else None
    location = case.migration.location if case.migration else None
    known = catalogue.all_factors()
    problems: list[Problem] = []
    resolved: list[ResolvedFactor] = []
    for i, f in enumerate(case.factors or ()):
        path = f"factors[{i}]"
        if f.text is not None:
            resolved.append(_free_text(f))
            continue
        assert f.id is not None  # the model requires id or text
        hit = known.get(f.id)
        if hit is None:
            close = difflib.get_close_matches(f.id, list(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else " (see the pack's catalogue.yaml)"
            problems.append(Problem(f"{path}.id", f"{f.id!r} is not a catalogue factor{hint}; "
                                    "a factor of your own is {text, level, direction}"))
            continue
        section, entry = hit
        level = f.level.value if f.level else entry.level.value if entry.level else None
        if level is None:
            problems.append(Problem(f"{path}.level", f"{f.id} is one of the catalogue's "
                                    f"{section}, which hold at any level: give its level "
                                    f"({', '.join(LEVELS)})"))
            continue
        resolved.append(_catalogued(f, entry, level, stage, pack))
    if problems:
        raise InputError("invalid case file: factors the catalogue cannot resolve",
                         path=problems[0].path, problems=problems)
    levels = tuple(LevelProfile(
        level,
        tuple(r for r in resolved if r.level == level and r.direction == Direction.RISK.value),
        tuple(r for r in resolved if r.level == level and r.direction == Direction.PROTECTIVE.value),
        tuple(r for r in resolved
              if r.level == level and r.direction == Direction.CONTEXT_DEPENDENT.value))
        for level in LEVELS)
    notes = ("Vulnerability is not inherent: this profile holds for this time, place and stage "
             "of migration, and changes with them.",)
    return DomvProfile(case.factors is not None, levels,
                       stage.value if stage else None, location, notes)


def _free_text(f: Factor) -> ResolvedFactor:
    assert f.text is not None and f.level is not None and f.direction is not None
    unresolved = f.direction is Direction.CONTEXT_DEPENDENT
    why = "recorded as free text by the caseworker" + (f": {f.note}" if f.note else "")
    return ResolvedFactor(f.text, f.level.value, f.direction.value, "free_text",
                          "unresolved" if unresolved else "caseworker", why)


def _catalogued(f: Factor, entry: CatalogueFactor, level: str, stage: Stage | None,
                pack: Pack) -> ResolvedFactor:
    cites = tuple(c.as_dict(pack) for c in entry.citations)

    def made(direction: Direction, by: str, why: str) -> ResolvedFactor:
        return ResolvedFactor(entry.label, level, direction.value, "catalogue", by, why,
                              entry.id, cites)

    if f.direction is not None and f.direction is not Direction.CONTEXT_DEPENDENT:
        note = f": {f.note}" if f.note else " (no reason recorded)"
        return made(f.direction, "caseworker",
                    f"set by the caseworker for this context{note}; the catalogue's default is "
                    f"{entry.direction.value}")
    for flip in entry.flips:
        group_ok = flip.when.group is None or flip.when.group == f.group
        stage_ok = flip.when.stage is None or flip.when.stage == stage
        named = flip.when.group is not None or flip.when.stage is not None
        if named and group_ok and stage_ok:
            return made(flip.direction, "context", flip.why)
    if entry.direction is Direction.CONTEXT_DEPENDENT:
        asks = sorted({k for flip in entry.flips for k, v in flip.when if v is not None})
        return made(Direction.CONTEXT_DEPENDENT, "unresolved",
                    f"depends on context: record {' and '.join(asks)} to resolve it")
    stability = {"almost_always": f"almost always a {entry.direction.value} factor, as the manual "
                 "says", "as_listed": f"listed by the manual as a {entry.direction.value} factor",
                 "context_specific": f"a {entry.direction.value} factor in most contexts"}
    return made(entry.direction, "catalogue_default", stability[entry.stability])
