"""Renderers print user text literally: rich markup and terminal escapes in names and ids are
shown, not obeyed; an ASCII locale never raises; Markdown never wraps and ignores the width."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.hostile.harness import mcrules

EXAMPLE = ROOT / "examples" / "transit-centre.yaml"
HOSTILE_IDS = {
    "closing tag": "L2[/]",
    "hidden link": "L2[link=http://evil.example]click[/link]",
    "bold": "[bold]L2",
    "escape codes": "L2\x1b[31mRED\x1b[0m\x1b]8;;http://evil.example\x07x",
    "emoji code": "L2:thumbs_up:",
    "bidi override": "L2\u202eevil",
}


def site_with_latrine_id(tmp: Path, latrine: str, name: str = "Example") -> Path:
    text = EXAMPLE.read_text()
    assert "id: L2," in text
    quoted = latrine.replace("\\", "\\\\").replace('"', '\\"').replace("\x1b", "\\e") \
        .replace("\x07", "\\a").replace("\u202e", "\\u202e")
    path = tmp / "site.yaml"
    path.write_text(text.replace("id: L2,", f'id: "{quoted}",'), encoding="utf-8")
    return path


@pytest.mark.parametrize("kind", sorted(HOSTILE_IDS))
@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_markup_and_escapes_in_a_latrine_id_are_printed_literally(kind: str, fmt: str,
                                                                   tmp_path: Path) -> None:
    latrine = HOSTILE_IDS[kind]
    ran = mcrules("check-site", str(site_with_latrine_id(tmp_path, latrine)), "--format", fmt,
                  env={"COLUMNS": "400"})
    assert ran.code == 1
    assert "\x1b" not in ran.stdout and "\x07" not in ran.stdout and "\u202e" not in ran.stdout
    shown = latrine.replace("\x1b", "\\x1b").replace("\x07", "\\x07").replace("\u202e", "\\u202e")
    if fmt == "markdown":  # shown escaped, never acted on: `[`, `_`, a backslash escaped
        from mcrules.report.markdown_text import md_text

        shown = md_text(latrine)
    assert f"move {shown} 6 m further" in ran.stdout


def test_no_hidden_link_in_the_text_report(tmp_path: Path) -> None:
    from rich.console import Console

    from mcrules import check_site, load_site_pack, read_site
    from mcrules.report import render_text

    site, warnings = read_site(site_with_latrine_id(tmp_path, HOSTILE_IDS["hidden link"]))
    console = Console(record=True, width=300, force_terminal=True, color_system="truecolor")
    render_text(check_site(site, load_site_pack("mct-2023"), warnings=warnings), console)
    assert "\x1b]8;" not in console.export_text(styles=True, clear=False)  # no OSC 8 link
    assert "[link=http://evil.example]click[/link]" in console.export_text()


def test_markup_in_a_pack_title_and_rule_id_is_printed_literally(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "pack"
    shutil.copytree(ROOT / "rules" / "mct-2023", folder)
    pack_yaml = folder / "pack.yaml"
    pack_yaml.write_text(pack_yaml.read_text().replace(
        "title: IOM Migrant Centres Toolkit, site and facility standards",
        "title: '[/][link=http://x]IOM'"))
    ran = mcrules("rules", "list", "--pack", str(folder))
    assert ran.code == 0
    assert "[/][link=http://x]IOM" in ran.stdout


def _run_in_locale(args: list[str], env_extra: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LC_", "LANG", "PYTHONIOENCODING", "PYTHONUTF8"))}
    env.update(env_extra)
    return subprocess.run([sys.executable, "-c", "from mcrules.cli.main import main; main()", *args],
                          capture_output=True, env=env, timeout=120)


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_an_ascii_locale_never_raises(fmt: str) -> None:
    """LANG=C with the C locale not coerced to UTF-8: stdout is ASCII, m² must not crash."""
    done = _run_in_locale(["check-site", str(EXAMPLE), "--format", fmt],
                          {"LANG": "C", "LC_ALL": "C", "PYTHONCOERCECLOCALE": "0",
                           "PYTHONUTF8": "0"})
    assert done.returncode == 1, done.stderr.decode(errors="replace")[-2000:]
    assert b"Traceback" not in done.stderr
    assert b"UnicodeEncodeError" not in done.stderr
    assert b"move L2 6 m further" in done.stdout


def test_markdown_is_byte_identical_whatever_the_terminal_width() -> None:
    outputs = {mcrules("check-site", str(EXAMPLE), "--format", "markdown",
                       env={"COLUMNS": width}).stdout for width in ("40", "80", "120", "500")}
    assert len(outputs) == 1
    (markdown,) = outputs
    row = next(line for line in markdown.splitlines() if "latrine_distance_to_water_source" in line)
    assert row.startswith("| FAIL |") and row.endswith(" |")  # one table row, one line


def test_markdown_cells_hold_one_line_each(tmp_path: Path) -> None:
    ran = mcrules("check-site", str(site_with_latrine_id(tmp_path, "L2\nnext line|pipe")),
                  "--format", "markdown")
    rows = [line for line in ran.stdout.splitlines() if line.startswith("| FAIL |")]
    assert any("L2\\nnext line\\|pipe" in row or "L2 next line\\|pipe" in row for row in rows)


ESCAPES = "\x1b[31mRED\x1b[0m\x1b]0;title\x07\u202e"


def _no_escape_obeyed(stdout: str) -> None:
    assert "\x1b" not in stdout and "\x07" not in stdout and "\u202e" not in stdout
    assert "\\x1b[31mRED" in stdout


def test_escapes_in_a_case_file_are_printed_literally_by_assess(tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    quoted = ESCAPES.replace("\x1b", "\\e").replace("\x07", "\\a").replace("\u202e", "\\u202e")
    case.write_text(f'id: "{quoted}"\nthreats: [{{id: "{quoted}", severity: high}}]\n'
                    f'vulnerabilities: [{{id: v, threat: "{quoted}", severity: high}}]\n')
    ran = mcrules("assess", str(case))
    assert ran.code == 0
    _no_escape_obeyed(ran.stdout)


def test_escapes_in_a_sharing_request_are_printed_literally_by_share(tmp_path: Path) -> None:
    request = tmp_path / "request.yaml"
    quoted = ESCAPES.replace("\x1b", "\\e").replace("\x07", "\\a").replace("\u202e", "\\u202e")
    request.write_text(f'fields: [name, "{quoted}"]\ngranularity: record_level\n'
                       f'recipient: {{type: ngo, name: "{quoted}"}}\npurpose: "{quoted}"\n')
    ran = mcrules("share", str(request))
    assert ran.code in (0, 1)
    _no_escape_obeyed(ran.stdout)  # the uncatalogued field is listed by its name
