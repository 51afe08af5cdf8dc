"""The multi-pack comparison as an HTML table: one row per requirement, one column per pack,
the outcome in each cell, rows where the packs disagree marked.

Reads the report's `comparison` list defensively (its inner shape may still grow): each entry's
`requirement`, `disagree`, and the per-pack verdicts under `verdicts`, `by_pack`, `packs` or
`outcomes`, either a mapping pack → verdict or a list of `{pack, ...}`; a verdict is an outcome
string or an object with `outcome` (or `status`) and optionally `measured`, `required`, `unit`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mcrules.report.html_text import dicts_of, esc, scalar, text_of, with_unit

VERDICT_KEYS = ("verdicts", "by_pack", "packs", "outcomes")


def _pack_id(value: Any) -> str:
    return text_of(value, "id") if isinstance(value, dict) else scalar(value)


def verdicts(entry: dict[str, Any]) -> dict[str, Any]:
    """pack id → verdict, in the entry's own order."""
    for key in VERDICT_KEYS:
        value = entry.get(key)
        if isinstance(value, dict):
            return {str(k): v for k, v in value.items()}
        if isinstance(value, list):
            return {_pack_id(v.get("pack")): v for v in value if isinstance(v, dict)}
    return {}


def _outcome(verdict: Any) -> str:
    if isinstance(verdict, dict):
        return text_of(verdict, "outcome") or text_of(verdict, "status")
    return scalar(verdict)


def _requirement(entry: dict[str, Any]) -> str:
    req = entry.get("requirement")
    if isinstance(req, dict):
        return text_of(req, "id") or text_of(req, "rule") or text_of(req, "title")
    return text_of(entry, "requirement") or text_of(entry, "rule")


def render_comparison(report: dict[str, Any], packs: list[str],
                      badge: Callable[[str], str]) -> str:
    """The table of the report's `comparison`, or an empty string when there is none. `packs`
    orders the columns (packs only a row names come after); `badge(outcome)` draws an outcome."""
    entries = dicts_of(report, "comparison")
    if not entries:
        return ""
    columns = list(dict.fromkeys([*packs, *(p for e in entries for p in verdicts(e))]))
    columns = [c for c in columns if c]
    disagreeing = sum(e.get("disagree") is True for e in entries)
    rows = []
    for e in entries:
        per_pack = verdicts(e)
        cells = []
        for pack in columns:
            verdict = per_pack.get(pack)
            if verdict is None:
                cells.append('<td class="none">not in this pack</td>')
                continue
            detail = ""
            if isinstance(verdict, dict) and text_of(verdict, "measured"):
                detail = with_unit(verdict.get("measured"), text_of(verdict, "unit"))
                if text_of(verdict, "required"):
                    detail += " / " + with_unit(verdict.get("required"), text_of(verdict, "unit"))
                detail = f'<span class="detail">{esc(detail)}</span>'
            cells.append(f"<td>{badge(_outcome(verdict))}{detail}</td>")
        bad = e.get("disagree") is True
        mark = '<span class="disagree-mark">packs disagree</span>' if bad else ""
        rows.append(f'<tr class="{"disagree" if bad else "agree"}">'
                    f"<th scope=\"row\"><code>{esc(_requirement(e))}</code>{mark}</th>"
                    f"{''.join(cells)}</tr>")
    head = "".join(f'<th scope="col"><code>{esc(c)}</code></th>' for c in columns)
    return (f'<section id="comparison"><h2>Comparison of packs</h2>'
            f"<p>{len(entries)} requirement(s); the packs disagree on {disagreeing}.</p>"
            f'<table class="comparison"><thead><tr><th scope="col">requirement</th>{head}'
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table></section>")
