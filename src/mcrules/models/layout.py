"""A site's layout as its file gives it: GeoJSON features with an id, a kind and a geometry.

Plain data, validated by `mcrules.io.layout_file` and measured by `mcrules.site.geometry`: reading
it needs no geometry library, so a site file with a bad layout is refused even without the `geo`
extra, and a site file without one never loads shapely or pyproj.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from mcrules.models.site import SanitationKind

#: longitude and latitude on WGS 84, GeoJSON's only coordinate system (RFC 7946)
LONLAT = "EPSG:4326"
#: metres on a local plane: x east, y north, any origin (a site plan drawn in metres)
LOCAL = "local"
CRS_CHOICES = (LONLAT, LOCAL)


class FeatureKind(StrEnum):
    """What a feature on the layout is; the kind decides which distances are measured from it."""

    LATRINE = "latrine"
    WATER_POINT = "water_point"
    WATER_SOURCE = "water_source"
    SHOWER = "shower"
    SHELTER = "shelter"
    BOUNDARY = "boundary"


class SourceType(StrEnum):
    """A groundwater source a latrine must keep its distance from."""

    WELL = "well"
    BOREHOLE = "borehole"
    SPRING = "spring"


#: the GeoJSON geometry types each kind may have: a latrine is a spot, a boundary an area
GEOMETRY_TYPES: dict[FeatureKind, tuple[str, ...]] = {
    FeatureKind.LATRINE: ("Point",),
    FeatureKind.WATER_POINT: ("Point",),
    FeatureKind.WATER_SOURCE: ("Point",),
    FeatureKind.SHOWER: ("Point",),
    FeatureKind.SHELTER: ("Point", "Polygon"),
    FeatureKind.BOUNDARY: ("Polygon", "MultiPolygon"),
}

Position = tuple[float, float]


@dataclass(frozen=True)
class LayoutFeature:
    """One validated feature. `coordinates` are GeoJSON's nesting as tuples, (x, y) per position
    (longitude, latitude; or metres east, north), any third value dropped."""

    id: str
    kind: FeatureKind
    geometry_type: str
    coordinates: Any
    source_type: SourceType | None = None
    sanitation_kind: SanitationKind | None = None
    name: str | None = None


@dataclass(frozen=True)
class Layout:
    """The features of one site and the coordinate system they are written in."""

    crs: str
    features: tuple[LayoutFeature, ...]
    source: str | None = None

    def of_kind(self, kind: FeatureKind) -> tuple[LayoutFeature, ...]:
        return tuple(f for f in self.features if f.kind is kind)


#: The site-file keys that carry a layout, as JSON Schema, merged into `site.schema.json`: they
#: are read beside the Site model, not into it, since rules read the facts measured from them.
LAYOUT_KEYS_SCHEMA: dict[str, Any] = {
    "layout": {
        "type": "string",
        "description": "A GeoJSON FeatureCollection file with the site's layout, relative to this "
                       "file and inside its folder (docs/geometry.md).",
    },
    "features": {
        "description": "The site's layout inline: a list of GeoJSON Features or a "
                       "FeatureCollection (docs/geometry.md).",
        "anyOf": [{"type": "array", "items": {"type": "object"}}, {"type": "object"}],
    },
    "layout_crs": {
        "enum": list(CRS_CHOICES),
        "description": "How the layout's coordinates are written: EPSG:4326 (longitude, latitude; "
                       "GeoJSON's default) or local (metres, x east and y north).",
    },
}
