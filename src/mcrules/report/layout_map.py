"""The site's layout as an inline SVG map: features by kind, violations and failing distances
in red, a legend, a scale bar and a north arrow.

It draws the report's `layout` key (local metres, x east, y north) and never measures: which
features violate and how far apart they are come from the report's `measurements`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mcrules.engine.outcomes import format_distance
from mcrules.report.html_text import coord, esc, is_number, list_of, num, text_of

WIDTH, HEIGHT, MARGIN = 800.0, 560.0, 44.0
HIGHLIGHT = "#d00000"  # only violating features and failing distances use this colour
POINT_SIZE, HIGHLIGHT_SIZE = 7.0, 11.0

# kind: (label in the legend, fill, stroke, point symbol); drawn bottom to top in this order.
KINDS: dict[str, tuple[str, str, str, str]] = {
    "boundary": ("site boundary", "#eef5e4", "#4f6b2f", "square"),
    "shelter": ("shelter", "#f3dfb0", "#9a7429", "square"),
    "water_source": ("water source (well, borehole, spring)", "#0b3d91", "#061f4a", "diamond"),
    "water_point": ("water point", "#4dabf7", "#1864ab", "circle"),
    "shower": ("shower", "#20c997", "#087f5b", "triangle"),
    "latrine": ("latrine", "#8b5a2b", "#3d2611", "square"),
}
OTHER = ("other feature", "#adb5bd", "#495057", "circle")
GEOMETRY_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                  "MultiPolygon")


@dataclass(frozen=True)
class Frame:
    """Local metres to viewBox pixels: `bounds` fitted inside the margin, aspect kept, north up."""

    minx: float
    maxy: float
    scale: float
    left: float
    top: float

    @classmethod
    def fit(cls, bounds: tuple[float, float, float, float]) -> Frame:
        minx, miny, maxx, maxy = bounds
        dx, dy = max(maxx - minx, 1e-9), max(maxy - miny, 1e-9)
        if maxx - minx <= 0 and maxy - miny <= 0:
            dx = dy = 1.0  # a single point: one metre around it
        inner_w, inner_h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN
        scale = min(inner_w / dx, inner_h / dy)
        return cls(minx, maxy, scale, MARGIN + (inner_w - dx * scale) / 2,
                   MARGIN + (inner_h - dy * scale) / 2)

    def xy(self, point: tuple[float, float]) -> str:
        x, y = self.px(point)
        return f"{coord(x)},{coord(y)}"

    def px(self, point: tuple[float, float]) -> tuple[float, float]:
        return (self.left + (point[0] - self.minx) * self.scale,
                self.top + (self.maxy - point[1]) * self.scale)


def _position(value: Any) -> tuple[float, float] | None:
    if isinstance(value, list | tuple) and len(value) >= 2 and is_number(value[0]) \
            and is_number(value[1]):
        return float(value[0]), float(value[1])
    return None


def _line(value: Any) -> list[tuple[float, float]]:
    """A list of positions; anything that is not one is left out, never guessed."""
    if not isinstance(value, list):
        return []
    return [p for p in map(_position, value) if p is not None]


def _parts(geometry: Any) -> tuple[str, list[list[list[tuple[float, float]]]]]:
    """A GeoJSON geometry as (kind, parts): each part a list of rings or lines of positions.
    kind is `point`, `line` or `polygon`; an unknown or malformed geometry gives no part."""
    if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
        return "", []
    kind, coords = str(geometry["type"]), geometry.get("coordinates")
    if not isinstance(coords, list):
        return "", []
    if kind == "Point":
        point = _position(coords)
        return "point", [[[point]]] if point else []
    if kind == "MultiPoint":
        return "point", [[[p]] for p in _line(coords)]
    if kind == "LineString":
        return "line", [[_line(coords)]]
    if kind == "MultiLineString":
        return "line", [[_line(line)] for line in coords]
    if kind == "Polygon":
        return "polygon", [[_line(ring) for ring in coords if isinstance(ring, list)]]
    return "polygon", [[_line(ring) for ring in poly if isinstance(ring, list)]
                       for poly in coords if isinstance(poly, list)]


def _points(parts: list[list[list[tuple[float, float]]]]) -> Iterator[tuple[float, float]]:
    for part in parts:
        for ring in part:
            yield from ring


def _centre(parts: list[list[list[tuple[float, float]]]]) -> tuple[float, float] | None:
    """Where a distance line meets the feature: the centre of its bounding box."""
    pts = list(_points(parts))
    if not pts:
        return None
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2


def _bounds(layout: dict[str, Any], shapes: list[tuple[dict[str, Any], str, list[Any]]],
            ) -> tuple[float, float, float, float] | None:
    """The layout's own bounds when they are four ordered numbers, else those of its features."""
    given = layout.get("bounds")
    if isinstance(given, list) and len(given) == 4 and all(map(is_number, given)) \
            and given[0] <= given[2] and given[1] <= given[3]:
        return float(given[0]), float(given[1]), float(given[2]), float(given[3])
    pts = [p for _, _, parts in shapes for p in _points(parts)]
    if not pts:
        return None
    return (min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts),
            max(p[1] for p in pts))


def _symbol(shape: str, x: float, y: float, size: float, fill: str, stroke: str) -> str:
    paint = f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"'
    pts: tuple[tuple[float, float], ...]
    if shape == "circle":
        return f'<circle cx="{coord(x)}" cy="{coord(y)}" r="{coord(size)}" {paint}/>'
    if shape == "square":
        return (f'<rect x="{coord(x - size)}" y="{coord(y - size)}" width="{coord(2 * size)}" '
                f'height="{coord(2 * size)}" {paint}/>')
    if shape == "diamond":
        d = size * 1.25
        pts = ((x, y - d), (x + d, y), (x, y + d), (x - d, y))
    else:  # triangle
        d = size * 1.3
        pts = ((x, y - d), (x + d * 0.9, y + d * 0.6), (x - d * 0.9, y + d * 0.6))
    return f'<polygon points="{" ".join(f"{coord(a)},{coord(b)}" for a, b in pts)}" {paint}/>'


def _feature_svg(feature: dict[str, Any], geom: str, parts: list[Any], frame: Frame,
                 bad: bool) -> str:
    kind = text_of(feature, "kind")
    _, fill, stroke, shape = KINDS.get(kind, OTHER)
    fid = text_of(feature, "id")
    if bad:
        fill = stroke = HIGHLIGHT
    tip = f"{fid} ({kind or 'feature'}"
    if text_of(feature, "source_type"):
        tip += f", {text_of(feature, 'source_type')}"
    tip += ", violates a distance rule)" if bad else ")"
    body: list[str] = []
    if geom == "point":
        size = HIGHLIGHT_SIZE if bad else POINT_SIZE
        for x, y in (frame.px(p) for p in _points(parts)):
            body.append(_symbol(shape, x, y, size, fill, stroke))
    elif geom == "line":
        width = 4 if bad else 2.5
        for part in parts:
            for line in part:
                if line:
                    body.append(f'<polyline points="{" ".join(frame.xy(p) for p in line)}" '
                                f'fill="none" stroke="{stroke}" stroke-width="{width}"/>')
    else:
        width = 3.5 if bad else (2.5 if kind == "boundary" else 1.5)
        # A shape in violation keeps what lies inside it visible: red outline, translucent fill.
        opacity = ' fill-opacity="0.3"' if bad else ""
        for part in parts:
            rings = [ring for ring in part if ring]
            if rings:
                d = " ".join("M" + " L".join(frame.xy(p) for p in ring) + " Z" for ring in rings)
                body.append(f'<path d="{d}" fill="{fill}"{opacity} fill-rule="evenodd" '
                            f'stroke="{stroke}" stroke-width="{width}" stroke-linejoin="round"/>')
    cls = f"feature kind-{esc(kind or 'other')}" + (" violating" if bad else "")
    return (f'<g class="{cls}" data-feature-id="{esc(fid)}" data-kind="{esc(kind)}">'
            f"<title>{esc(tip)}</title>{''.join(body)}</g>")


def _scale_bar(frame: Frame) -> str:
    """A bar of a round number of metres, about a fifth of the map's width."""
    target = (WIDTH - 2 * MARGIN) / frame.scale / 5
    step = 10 ** math.floor(math.log10(target))
    metres = max(m * step for m in (1, 2, 5) if m * step <= target)
    length = metres * frame.scale
    x, y = MARGIN, HEIGHT - 16
    return (f'<g class="scale-bar" font-size="12" fill="#222">'
            f'<rect x="{coord(x)}" y="{coord(y - 5)}" width="{coord(length)}" height="5" '
            f'fill="#222"/>'
            f'<rect x="{coord(x + length / 2)}" y="{coord(y - 5)}" width="{coord(length / 2)}" '
            f'height="5" fill="#fff" stroke="#222"/>'
            f'<text x="{coord(x + length + 6)}" y="{coord(y)}">{esc(num(metres))} m</text></g>')


NORTH_ARROW = (f'<g class="north-arrow" transform="translate({WIDTH - 20:.0f},6)">'
               '<polygon points="0,0 7,20 0,15 -7,20" fill="#222"/>'
               '<text x="0" y="33" text-anchor="middle" font-size="12" font-weight="bold" '
               'fill="#222">N</text></g>')


def distance_text(distance: Any, limit: Any) -> str:
    """`29.0 m`, with more decimals when one would round onto the limit (`29.96 m`, not
    `30.0 m`, for a distance that fails 30 m); empty when the distance is not a number."""
    if not is_number(distance):
        return ""
    return f"{format_distance(float(distance), float(limit) if is_number(limit) else None)} m"


def _distance_label(m: dict[str, Any]) -> str:
    """`29.0 m < 30 m`: the measured distance, how it compares, the limit."""
    d, limit = m.get("distance_m"), m.get("limit_m")
    if not is_number(d):
        return ""
    text = distance_text(d, limit)
    if is_number(limit):
        sign = "<" if d < limit else ">" if d > limit else "="
        text += f" {sign} {num(limit)} m"
    return text


def failing(layout: dict[str, Any]) -> list[dict[str, Any]]:
    """The measurements that break their rule (`ok` is false): what the map draws in red."""
    return [m for m in list_of(layout, "measurements") if isinstance(m, dict) and m.get("ok") is False]


def failing_pairs(layout: dict[str, Any]) -> list[dict[str, Any]]:
    """The failing measurements, one per pair of features (the first): two packs' rules judging
    the same latrine and well are one distance on the map, not two lines drawn over each other."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for m in failing(layout):
        seen.setdefault((text_of(m, "from"), text_of(m, "to")), m)
    return list(seen.values())


def _distance_lines(bad: list[dict[str, Any]], centres: dict[str, tuple[float, float]],
                    frame: Frame) -> list[str]:
    """A red dashed line between the two ends of each failing measurement, with its label;
    the text comes after every line so no line crosses a label."""
    lines, labels = [], []
    for m in bad:
        a, b = centres.get(text_of(m, "from")), centres.get(text_of(m, "to"))
        if a is None or b is None:
            continue
        (x1, y1), (x2, y2) = frame.px(a), frame.px(b)
        text = _distance_label(m)
        tip = f"{text_of(m, 'rule')}: {text_of(m, 'from')} to {text_of(m, 'to')} {text}"
        lines.append(f'<line class="distance failing" x1="{coord(x1)}" y1="{coord(y1)}" '
                     f'x2="{coord(x2)}" y2="{coord(y2)}" stroke="{HIGHLIGHT}" stroke-width="2" '
                     f'stroke-dasharray="7 5"><title>{esc(tip)}</title></line>')
        # Beside the line's middle, on the side facing down the page (feature ids sit above and
        # to the right of their symbols), so a short line's label covers neither end nor id.
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy) or 1.0
        nx, ny = -dy / length, dx / length
        if ny < 0 or (ny == 0 and nx < 0):
            nx, ny = -nx, -ny
        anchor = "start" if nx > 0.5 else "end" if nx < -0.5 else "middle"
        lx, ly = (x1 + x2) / 2 + 24 * nx, (y1 + y2) / 2 + 24 * ny + 5
        labels.append(f'<text class="distance-label" x="{coord(lx)}" '
                      f'y="{coord(ly)}" text-anchor="{anchor}" font-size="13" '
                      f'font-weight="bold" fill="{HIGHLIGHT}" stroke="#fff" stroke-width="3" '
                      f'paint-order="stroke">{esc(text)}</text>')
    return lines + labels


def _feature_labels(shapes: list[tuple[dict[str, Any], str, list[Any]]], frame: Frame) -> list[str]:
    """Each feature's id beside its symbol (a point) or in its middle (a shape)."""
    labels = []
    for feature, geom, parts in shapes:
        centre = _centre(parts)
        if centre is None or text_of(feature, "kind") == "boundary":
            continue
        x, y = frame.px(centre)
        anchor = "middle"
        if geom == "point":
            x, y, anchor = x + HIGHLIGHT_SIZE + 2, y - HIGHLIGHT_SIZE, "start"
        labels.append(f'<text class="feature-label" x="{coord(x)}" y="{coord(y)}" '
                      f'text-anchor="{anchor}" font-size="11" fill="#222" stroke="#fff" '
                      f'stroke-width="2.5" paint-order="stroke">{esc(text_of(feature, "id"))}</text>')
    return labels


def render_layout_svg(layout: dict[str, Any], site_name: str) -> str:
    """The `<svg>` of the layout, or an empty string when it has nothing to draw."""
    shapes = []
    for feature in list_of(layout, "features"):
        if isinstance(feature, dict):
            geom, parts = _parts(feature.get("geometry"))
            if parts:
                shapes.append((feature, geom, parts))
    bounds = _bounds(layout, shapes)
    if bounds is None:
        return ""
    frame = Frame.fit(bounds)
    bad_ms = failing(layout)
    bad_ids = ({text_of(m, "from") for m in bad_ms} | {text_of(m, "to") for m in bad_ms}) - {""}
    order = {kind: i for i, kind in enumerate(KINDS)}
    # Polygons below lines below points; violating ones on top of their own sort; then by kind.
    layers = sorted(range(len(shapes)), key=lambda i: (
        {"polygon": 0, "line": 1}.get(shapes[i][1], 2), text_of(shapes[i][0], "id") in bad_ids,
        order.get(text_of(shapes[i][0], "kind"), len(order)), i))
    body = [_feature_svg(shapes[i][0], shapes[i][1], shapes[i][2], frame,
                         text_of(shapes[i][0], "id") in bad_ids) for i in layers]
    centres = {text_of(f, "id"): c for f, _, parts in shapes if (c := _centre(parts)) is not None}
    lines = _distance_lines(failing_pairs(layout), centres, frame)
    labels = _feature_labels(shapes, frame) if len(shapes) <= 80 else []  # else ids cover the map
    # No xmlns: inline SVG in HTML needs none, and the page then names no URL at all.
    return (f'<svg viewBox="0 0 {WIDTH:.0f} {HEIGHT:.0f}" '
            f'width="{WIDTH:.0f}" height="{HEIGHT:.0f}" role="img" '
            f'aria-label="{esc("Layout of " + site_name)}" font-family="sans-serif">'
            f'<rect width="100%" height="100%" fill="#ffffff"/>'
            f'{"".join(body)}{"".join(lines)}{"".join(labels)}{_scale_bar(frame)}{NORTH_ARROW}'
            f"</svg>")


def legend_items(layout: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, swatch svg) for each kind drawn, then the highlight when something fails."""
    kinds = {text_of(f, "kind") for f in list_of(layout, "features") if isinstance(f, dict)}
    items = []
    for kind, (label, fill, stroke, shape) in KINDS.items():
        if kind in kinds:
            items.append((label, _symbol(shape, 8, 8, 5.5, fill, stroke)))
    if kinds - set(KINDS):
        items.append((OTHER[0], _symbol(OTHER[3], 8, 8, 5.5, OTHER[1], OTHER[2])))
    if failing(layout):
        items.append(("violating feature", _symbol("square", 8, 8, 6, HIGHLIGHT, HIGHLIGHT)))
        items.append(("failing distance, measured against its limit",
                      f'<line x1="0" y1="8" x2="16" y2="8" stroke="{HIGHLIGHT}" stroke-width="2" '
                      f'stroke-dasharray="4 3"/>'))
    return [(label, f'<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">'
                    f"{swatch}</svg>") for label, swatch in items]
