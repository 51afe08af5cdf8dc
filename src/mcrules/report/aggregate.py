"""The release of `mcrules aggregate` as text, CSV and JSON, from `SafeTable.release()`'s plain data.

Every form keeps a category apart from a margin so that no category can pass for one: JSON has
`null` for a breakdown a margin sums over; text quotes every category and writes a margin as the
bare word `all`; CSV leaves a margin's field empty (a category is never empty: an empty value is
missing and not counted) and says `margin` in its own column. A suppressed count is never shown,
and nothing says why a cell is suppressed: that is the audit's, never the release's.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import Any

import orjson
from rich.console import Console

from mcrules.report.common import safe

MARGIN_TEXT = "all"
SUPPRESSED_TEXT = "x"
# A spreadsheet runs a cell that starts with one of these as a formula (`=HYPERLINK(...)`,
# `+cmd|...`, `@SUM(...)`, and a tab or carriage return before one of them).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def spreadsheet_safe(text: str) -> str:
    """`text` as a CSV field no spreadsheet runs: a field that starts with a formula character,
    or with the quote itself, gets a leading `'` (spreadsheets show it as text and hide the quote).
    Quoting the quote too keeps the mapping one-to-one: `'=1` and `=1` stay two categories, and a
    reader gets the category back by dropping one leading `'`."""
    return QUOTE + text if text.startswith((*FORMULA_STARTS, QUOTE)) else text


def render_release_json(data: Mapping[str, Any]) -> bytes:
    """Deterministic JSON (sorted keys) of the release."""
    return orjson.dumps(dict(data), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def render_audit_json(data: Mapping[str, Any]) -> bytes:
    """The audit file: deterministic JSON, never the release."""
    return render_release_json(data)


def _grand_total(data: Mapping[str, Any]) -> Mapping[str, Any] | None:
    by = list(data["by"])
    return next((c for c in data["cells"] if all(c[b] is None for b in by)), None)


def render_release_text(data: Mapping[str, Any], console: Console, *,
                        protected: bool = True) -> None:
    """The release as a table to read: the verdict first, then every cell, categories quoted.
    `protected` is the audit's verdict (the release itself never carries it)."""
    from rich.table import Table

    by = list(data["by"])
    cells = list(data["cells"])
    hidden = sum(bool(c["suppressed"]) for c in cells)
    total = _grand_total(data)
    if total is None:
        total_text = "no records were counted"
    elif total["suppressed"]:
        total_text = "the grand total is suppressed"
    else:
        total_text = f"grand total {total['count']}"
    badge = "[bold green]SAFE TO SHARE[/]" if protected else "[bold red]NOT PROTECTED: DO NOT SHARE[/]"
    console.print(f"{badge}  {hidden} of {len(cells)} cell(s) suppressed "
                  f"(k = {data['k']}, protection width {data['protection_width']:g}); "
                  f"{total_text}")
    cls = str(data.get("data_class") or "unknown")
    if cls != "non_personal":
        console.print(f"[bold yellow]Data class: {safe(cls.replace('_', ' '))}[/]: decide the "
                      "sharing with mcrules share before it leaves the centre.")
    table = Table(box=None)
    # fold, never the default ellipsis: on a narrow terminal two long categories that differ
    # only at the end were both cut to the same "aaaa…", and their rows could not be told apart
    for b in by:
        table.add_column(safe(b), overflow="fold")
    table.add_column("count", no_wrap=True)
    for cell in cells:
        count = SUPPRESSED_TEXT if cell["suppressed"] else str(cell["count"])
        table.add_row(*(MARGIN_TEXT if cell[b] is None else safe(json.dumps(cell[b],
                                                                               ensure_ascii=False))
                        for b in by), count)
    console.print(table)
    console.print(f"[dim]A category is in quotes; {MARGIN_TEXT} is the sum over that breakdown; "
                  f"{SUPPRESSED_TEXT} is a suppressed cell.[/]")


def render_release_csv(data: Mapping[str, Any]) -> bytes:
    """The release as CSV: one row per cell; a margin's breakdown field is empty and its `margin`
    column is `true`; a suppressed cell's count is empty and `suppressed` is `true`. Breakdown names
    and categories go through `spreadsheet_safe`: a category is the input's text, and a file meant
    to be opened in a spreadsheet must not run it."""
    by = list(data["by"])
    buffer = io.StringIO(newline="")
    # RFC 4180's CRLF: with it, the writer quotes a field holding a bare CR, which with "\n" it
    # writes raw, and a reader splits the row there (a category "a\r7" became a row "7").
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([*(spreadsheet_safe(b) for b in by), "margin", "count", "suppressed"])
    for cell in data["cells"]:
        margin = any(cell[b] is None for b in by)
        writer.writerow([*("" if cell[b] is None else spreadsheet_safe(cell[b]) for b in by),
                         "true" if margin else "false",
                         "" if cell["suppressed"] else cell["count"],
                         "true" if cell["suppressed"] else "false"])
    return buffer.getvalue().encode()
