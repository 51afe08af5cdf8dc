"""The impact of a rule change as Markdown for a review comment, rendered from the diff's JSON
document (`DiffReport.as_dict()`), so both outputs say the same thing."""

from __future__ import annotations

from typing import Any

from mcrules.report.markdown_text import md_code, md_html, md_text


def _num(x: float | None) -> str:
    return "–" if x is None else f"{x:.4g}"


def render_diff_markdown(doc: dict[str, Any], violations: list[str] | None = None) -> str:
    """A heading per pack, a table of rules whose verdicts flip, what changed in the text, and
    the records nearest the head's new boundary."""
    out = [f"## Rule change impact: {md_code(doc['base'])} → {md_code(doc['head'])}", ""]
    out.append(f"Corpus: {', '.join(md_code(c) for c in doc['corpus'])}")
    out.append("")
    for p in doc["packs"]:
        out.append(f"### {md_text(p['pack'])} ({md_text(p['base']['version'] or 'new')} → "
                   f"{md_text(p['head']['version'] or 'removed')})")
        out.append("")
        out.append(f"{p['records']} records evaluated ({p['rejected']} rejected); "
                   f"**{p['flipped']} verdicts flip**.")
        out.append("")
        if p["changes"]:
            out.append("| changed | what | detail |")
            out.append("|---|---|---|")
            for c in p["changes"]:
                what = ", ".join(c["changes"]) or c["status"]
                out.append(f"| {md_code(c['id'], cell=True)} ({md_text(c['kind'])}) | "
                           f"{md_text(c['status'])}: {md_text(what)} | "
                           f"{md_text('; '.join(c['details']))} |")
            out.append("")
        flipped = [r for r in p["rules"] if r["flipped"]]
        if flipped:
            out.append("| rule | flips | fail (base → head) | pass (base → head) |")
            out.append("|---|---|---|---|")
            for r in flipped:
                flips = ", ".join(f"{k.replace('->', ' → ')}: {v}" for k, v in r["flips"].items())
                out.append(f"| {md_code(r['rule'], cell=True)} | {md_text(flips)} | "
                           f"{r['base']['fail']} → {r['head']['fail']}"
                           f" | {r['base']['pass']} → {r['head']['pass']} |")
            out.append("")
            for r in flipped:
                out.append(f"<details><summary><code>{md_html(r['rule'])}</code>: examples"
                           "</summary>")
                out.append("")
                out.append("| row | name | base | head | measured | required |")
                out.append("|---|---|---|---|---|---|")
                for e in r["examples"]:
                    out.append(f"| {e['row']} | {md_text(e['name'] or '')} | {md_text(e['base'])} "
                               f"| {md_text(e['head'])} | "
                               f"{_num(e['measured'])} | {_num(e['required'])} |")
                out.append("")
                out.append("</details>")
                out.append("")
        for r in p["rules"]:
            if r["nearest_boundary"]:
                out.append(f"Records nearest the new boundary of {md_code(r['rule'])}:")
                out.append("")
                out.append("| row | name | head | measured | required |")
                out.append("|---|---|---|---|---|")
                for e in r["nearest_boundary"]:
                    out.append(f"| {e['row']} | {md_text(e['name'] or '')} | {md_text(e['head'])} | "
                               f"{_num(e['measured'])} | {_num(e['required'])} |")
                out.append("")
        for kind in ("values_changed", "decisions_changed"):
            moved = {k: v for k, v in p[kind].items() if v}
            if moved:
                label = "Values" if kind == "values_changed" else "Decisions"
                out.append(f"{label} that change: " + ", ".join(f"{md_code(k)} on {v} records"
                                                                for k, v in moved.items()))
                out.append("")
        if not p["flipped"] and not p["changes"]:
            out.append("No change.")
            out.append("")
    if violations:
        out.append("**CI policy broken:** " + md_text("; ".join(violations)))
        out.append("")
    return "\n".join(out)
