"""A measured layout as the report carries it (the `layout` key), and the facts rules read from it.

The rules stay as they are: geometry only fills the Site's facts (`sanitation[].distance_to_water_
source`, `max_distance_shelter_to_toilet`, `max_distance_shelter_to_water_point`, `total_site_area`),
so both evaluators judge a drawn layout exactly as a typed-in one. The measurements name what the
verdicts came from: each latrine and the water sources too close to it, each shelter's nearest
toilet and water point, against the limit of the evaluated pack's own parameter (an overlay's
tighter limit is the one used).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field

from mcrules.engine.check import evaluator
from mcrules.engine.outcomes import Outcome, format_distance, format_number
from mcrules.engine.semantics import ge, gt, le, lt
from mcrules.errors import InputError
from mcrules.models.envelope import Out
from mcrules.models.layout import FeatureKind
from mcrules.models.site import SanitationKind, SanitationUnit, Site
from mcrules.rules.ir import Expr, FieldRef, ParamRef, Rule, Scale
from mcrules.rules.pack import Pack
from mcrules.site.geometry import MeasuredLayout
from mcrules.units import conversion_factor, parse_unit

#: the facts geometry measures: the rule-side key, from which kind to which
MEASURED_FACTS: dict[str, tuple[FeatureKind, FeatureKind]] = {
    "item.distance_to_water_source": (FeatureKind.LATRINE, FeatureKind.WATER_SOURCE),
    "max_distance_shelter_to_toilet": (FeatureKind.SHELTER, FeatureKind.LATRINE),
    "max_distance_shelter_to_water_point": (FeatureKind.SHELTER, FeatureKind.WATER_POINT),
}
_COMPARE = {">=": ge, ">": gt, "<=": le, "<": lt}
_TARGET_WORD = {FeatureKind.LATRINE: "toilet", FeatureKind.WATER_POINT: "water point",
                FeatureKind.WATER_SOURCE: "water source"}
#: distances the file gives and the layout measures within this are the same number
_SAME_M = 0.0005
LABEL_KEY = "item.__label__"  # where facts keep an item's label (its id), as `mcrules.facts` does


@dataclass(frozen=True)
class MapFeature:
    """A feature as the map shows it: GeoJSON geometry in local metres (x east, y north)."""

    id: str
    kind: str
    source_type: str | None
    geometry: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "source_type": self.source_type,
                "geometry": self.geometry}


@dataclass(frozen=True)
class Measurement:
    """One distance a rule judged: from a feature to another, against the rule's limit."""

    rule: str
    from_id: str
    to_id: str
    distance_m: float
    limit_m: float
    ok: bool
    op: str = ">="

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "from": self.from_id, "to": self.to_id,
                "distance_m": self.distance_m, "limit_m": self.limit_m, "ok": self.ok}


class FeatureOut(Out):
    """A feature of the map, in local metres."""

    id: str
    kind: FeatureKind
    source_type: str | None
    geometry: dict[str, Any]


class MeasurementOut(Out):
    """One distance a rule judged, between two features, against its limit."""

    rule: str
    from_: str = Field(alias="from")
    to: str
    distance_m: float = Field(ge=0)
    limit_m: float
    ok: bool


class LayoutOut(Out):
    """The JSON of the `layout` part (docs/geometry.md)."""

    crs: str
    projection: str | None
    bounds: list[float] | None = Field(min_length=4, max_length=4)
    area_m2: float | None
    features: list[FeatureOut]
    measurements: list[MeasurementOut]


@dataclass(frozen=True)
class LayoutAnalysis:
    """The layout key of a site report: where everything is, and every distance judged."""

    crs: str
    projection: str | None
    bounds: tuple[float, float, float, float] | None
    area_m2: float | None
    features: tuple[MapFeature, ...]
    measurements: tuple[Measurement, ...]
    source: str | None = field(default=None, compare=False)
    """The layout file the site named, None when the layout was written in the site file."""

    @property
    def files(self) -> tuple[str, ...]:
        """The files read for this part beside the site file: a report written with `--out`
        must never replace one of them."""
        return (self.source,) if self.source else ()

    def to_dict(self) -> dict[str, Any]:
        return {"crs": self.crs, "projection": self.projection,
                "bounds": list(self.bounds) if self.bounds is not None else None,
                "area_m2": self.area_m2,
                "features": [f.to_dict() for f in self.features],
                "measurements": [m.to_dict() for m in self.measurements]}

    def lines(self) -> list[str]:
        """One sentence per distance that fails, naming both features; the rules that judged it
        alike are listed together ("latrine L3 is 29.0 m from well W1; at least 30 m (rule)")."""
        kinds = {f.id: f for f in self.features}
        grouped: dict[str, list[str]] = {}
        for m in self.measurements:
            if m.ok:
                continue
            source, target = kinds[m.from_id], kinds[m.to_id]
            if target.kind == FeatureKind.WATER_SOURCE and target.source_type:
                word = target.source_type
            else:
                word = _TARGET_WORD.get(FeatureKind(target.kind), target.kind.replace("_", " "))
            nearest = "its nearest " if m.op in ("<=", "<") else ""
            need = "at least" if m.op in (">=", ">") else "at most"
            shown = format_distance(m.distance_m, m.limit_m)
            text = (f"{source.kind.replace('_', ' ')} {m.from_id} is {shown} m from {nearest}"
                    f"{word} {m.to_id}; {need} {format_number(m.limit_m)} m")
            grouped.setdefault(text, [])
            if m.rule not in grouped[text]:
                grouped[text].append(m.rule)
        return [f"{text} ({', '.join(rules)})" for text, rules in grouped.items()]


def derive_site(site: Site, measured: MeasuredLayout) -> tuple[Site, list[str]]:
    """The Site with the facts the layout measures, and warnings where the file said otherwise.

    Distances measured win over the file's numbers (the report's measurements and the verdicts
    must be one story); the file's `total_site_area` wins over the boundary's area, since usable
    area excludes unusable land inside the boundary. A latrine on the layout that the file's
    `sanitation` list does not name becomes a unit of its `sanitation_kind`, by default a pit
    latrine: the reading under which the groundwater rules apply."""
    layout = measured.layout
    updates: dict[str, Any] = {}
    notes: list[str] = []
    latrines = layout.of_kind(FeatureKind.LATRINE)
    if latrines:
        to_source = {d.from_id: d.distance_m
                     for d in measured.nearest(FeatureKind.LATRINE, FeatureKind.WATER_SOURCE)}
        units = list(site.sanitation or [])
        index = {u.id: i for i, u in enumerate(units)}
        for f in latrines:
            d = to_source.get(f.id)
            if f.id not in index:
                units.append(SanitationUnit(id=f.id, kind=f.sanitation_kind
                                            or SanitationKind.PIT_LATRINE,
                                            distance_to_water_source=d))
                continue
            unit = units[index[f.id]]
            if f.sanitation_kind is not None and f.sanitation_kind != unit.kind:
                raise InputError(
                    f"latrine {f.id!r}: the layout says sanitation_kind {f.sanitation_kind.value}, "
                    f"the site file's sanitation unit {unit.id!r} says {unit.kind.value}",
                    source=layout.source)
            if d is None:
                continue
            given = unit.distance_to_water_source
            if given is not None and abs(given - d) > _SAME_M:
                notes.append(f"sanitation[{index[f.id]}].distance_to_water_source: the file gives "
                             f"{format_number(given)} m for {f.id}, the layout measures "
                             f"{format_number(d)} m; the layout's is used")
            units[index[f.id]] = unit.model_copy(update={"distance_to_water_source": d})
        updates["sanitation"] = units
    for name, target in (("max_distance_shelter_to_toilet", FeatureKind.LATRINE),
                         ("max_distance_shelter_to_water_point", FeatureKind.WATER_POINT)):
        distances = measured.nearest(FeatureKind.SHELTER, target)
        if not distances:
            continue
        longest = max(d.distance_m for d in distances)
        given = getattr(site, name)
        if given is not None and abs(given - longest) > _SAME_M:
            notes.append(f"{name}: the file gives {format_number(given)} m, the layout measures "
                         f"{format_number(longest)} m; the layout's is used")
        updates[name] = longest
    area = measured.area_m2
    if area is not None:
        if site.total_site_area is None:
            updates["total_site_area"] = area
        elif site.total_site_area > area * (1 + 1e-3):
            notes.append(f"total_site_area: the file gives {format_number(site.total_site_area)} "
                         f"m², more than the boundary's {format_number(area)} m²; the file's is "
                         "used")
    return site.model_copy(update=updates), notes


@dataclass(frozen=True)
class _Judged:
    rule: Rule
    key: str
    op: str
    limit_m: float


def judged_rules(packs: Sequence[Pack]) -> list[tuple[Pack, _Judged]]:
    """The rules of `packs` that compare a measured fact with a parameter, with that parameter's
    value in metres as the pack in use has it (variants, overlays and `--set` applied)."""
    out = []
    metre = parse_unit("m")
    for pack in packs:
        for rule in pack.rules:
            cmp = rule.comparison
            if cmp is None or cmp.op not in _COMPARE or not isinstance(cmp.left, FieldRef):
                continue
            if cmp.left.key not in MEASURED_FACTS:
                continue
            limit = _parameter(cmp.right, pack)
            if limit is None:
                continue
            factor = conversion_factor(cmp.left.unit, metre)
            out.append((pack, _Judged(rule, cmp.left.key, cmp.op, round(limit * factor, 9))))
    return out


def _applies(pack: Pack, rule: Rule, facts: Mapping[str, Any],
             as_of: dt.date | None) -> Callable[[str], bool]:
    """Whether `rule` applies to the feature of an id: for a per-item rule, to the item of that
    label, as the pack's own compiled rule decides; else to the site."""
    ev = evaluator(pack)
    compiled = next(c for c in ev.rules if c.rule.id == rule.id)
    f = ev.derive(facts, as_of)
    if rule.each is None:
        site_level = compiled.verdict(f).outcome is not Outcome.NOT_APPLICABLE
        return lambda _fid: site_level
    labels = {item.get(LABEL_KEY): compiled.verdict({**f, **item}).outcome
              for item in f.get(rule.each) or ()}
    return lambda fid: labels.get(fid, Outcome.NOT_APPLICABLE) is not Outcome.NOT_APPLICABLE


def _parameter(expr: Expr, pack: Pack) -> float | None:
    """The value of `param` or of a unit-scaled `param`, in the compared field's unit."""
    factor = 1.0
    while isinstance(expr, Scale):
        factor *= expr.factor
        expr = expr.arg
    if isinstance(expr, ParamRef) and expr.name in pack.parameters:
        return pack.parameters[expr.name].value * factor
    return None


def analyse(measured: MeasuredLayout, packs: Sequence[Pack], facts: Mapping[str, Any],
            as_of: dt.date | None) -> LayoutAnalysis:
    """The report's `layout`: the map, and each distance judged by a rule that applies to the
    feature it starts from (a sewered toilet's distance to a well is judged by no rule)."""
    order = {f.id: i for i, f in enumerate(measured.layout.features)}
    found: list[tuple[int, int, float, int, Measurement]] = []
    for n, (pack, j) in enumerate(judged_rules(packs)):
        source, target = MEASURED_FACTS[j.key]
        holds = _COMPARE[j.op]
        applies = _applies(pack, j.rule, facts, as_of)
        pairs = list(measured.nearest(source, target))
        if j.op in (">=", ">"):  # a least distance: every pair too close, then the nearest
            pairs += [d for d in measured.within(source, target, j.limit_m)
                      if not holds(d.distance_m, j.limit_m)]
        seen = set()
        for d in pairs:
            if (d.from_id, d.to_id) in seen or not applies(d.from_id):
                continue
            seen.add((d.from_id, d.to_id))
            m = Measurement(j.rule.id, d.from_id, d.to_id, d.distance_m, j.limit_m,
                            holds(d.distance_m, j.limit_m), j.op)
            found.append((n, order[d.from_id], d.distance_m, order[d.to_id], m))
    found.sort(key=lambda t: t[:4])
    features = tuple(MapFeature(f.id, f.kind.value, f.source_type.value if f.source_type else None,
                                measured.geometry_dict(f.id)) for f in measured.layout.features)
    return LayoutAnalysis(measured.crs, measured.projection, measured.bounds, measured.area_m2,
                          features, tuple(t[4] for t in found), measured.layout.source)

