"""The impact of a rule change as Markdown for a review comment, rendered from the diff's JSON
document (`DiffReport.as_dict()`), so both outputs say the same thing."""

from __future__ import annotations

from typing import Any


def _num(x: float | None) -> str:
    return "–" if x is None else f"{x:.4g}"


def render_diff_markdown(doc: dict[str, Any], violations: list[str] | None = None) -> str:
    """A heading per pack, a table of rules whose verdicts flip, what changed in the text, and
    the records nearest the head's new boundary."""
    out = [f"## Rule change impact: `{doc['base']}` → `{doc['head']}`", ""]
    out.append(f"Corpus: {', '.join(f'`{c}`' for c in doc['corpus'])}")
    out.append("")
    for p in doc["packs"]:
        out.append(f"### {p['pack']} ({p['base']['version'] or 'new'} → "
                   f"{p['head']['version'] or 'removed'})")
        out.append("")
        out.append(f"{p['records']} records evaluated ({p['rejected']} rejected); "
                   f"**{p['flipped']} verdicts flip**.")
        out.append("")
        if p["changes"]:
            out.append("| changed | what | detail |")
            out.append("|---|---|---|")
            for c in p["changes"]:
                what = ", ".join(c["changes"]) or c["status"]
                out.append(f"| `{c['id']}` ({c['kind']}) | {c['status']}: {what} | "
                           f"{'; '.join(c['details'])} |")
            out.append("")
        flipped = [r for r in p["rules"] if r["flipped"]]
        if flipped:
            out.append("| rule | flips | fail (base → head) | pass (base → head) |")
            out.append("|---|---|---|---|")
            for r in flipped:
                flips = ", ".join(f"{k.replace('->', ' → ')}: {v}" for k, v in r["flips"].items())
                out.append(f"| `{r['rule']}` | {flips} | {r['base']['fail']} → {r['head']['fail']}"
                           f" | {r['base']['pass']} → {r['head']['pass']} |")
            out.append("")
            for r in flipped:
                out.append(f"<details><summary><code>{r['rule']}</code>: examples</summary>")
                out.append("")
                out.append("| row | name | base | head | measured | required |")
                out.append("|---|---|---|---|---|---|")
                for e in r["examples"]:
                    out.append(f"| {e['row']} | {e['name'] or ''} | {e['base']} | {e['head']} | "
                               f"{_num(e['measured'])} | {_num(e['required'])} |")
                out.append("")
                out.append("</details>")
                out.append("")
        for r in p["rules"]:
            if r["nearest_boundary"]:
                out.append(f"Records nearest the new boundary of `{r['rule']}`:")
                out.append("")
                out.append("| row | name | head | measured | required |")
                out.append("|---|---|---|---|---|")
                for e in r["nearest_boundary"]:
                    out.append(f"| {e['row']} | {e['name'] or ''} | {e['head']} | "
                               f"{_num(e['measured'])} | {_num(e['required'])} |")
                out.append("")
        for kind in ("values_changed", "decisions_changed"):
            moved = {k: v for k, v in p[kind].items() if v}
            if moved:
                label = "Values" if kind == "values_changed" else "Decisions"
                out.append(f"{label} that change: " + ", ".join(f"`{k}` on {v} records"
                                                                for k, v in moved.items()))
                out.append("")
        if not p["flipped"] and not p["changes"]:
            out.append("No change.")
            out.append("")
    if violations:
        out.append("**CI policy broken:** " + "; ".join(violations))
        out.append("")
    return "\n".join(out)
