"""The multi-pack comparison as HTML: the sentences where the packs disagree, then a table of
the requirements several packs share, one column per pack, the verdict and its numbers in each.

Reads the report's `comparison` list (docs/output.md): each entry's `requirement`, `title`,
`disagree`, `sentence` and `verdicts`, a list of `{pack, rule, status, measured,
required, unit, op}` in `--pack` order. A renderer never raises on a report of another version:
missing keys read as empty.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mcrules.report.html_text import dicts_of, esc, scalar, text_of, with_unit

NOT_IN_PACK = "not_in_pack"


def verdicts(entry: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """pack id → verdict, in the entry's own order."""
    value = entry.get("verdicts")
    if not isinstance(value, list):
        return {}
    return {scalar(v.get("pack")): v for v in value if isinstance(v, dict)}


def _present(verdict: dict[str, Any]) -> bool:
    """Whether the pack of `verdict` has the requirement."""
    status = text_of(verdict, "status") or text_of(verdict, "outcome")
    return bool(status) and status != NOT_IN_PACK


def _cell(verdict: dict[str, Any] | None, badge: Callable[[str], str]) -> str:
    if verdict is None or not _present(verdict):
        return '<td class="none">not in this pack</td>'
    status = text_of(verdict, "status") or text_of(verdict, "outcome")
    unit = text_of(verdict, "unit")
    measured = with_unit(verdict.get("measured"), unit)
    required = with_unit(verdict.get("required"), unit)
    detail = ""
    if measured or required:
        op = text_of(verdict, "op")
        detail = f"{measured} (needs {op} {required})" if required else measured
        detail = f'<span class="detail">{esc(" ".join(detail.split()))}</span>'
    rule = text_of(verdict, "rule")
    rule_html = f'<span class="rule-id"><code>{esc(rule)}</code></span>' if rule else ""
    return f"<td>{badge(status)}{detail}{rule_html}</td>"


def render_comparison(report: dict[str, Any], packs: list[str],
                      badge: Callable[[str], str]) -> str:
    """The comparison section, or an empty string when the report has none. `packs` orders the
    columns; `badge(status)` draws an outcome."""
    entries = dicts_of(report, "comparison")
    if not entries:
        return ""
    columns = [c for c in dict.fromkeys([*packs, *(p for e in entries for p in verdicts(e))]) if c]
    # A row for each requirement more than one pack has (as the text and Markdown tables): an
    # overlay shares every rule of its pack, with or without a requirement key.
    shared = [e for e in entries if sum(_present(v) for v in verdicts(e).values()) > 1]
    sentences = [text_of(e, "sentence") for e in entries
                 if e.get("disagree") is True and text_of(e, "sentence")]
    parts = ['<section id="comparison"><h2>Comparison of packs</h2>']
    if sentences:
        parts.append('<h3>Where the packs disagree</h3><ul class="disagreements">'
                     + "".join(f"<li>{esc(s)}</li>" for s in sentences) + "</ul>")
    else:
        parts.append("<p>The packs agree on every requirement they share.</p>")
    rows = []
    for e in shared:
        per_pack = verdicts(e)
        bad = e.get("disagree") is True
        mark = '<span class="disagree-mark">packs disagree</span>' if bad else ""
        title = text_of(e, "title")
        rows.append(f'<tr class="{"disagree" if bad else "agree"}"><th scope="row">'
                    f"{esc(title)}<br><code>{esc(text_of(e, 'requirement'))}</code>{mark}</th>"
                    + "".join(_cell(per_pack.get(c), badge) for c in columns) + "</tr>")
    head = "".join(f'<th scope="col"><code>{esc(c)}</code></th>' for c in columns)
    if rows:
        parts.append(f"<h3>Requirements the packs share ({len(shared)})</h3>"
                     f'<table class="comparison"><thead><tr><th scope="col">requirement</th>'
                     f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    alone = len(entries) - len(shared)
    if alone:
        parts.append(f"<p>{alone} more requirement(s) are checked by one pack only: see each "
                     "pack's results below.</p>")
    parts.append("</section>")
    return "".join(parts)
