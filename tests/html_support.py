"""A report with a layout, for the HTML report's tests: the example transit centre whose latrine
L1 stands 29 m from the well W1 (the toolkit asks for 30 m) and whose latrine L2 stands 35 m from
it. The `layout` key is built here in the shape the geometry writes (docs/html-report.md), so the
renderer's unit tests can bend it (hostile ids, malformed geometry); the browser test draws the
shipped example as the geometry measures it instead."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml

from mcrules import check_site, validate_site
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "transit-centre.yaml"
DISTANCE_RULE = "mct.wash.latrine_distance_to_water_source"


def _square(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def _point(x: float, y: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [x, y]}


LAYOUT: dict[str, Any] = {
    "crs": "local",
    "projection": None,
    "bounds": [0.0, 0.0, 120.0, 80.0],
    "area_m2": 9600.0,
    "features": [
        {"id": "site", "kind": "boundary", "source_type": None, "geometry": _square(0, 0, 120, 80)},
        {"id": "S1", "kind": "shelter", "source_type": None, "geometry": _square(60, 48, 104, 72)},
        {"id": "S2", "kind": "shelter", "source_type": None, "geometry": _square(60, 8, 104, 30)},
        {"id": "W1", "kind": "water_source", "source_type": "well", "geometry": _point(20, 40)},
        {"id": "WP1", "kind": "water_point", "source_type": None, "geometry": _point(40, 70)},
        {"id": "L1", "kind": "latrine", "source_type": None, "geometry": _point(49, 40)},
        {"id": "L2", "kind": "latrine", "source_type": None, "geometry": _point(20, 5)},
        {"id": "SH1", "kind": "shower", "source_type": None, "geometry": _point(112, 40)},
    ],
    "measurements": [
        {"rule": DISTANCE_RULE, "from": "L1", "to": "W1", "distance_m": 29.0, "limit_m": 30.0,
         "ok": False},
        {"rule": DISTANCE_RULE, "from": "L2", "to": "W1", "distance_m": 35.0, "limit_m": 30.0,
         "ok": True},
    ],
}


def site_doc(**changes: Any) -> dict[str, Any]:
    """The example transit centre with its latrines where the layout puts them."""
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["sanitation"] = [
        {"id": "L1", "kind": "pit_latrine", "distance_to_water_source": "29 m",
         "pit_bottom_above_groundwater": "2 m"},
        {"id": "L2", "kind": "pit_latrine", "distance_to_water_source": "35 m",
         "pit_bottom_above_groundwater": "2 m"},
    ]
    doc.update(changes)
    return doc


@functools.cache
def _checked(name: str | None) -> dict[str, Any]:
    site, warnings = validate_site(site_doc(**({} if name is None else {"name": name})), strict=True)
    return check_site(site, source="transit-centre-layout.yaml", warnings=warnings).as_dict()


def report_dict(*, layout: bool = True, name: str | None = None) -> dict[str, Any]:
    """The JSON report of that site (renamed when asked), with the layout when asked: a fresh
    copy each time, for a test to change."""
    data = copy.deepcopy(_checked(name))
    if layout:
        data["layout"] = copy.deepcopy(LAYOUT)
    return data


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
