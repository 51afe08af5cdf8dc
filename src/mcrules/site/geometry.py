"""Measure a site's layout in metres: the little logic that is not a rule.

Longitude/latitude is projected onto a local azimuthal equidistant plane centred on the layout
(distances from the centre are exact on the ellipsoid, and across a site of a few kilometres
every distance is within millimetres of the geodesic one); local metres are used as written.
shapely and pyproj (the `geo` extra) load here, only when a site file has a layout.

Every distance is straight-line, between points: a latrine, shower, water point or water source
is a point; a shelter drawn as a polygon is measured from its centroid, its middle, neither its
nearest wall (lenient for a long hall) nor its furthest corner. Distances are rounded to the
millimetre, so a distance shown, a measurement in the report and the fact a rule reads are one
number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcrules.errors import InputError, McrulesError, Problem
from mcrules.limits import MAX_LAYOUT_EXTENT_M
from mcrules.models.layout import LONLAT, FeatureKind, Layout, LayoutFeature

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

INSTALL_HINT = "pip install 'mcrules[geo]'"


def _libraries() -> tuple[Any, Any]:
    """shapely and pyproj, or the error that says how to install them (exit 2, not a crash)."""
    try:
        import pyproj
        import shapely
    except ImportError:
        raise McrulesError(f"this site file has a layout; measuring it needs shapely and pyproj: "
                           f"install mcrules[geo] ({INSTALL_HINT})", path="layout") from None
    return shapely, pyproj


@dataclass(frozen=True)
class Distance:
    """From one feature to another, in metres (to the millimetre)."""

    from_id: str
    to_id: str
    distance_m: float


class MeasuredLayout:
    """A layout in local metres (x east, y north), with the distances rules read."""

    def __init__(self, layout: Layout) -> None:
        shapely, pyproj = _libraries()
        self.layout = layout
        self.crs = layout.crs
        self._shapely = shapely
        raw = {f.id: shapely.geometry.shape({"type": f.geometry_type,
                                             "coordinates": f.coordinates})
               for f in layout.features}
        self.projection: str | None = None
        if layout.crs == LONLAT and layout.features:
            self.projection = _local_projection(layout.features)
            to_local = pyproj.Transformer.from_crs(LONLAT, self.projection, always_xy=True)

            def project(xy: Any) -> Any:
                x, y = to_local.transform(xy[:, 0], xy[:, 1])
                return _stack(x, y)

            raw = {fid: shapely.transform(g, project) for fid, g in raw.items()}
        self.geometries: dict[str, BaseGeometry] = raw
        self._check_valid()
        self._check_extent()
        self.features: dict[str, LayoutFeature] = {f.id: f for f in layout.features}

    # -- what the report shows -------------------------------------------------------------
    @property
    def bounds(self) -> tuple[float, float, float, float] | None:
        if not self.geometries:
            return None
        b = self._shapely.total_bounds(list(self.geometries.values()))
        return (_mm(b[0]), _mm(b[1]), _mm(b[2]), _mm(b[3]))

    @property
    def area_m2(self) -> float | None:
        """The boundary's area in m² (holes excluded), or None without a boundary."""
        boundary = self.layout.of_kind(FeatureKind.BOUNDARY)
        if not boundary:
            return None
        return round(float(self.geometries[boundary[0].id].area), 2)

    def geometry_dict(self, fid: str) -> dict[str, Any]:
        """The feature's geometry as GeoJSON, in local metres to the millimetre."""
        mapped = self._shapely.geometry.mapping(self.geometries[fid])
        return {"type": mapped["type"], "coordinates": _rounded(mapped["coordinates"])}

    # -- distances ---------------------------------------------------------------------------
    def anchor(self, fid: str) -> BaseGeometry:
        """The point a feature is measured from: itself, or a polygon's centroid."""
        geom = self.geometries[fid]
        return geom if geom.geom_type == "Point" else geom.centroid

    def nearest(self, source: FeatureKind, target: FeatureKind) -> list[Distance]:
        """For each feature of kind `source` (in file order), its nearest feature of `target`;
        none when the layout has no feature of `target`. Ties (to the millimetre) go to the
        first in the file."""
        sources = self.layout.of_kind(source)
        targets = self.layout.of_kind(target)
        if not sources or not targets:
            return []
        shapely = self._shapely
        tree = shapely.STRtree([self.anchor(t.id) for t in targets])
        out = []
        for s in sources:
            point = self.anchor(s.id)
            _, dist = tree.query_nearest(point, return_distance=True)
            # Ties at the millimetre go to the first in the file, whichever the tree met first.
            near = tree.query(point, predicate="dwithin", distance=float(dist.min()) + 0.001)
            best = min((_mm(point.distance(tree.geometries[i])), int(i)) for i in near.tolist())
            out.append(Distance(s.id, targets[best[1]].id, best[0]))
        return out

    def within(self, source: FeatureKind, target: FeatureKind, limit: float) -> list[Distance]:
        """Every pair (source, target) at most `limit` metres apart, nearest first per source."""
        sources = self.layout.of_kind(source)
        targets = self.layout.of_kind(target)
        if not sources or not targets or not math.isfinite(limit) or limit < 0:
            return []
        shapely = self._shapely
        tree = shapely.STRtree([self.anchor(t.id) for t in targets])
        out: list[Distance] = []
        for s in sources:
            point = self.anchor(s.id)
            hits = tree.query(point, predicate="dwithin", distance=limit)
            pairs = sorted((_mm(float(point.distance(tree.geometries[i]))), int(i))
                           for i in hits.tolist())
            out.extend(Distance(s.id, targets[i].id, d) for d, i in pairs if d <= limit)
        return out

    # -- checks ------------------------------------------------------------------------------
    def _check_valid(self) -> None:
        shapely = self._shapely
        problems = []
        for i, f in enumerate(self.layout.features):
            geom = self.geometries[f.id]
            if geom.geom_type != "Point" and not shapely.is_valid(geom):
                reason = shapely.is_valid_reason(geom)
                problems.append(Problem(f"features[{i}].geometry", f"feature {f.id!r}: not a "
                                        f"valid {geom.geom_type.lower()} ({reason})"))
        if problems:
            raise InputError(f"invalid layout: {len(problems)} "
                             f"{'problem' if len(problems) == 1 else 'problems'}",
                             source=self.layout.source, problems=problems)

    def _check_extent(self) -> None:
        if not self.geometries:
            return
        ids = list(self.geometries)
        bounds = [self.geometries[i].bounds for i in ids]
        for fid, b in zip(ids, bounds, strict=True):
            if not all(math.isfinite(v) for v in b):  # the far side of the Earth from the rest
                raise InputError(f"invalid layout: feature {fid!r} cannot be placed on a local "
                                 "plane with the others (is it in another coordinate system?)",
                                 source=self.layout.source)
        for lo, hi in ((0, 2), (1, 3)):
            low = min(range(len(ids)), key=lambda k: bounds[k][lo])
            high = max(range(len(ids)), key=lambda k: bounds[k][hi])
            span = bounds[high][hi] - bounds[low][lo]
            if span > MAX_LAYOUT_EXTENT_M:
                raise InputError(
                    f"invalid layout: features {ids[low]!r} and {ids[high]!r} are {span / 1000:,.1f} "
                    f"km apart; a site layout is at most {MAX_LAYOUT_EXTENT_M / 1000:g} km across "
                    "(a feature in another coordinate system, or misplaced?)",
                    source=self.layout.source)


def _local_projection(features: Sequence[LayoutFeature]) -> str:
    """An azimuthal equidistant projection centred on the middle of the layout's extent.

    Longitudes are unwrapped around the first one, so a site across the antimeridian is centred
    on itself, not on the other side of the Earth."""
    lons: list[float] = []
    lats: list[float] = []
    for f in features:
        for x, y in _positions(f.coordinates):
            lons.append(x)
            lats.append(y)
    ref = lons[0]
    unwrapped = [ref + ((x - ref + 180.0) % 360.0 - 180.0) for x in lons]
    lon0 = (min(unwrapped) + max(unwrapped)) / 2
    lon0 = (lon0 + 180.0) % 360.0 - 180.0
    lat0 = (min(lats) + max(lats)) / 2
    return (f"+proj=aeqd +lat_0={lat0:.7f} +lon_0={lon0:.7f} +datum=WGS84 +units=m "
            "+no_defs +type=crs")


def _positions(coords: Any) -> list[tuple[float, float]]:
    if coords and isinstance(coords[0], float | int):
        return [(float(coords[0]), float(coords[1]))]
    out: list[tuple[float, float]] = []
    for c in coords:
        out.extend(_positions(c))
    return out


def _stack(x: Any, y: Any) -> Any:
    import numpy as np

    return np.column_stack([x, y])


def _mm(value: float) -> float:
    return round(float(value), 3) + 0.0  # + 0.0: never a negative zero in the report


def _rounded(coords: Any) -> Any:
    if coords and isinstance(coords[0], float | int):
        return [_mm(coords[0]), _mm(coords[1])]
    return [_rounded(c) for c in coords]
