"""A Markdown report for pull requests, wikis and e-mail: the table, then each failure's citation."""

from __future__ import annotations

from mcrules.engine.outcomes import Outcome, format_number
from mcrules.engine.report import Report
from mcrules.printable import one_line
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


def _cell(text: str) -> str:
    return one_line(text.replace("\n", " ")).replace("|", "\\|")


def render_markdown(report: Report) -> str:
    """The whole report as Markdown text: lines are never wrapped, and user text is written with
    its control characters escaped."""
    kind, name = heading(report)
    lines = [
        f"# {kind} check: {one_line(name)}",
        "",
        _counts(report.summary) + ".",
        "",
        "Packs: " + ", ".join(
            f"`{p.id}` {p.version}" + (f" (variants: {', '.join(p.variants)})" if p.variants else "")
            for p in report.packs) + f". Ruleset hash `{report.ruleset_hash[:16]}`.",
        "",
    ]
    for warning in report.warnings:
        lines += [f"> warning: {one_line(warning)}", ""]
    lines += ["| outcome | severity | rule | measured | required | fix / missing |",
              "|---|---|---|---:|---:|---|"]
    for i in ordered_indices(report):
        r = report.results[i]
        title = r.rule.title + (f" ({r.item})" if r.item else "")
        if len(report.packs) > 1:
            title += f" ({report.packs[report.pack_index(i)].id})"
        lines.append(
            f"| {STATUS_LABEL[report.statuses[i]]} | {r.severity.value} | `{one_line(r.rule.id)}` "
            f"{_cell(title)} | {_cell(value_text(r.measured, r.unit))} | {_cell(required_text(r))} "
            f"| {_cell(status_what(report, i))} |")
    lines += _compared(report)
    if report.waivers:
        lines += ["", "## Waivers", ""] + [f"- {_cell(line)}" for line in waiver_lines(report)]
    failures = [report.results[i] for i in ordered_indices(report)
                if report.results[i].outcome is Outcome.FAIL]
    if failures:
        lines += ["", "## Sources of the failing rules", ""]
        for r in failures:
            c = r.citations[0]
            lines.append(f"- `{one_line(r.rule.id)}`: {one_line(c.reference())}: “{one_line(c.quote)}”")
    for key, part in report.attachments.items():
        found = part.lines()
        if found:
            lines += ["", f"## {key.capitalize()}", "", *(f"- {one_line(x)}" for x in found)]
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
    lines += [f"- `{one_line(p.id)}`: {_counts(counts)}."
              for (p, _), counts in zip(report.by_pack, report.pack_summaries(), strict=True)]
    lines += ["", "| | requirement | " + " | ".join(f"`{one_line(p.id)}`" for p in report.packs)
              + " |", "|---|---|" + "---|" * len(report.packs)]
    for c in side_by_side(report):
        cells = " | ".join(_cell(verdict_text(v)) for v in c.verdicts)
        lines.append(f"| {'**≠**' if c.disagree else ''} | {_cell(c.title)} "
                     f"(`{one_line(c.requirement)}`) | {cells} |")
    found = disagreements(report)
    if found:
        lines += ["", "### Where the packs disagree", ""]
        lines += [f"- {_cell(c.sentence or '')}" for c in found]
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
            lines.append(f"| `{one_line(v.value.id)}` {_cell(v.value.title)} | "
                         f"{_cell(f'{text} {v.unit}'.strip())} | {_cell(', '.join(v.missing))} |")
    if report.decisions:
        lines += ["", "## Decisions", ""]
        for d in report.decisions:
            lines.append(f"- `{one_line(d.table.id)}`: {_cell(d.message)}")
            lines += [f"  - because {_cell(r)}" for r in d.reasons]
            lines += [f"  - must {_cell(o)}" for o in d.obligations]
    if report.questions:
        lines += ["", "## Next questions to ask", ""]
        lines += [f"- `{one_line(q.input)}`: settles {len(q.settles)} ({_cell(', '.join(q.settles))})"
                  for q in report.questions]
    return lines
