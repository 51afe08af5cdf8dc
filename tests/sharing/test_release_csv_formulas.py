"""The CSV release opened in a spreadsheet: a category is the input's text, so one that starts with
a formula character must be written so that the spreadsheet shows it and does not run it, and the
writing must stay one-to-one (a neutralised `=1` is not the category `'=1`)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from mcrules.cli.main import app
from mcrules.report.aggregate import render_release_csv

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
categories = st.one_of(
    st.text(min_size=1, max_size=12),
    st.tuples(st.sampled_from([*TRIGGERS, "'", "''"]), st.text(max_size=8)).map("".join),
).filter(lambda s: s.strip() != "")


def release(by: list[str], rows: list[list[str]]) -> dict[str, object]:
    return {"by": by, "cells": [
        {**dict(zip(by, r, strict=True)), "count": 5, "suppressed": False} for r in rows]}


def fields(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(), newline="")))


@given(st.lists(categories, min_size=1, max_size=6, unique=True))
def test_no_csv_field_starts_a_formula_and_every_category_comes_back(cats: list[str]) -> None:
    out = fields(render_release_csv(release(["site"], [[c] for c in cats])))
    written = [row[0] for row in out[1:]]
    assert not any(w.startswith(TRIGGERS) for w in written)
    back = [w[1:] if w.startswith("'") else w for w in written]
    assert back == cats   # one-to-one: two categories never share a written field


@given(categories)
def test_a_breakdown_name_in_the_header_does_not_start_a_formula_either(name: str) -> None:
    header = fields(render_release_csv(release([name], [["a"]])))[0]
    assert not header[0].startswith(TRIGGERS)


def test_the_cli_csv_release_of_a_hostile_category_is_inert(tmp_path: Path) -> None:
    data = tmp_path / "rows.csv"
    data.write_text("site\n" + '"=HYPERLINK(""http://x"",""y"")"\n' * 6 + "'=1\n" * 5
                    + "@SUM(A1)\n" * 5 + "-2+3\n" * 5)
    result = CliRunner().invoke(app, ["aggregate", str(data), "--by", "site", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    sites = [r["site"] for r in rows]
    assert sites == ["''=1", "'-2+3", "'=HYPERLINK(\"http://x\",\"y\")", "'@SUM(A1)", ""]


def test_a_category_with_a_bare_carriage_return_stays_one_field_of_one_row() -> None:
    out = fields(render_release_csv(release(["site"], [["a\r7"], ["b"]])))
    assert out == [["site", "margin", "count", "suppressed"],
                   ["a\r7", "false", "5", "false"], ["b", "false", "5", "false"]]
