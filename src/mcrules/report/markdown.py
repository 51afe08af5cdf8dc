"""A Markdown report for pull requests, wikis and e-mail: the table, then each failure's citation."""

from __future__ import annotations

from mcrules.engine.outcomes import Outcome, format_number
from mcrules.engine.report import Report
from mcrules.printable import one_line
from mcrules.report.common import OUTCOME_LABEL, ordered, value_text, what_text


def _cell(text: str) -> str:
    return one_line(text.replace("\n", " ")).replace("|", "\\|")


def render_markdown(report: Report) -> str:
    """The whole report as Markdown text: lines are never wrapped, and user text is written with
    its control characters escaped."""
    name = one_line(str(report.subject.get("name") or report.subject.get("file") or "site"))
    s = report.summary
    lines = [
        f"# Site check: {name}",
        "",
        f"**{s['fail']} fail**, {s['unknown']} unknown, {s['pass']} pass, "
        f"{s['not_applicable']} not applicable.",
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
    for r in ordered(report.results):
        required = value_text(r.required, r.unit)
        if required and r.op and r.op != "==":
            required = f"{r.op} {required}"
        title = r.rule.title + (f" ({r.item})" if r.item else "")
        lines.append(
            f"| {OUTCOME_LABEL[r.outcome]} | {r.severity.value} | `{one_line(r.rule.id)}` {_cell(title)} | "
            f"{_cell(value_text(r.measured, r.unit))} | {_cell(required)} | {_cell(what_text(r))} |")
    failures = [r for r in ordered(report.results) if r.outcome is Outcome.FAIL]
    if failures:
        lines += ["", "## Sources of the failing rules", ""]
        for r in failures:
            c = r.citations[0]
            lines.append(f"- `{one_line(r.rule.id)}`: {one_line(c.reference())}: “{one_line(c.quote)}”")
    lines += _derived(report)
    return "\n".join(lines) + "\n"


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
