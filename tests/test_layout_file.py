"""A site file's layout is untrusted input: every bad feature is exit 2 naming it and its field."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mcrules.cli.main import app
from mcrules.io import read_site
from mcrules.limits import MAX_LAYOUT_BYTES

runner = CliRunner()


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def pt(fid: Any, kind: str, x: Any, y: Any, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "id": fid, "properties": {"kind": kind, **props},
            "geometry": {"type": "Point", "coordinates": [x, y]}}


def square(fid: str, kind: str, ring: list[list[float]] | None = None) -> dict[str, Any]:
    ring = ring or [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]
    return {"type": "Feature", "id": fid, "properties": {"kind": kind},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


GOOD = [pt("L1", "latrine", 0, 0), pt("W1", "water_source", 40, 0, source_type="well")]


def bad(i: int, change: dict[str, Any]) -> list[dict[str, Any]]:
    features = json.loads(json.dumps(GOOD))
    features[i] = {**features[i], **change}
    return features


CASES: list[tuple[str, list[dict[str, Any]], str, tuple[str, ...]]] = [
    ("unknown kind", bad(0, {"properties": {"kind": "latrin"}}), "local",
     ("features[0].properties.kind", "feature 'L1'", "did you mean 'latrine'")),
    ("duplicate id", bad(1, {"id": "L1"}), "local",
     ("features[1]", "feature 'L1'", "already used by features[0]")),
    ("missing id", [*GOOD, {"type": "Feature", "properties": {"kind": "shower"},
                            "geometry": {"type": "Point", "coordinates": [1, 1]}}], "local",
     ("features[2].id", "every feature needs an id")),
    ("ids that disagree", bad(0, {"properties": {"kind": "latrine", "id": "L7"}}), "local",
     ("features[0].properties.id", "'L1'", "'L7'", "differ")),
    ("a coordinate that is text", [pt("L1", "latrine", "east", 0), GOOD[1]], "local",
     ("features[0].geometry.coordinates", "feature 'L1'", "x must be a number")),
    ("a position of one number", bad(0, {"geometry": {"type": "Point", "coordinates": [3]}}),
     "local", ("feature 'L1'", "a position is [x, y]")),
    ("a latrine drawn as a polygon", [square("L1", "latrine"), GOOD[1]], "local",
     ("features[0].geometry.type", "feature 'L1'", "a latrine is a Point, got 'Polygon'")),
    ("a boundary drawn as a point", [*GOOD, pt("site", "boundary", 0, 0)], "local",
     ("feature 'site'", "a boundary is a Polygon or MultiPolygon")),
    ("a feature with no geometry", bad(1, {"geometry": None}), "local",
     ("features[1].geometry", "feature 'W1'", "got nothing")),
    ("latitude out of range", [pt("L1", "latrine", 10, 95), pt("W1", "water_source", 10, 0,
                                                                source_type="well")],
     "EPSG:4326", ("feature 'L1'", "latitude 95 is outside -90..90")),
    ("longitude out of range", [pt("L1", "latrine", 250, 5), GOOD[1]], "EPSG:4326",
     ("feature 'L1'", "longitude 250 is outside -180..180", "layout_crs: local")),
    ("a water source of no type", bad(1, {"properties": {"kind": "water_source"}}), "local",
     ("features[1].properties.source_type", "feature 'W1'", "is required")),
    ("an unknown source type", bad(1, {"properties": {"kind": "water_source",
                                                      "source_type": "wel"}}), "local",
     ("feature 'W1'", "did you mean 'well'")),
    ("a source type on a latrine", bad(0, {"properties": {"kind": "latrine",
                                                          "source_type": "well"}}), "local",
     ("feature 'L1'", "is only for water_source features")),
    ("an unknown sanitation kind", bad(0, {"properties": {"kind": "latrine",
                                                          "sanitation_kind": "pit"}}), "local",
     ("feature 'L1'", "properties.sanitation_kind", "unknown value 'pit'")),
    ("an open ring", [*GOOD, square("site", "boundary", [[0, 0], [10, 0], [10, 10], [0, 10]])],
     "local", ("feature 'site'", "closed")),
    ("a ring of three positions", [*GOOD, square("site", "boundary", [[0, 0], [9, 0], [0, 0]])],
     "local", ("feature 'site'", "at least 4 positions")),
    ("a polygon that crosses itself", [*GOOD, square("site", "boundary", [[0, 0], [10, 10],
                                                                         [10, 0], [0, 10], [0, 0]])],
     "local", ("features[2].geometry", "feature 'site'", "not a valid polygon")),
    ("two boundaries", [*GOOD, square("a", "boundary"), square("b", "boundary")], "local",
     ("one boundary feature, got 2 (a, b)",)),
    ("a feature that is not a mapping", [*GOOD, "L3"], "local",
     ("features[2]", "expected a GeoJSON Feature")),
    ("an id of a hundred characters", bad(0, {"id": "L" * 100}), "local",
     ("features[0].id", "an id is 1 to 64 characters")),
    ("a layout 60 km across", [pt("L1", "latrine", 0, 0),
                               pt("W1", "water_source", 60_000, 0, source_type="well")], "local",
     ("features 'L1' and 'W1' are 60.0 km apart",)),
]


@pytest.mark.parametrize(("features", "crs", "needles"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_a_bad_feature_is_invalid_input_naming_it(tmp_path: Path, features: list[dict[str, Any]],
                                                  crs: str, needles: tuple[str, ...]) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(json.dumps({"layout_crs": crs, "features": features}))
    result = run("check-site", str(path))
    assert result.exit_code == 2, result.stdout
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in result.stderr


def test_nan_in_an_inline_layout_is_invalid_input(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text("layout_crs: local\nfeatures:\n  - {id: L1, properties: {kind: latrine},\n"
                    "     geometry: {type: Point, coordinates: [.nan, 0]}}\n")
    result = run("check-site", str(path))
    assert result.exit_code == 2
    assert "feature 'L1'" in result.stderr and "x must be a finite number" in result.stderr
    assert "features[0].geometry.coordinates (line 4)" in result.stderr


def _layout_file(tmp_path: Path, text: str, ref: str = "layout.geojson") -> Path:
    (tmp_path / "layout.geojson").write_text(text)
    site = tmp_path / "site.yaml"
    site.write_text(f"name: test\nlayout: {ref}\n")
    return site


@pytest.mark.parametrize(("text", "ref", "needles"), [
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "id": "L1", "properties": '
     '{"kind": "latrine"}, "geometry": {"type": "Point", "coordinates": [NaN, 0]}}]}',
     "layout.geojson", ("NaN is not JSON",)),
    ('{"type": "FeatureCollection", "features": []}', "missing.geojson",
     ("layout", "no such file next to the site file")),
    ('{"type": "FeatureCollection", "features": []}', "../layout.geojson",
     ("inside its folder",)),
    ('{"type": "FeatureCollection", "features": []}', "/etc/passwd", ("no absolute path",)),
    ('{"type": "FeatureCollection", "features": []}', "layout.txt", ("ending .geojson",)),
    ('[{"type": "Feature"}]', "layout.geojson", ("a GeoJSON FeatureCollection",)),
    ('{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": '
     '"urn:ogc:def:crs:EPSG::32637"}}, "features": []}', "layout.geojson",
     ("declares crs 'urn:ogc:def:crs:EPSG::32637'", "layout_crs: local")),
], ids=["NaN", "missing file", "outside the folder", "absolute path", "not GeoJSON",
        "not a FeatureCollection", "another crs"])
def test_a_bad_layout_file_is_invalid_input(tmp_path: Path, text: str, ref: str,
                                            needles: tuple[str, ...]) -> None:
    result = run("check-site", str(_layout_file(tmp_path, text, ref)))
    assert result.exit_code == 2
    for needle in needles:
        assert needle in result.stderr


def test_a_layout_file_past_its_size_limit_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    text = '{"type": "FeatureCollection", "features": []}' + " " * MAX_LAYOUT_BYTES
    result = run("check-site", str(_layout_file(tmp_path, text)))
    assert result.exit_code == 2
    assert f"a file is at most {MAX_LAYOUT_BYTES:,} bytes" in result.stderr


def test_a_layout_file_holds_far_more_values_than_a_site_file(tmp_path: Path) -> None:
    """A GIS export spells out every vertex: 25,000 values is past a site file's 20,000."""
    features = [pt(f"S{i}", "shelter", i % 400 - 200, i // 400) for i in range(2_500)]
    features.append(square("site", "boundary", [[-300, -300], [300, -300], [300, 300],
                                                [-300, 300], [-300, -300]]))
    (tmp_path / "layout.geojson").write_text(json.dumps({"type": "FeatureCollection",
                                                         "features": features}))
    site = tmp_path / "site.yaml"
    site.write_text("layout: layout.geojson\nlayout_crs: local\n")
    from mcrules.io import read_site_file

    layout = read_site_file(site).layout
    assert layout is not None and len(layout.features) == 2_501


def test_both_an_inline_layout_and_a_layout_file_is_invalid(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text('layout: x.geojson\nfeatures: []\n')
    result = run("check-site", str(path))
    assert result.exit_code == 2 and "not both" in result.stderr


def test_an_unknown_layout_crs_is_invalid(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text("layout_crs: utm\nfeatures: []\n")
    result = run("check-site", str(path))
    assert result.exit_code == 2
    assert "layout_crs" in result.stderr and "allowed: EPSG:4326, local" in result.stderr


def test_read_site_says_it_does_not_apply_the_layout(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(json.dumps({"name": "x", "layout_crs": "local", "features": GOOD}))
    site, warnings = read_site(path)
    assert site.sanitation is None
    assert any("not applied by read_site" in w for w in warnings)


def test_a_layout_without_the_geo_extra_is_exit_2_saying_what_to_install(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(json.dumps({"layout_crs": "local", "features": GOOD}))
    monkeypatch.setitem(sys.modules, "shapely", None)  # what `import shapely` finds uninstalled
    monkeypatch.setitem(sys.modules, "pyproj", None)
    result = run("check-site", str(path))
    assert result.exit_code == 2
    assert "install mcrules[geo]" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("ref", "needle"), [
    ("a\x00b.geojson", "no control characters"),
    ("x" * 2_000 + ".geojson", "at most 1000 characters"),
    (12, "expected the path of a .geojson file"),
])
def test_a_layout_name_that_is_no_file_name_is_invalid(tmp_path: Path, ref: Any,
                                                      needle: str) -> None:
    path = tmp_path / "site.json"
    path.write_text(json.dumps({"layout": ref}))
    result = run("check-site", str(path))
    assert result.exit_code == 2
    assert needle in result.stderr and "Traceback" not in result.stderr


def test_an_empty_layout_is_a_map_with_nothing_to_measure(tmp_path: Path) -> None:
    from mcrules.io import read_site_file
    from mcrules.site import check_site, load_site_pack

    path = tmp_path / "site.yaml"
    path.write_text("features: []\n")
    read = read_site_file(path)
    report = check_site(read.site, load_site_pack("mct-2023"), layout=read.layout)
    assert report.attachments["layout"].to_dict() == {
        "crs": "EPSG:4326", "projection": None, "bounds": None, "area_m2": None, "features": [],
        "measurements": []}


def test_a_document_given_as_data_cannot_name_a_layout_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A mapping (an app's data, a request's body) has no folder: a `layout:` file it names is
    refused, not looked up in the working directory, which is the reading process's own."""
    import mcrules
    from mcrules.errors import InputError

    example = Path(__file__).resolve().parent.parent / "examples" / "layout"
    (tmp_path / "plan.geojson").write_bytes((example / "transit-centre-layout.geojson").read_bytes())
    monkeypatch.chdir(tmp_path)
    doc = {"name": "x", "setting": "transit_overnight", "layout": "plan.geojson"}
    with pytest.raises(InputError) as caught:
        mcrules.evaluate("site", doc)
    assert caught.value.problems[0].path == "layout"
    assert "inline" in caught.value.problems[0].message
