"""Every Markdown report escapes HTML in user text with the one escaping (`md_text`/`md_code`):
a site named `<img src=x onerror=alert(1)>` or a case id `<script>…` is shown, never rendered,
in the site, assessment, eligibility, casework, sharing and diff reports."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

import mcrules
from mcrules.cli.main import app
from mcrules.report import render_markdown
from mcrules.report.diff import render_diff_markdown
from mcrules.report.markdown_text import md_code, md_text

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(1)</script>"
#: an HTML tag Markdown would pass through: `<` not escaped by a backslash, then a tag name
RAW_TAG = re.compile(r"(?<!\\)<(?:img|script)\b", re.IGNORECASE)


#: a code span (its text is literal in Markdown: `<img>` inside one is shown, never rendered)
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).*?(?<!`)\1(?!`)")


def _shown_not_rendered(md: str, *hostile: str) -> None:
    assert RAW_TAG.search(CODE_SPAN.sub("", md)) is None, md
    for text in hostile:
        assert md_text(text) in md, f"{text!r} is not shown in:\n{md}"


def _write(tmp_path: Path, example: str, *replace: tuple[str, str], name: str = "") -> Path:
    text = (EXAMPLES / example).read_text(encoding="utf-8")
    for old, new in replace:
        assert old in text, old
        text = text.replace(old, new)
    out = tmp_path / (name or Path(example).name)
    out.write_text(text, encoding="utf-8")
    return out


def test_the_site_report(tmp_path: Path) -> None:
    path = _write(tmp_path, "transit-centre.yaml",
                  ("name: Example transit centre", f"name: '{IMG}'"),
                  ("{id: L2,", f"{{id: '{SCRIPT}',"))
    result = CliRunner().invoke(app, ["check-site", str(path), "--format", "markdown"])
    assert result.exit_code == 1, result.output
    _shown_not_rendered(result.stdout, IMG, SCRIPT)


def test_the_assessment_report(tmp_path: Path) -> None:
    path = _write(tmp_path, "cases/two-threats.yaml", ("id: C-2026-0311", f"id: '{SCRIPT}'"),
                  ("location: Agadez", f"location: '{IMG}'"))
    result = CliRunner().invoke(app, ["assess", str(path), "-f", "markdown"])
    assert result.exit_code in (0, 1), result.output
    _shown_not_rendered(result.stdout, SCRIPT)


@pytest.mark.parametrize(("subject", "example", "packs", "replace"), [
    ("case", "eligibility/avrr-eligible.yaml", ["eligibility-2023"],
     [("id: C-2026-0107", f"id: '{SCRIPT}'")]),
    ("case", "cases/two-threats.yaml", None, [("id: C-2026-0311", f"id: '{SCRIPT}'")]),
    ("case_history", "casework/referral-refused-without-consent.yaml", None,
     [("case: C-2026-0211", f"case: '{SCRIPT}'"),
      ("name: Legal aid clinic}", f"name: '{IMG}'}}")]),
    ("sharing_request", "sharing/referral-request.yaml", None,
     [("case: C-2026-0042", f"case: '{SCRIPT}'"),
      ("name: Child protection partner}", f"name: '{IMG}'}}")]),
])
def test_every_subject_through_the_one_api(tmp_path: Path, subject: str, example: str,
                                           packs: list[str] | None,
                                           replace: list[tuple[str, str]]) -> None:
    path = _write(tmp_path, example, *replace, name=f"{IMG}.yaml")  # a file name is user text
    report = mcrules.evaluate(subject, path, packs=packs)
    md = render_markdown(report)
    _shown_not_rendered(md)
    assert md_text(SCRIPT) in md or md_text(IMG) in md  # the id, or else the file name, shown


def _diff_doc(name: str, rule: str) -> dict[str, Any]:
    example = {"row": 3, "name": name, "base": "pass", "head": "fail", "measured": 1.0,
               "required": 2.0}
    return {
        "base": f"v1{IMG}", "head": "HEAD", "corpus": [f"sites/{IMG}.csv"],
        "packs": [{
            "pack": f"pack{SCRIPT}", "base": {"version": "1"}, "head": {"version": "2"},
            "records": 10, "rejected": 0, "flipped": 1,
            "changes": [{"id": rule, "kind": "rule", "status": "changed", "changes": ["limit"],
                         "details": [f"limit {IMG}"]}],
            "rules": [{"rule": rule, "flipped": 1, "flips": {"pass->fail": 1},
                       "base": {"fail": 0, "pass": 1}, "head": {"fail": 1, "pass": 0},
                       "examples": [example], "nearest_boundary": [example]}],
            "values_changed": {}, "decisions_changed": {},
        }],
    }


def test_the_diff_report() -> None:
    md = render_diff_markdown(_diff_doc(IMG, f"r</code>{SCRIPT}"), [f"policy {SCRIPT}"])
    _shown_not_rendered(md, IMG)  # a record's name
    assert "<code>r&lt;/code&gt;&lt;script&gt;" in md  # inside the HTML <summary>: HTML-escaped


@given(st.text(max_size=40))
def test_md_text_leaves_no_markup_and_one_line(text: str) -> None:
    out = md_text(text)
    assert "\n" not in out and "\r" not in out
    assert re.search(r"(?<!\\)[<>\[\]`*_|&]", out.replace("\\\\", "")) is None


@given(st.text(max_size=40))
def test_md_code_cannot_be_closed_by_its_text(text: str) -> None:
    out = md_code(text)
    fence = re.match(r"`+", out)
    assert fence is not None
    inner = out[len(fence.group()):len(out) - len(fence.group())]
    assert out.endswith(fence.group()) and fence.group() not in inner.strip()
    assert "\n" not in out
