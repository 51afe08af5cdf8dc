"""The HTML report in a real browser: Debian's headless chromium opens the page from a file, and
its screenshots, read pixel by pixel, show the map drawn and the failing latrine in red.

The page is that of the shipped example (`examples/layout/transit-centre.yaml`, longitude and
latitude) checked against mct-2023 and sphere-2018, measured by the real geometry: its latrine L5
stands 24.2 m from the well W1, where both packs ask 30 m.

Never skipped: `make test` installs chromium and chromium-driver when they are missing, so a
missing browser is a broken set-up and fails with the command that mends it. Set
MCRULES_DOCS_SCREENSHOTS=1 to refresh the pictures docs/html-report.md shows.
"""

from __future__ import annotations

import base64
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mcrules.io import read_site_file
from mcrules.report import render_html
from mcrules.report.layout_map import HIGHLIGHT, KINDS
from mcrules.site import check_site, load_site_pack
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SETUP_HINT = ("Debian's chromium and chromium-driver are needed for the HTML report's browser test; "
              "`make test` installs them (apt-get install chromium chromium-driver)")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--force-device-scale-factor=1", "--hide-scrollbars")
DOCS = ROOT / "docs" / "examples"
EXAMPLE = ROOT / "examples" / "layout" / "transit-centre.yaml"
FAILING, PASSING, WELL = "L5", "L1", "W1"


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


RED = _rgb(HIGHLIGHT)
LATRINE_BROWN = _rgb(KINDS["latrine"][1])


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless chromium for the module, driven through Debian's matching chromedriver so
    Selenium never looks for (or downloads) a driver of its own."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: {SETUP_HINT}")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail("selenium is missing: `make test` installs the dev extra (pip install -e '.[dev]')")
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    with tempfile.TemporaryDirectory(prefix="mcrules-chromium-") as profile, \
            pytest.MonkeyPatch.context() as env:
        env.setenv("SE_OFFLINE", "true")  # Selenium Manager, should anything call it, stays offline
        options.add_argument(f"--user-data-dir={profile}")
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        try:
            driver.set_window_size(1280, 1100)
            yield driver
        finally:
            driver.quit()


@pytest.fixture(scope="module")
def page(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The report of the example site with a layout, opened from a file:// URL."""
    read = read_site_file(EXAMPLE)
    packs = [load_site_pack("mct-2023"), load_site_pack("sphere-2018")]
    report = check_site(read.site, packs, source="examples/layout/transit-centre.yaml",
                        warnings=read.warnings, layout=read.layout)
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render_html(report), encoding="utf-8")
    browser.get(path.as_uri())
    return browser


def _image(png: bytes) -> Any:
    from PIL import Image

    return Image.open(io.BytesIO(png)).convert("RGB")


def _close(pixel: tuple[int, int, int], colour: tuple[int, int, int], tolerance: int = 12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


def _centre_in(page: Any, selector: str, within: str) -> tuple[int, int]:
    """Where the centre of `selector` falls in an element screenshot of `within`."""
    x, y = page.execute_script(
        "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
        "const m = document.querySelector(arguments[1]).getBoundingClientRect();"
        "return [r.left + r.width / 2 - m.left, r.top + r.height / 2 - m.top];", selector, within)
    return round(x), round(y)


def _map_shot(page: Any) -> Any:
    element = page.find_element("id", "layout-map")
    page.execute_script("arguments[0].scrollIntoView()", element)
    return _image(element.screenshot_as_png)


def _save_for_docs(image: Any, name: str) -> None:
    """With MCRULES_DOCS_SCREENSHOTS=1, the picture docs/html-report.md shows, kept small."""
    if os.environ.get("MCRULES_DOCS_SCREENSHOTS") == "1":
        image.quantize(colors=256).save(DOCS / name, optimize=True)


def test_the_page_loads_nothing_and_runs_no_script(page: Any) -> None:
    assert page.execute_script("return performance.getEntriesByType('resource').length") == 0
    assert page.execute_script("return document.scripts.length") == 0
    assert page.title == "Site check: Example transit centre (layout)"


def test_the_map_area_is_drawn(page: Any) -> None:
    shot = _map_shot(page)
    width, height = shot.size
    assert width >= 700 and height >= 500, shot.size
    pixels = np.asarray(shot).reshape(-1, 3)
    drawn = int((pixels != 255).any(axis=1).sum())
    assert drawn > 0.5 * len(pixels), "the map is mostly blank"  # the boundary fills most of it
    colours = np.unique((pixels[:, 0].astype(np.int32) << 16) | (pixels[:, 1].astype(np.int32) << 8)
                        | pixels[:, 2])
    assert len(colours) > 20, "the map has too few colours to show its features"
    _save_for_docs(shot, "html-report-map.png")


def test_the_failing_latrine_is_highlighted_and_the_passing_one_is_not(page: Any) -> None:
    shot = _map_shot(page)
    x, y = _centre_in(page, f'[data-feature-id="{FAILING}"]', "#layout-map")
    around = [shot.getpixel((x + dx, y + dy)) for dx in (-3, 0, 3) for dy in (-3, 0, 3)]
    assert all(_close(p, RED) for p in around), (x, y, around)
    x, y = _centre_in(page, f'[data-feature-id="{PASSING}"]', "#layout-map")
    assert _close(shot.getpixel((x, y)), LATRINE_BROWN), (x, y, shot.getpixel((x, y)))
    assert not _close(shot.getpixel((x, y)), RED, tolerance=60)


def test_the_offending_distance_is_drawn_between_the_latrine_and_the_well(page: Any) -> None:
    shot = _map_shot(page)
    (x1, y1), (x2, y2) = (_centre_in(page, f'[data-feature-id="{f}"]', "#layout-map")
                          for f in (FAILING, WELL))
    steps = max(abs(x2 - x1), abs(y2 - y1))
    assert steps > 40, "the two features are drawn too close to tell a line between them"
    # Along the segment, clear of both symbols: dashes, so red, then gaps. A 2 px line drawn
    # at a slant is anti-aliased: a step counts as red when a pixel within 2 px of it is.
    def red_near(x: float, y: float) -> bool:
        return any(_close(shot.getpixel((round(x) + dx, round(y) + dy)), RED, tolerance=40)
                   for dx in (-2, -1, 0, 1, 2) for dy in (-2, -1, 0, 1, 2))

    between = [red_near(x1 + (x2 - x1) * t / steps, y1 + (y2 - y1) * t / steps)
               for t in range(15, steps - 15)]
    red = sum(between)
    assert 0.3 * len(between) < red < len(between), f"no dashed red line between {FAILING} and {WELL}"
    labels = page.find_elements("css selector", "#layout-map text.distance-label")
    assert labels and {label.text for label in labels} == {"24.2 m < 30 m"}


def test_no_number_in_the_results_spills_out_of_its_cell(page: Any) -> None:
    """Values with long units (`40.53 m²/person`) wrap inside their column, never over the next."""
    spilled = page.execute_script(
        "return [...document.querySelectorAll('table.results td.num')]"
        ".filter(td => td.scrollWidth > td.clientWidth + 1).map(td => td.textContent);")
    assert spilled == []


def test_only_domain_headings_are_capitalised(page: Any) -> None:
    """`wash`, `shelter` are shown as Wash, Shelter; a sentence heading keeps its case."""
    heading = page.execute_script(
        "const h = [...document.querySelectorAll('#comparison h3')][0];"
        "return [h.textContent, getComputedStyle(h).textTransform];")
    assert heading == ["Where the packs disagree", "none"]
    domain = page.execute_script(
        "return getComputedStyle(document.querySelector('h3.domain')).textTransform;")
    assert domain == "capitalize"


def _red_pixels(shot: Any, rect: list[float], scale: float, colour: str = "#c92a2a") -> int:
    left, top, right, bottom = (int(v * scale) for v in rect)
    region = np.asarray(shot.crop((left, top, right, bottom))).reshape(-1, 3).astype(int)
    return int((np.abs(region - np.array(_rgb(colour))) <= 30).all(axis=1).sum())


def test_the_full_page_shows_the_summary_and_the_results(page: Any) -> None:
    """The whole page, top to bottom, as one screenshot (at half size, to keep it quick): the
    summary's counts and the results' FAIL badges are drawn where the page lays them out."""
    page.execute_script("window.scrollTo(0, 0)")
    width, height, rects = page.execute_script(
        "const d = document.documentElement; return [d.scrollWidth, d.scrollHeight,"
        "['summary', 'results-1'].map(id => {"
        "const r = document.getElementById(id).getBoundingClientRect();"
        "return [r.left + scrollX, r.top + scrollY, r.right + scrollX, r.bottom + scrollY]; })];")
    scale = 0.5
    shot = _image(base64.b64decode(page.execute_cdp_cmd("Page.captureScreenshot", {
        "captureBeyondViewport": True, "format": "png",
        "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": scale}})["data"]))
    assert shot.size[1] >= height * scale - 1, "not the full page"
    summary, results = rects
    assert 0 < summary[1] < summary[3] < results[1] < results[3] <= height
    assert _red_pixels(shot, summary, scale) > 12, "the summary's fail count is not drawn"
    assert _red_pixels(shot, results, scale) > 120, "the results' FAIL badges are not drawn"
    text = page.find_element("id", "summary").text
    assert "rule(s) fail" in text and "not applicable" in text
    if os.environ.get("MCRULES_DOCS_SCREENSHOTS") == "1":
        _save_for_docs(_image(page.get_screenshot_as_png()), "html-report-page.png")
