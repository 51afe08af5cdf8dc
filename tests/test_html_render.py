"""The HTML report as a document: every string from a site or a pack is text, never markup; the
page loads nothing; the same report gives the same bytes; the map draws what the report says.
(tests/test_html_report.py opens it in a real browser.)"""

from __future__ import annotations

import copy
import math
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mcrules import check_site, validate_site
from mcrules.cli.main import app
from mcrules.report import render_html, render_html_dict
from mcrules.report.layout_map import HEIGHT, MARGIN, WIDTH, Frame
from tests.conftest import ROOT
from tests.html_support import DISTANCE_RULE, EXAMPLE, report_dict, site_doc

# Every element the page may hold: anything else in a parsed page came from unescaped input.
ALLOWED = {"html", "head", "meta", "title", "style", "body", "main", "header", "footer", "section",
           "h1", "h2", "h3", "p", "dl", "dt", "dd", "table", "colgroup", "col", "thead", "tbody",
           "tr", "th", "td", "code", "strong", "span", "div", "q", "cite", "ul", "ol", "li", "br",
           "figure", "figcaption", "svg", "g", "rect", "circle", "polygon", "polyline", "path",
           "line", "text", "details", "summary"}


class Page(HTMLParser):
    """The parsed page: its elements, their attributes and its text, as a browser would see."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def with_attr(self, name: str, value: str) -> list[tuple[str, dict[str, str | None]]]:
        return [(t, a) for t, a in self.tags if a.get(name) == value]

    def safe(self) -> None:
        """Only our elements; no event handler, link or source attribute anywhere."""
        assert {t for t, _ in self.tags} <= ALLOWED, {t for t, _ in self.tags} - ALLOWED
        for tag, attrs in self.tags:
            bad = [a for a in attrs if a.startswith("on") or a in ("src", "href", "xlink:href")]
            assert not bad, (tag, attrs)


def test_a_site_named_like_a_script_is_shown_as_its_name() -> None:
    name = "<script>alert(1)</script>"
    html = render_html_dict(report_dict(name=name))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html.lower()
    page = Page(html)
    page.safe()
    assert f"Site check: {name}" in page.text


def test_hostile_feature_ids_and_pack_text_stay_text() -> None:
    data = report_dict()
    hostile = '"><img src=x onerror=alert(1)>'
    data["layout"]["features"][5]["id"] = hostile
    data["layout"]["measurements"][0]["from"] = hostile
    failing = next(r for r in data["results"] if r["outcome"] == "fail")
    failing["title"] = "<b onmouseover=alert(2)>bold</b>"
    failing["citation"][0]["quote"] = "</q><script>alert(3)</script>"
    failing["fix"]["text"] = "<style>body{display:none}</style>"
    page = Page(render_html_dict(data))
    page.safe()
    assert [t for t, _ in page.tags].count("style") == 1  # ours, in the head
    ((tag, attrs),) = page.with_attr("data-feature-id", hostile)
    assert tag == "g" and "violating" in (attrs["class"] or "")
    assert "<b onmouseover=alert(2)>bold</b>" in page.text


BASE = report_dict()


@settings(max_examples=30, deadline=None)
@given(name=st.text(max_size=40), fid=st.text(min_size=1, max_size=20), fix=st.text(max_size=40))
def test_no_text_from_a_site_or_pack_becomes_markup(name: str, fid: str, fix: str) -> None:
    data = copy.deepcopy(BASE)
    data["site"]["name"] = name
    data["layout"]["features"][5]["id"] = fid
    data["layout"]["measurements"][0]["from"] = fid
    next(r for r in data["results"] if r["fix"])["fix"]["text"] = fix
    page = Page(render_html_dict(data))
    page.safe()
    assert len(page.with_attr("id", "layout-map")) == 1
    assert any("violating" in (a.get("class") or "") for _, a in page.tags)



def test_the_page_is_self_contained() -> None:
    html = render_html_dict(report_dict())
    lowered = html.lower()
    for needle in ("http:", "https:", "src=", "href=", "url(", "@import", "<link", "<script",
                   "<img", "//"):
        assert needle not in lowered, needle
    assert "default-src 'none'" in html  # and the browser is told to load nothing


def test_the_same_site_gives_the_same_bytes() -> None:
    pages = []
    for _ in range(2):
        site, _ = validate_site(site_doc(), strict=True)
        report = check_site(site, source="x.yaml")
        pages.append(render_html(report))
        assert pages[-1] == render_html_dict(report.as_dict())
    assert pages[0] == pages[1]
    data = report_dict()
    assert render_html_dict(data) == render_html_dict(copy.deepcopy(data))


def test_a_report_without_a_layout_has_no_map() -> None:
    html = render_html_dict(report_dict(layout=False))
    assert 'id="layout-map"' not in html and "<svg" not in html.replace('<svg viewBox="0 0 16', "")
    assert 'id="summary"' in html


def test_the_map_marks_both_ends_of_a_failing_distance_and_nothing_else() -> None:
    page = Page(render_html_dict(report_dict()))
    violating = sorted(a["data-feature-id"] or "" for _, a in page.tags
                       if "violating" in (a.get("class") or ""))
    assert violating == ["L1", "W1"]
    lines = [a for t, a in page.tags if t == "line" and "failing" in (a.get("class") or "")]
    assert len(lines) == 1 and lines[0]["stroke"] == "#d00000" and lines[0]["stroke-dasharray"]
    assert "29.0 m < 30 m" in page.text
    assert {"latrine", "water source (well, borehole, spring)", "violating feature"} <= set(page.text)
    assert "20 m" in page.text and "N" in page.text  # scale bar, north arrow


def test_the_measurements_table_lists_the_failing_distances_first() -> None:
    data = report_dict()
    measured = data["layout"]["measurements"]
    data["layout"]["measurements"] = sorted(measured, key=lambda m: m["ok"] is False)  # fail last
    html = render_html_dict(data)
    rows = html[html.index('class="measurements"'):]
    classes = [c for c in ("m-fail", "m-pass") for _ in range(rows.count(f'class="{c}"'))]
    order = sorted((rows.index(f'class="{c}"'), c) for c in set(classes))
    assert order[0][1] == "m-fail" and "m-pass" in classes


def test_a_violating_shape_is_drawn_under_the_points_and_lets_them_show() -> None:
    data = report_dict()
    data["layout"]["measurements"].append({"rule": "r", "from": "site", "to": "L2",
                                           "distance_m": 1.0, "limit_m": 5.0, "ok": False})
    html = render_html_dict(data)
    page = Page(html)
    ((_, boundary),) = page.with_attr("data-feature-id", "site")
    assert "violating" in (boundary["class"] or "")
    group = html[html.index('data-feature-id="site"'):]
    assert 'fill="#d00000" fill-opacity="0.3"' in group[:group.index("</g>")]
    assert html.index('data-feature-id="S1"') < html.index('data-feature-id="site"') \
        < html.index('data-feature-id="L2"')  # over the other shapes, under every point


def test_results_show_measured_required_margin_fix_and_citation() -> None:
    page = Page(render_html_dict(report_dict()))
    rows = page.with_attr("data-rule", DISTANCE_RULE)
    assert rows and rows[0][1]["class"] == "r-fail"
    text = "\n".join(page.text)
    for shown in ("29 m", ">= 30 m", "-1 m", "move L1 1 m further from the water source",
                  "1 toilet to 20 people, located at least 30 meters from water sources.",
                  "Yellow module", "Next questions to ask"):
        assert shown in text, shown
    assert "wash" in page.text and "shelter" in page.text  # grouped by domain


def test_a_waived_failure_gets_its_own_badge_and_its_waiver() -> None:
    data = report_dict(layout=False)
    r = next(r for r in data["results"] if r["rule"] == DISTANCE_RULE)
    r["status"] = "waived"
    r["waiver"] = {"justification": "temporary site for 6 weeks", "mitigation": "weekly testing",
                   "approved_by": "WASH lead", "expires": "2027-01-31"}
    page = Page(render_html_dict(data))
    assert page.with_attr("class", "r-waived")
    assert "waived" in page.text and " (FAIL)" in "".join(page.text)
    assert any("approved by: WASH lead" in t and "expires: 2027-01-31" in t for t in page.text)


def test_packs_compared_get_a_section_each_and_their_disagreements_marked() -> None:
    """A site that passes Sphere 2018 at 17 L/person/day and fails the Toolkit's 20 L."""
    from mcrules import load_site_pack, read_site

    site, warnings = read_site(ROOT / "examples" / "riverside-centre.yaml")
    packs = [load_site_pack("mct-2023"), load_site_pack("sphere-2018")]
    html = render_html(check_site(site, packs, warnings=warnings))
    page = Page(html)
    page.safe()
    assert any(t.startswith("Results under mct-2023") for t in page.text)
    assert any(t.startswith("Results under sphere-2018") for t in page.text)
    assert ("Water per person per day (17 L/person/day measured): fails the Migrant Centres "
            "Toolkit at 20 L/person/day, passes Sphere 2018 at 15 L/person/day.") in page.text
    water = html[html.index("<code>water.quantity_per_person</code>"):]
    water = water[:water.index("</tr>")]
    assert "packs disagree" in water and "needs &gt;= 20 L/person/day" in water
    assert "needs &gt;= 15 L/person/day" in water
    column = '<th scope="col"><code>{}</code></th>'.format
    assert html.index(column("mct-2023")) < html.index(column("sphere-2018"))  # --pack order
    # Only requirements both packs have are rows; the others are counted, not listed.
    section = html[html.index('id="comparison"'):]
    section = section[:section.index("</section>")]
    assert "<code>sanitation.toilets_per_person</code>" in section
    assert "<code>mct.wash.water_safe</code>" not in section
    assert any("checked by one pack only" in t for t in page.text)


def test_a_malformed_layout_draws_what_it_can_and_never_raises() -> None:
    data = report_dict()
    data["layout"]["bounds"] = "everywhere"
    data["layout"]["features"] = [
        {"id": "ok", "kind": "latrine", "geometry": {"type": "Point", "coordinates": [3, 4]}},
        {"id": "nan", "kind": "latrine", "geometry": {"type": "Point", "coordinates": [math.nan, 1]}},
        {"id": "str", "kind": "shelter", "geometry": {"type": "Polygon", "coordinates": "x"}},
        {"id": "odd", "kind": "pond", "geometry": {"type": "Circle", "coordinates": [1, 2]}},
        {"id": "ring", "kind": "boundary", "geometry": {"type": "MultiPolygon",
                                                        "coordinates": [[[[0, 0], [9, 0], "x"]]]}},
        "not a feature",
    ]
    data["layout"]["measurements"] = [{"from": "ok", "to": "gone", "ok": False, "distance_m": "far"}]
    page = Page(render_html_dict(data))
    drawn = sorted(a["data-feature-id"] or "" for _, a in page.tags if "data-feature-id" in a)
    assert drawn == ["ok", "ring"]
    data["layout"]["features"] = data["layout"]["features"][1:4]
    assert "The layout has no feature to draw." in render_html_dict(data)


@settings(max_examples=40, deadline=None)
@given(x0=st.floats(-1e5, 1e5), y0=st.floats(-1e5, 1e5), w=st.floats(0, 1e4), h=st.floats(0, 1e4),
       fx=st.floats(0, 1), fy=st.floats(0, 1))
def test_the_map_fits_the_bounds_north_up(x0: float, y0: float, w: float, h: float, fx: float,
                                          fy: float) -> None:
    frame = Frame.fit((x0, y0, x0 + w, y0 + h))
    x, y = frame.px((x0 + fx * w, y0 + fy * h))
    assert MARGIN - 1e-6 <= x <= WIDTH - MARGIN + 1e-6
    assert MARGIN - 1e-6 <= y <= HEIGHT - MARGIN + 1e-6
    _, north = frame.px((x0, y0 + h))
    _, south = frame.px((x0, y0))
    assert north <= south  # y grows north, pixels grow down


runner = CliRunner()


def test_check_site_writes_the_html_report_to_out(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["check-site", str(EXAMPLE), "--format", "html", "--out", str(out)])
    assert result.exit_code == 1  # the example fails on purpose; the report is still written
    assert result.stdout == ""
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Site check: Example transit centre" in html
    again = tmp_path / "again.html"
    runner.invoke(app, ["check-site", str(EXAMPLE), "-f", "html", "-o", str(again)])
    assert again.read_bytes() == out.read_bytes()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp left


def test_out_writes_any_format(tmp_path: Path) -> None:
    for fmt in ("json", "markdown"):
        out = tmp_path / f"r.{fmt}"
        to_file = runner.invoke(app, ["check-site", str(EXAMPLE), "-f", fmt, "--out", str(out)])
        to_stdout = runner.invoke(app, ["check-site", str(EXAMPLE), "-f", fmt])
        assert to_file.exit_code == to_stdout.exit_code == 1
        assert out.read_text(encoding="utf-8") == to_stdout.stdout
    out = tmp_path / "r.txt"
    runner.invoke(app, ["check-site", str(EXAMPLE), "--out", str(out)])
    text = out.read_text(encoding="utf-8")
    assert "move L2 6 m further" in text and "\x1b" not in text
    assert not any(line.endswith(" ") for line in text.splitlines())


def test_an_out_path_that_cannot_be_written_exits_2_naming_it(tmp_path: Path) -> None:
    site = tmp_path / "site.yaml"
    site.write_bytes(EXAMPLE.read_bytes())
    for out, needle in ((tmp_path / "no" / "such" / "dir.html", "cannot write"),
                        (tmp_path, "is a folder"), (site, "is an input")):
        result = runner.invoke(app, ["check-site", str(site), "-f", "html", "--out", str(out)])
        assert result.exit_code == 2, result.output
        assert f"--out {out}" in result.stderr and needle in result.stderr
        assert "Traceback" not in result.output
    assert site.read_bytes() == EXAMPLE.read_bytes()


def test_a_distance_just_under_its_limit_never_reads_as_the_limit() -> None:
    """29.96 m against 30 m fails: the map's label and the table must not say "30.0 m"."""
    data = report_dict()
    data["layout"]["measurements"][0]["distance_m"] = 29.96
    page = Page(render_html_dict(data))
    assert "29.96 m < 30 m" in page.text
    assert "29.96 m" in page.text  # the measurements table
    assert not any(t.startswith("30.0 m") for t in page.text)


def test_an_overlay_compared_with_its_pack_shows_every_rule_both_have() -> None:
    """An overlay shares every rule of its pack, requirement key or not: the table lists the
    rules both packs have (as the text and Markdown tables do), and none is "one pack only"."""
    from mcrules import load_site_pack, read_site

    site, warnings = read_site(ROOT / "examples" / "riverside-centre.yaml")
    packs = [load_site_pack("mct-2023"), load_site_pack("example-national")]
    html = render_html(check_site(site, packs, warnings=warnings))
    section = html[html.index('id="comparison"'):]
    section = section[:section.index("</section>")]
    female = section[section.index("<code>mct.wash.toilets.female</code>"):]
    assert "packs disagree" in female[:female.index("</tr>")]
    assert "<code>mct.wash.water_safe</code>" in section
    assert "checked by one pack only" not in section


def test_a_page_whose_only_failure_is_waived_does_not_say_all_is_well() -> None:
    """A waived failure is never a pass: the summary says a failure is waived, not green."""
    data = report_dict(layout=False)
    data["summary"].update(fail=0, waived=1)
    page = Page(render_html_dict(data))
    verdicts = [a.get("class") for t, a in page.tags if "verdict" in (a.get("class") or "")]
    assert verdicts and "good" not in (verdicts[0] or "")
    assert any("1 failure is waived" in t for t in page.text)
    assert "No rule fails." not in page.text


def test_one_pair_judged_by_two_packs_is_one_distance_on_the_map() -> None:
    """mct-2023 and sphere-2018 both measure latrine L1 to well W1: one distance, one line."""
    data = report_dict()
    data["layout"]["measurements"].append({**data["layout"]["measurements"][0],
                                           "rule": "sphere.wash.latrine_distance_to_water_source"})
    page = Page(render_html_dict(data))
    lines = [a for t, a in page.tags if t == "line" and "failing" in (a.get("class") or "")]
    assert len(lines) == 1
    assert page.text.count("29.0 m < 30 m") == 1
    assert any(t.startswith("1 distance(s) break") for t in page.text)


def test_out_never_overwrites_the_layout_or_the_waivers_it_read(tmp_path: Path) -> None:
    """The layout file a site names and the --waivers file are inputs too, as the site file is."""
    import shutil

    folder = tmp_path / "layout"
    shutil.copytree(ROOT / "examples" / "layout", folder)
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("waivers: []\n", encoding="utf-8")
    layout = folder / "transit-centre-layout.geojson"
    before = layout.read_bytes(), waivers.read_bytes()
    for out in (layout, waivers):
        result = runner.invoke(app, ["check-site", str(folder / "transit-centre.yaml"),
                                     "--waivers", str(waivers), "-f", "html", "--out", str(out)])
        assert result.exit_code == 2, result.output
        assert "is an input" in result.stderr
    assert (layout.read_bytes(), waivers.read_bytes()) == before
