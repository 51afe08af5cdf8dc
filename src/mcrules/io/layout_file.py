"""Read the layout a site file carries (`features:` inline or `layout: file.geojson`) into a Layout.

The GeoJSON is untrusted like the rest of the file: a layout file is read only from inside the
site file's folder, within its own bounds on size and values (docs/limits.md), and every problem
names the feature's id and the field. No geometry library is needed here.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mcrules.errors import InputError, Problem
from mcrules.limits import MAX_LAYOUT_BYTES, MAX_LAYOUT_FEATURES, MAX_LAYOUT_NODES, excerpt
from mcrules.located import LocatedDict, line_of, loads_json
from mcrules.models.layout import (
    CRS_CHOICES,
    GEOMETRY_TYPES,
    LOCAL,
    LONLAT,
    FeatureKind,
    Layout,
    LayoutFeature,
    SourceType,
)
from mcrules.models.site import SanitationKind
from mcrules.source import read_input

LAYOUT_KEYS = ("layout", "features", "layout_crs")
MAX_ID_CHARS = 64
MAX_PATH_CHARS = 1_000
_MAX_PROBLEMS = 20  # a broken export repeats one mistake per feature: the first few say it
# The names RFC 7946's predecessor used for longitude/latitude on WGS 84, in a `crs` member.
_LONLAT_NAMES = {"epsg:4326", "urn:ogc:def:crs:epsg::4326", "urn:ogc:def:crs:ogc:1.3:crs84",
                 "urn:ogc:def:crs:ogc::crs84", "ogc:crs84", "crs84"}
_LAYOUT_SUFFIXES = (".geojson", ".json")


def split_layout(doc: Any) -> tuple[Any, dict[str, Any]]:
    """The site document without its layout keys, and those keys: the Site model never sees them."""
    if not isinstance(doc, Mapping) or not any(k in doc for k in LAYOUT_KEYS):
        return doc, {}
    rest = LocatedDict({k: v for k, v in doc.items() if k not in LAYOUT_KEYS})
    if isinstance(doc, LocatedDict):
        rest.lines = {k: v for k, v in doc.lines.items() if k not in LAYOUT_KEYS}
        rest.line = doc.line
    return rest, {k: doc[k] for k in LAYOUT_KEYS if k in doc}


def read_layout(doc: Any, *, site_path: Path | None = None,
                source: str | None = None) -> Layout | None:
    """The validated layout of a site document (None when it has none); InputError listing each
    problem with the feature's id and field. `site_path` anchors a `layout:` file reference."""
    _, part = split_layout(doc)
    if not part:
        return None
    crs = part.get("layout_crs", LONLAT)
    if isinstance(crs, str) and crs.strip().lower() in (LONLAT.lower(), LOCAL):
        crs = LONLAT if crs.strip().lower() == LONLAT.lower() else LOCAL
    else:
        raise InputError("invalid site file", source=source, problems=[Problem(
            "layout_crs", f"unknown value {excerpt(crs)} (allowed: {', '.join(CRS_CHOICES)})",
            line_of(doc, ("layout_crs",)))])
    if "layout" in part and "features" in part:
        raise InputError("invalid site file", source=source, problems=[Problem(
            "layout", "give the layout either inline (`features:`) or as a file (`layout:`), "
            "not both", line_of(doc, ("layout",)))])
    if "features" in part:
        return _layout(part["features"], crs, doc, ("features",), source)
    if "layout" not in part:
        raise InputError("invalid site file", source=source, problems=[Problem(
            "layout_crs", "says how a layout is written, but the file has no `features:` or "
            "`layout:`", line_of(doc, ("layout_crs",)))])
    path = _layout_path(part["layout"], site_path, doc, source)
    raw, _ = read_input(path, limit=MAX_LAYOUT_BYTES)
    data = loads_json(raw, str(path), limit=MAX_LAYOUT_BYTES, max_nodes=MAX_LAYOUT_NODES)
    if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
        raise InputError("invalid layout file", source=str(path), problems=[Problem(
            "type", "a layout file is a GeoJSON FeatureCollection "
            "({\"type\": \"FeatureCollection\", \"features\": [...]})")])
    return _layout(data, crs, data, (), str(path))


def _layout_path(ref: Any, site_path: Path | None, doc: Any, source: str | None) -> Path:
    """The layout file a site file names: relative, inside the site file's folder, GeoJSON."""
    def bad(message: str) -> InputError:
        return InputError("invalid site file", source=source,
                          problems=[Problem("layout", message, line_of(doc, ("layout",)))])

    if not isinstance(ref, str) or not ref.strip():
        raise bad(f"expected the path of a .geojson file, got {excerpt(ref)}")
    if len(ref) > MAX_PATH_CHARS or any(ord(c) < 32 for c in ref):
        raise bad(f"{excerpt(ref)}: a layout file's name is at most {MAX_PATH_CHARS} characters "
                  "with no control characters")
    rel = Path(ref.strip())
    if rel.is_absolute() or ".." in rel.parts:
        raise bad(f"{excerpt(ref)}: a layout file is named relative to the site file, inside "
                  "its folder (no absolute path, no '..')")
    if site_path is None:
        # A document given as data (a mapping, an HTTP request's body) has no folder: a file
        # it names would be one of the reading process's, chosen by whoever wrote the data.
        raise bad(f"{excerpt(ref)}: a layout file is named relative to the site file, and "
                  "this document was not read from a file: give the layout inline "
                  "(`features:`)")
    if rel.suffix.lower() not in _LAYOUT_SUFFIXES:
        raise bad(f"{excerpt(ref)}: a layout file is GeoJSON, ending .geojson or .json")
    try:
        folder = site_path.parent.resolve()
        target = (folder / rel).resolve()
        exists = target.exists()
    except (OSError, ValueError, RuntimeError) as exc:  # a loop of links, a name too long
        raise bad(f"{excerpt(ref)}: cannot be read ({type(exc).__name__})") from None
    if not target.is_relative_to(folder):
        raise bad(f"{excerpt(ref)}: leads outside the site file's folder (a symbolic link?)")
    if not exists:
        raise bad(f"{excerpt(ref)}: no such file next to the site file")
    return target


def _layout(data: Any, crs: str, doc: Any, at: tuple[str | int, ...],
            source: str | None) -> Layout:
    problems: list[Problem] = []
    features_at: tuple[str | int, ...] = at
    if isinstance(data, Mapping):  # a FeatureCollection
        crs = _collection_crs(data, crs, doc, at, problems)
        if data.get("type") != "FeatureCollection" and at:
            problems.append(Problem(_dotted(at), "expected a list of GeoJSON Features or a "
                                    "FeatureCollection", line_of(doc, at)))
        features_at = (*at, "features")
        data = data.get("features")
    if not isinstance(data, list):
        problems.append(Problem(_dotted(features_at), f"expected a list of GeoJSON Features, got "
                                f"{type(data).__name__}", line_of(doc, features_at)))
        raise InputError("invalid layout: 1 problem", source=source, problems=problems)
    if len(data) > MAX_LAYOUT_FEATURES:
        raise InputError(f"a layout holds at most {MAX_LAYOUT_FEATURES:,} features, got "
                         f"{len(data):,}", source=source)
    features: list[LayoutFeature] = []
    seen: dict[str, str] = {}
    for i, raw in enumerate(data):
        where = (*features_at, i)
        feature = _feature(raw, crs, doc, where, problems)
        if feature is None:
            continue
        if feature.id in seen:
            problems.append(Problem(_dotted(where), f"feature {feature.id!r}: the id is already "
                                    f"used by {seen[feature.id]}; ids must be unique",
                                    line_of(doc, where)))
            continue
        seen[feature.id] = _dotted(where)
        features.append(feature)
        if len(problems) >= _MAX_PROBLEMS:
            break
    boundaries = [f.id for f in features if f.kind is FeatureKind.BOUNDARY]
    if len(boundaries) > 1:
        problems.append(Problem(_dotted(features_at), f"one boundary feature, got "
                                f"{len(boundaries)} ({', '.join(boundaries[:5])}); a site in "
                                "several parts is one MultiPolygon", line_of(doc, features_at)))
    if problems:
        counted = "problem" if len(problems) == 1 else "problems"
        raise InputError(f"invalid layout: {len(problems)} {counted}", source=source,
                         problems=problems[:_MAX_PROBLEMS])
    return Layout(crs=crs, features=tuple(features), source=source)


def _collection_crs(data: Mapping[str, Any], crs: str, doc: Any, at: tuple[str | int, ...],
                    problems: list[Problem]) -> str:
    """A `crs` member (GeoJSON 2008) must agree with the site file: one that names another
    system is refused rather than read as longitude and latitude."""
    member = data.get("crs")
    if member is None:
        return crs
    props = member.get("properties") if isinstance(member, Mapping) else None
    name = props.get("name") if isinstance(props, Mapping) else None
    name = name if isinstance(name, str) else None
    lonlat = name is not None and name.strip().lower() in _LONLAT_NAMES
    if crs == LONLAT and not lonlat:
        problems.append(Problem(_dotted((*at, "crs")), f"the layout declares crs "
                                f"{excerpt(name or member)}; mcrules reads longitude/latitude "
                                f"({LONLAT}) or local metres (`layout_crs: local` in the site file)",
                                line_of(doc, (*at, "crs"))))
    elif crs == LOCAL and lonlat:
        problems.append(Problem(_dotted((*at, "crs")), f"the layout declares {excerpt(name)} "
                                "(longitude/latitude) but the site file says `layout_crs: local`",
                                line_of(doc, (*at, "crs"))))
    return crs


def _feature(raw: Any, crs: str, doc: Any, where: tuple[str | int, ...],
             problems: list[Problem]) -> LayoutFeature | None:
    """One feature, or None after recording why not: id, properties, then geometry."""
    path = _dotted(where)

    def problem(field: str, message: str, fid: str | None) -> None:
        loc = (*where, *_parts(field))
        who = f"feature {fid!r}: " if fid else ""
        problems.append(Problem(path + (f".{field}" if field else ""), who + message,
                                line_of(doc, loc)))

    if not isinstance(raw, Mapping):
        problem("", f"expected a GeoJSON Feature (a mapping), got {type(raw).__name__}", None)
        return None
    if raw.get("type", "Feature") != "Feature":
        problem("type", f"expected 'Feature', got {excerpt(raw.get('type'))}", None)
        return None
    props = raw.get("properties")
    if not isinstance(props, Mapping):
        problem("properties", "expected a mapping with at least `kind` and an id", _id_hint(raw))
        return None
    fid = _feature_id(raw, props, problem)
    if fid is None:
        return None
    kind = _choice(props.get("kind"), FeatureKind, "properties.kind", fid, problem, required=True)
    if kind is None:
        return None
    source_type = _choice(props.get("source_type"), SourceType, "properties.source_type", fid,
                          problem, required=kind is FeatureKind.WATER_SOURCE)
    if kind is not FeatureKind.WATER_SOURCE and props.get("source_type") is not None:
        problem("properties.source_type", "is only for water_source features", fid)
        return None
    if kind is FeatureKind.WATER_SOURCE and source_type is None:
        return None
    sanitation = _choice(props.get("sanitation_kind"), SanitationKind,
                         "properties.sanitation_kind", fid, problem, required=False)
    if kind is not FeatureKind.LATRINE and props.get("sanitation_kind") is not None:
        problem("properties.sanitation_kind", "is only for latrine features", fid)
        return None
    if props.get("sanitation_kind") is not None and sanitation is None:
        return None
    name = props.get("name")
    if name is not None and not isinstance(name, str):
        problem("properties.name", f"expected text, got {excerpt(name)}", fid)
        return None
    geometry = _geometry(raw.get("geometry"), kind, crs, fid, problem)
    if geometry is None:
        return None
    gtype, coords = geometry
    return LayoutFeature(id=fid, kind=kind, geometry_type=gtype, coordinates=coords,
                         source_type=source_type, sanitation_kind=sanitation, name=name)


def _id_hint(raw: Mapping[str, Any]) -> str | None:
    value = raw.get("id")
    return str(value)[:MAX_ID_CHARS] if isinstance(value, str | int) else None


def _feature_id(raw: Mapping[str, Any], props: Mapping[str, Any], problem: Any) -> str | None:
    """GeoJSON's `id` or `properties.id` (the same when both are given), as text."""
    ids = []
    for field, value in (("id", raw.get("id")), ("properties.id", props.get("id"))):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int):
            problem(field, f"an id is text or a whole number, got {excerpt(value)}", None)
            return None
        text = str(value).strip()
        if not text or len(text) > MAX_ID_CHARS:
            problem(field, f"an id is 1 to {MAX_ID_CHARS} characters, got {excerpt(value)}", None)
            return None
        ids.append(text)
    if not ids:
        problem("id", "every feature needs an id (GeoJSON `id` or `properties.id`), used to "
                "name it in reports", None)
        return None
    if len(set(ids)) > 1:
        problem("properties.id", f"the feature's `id` {ids[0]!r} and `properties.id` {ids[1]!r} "
                "differ", None)
        return None
    return ids[0]


def _choice(value: Any, enum: Any, field: str, fid: str, problem: Any, *,
            required: bool) -> Any:
    if value is None:
        if required:
            problem(field, f"is required (one of {', '.join(m.value for m in enum)})", fid)
        return None
    choices = [m.value for m in enum]
    if isinstance(value, str) and value.strip() in choices:
        return enum(value.strip())
    close = difflib.get_close_matches(str(value)[:100], choices, n=1) \
        if isinstance(value, str) else []
    hint = f"; did you mean '{close[0]}'?" if close else f" (allowed: {', '.join(choices)})"
    problem(field, f"unknown value {excerpt(value)}{hint}", fid)
    return None


def _geometry(geom: Any, kind: FeatureKind, crs: str, fid: str,
              problem: Any) -> tuple[str, Any] | None:
    allowed = GEOMETRY_TYPES[kind]
    if not isinstance(geom, Mapping):
        problem("geometry", f"expected a GeoJSON geometry ({' or '.join(allowed)}), got "
                f"{'nothing' if geom is None else type(geom).__name__}", fid)
        return None
    gtype = geom.get("type")
    if gtype not in allowed:
        problem("geometry.type", f"a {kind.value} is a {' or '.join(allowed)}, got "
                f"{excerpt(gtype)}", fid)
        return None
    depth = {"Point": 0, "Polygon": 2, "MultiPolygon": 3}[gtype]
    try:
        coords = _nested(geom.get("coordinates"), depth, crs, gtype)
    except _CoordinateError as exc:
        problem("geometry.coordinates" + exc.where, exc.message, fid)
        return None
    return gtype, coords


class _CoordinateError(ValueError):
    def __init__(self, where: str, message: str) -> None:
        super().__init__(message)
        self.where = where
        self.message = message


def _nested(value: Any, depth: int, crs: str, gtype: str, where: str = "") -> Any:
    """Coordinates `depth` lists above positions, as tuples; rings closed and long enough."""
    if depth == 0:
        return _position(value, crs, where)
    if not isinstance(value, list) or not value:
        raise _CoordinateError(where, f"expected a non-empty list, got {excerpt(value)}"
                               if not isinstance(value, list) else "expected a non-empty list")
    out = tuple(_nested(v, depth - 1, crs, gtype, f"{where}[{i}]") for i, v in enumerate(value))
    if depth == 1:  # a linear ring
        if len(out) < 4:
            raise _CoordinateError(where, f"a polygon's ring has at least 4 positions (the first "
                                   f"repeated last), got {len(out)}")
        if out[0] != out[-1]:
            raise _CoordinateError(where, "a polygon's ring is closed: its last position repeats "
                                   "its first")
    return out


def _position(value: Any, crs: str, where: str) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) not in (2, 3):
        raise _CoordinateError(where, f"a position is [x, y] (or [x, y, z]), got {excerpt(value)}")
    xy = []
    for axis, v in zip("xy", value[:2], strict=True):
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise _CoordinateError(where, f"{axis} must be a number, got {excerpt(v)}")
        if not math.isfinite(v):
            raise _CoordinateError(where, f"{axis} must be a finite number, got {v}")
        xy.append(float(v))
    x, y = xy
    if crs == LONLAT and not -180.0 <= x <= 180.0:
        raise _CoordinateError(where, f"longitude {x:g} is outside -180..180 (local metres? say "
                               "`layout_crs: local`)")
    if crs == LONLAT and not -90.0 <= y <= 90.0:
        raise _CoordinateError(where, f"latitude {y:g} is outside -90..90 (longitude and latitude "
                               "swapped, or local metres? say `layout_crs: local`)")
    return x, y


def _parts(field: str) -> list[str | int]:
    """`geometry.coordinates[0][2]` as the keys and indices that lead to it, to find its line."""
    out: list[str | int] = []
    for piece in field.split(".") if field else ():
        name, *indices = piece.replace("]", "").split("[")
        if name:
            out.append(name)
        out.extend(int(i) for i in indices)
    return out


def _dotted(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
