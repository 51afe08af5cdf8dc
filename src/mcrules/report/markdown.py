"""A Markdown report for pull requests, wikis and e-mail: the table, then each failure's citation."""

from __future__ import annotations

from mcrules.engine.outcomes import Outcome, format_number
from mcrules.engine.report import Report
from mcrules.report.common import (
    STATUS_LABEL,
    disagreements,
    heading,
    ordered_indices,
    required_text,
    side_by_side,
    status_what,
    value_text,
    verdict_text,
    waiver_lines,
)
from mcrules.report.markdown_text import md_code, md_text


def render_markdown(report: Report) -> str:
    """The whole report as Markdown text: lines are never wrapped, and every string from a file
    or a pack goes through `md_text` (or `md_code` in backticks): shown, never rendered as HTML."""
    kind, raw = heading(report)
    name = md_text(raw)
    lines = [
        f"# {kind} check: {name}",
        "",
        _counts(report.summary) + ".",
        "",
        "Packs: " + ", ".join(
            f"{md_code(p.id)} {md_text(p.version)}"
            + (f" (variants: {md_text(', '.join(p.variants))})" if p.variants else "")
            for p in report.packs) + f". Ruleset hash `{report.ruleset_hash[:16]}`.",
        "",
    ]
    for warning in report.warnings:
        lines += [f"> warning: {md_text(warning)}", ""]
    lines += ["| outcome | severity | rule | measured | required | fix / missing |",
              "|---|---|---|---:|---:|---|"]
    for i in ordered_indices(report):
        r = report.results[i]
        title = r.rule.title + (f" ({r.item})" if r.item else "")
        if len(report.packs) > 1:
            title += f" ({report.packs[report.pack_index(i)].id})"
        lines.append(
            f"| {STATUS_LABEL[report.statuses[i]]} | {r.severity.value} | {md_code(r.rule.id, cell=True)} "
            f"{md_text(title)} | {md_text(value_text(r.measured, r.unit))} | "
            f"{md_text(required_text(r))} "
            f"| {md_text(status_what(report, i))} |")
    lines += _compared(report)
    if report.waivers:
        lines += ["", "## Waivers", ""] + [f"- {md_text(line)}" for line in waiver_lines(report)]
    failures = [report.results[i] for i in ordered_indices(report)
                if report.results[i].outcome is Outcome.FAIL]
    if failures:
        lines += ["", "## Sources of the failing rules", ""]
        for r in failures:
            c = r.citations[0]
            lines.append(f"- {md_code(r.rule.id)}: {md_text(c.reference())}: “{md_text(c.quote)}”")
    for key, part in report.attachments.items():
        found = part.lines()
        if found:
            lines += ["", f"## {key.capitalize()}", "", *(f"- {md_text(x)}" for x in found)]
    lines += _derived(report)
    return "\n".join(lines) + "\n"


def _counts(s: dict[str, int]) -> str:
    waived = f", {s['waived']} waived" if s["waived"] else ""
    return (f"**{s['fail']} fail**{waived}, {s['unknown']} unknown, {s['pass']} pass, "
            f"{s['not_applicable']} not applicable")


def _compared(report: Report) -> list[str]:
    """With several packs: each pack's counts, the side-by-side table (a disagreement marked
    **≠**) and a sentence per disagreement."""
    if len(report.packs) < 2:
        return []
    lines = ["", "## Side by side", ""]
    lines += [f"- {md_code(p.id)}: {_counts(counts)}."
              for (p, _), counts in zip(report.by_pack, report.pack_summaries(), strict=True)]
    lines += ["", "| | requirement | " + " | ".join(f"{md_code(p.id, cell=True)}" for p in report.packs)
              + " |", "|---|---|" + "---|" * len(report.packs)]
    for c in side_by_side(report):
        cells = " | ".join(md_text(verdict_text(v)) for v in c.verdicts)
        lines.append(f"| {'**≠**' if c.disagree else ''} | {md_text(c.title)} "
                     f"({md_code(c.requirement, cell=True)}) | {cells} |")
    found = disagreements(report)
    if found:
        lines += ["", "### Where the packs disagree", ""]
        lines += [f"- {md_text(c.sentence or '')}" for c in found]
    return lines


def _derived(report: Report) -> list[str]:
    """Values, decisions and next questions, when the packs have any."""
    lines: list[str] = []
    if report.values:
        lines += ["", "## Values", "", "| value | result | missing |", "|---|---:|---|"]
        for v in report.values:
            shown = v.shown
            text = "?" if shown is None else format_number(shown) \
                if isinstance(shown, float | bool) else str(shown)
            lines.append(f"| {md_code(v.value.id, cell=True)} {md_text(v.value.title)} | "
                         f"{md_text(f'{text} {v.unit}'.strip())} | "
                         f"{md_text(', '.join(v.missing))} |")
    if report.decisions:
        lines += ["", "## Decisions", ""]
        for d in report.decisions:
            lines.append(f"- {md_code(d.table.id)}: {md_text(d.message)}")
            lines += [f"  - because {md_text(r)}" for r in d.reasons]
            lines += [f"  - must {md_text(o)}" for o in d.obligations]
    if report.questions:
        lines += ["", "## Next questions to ask", ""]
        lines += [f"- {md_code(q.input)}: settles {len(q.settles)} "
                  f"({md_text(', '.join(q.settles))})"
                  for q in report.questions]
    return lines
