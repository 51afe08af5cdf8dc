"""The terminal report: a rich table a planner reads top to bottom, failures first."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from mcrules.engine.outcomes import Outcome, format_number
from mcrules.engine.report import Report
from mcrules.printable import printable
from mcrules.report.common import OUTCOME_LABEL, ordered, value_text, what_text

_STYLE = {
    Outcome.PASS: "green",
    Outcome.FAIL: "bold red",
    Outcome.NOT_APPLICABLE: "dim",
    Outcome.UNKNOWN: "yellow",
}


def render_text(report: Report, console: Console, *, show_all: bool = True) -> None:
    """Print the report; `show_all=False` hides passes and rules that do not apply."""
    # Every piece of user text goes in as `Text`, never as a string rich would read as markup.
    name = printable(str(report.subject.get("name") or report.subject.get("file") or "site"))
    packs = ", ".join(f"{p.id} {p.version}" + (f" [{', '.join(p.variants)}]" if p.variants else "")
                      for p in report.packs)
    console.print(Text.assemble(("Site: ", "bold"), name, ("   Packs: ", "bold"),
                                printable(packs)))
    for warning in report.warnings:
        console.print(Text("warning: " + printable(warning), style="yellow"))
    table = Table(expand=False, pad_edge=False, box=box.SIMPLE_HEAD, header_style="bold",
                  leading=1)
    table.add_column("outcome", no_wrap=True)
    table.add_column("rule", ratio=3, overflow="fold")
    table.add_column("measured", justify="right", no_wrap=True)
    table.add_column("required", justify="right", no_wrap=True)
    table.add_column("fix / missing", ratio=2)
    for r in ordered(report.results):
        if not show_all and r.outcome in (Outcome.PASS, Outcome.NOT_APPLICABLE):
            continue
        required = value_text(r.required, r.unit)
        if required and r.op and r.op != "==":
            required = f"{r.op} {required}"
        rule = Text(printable(r.rule.title + (f" ({r.item})" if r.item else "")))
        rule.append(f"\n{printable(r.rule.id)}", style="dim")
        outcome = Text(OUTCOME_LABEL[r.outcome], style=_STYLE[r.outcome])
        outcome.append(f"\n{r.severity.value}", style="dim")
        table.add_row(outcome, rule, Text(printable(value_text(r.measured, r.unit))),
                      Text(printable(required)), Text(printable(what_text(r))))
    if table.row_count:
        console.print(table)
    else:
        console.print(Text("Nothing fails and nothing is unknown.", style="green"))
    s = report.summary
    console.print(Text.assemble(
        (f"{s['fail']} fail", "bold red" if s["fail"] else "green"), ", ",
        (f"{s['unknown']} unknown", "yellow" if s["unknown"] else ""), ", ",
        f"{s['pass']} pass, {s['not_applicable']} not applicable", "   ",
        (f"ruleset {report.ruleset_hash[:12]}", "dim")))
    _derived(report, console)


def _derived(report: Report, console: Console) -> None:
    """Values, decisions and the next questions to ask, after the rules, when there are any."""
    if report.values:
        table = Table(title="Values", title_justify="left", box=box.SIMPLE_HEAD,
                      header_style="bold", pad_edge=False)
        table.add_column("value", overflow="fold")
        table.add_column("result", justify="right")
        table.add_column("missing", overflow="fold")
        for v in report.values:
            shown = v.shown
            text = "?" if shown is None else format_number(shown) \
                if isinstance(shown, float | bool) else str(shown)
            table.add_row(Text(printable(f"{v.value.title}\n{v.value.id}")),
                          Text(printable(f"{text} {v.unit}".strip()),
                               style="" if v.known else "yellow"),
                          Text(printable(", ".join(v.missing))))
        console.print(table)
    for d in report.decisions:
        line = Text.assemble(("Decision: ", "bold"), printable(d.message))
        console.print(line)
        for reason in d.reasons:
            console.print(Text("  because " + printable(reason)))
        for obligation in d.obligations:
            console.print(Text("  must " + printable(obligation)))
    if report.questions:
        console.print(Text("Next questions to ask:", style="bold"))
        for q in report.questions:
            console.print(Text(printable(f"  {q.input}: settles {len(q.settles)} "
                                         f"({', '.join(q.settles)})")))
