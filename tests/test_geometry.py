"""Layout geometry: distances and area measured from a site's map, judged by the existing rules.

The done-criterion of the feature: a latrine 29 m from a well fails naming both, at 31 m it passes,
and the same layout written in longitude/latitude and in local metres gives the same verdicts.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import pyproj
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mcrules.cli.main import app
from mcrules.io import read_site_file
from mcrules.models.layout import LOCAL, LONLAT, FeatureKind, Layout, LayoutFeature, SourceType
from mcrules.site import check_site, load_site_pack
from mcrules.site.geometry import MeasuredLayout
from tests.conftest import ROOT

runner = CliRunner()
LATRINE_RULE = "mct.wash.latrine_distance_to_water_source"
TOILET_RULE = "sphere.wash.toilet_distance_to_dwellings"
WATER_POINT_RULE = "sphere.wash.water_point_distance"
EXAMPLE = ROOT / "examples" / "layout"


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def point(fid: str, kind: str, x: float, y: float, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "id": fid, "properties": {"kind": kind, **props},
            "geometry": {"type": "Point", "coordinates": [x, y]}}


def polygon(fid: str, kind: str, ring: list[tuple[float, float]], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "id": fid, "properties": {"kind": kind, **props},
            "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}}


def well(fid: str, x: float, y: float) -> dict[str, Any]:
    return point(fid, "water_source", x, y, source_type="well")


def write_site(folder: Path, features: list[dict[str, Any]], *, crs: str = LOCAL,
               **site: Any) -> Path:
    """A site file with its layout inline (JSON is YAML)."""
    path = folder / "site.yaml"
    path.write_text(json.dumps({"name": "test site", **site, "layout_crs": crs,
                                "features": features}))
    return path


_CENTRE = (36.8219, -1.2921)  # where the local plans below are put on the Earth


def to_lonlat(features: list[dict[str, Any]], lon0: float = _CENTRE[0],
              lat0: float = _CENTRE[1]) -> list[dict[str, Any]]:
    """The same features in longitude/latitude: local metres projected back with pyproj."""
    back = pyproj.Transformer.from_crs(
        f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m +type=crs", LONLAT,
        always_xy=True)

    def walk(c: Any) -> Any:
        if isinstance(c[0], int | float):
            lon, lat = back.transform(c[0], c[1])
            return [lon, lat]
        return [walk(x) for x in c]

    out = json.loads(json.dumps(features))
    for f in out:
        f["geometry"]["coordinates"] = walk(f["geometry"]["coordinates"])
    return out


def check(path: Path, *packs: str) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """Results keyed by rule id, the layout key and the warnings, through the public API (the
    command line's JSON also asks for next questions, which these tests do not need)."""
    read = read_site_file(path)
    report = check_site(read.site, [load_site_pack(p) for p in packs or ("mct-2023",)],
                        warnings=read.warnings, layout=read.layout)
    results = {r.rule.id: r.as_dict() for r in report.results}
    return results, report.attachments["layout"].to_dict(), list(report.warnings)


def _layout(features: list[dict[str, Any]], crs: str = LOCAL) -> Layout:
    from mcrules.io import read_layout

    layout = read_layout({"layout_crs": crs, "features": features})
    assert layout is not None
    return layout


# -- the done-criterion ------------------------------------------------------------------------

def test_a_latrine_29_m_from_a_well_fails_naming_both(tmp_path: Path) -> None:
    path = write_site(tmp_path, [point("L3", "latrine", 0, 0), well("W1", 29, 0)])
    result = run("check-site", str(path), "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    r = next(r for r in doc["results"] if r["rule"] == LATRINE_RULE)
    assert (r["outcome"], r["item"], r["measured"]) == ("fail", "L3", 29.0)
    assert {"rule": LATRINE_RULE, "from": "L3", "to": "W1", "distance_m": 29.0, "limit_m": 30.0,
            "ok": False} in doc["layout"]["measurements"]
    text = run("check-site", str(path))
    assert "latrine L3 is 29.0 m from well W1; at least 30 m" in text.stdout


def test_a_latrine_31_m_from_a_well_passes(tmp_path: Path) -> None:
    path = write_site(tmp_path, [point("L3", "latrine", 0, 0), well("W1", 31, 0)])
    result = run("check-site", str(path), "--format", "json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    r = next(r for r in doc["results"] if r["rule"] == LATRINE_RULE)
    assert (r["outcome"], r["measured"]) == ("pass", 31.0)
    assert doc["layout"]["measurements"] == [
        {"rule": LATRINE_RULE, "from": "L3", "to": "W1", "distance_m": 31.0, "limit_m": 30.0,
         "ok": True}]


def test_every_water_source_too_close_is_named_not_only_the_nearest(tmp_path: Path) -> None:
    features = [point("L1", "latrine", 0, 0), well("W1", 10, 0),
                point("B1", "water_source", 0, 20, source_type="borehole"), well("W2", 0, -45)]
    read = read_site_file(write_site(tmp_path, features))
    report = check_site(read.site, load_site_pack("mct-2023"), layout=read.layout)
    layout = report.attachments["layout"]
    pairs = [(m["to"], m["distance_m"], m["ok"]) for m in layout.to_dict()["measurements"]]
    assert pairs == [("W1", 10.0, False), ("B1", 20.0, False)]  # W2 is 45 m off: not listed
    assert layout.lines() == [f"latrine L1 is {d} m from {w}; at least 30 m ({LATRINE_RULE})"
                              for d, w in (("10.0", "well W1"), ("20.0", "borehole B1"))]


# A plan in local metres: a boundary, shelters (points and polygons), latrines, water points and
# sources; latrine L2 is 29 m from the well, shelter S3 60 m from its nearest toilet.
PLAN = [
    polygon("site", "boundary", [(-100, -80), (140, -80), (140, 90), (-100, 90), (-100, -80)]),
    polygon("S1", "shelter", [(0, 40), (12, 40), (12, 46), (0, 46), (0, 40)]),
    point("S2", "shelter", 40, 60),
    point("S3", "shelter", -50, 20),
    point("L1", "latrine", 10, 20),
    point("L2", "latrine", 70, 0, sanitation_kind="pour_flush_pit"),
    point("L9", "latrine", 120, -70, sanitation_kind="flush_sewer"),
    point("SH1", "shower", 14, 20),
    point("WP1", "water_point", 20, 50),
    well("W1", 70, -29),
    point("B1", "water_source", 120, -60, source_type="borehole"),
]


def _verdicts(path: Path) -> tuple[dict[str, tuple[str, Any]], list[dict[str, Any]]]:
    results, layout, _ = check(path, "mct-2023", "sphere-2018")
    return ({k: (r["outcome"], r["measured"]) for k, r in results.items()},
            layout["measurements"])


def test_the_same_layout_in_lonlat_and_in_local_metres_gives_the_same_verdicts(
        tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    local = _verdicts(write_site(tmp_path / "a", PLAN, crs=LOCAL, population={"female": 30,
                                                                               "male": 50}))
    lonlat = _verdicts(write_site(tmp_path / "b", to_lonlat(PLAN), crs=LONLAT,
                                  population={"female": 30, "male": 50}))
    assert {k: v[0] for k, v in local[0].items()} == {k: v[0] for k, v in lonlat[0].items()}
    assert local[0][LATRINE_RULE] == ("fail", 29.0)
    assert local[0][TOILET_RULE] == ("fail", 60.0)
    assert len(local[1]) == len(lonlat[1])
    for a, b in zip(local[1], lonlat[1], strict=True):
        assert (a["rule"], a["from"], a["to"], a["ok"]) == (b["rule"], b["from"], b["to"], b["ok"])
        assert a["distance_m"] == pytest.approx(b["distance_m"], abs=0.02)
    # the sewered latrine is judged by no groundwater rule: no measurement starts from it
    assert not any(m["from"] == "L9" for m in local[1])


def test_the_shipped_example_reads_the_same_in_lonlat_and_in_local_metres(
        tmp_path: Path) -> None:
    local = tmp_path / "local"
    local.mkdir()
    shutil.copy(EXAMPLE / "transit-centre-layout-local.geojson", local)
    text = (EXAMPLE / "transit-centre.yaml").read_text().replace(
        "layout: transit-centre-layout.geojson",
        "layout: transit-centre-layout-local.geojson\nlayout_crs: local")
    (local / "site.yaml").write_text(text)
    a = _verdicts(EXAMPLE / "transit-centre.yaml")
    b = _verdicts(local / "site.yaml")
    assert {k: v[0] for k, v in a[0].items()} == {k: v[0] for k, v in b[0].items()}
    assert a[0][LATRINE_RULE][0] == "fail"
    assert [(m["from"], m["to"], m["ok"]) for m in a[1]] == [(m["from"], m["to"], m["ok"])
                                                            for m in b[1]]
    assert max(abs(x["distance_m"] - y["distance_m"]) for x, y in zip(a[1], b[1], strict=True)) \
        < 0.02


@settings(max_examples=30, deadline=None)
@given(lon=st.floats(-179.9, 179.9), lat=st.floats(-75, 75),
       xs=st.lists(st.tuples(st.floats(-400, 400), st.floats(-400, 400)), min_size=2,
                   max_size=6))
def test_projected_distances_match_the_geodesic_ones(lon: float, lat: float,
                                                     xs: list[tuple[float, float]]) -> None:
    """The local projection keeps every distance across a site within a centimetre of the
    ellipsoid's geodesic, wherever on the Earth the site is."""
    plan = [point(f"P{i}", "water_point", x, y) for i, (x, y) in enumerate(xs)]
    lonlat = to_lonlat(plan, lon, lat)
    measured = MeasuredLayout(_layout(lonlat, LONLAT))
    geod = pyproj.Geod(ellps="WGS84")
    for i, f in enumerate(lonlat[1:], 1):
        a, b = lonlat[0]["geometry"]["coordinates"], f["geometry"]["coordinates"]
        _, _, geodesic = geod.inv(a[0], a[1], b[0], b[1])
        ours = measured.anchor("P0").distance(measured.anchor(f"P{i}"))
        assert ours == pytest.approx(geodesic, abs=0.01)


@settings(max_examples=25, deadline=None)
@given(lon=st.floats(-179, 179), lat=st.floats(-70, 70),
       latrines=st.lists(st.tuples(st.floats(-150, 150), st.floats(-150, 150)), min_size=1,
                         max_size=3),
       sources=st.lists(st.tuples(st.floats(-150, 150), st.floats(-150, 150)), min_size=1,
                        max_size=3))
def test_any_layout_gives_the_same_verdicts_in_lonlat_and_in_local_metres(
        lon: float, lat: float, latrines: list[tuple[float, float]],
        sources: list[tuple[float, float]]) -> None:
    limit = 30.0
    assume(all(abs(math.dist(a, b) - limit) > 0.05 for a in latrines for b in sources))
    assume(all(abs(math.dist(a, b) - math.dist(a, c)) > 0.05  # no nearest source by a hair
               for a in latrines for b in sources for c in sources if b is not c))
    plan = [point(f"L{i}", "latrine", *p) for i, p in enumerate(latrines)]
    plan += [well(f"W{i}", *p) for i, p in enumerate(sources)]
    pack = load_site_pack("mct-2023")
    seen = []
    for crs, features in ((LOCAL, plan), (LONLAT, to_lonlat(plan, lon, lat))):
        site, layout = read_site_file_from(features, crs)
        report = check_site(site, pack, layout=layout)
        seen.append((report.result(LATRINE_RULE).outcome,
                     report.attachments["layout"].to_dict()["measurements"]))
    (local, local_m), (lonlat, lonlat_m) = seen
    assert local == lonlat
    assert [(m["from"], m["to"], m["ok"]) for m in local_m] == [
        (m["from"], m["to"], m["ok"]) for m in lonlat_m]
    for a, b in zip(local_m, lonlat_m, strict=True):
        assert a["distance_m"] == pytest.approx(b["distance_m"], abs=0.02)


def test_a_tie_for_the_nearest_goes_to_the_first_in_the_file() -> None:
    measured = MeasuredLayout(_layout([point("L1", "latrine", 0, 0), well("W2", -10, 0),
                                       well("W1", 10, 0), well("W0", 0, 10.0004)]))
    (d,) = measured.nearest(FeatureKind.LATRINE, FeatureKind.WATER_SOURCE)
    assert (d.to_id, d.distance_m) == ("W2", 10.0)


def test_a_site_across_the_antimeridian_is_measured_across_it() -> None:
    measured = MeasuredLayout(_layout([point("L1", "latrine", 179.9999, -17.0),
                                       well("W1", -179.9999, -17.0)], LONLAT))
    (d,) = measured.nearest(FeatureKind.LATRINE, FeatureKind.WATER_SOURCE)
    assert d.distance_m == pytest.approx(21.3, abs=0.1)  # 0.0002° of longitude at 17° S


# -- the law -----------------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(sources=st.lists(st.tuples(st.floats(-60, 60), st.floats(-60, 60)), min_size=1,
                        max_size=4),
       start=st.tuples(st.floats(-60, 60), st.floats(-60, 60)),
       move=st.tuples(st.floats(-80, 80), st.floats(-80, 80)))
def test_moving_a_latrine_further_from_every_water_source_never_turns_pass_into_fail(
        sources: list[tuple[float, float]], start: tuple[float, float],
        move: tuple[float, float]) -> None:
    pack = load_site_pack("mct-2023")
    end = (start[0] + move[0], start[1] + move[1])
    assume(all(math.dist(end, s) >= math.dist(start, s) for s in sources))

    def outcome(at: tuple[float, float]) -> str:
        feats = [point("L1", "latrine", *at)] + [well(f"W{i}", *s) for i, s in enumerate(sources)]
        read = read_site_file_from(feats)
        report = check_site(read[0], pack, layout=read[1])
        return report.result(LATRINE_RULE).outcome.value

    if outcome(start) == "pass":
        assert outcome(end) == "pass"


def read_site_file_from(features: list[dict[str, Any]], crs: str = LOCAL) -> tuple[Any, Layout]:
    from mcrules.io import validate_site_file

    read = validate_site_file({"layout_crs": crs, "features": features})
    assert read.layout is not None
    return read.site, read.layout


# -- shelters, area, and what the file says ----------------------------------------------------

@pytest.mark.parametrize(("x", "expected"), [(51.0, "fail"), (49.0, "pass")])
def test_a_shelter_beyond_50_m_of_every_toilet_fails(tmp_path: Path, x: float,
                                                     expected: str) -> None:
    features = [point("S1", "shelter", 0, 0), point("L1", "latrine", x, 0),
                point("L2", "latrine", -80, 0), point("WP1", "water_point", 0, 10)]
    results, layout, _ = check(write_site(tmp_path, features), "sphere-2018")
    r = results[TOILET_RULE]
    assert (r["outcome"], r["measured"]) == (expected, x)
    toilet = [m for m in layout["measurements"] if m["rule"] == TOILET_RULE]
    assert toilet == [{"rule": TOILET_RULE, "from": "S1", "to": "L1", "distance_m": x,
                       "limit_m": 50.0, "ok": expected == "pass"}]
    if expected == "fail":
        text = run("check-site", str(write_site(tmp_path, features)), "--pack", "sphere-2018")
        assert "shelter S1 is 51.0 m from its nearest toilet L1; at most 50 m" in text.stdout


def test_a_shelter_drawn_as_a_polygon_is_measured_from_its_centroid() -> None:
    layout = _layout([polygon("S1", "shelter", [(0, 0), (20, 0), (20, 10), (0, 10), (0, 0)]),
                      point("L1", "latrine", 60, 5)])
    (d,) = MeasuredLayout(layout).nearest(FeatureKind.SHELTER, FeatureKind.LATRINE)
    assert (d.to_id, d.distance_m) == ("L1", 50.0)


def test_the_farthest_shelter_from_water_decides_the_500_m_rule(tmp_path: Path) -> None:
    features = [point("S1", "shelter", 0, 0), point("S2", "shelter", 0, 520),
                point("WP1", "water_point", 0, -10)]
    results, _, _ = check(write_site(tmp_path, features), "sphere-2018")
    assert (results[WATER_POINT_RULE]["outcome"], results[WATER_POINT_RULE]["measured"]) == (
        "fail", 530.0)


def test_the_site_area_comes_from_the_boundary_when_the_file_gives_none(tmp_path: Path) -> None:
    ring = [(0, 0), (100, 0), (100, 60), (0, 60), (0, 0)]
    hole = [[20, 20], [30, 20], [30, 30], [20, 30], [20, 20]]
    boundary = polygon("site", "boundary", ring)
    boundary["geometry"]["coordinates"].append(hole)
    read = read_site_file(write_site(tmp_path, [boundary]))
    assert read.layout is not None
    report = check_site(read.site, load_site_pack("mct-2023"), layout=read.layout)
    assert report.attachments["layout"].to_dict()["area_m2"] == 5900.0
    results, _, _ = check(write_site(tmp_path, [boundary], population={"female": 100,
                                                                         "male": 100}))
    r = results["mct.site.total_area_per_person"]
    assert (r["outcome"], r["measured"]) == ("fail", 29.5)  # 5900 m² for 200 people


def test_the_boundary_area_in_lonlat_is_the_geodesic_area(tmp_path: Path) -> None:
    ring = [(0, 0), (300, 0), (300, 200), (0, 200), (0, 0)]
    lonlat = to_lonlat([polygon("site", "boundary", ring)], 10.0, 60.0)
    measured = MeasuredLayout(_layout(lonlat, LONLAT))
    lons, lats = zip(*lonlat[0]["geometry"]["coordinates"][0], strict=True)
    geodesic, _ = pyproj.Geod(ellps="WGS84").polygon_area_perimeter(lons, lats)
    assert measured.area_m2 == pytest.approx(abs(geodesic), rel=1e-5)
    assert measured.area_m2 == pytest.approx(60_000, rel=1e-5)


def test_a_given_site_area_wins_and_a_larger_one_than_the_boundary_is_a_warning(
        tmp_path: Path) -> None:
    boundary = polygon("site", "boundary", [(0, 0), (100, 0), (100, 60), (0, 60), (0, 0)])
    results, _, warnings = check(write_site(tmp_path, [boundary], total_site_area=9000,
                                            population={"female": 100, "male": 100}))
    assert results["mct.site.total_area_per_person"]["measured"] == 45.0
    assert any("more than the boundary's 6000 m²" in w for w in warnings)


def test_a_distance_the_layout_measures_replaces_the_files_with_a_warning(tmp_path: Path) -> None:
    features = [point("L1", "latrine", 0, 0), well("W1", 20, 0)]
    path = write_site(tmp_path, features, sanitation=[
        {"id": "L1", "kind": "pit_latrine", "distance_to_water_source": "40 m",
         "pit_bottom_above_groundwater": "2 m"}])
    results, _, warnings = check(path)
    assert (results[LATRINE_RULE]["outcome"], results[LATRINE_RULE]["measured"]) == ("fail", 20.0)
    assert any("the file gives 40 m for L1, the layout measures 20 m; the layout's is used" in w
               for w in warnings)
    # the file's unit keeps what a map cannot show
    assert results["mct.wash.pit_above_groundwater"]["outcome"] == "pass"


def test_an_overlays_tighter_limit_is_the_one_measured_against(tmp_path: Path) -> None:
    path = write_site(tmp_path, [point("L1", "latrine", 0, 0), well("W1", 31, 0)])
    read = read_site_file(path)
    pack = load_site_pack("mct-2023", parameters={"latrine_distance_to_water_source": "35 m"})
    report = check_site(read.site, pack, layout=read.layout)
    assert report.attachments["layout"].to_dict()["measurements"] == [
        {"rule": LATRINE_RULE, "from": "L1", "to": "W1", "distance_m": 31.0, "limit_m": 35.0,
         "ok": False}]


def test_a_layout_without_water_sources_leaves_the_distance_unknown(tmp_path: Path) -> None:
    results, layout, _ = check(write_site(tmp_path, [point("L1", "latrine", 0, 0)]))
    assert results[LATRINE_RULE]["outcome"] == "unknown"
    assert layout["measurements"] == []


# -- the report's layout key (a contract with the HTML renderer) -------------------------------

def test_the_json_layout_key_has_the_agreed_shape(tmp_path: Path) -> None:
    result = run("check-site", str(EXAMPLE / "transit-centre.yaml"), "--pack", "mct-2023",
                 "--pack", "sphere-2018", "-f", "json")
    layout = json.loads(result.stdout)["layout"]
    assert set(layout) == {"crs", "projection", "bounds", "area_m2", "features", "measurements"}
    assert layout["crs"] == "EPSG:4326"
    assert layout["projection"].startswith("+proj=aeqd ")
    assert len(layout["bounds"]) == 4 and all(isinstance(b, float) for b in layout["bounds"])
    minx, miny, maxx, maxy = layout["bounds"]
    assert 170 < maxx - minx < 180 and 110 < maxy - miny < 120  # the plan is 176 m by 116 m
    assert isinstance(layout["area_m2"], float)
    for f in layout["features"]:
        assert set(f) == {"id", "kind", "source_type", "geometry"}
        assert f["geometry"]["type"] in ("Point", "Polygon", "MultiPolygon")
        assert (f["source_type"] is None) == (f["kind"] != "water_source")
    assert {f["kind"] for f in layout["features"]} == {k.value for k in FeatureKind}
    assert len(layout["features"]) == 29
    for m in layout["measurements"]:
        assert set(m) == {"rule", "from", "to", "distance_m", "limit_m", "ok"}
    rules = [m["rule"] for m in layout["measurements"]]
    assert rules == sorted(rules, key=[LATRINE_RULE, TOILET_RULE, WATER_POINT_RULE,
                                       "sphere.wash.latrine_distance_to_water_source"].index)
    _, local, _ = check(write_site(tmp_path, PLAN))
    assert (local["crs"], local["projection"]) == ("local", None)
    assert local["bounds"] == [-100.0, -80.0, 140.0, 90.0]
    s1 = next(f for f in local["features"] if f["id"] == "S1")
    assert s1["geometry"] == {"type": "Polygon", "coordinates": [
        [[0.0, 40.0], [12.0, 40.0], [12.0, 46.0], [0.0, 46.0], [0.0, 40.0]]]}


def test_a_site_without_a_layout_has_no_layout_key() -> None:
    read = read_site_file(ROOT / "examples" / "transit-centre.yaml")
    report = check_site(read.site, load_site_pack("mct-2023"), layout=read.layout)
    assert read.layout is None and not report.attachments


def test_the_measured_layout_is_deterministic() -> None:
    assert check(EXAMPLE / "transit-centre.yaml")[1] == check(EXAMPLE / "transit-centre.yaml")[1]


def test_the_markdown_report_lists_the_offending_pairs() -> None:
    md = run("check-site", str(EXAMPLE / "transit-centre.yaml"), "-f", "markdown").stdout
    assert "## Layout" in md
    assert "- latrine L5 is 24.2 m from well W1; at least 30 m" in md


def test_a_layout_feature_is_plain_data_before_it_is_measured() -> None:
    layout = _layout([well("W1", 1, 2)])
    assert layout.features == (LayoutFeature("W1", FeatureKind.WATER_SOURCE, "Point", (1.0, 2.0),
                                             source_type=SourceType.WELL),)


def test_the_html_report_draws_the_measured_layout() -> None:
    """The HTML renderer reads the layout key this work writes: the contract holds end to end."""
    from mcrules.report import render_html

    read = read_site_file(EXAMPLE / "transit-centre.yaml")
    page = render_html(check_site(read.site, load_site_pack("mct-2023"), layout=read.layout))
    assert 'id="layout-map"' in page
    assert "1 distance(s) break a rule" in page
    assert "24.2 m" in page
