"""The terminal report: a rich table a planner reads top to bottom, failures first."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from mcrules.engine.outcomes import Outcome, format_number
from mcrules.engine.report import Report
from mcrules.printable import printable
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

_STYLE = {
    Outcome.PASS.value: "green",
    Outcome.FAIL.value: "bold red",
    Outcome.NOT_APPLICABLE.value: "dim",
    Outcome.UNKNOWN.value: "yellow",
    "waived": "magenta",
    "not_in_pack": "dim",
}


def render_text(report: Report, console: Console, *, show_all: bool = True) -> None:
    """Print the report; `show_all=False` hides passes and rules that do not apply."""
    # Every piece of user text goes in as `Text`, never as a string rich would read as markup.
    kind, name = heading(report)
    packs = ", ".join(f"{p.id} {p.version}" + (f" [{', '.join(p.variants)}]" if p.variants else "")
                      for p in report.packs)
    console.print(Text.assemble((f"{kind}: ", "bold"), printable(name), ("   Packs: ", "bold"),
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
    for i in ordered_indices(report):
        r, status = report.results[i], report.statuses[i]
        if not show_all and r.outcome in (Outcome.PASS, Outcome.NOT_APPLICABLE):
            continue
        rule = Text(printable(r.rule.title + (f" ({r.item})" if r.item else "")))
        rule.append(f"\n{printable(r.rule.id)}", style="dim")
        if len(report.packs) > 1:
            rule.append(f" ({printable(report.packs[report.pack_index(i)].id)})", style="dim")
        outcome = Text(STATUS_LABEL[status], style=_STYLE[status])
        outcome.append(f"\n{r.severity.value}", style="dim")
        table.add_row(outcome, rule, Text(printable(value_text(r.measured, r.unit))),
                      Text(printable(required_text(r))), Text(printable(status_what(report, i))))
    if table.row_count:
        console.print(table)
    else:
        console.print(Text("Nothing fails and nothing is unknown.", style="green"))
    if len(report.packs) > 1:
        _side_by_side(report, console, show_all=show_all)
    if report.waivers:
        console.print(Text("Waivers:", style="bold"))
        for line in waiver_lines(report):
            console.print(Text("  " + printable(line)))
    if len(report.packs) > 1:
        for (p, idx), counts in zip(report.by_pack, report.pack_summaries(), strict=True):
            console.print(Text.assemble((f"{printable(p.id)}: ", "bold"), _counts(counts),
                                        f" ({len(idx)} rules)"))
    console.print(Text.assemble(_counts(report.summary), "   ",
                                (f"ruleset {report.ruleset_hash[:12]}", "dim")))
    for key, part in report.attachments.items():
        lines = part.lines()
        if lines:
            console.print(Text(f"{key.capitalize()}:", style="bold"))
            for line in lines:
                console.print(Text("  " + printable(line), style="red"))
    _derived(report, console)


def _counts(s: dict[str, int]) -> Text:
    return Text.assemble(
        (f"{s['fail']} fail", "bold red" if s["fail"] else "green"), ", ",
        *((f"{s['waived']} waived", "magenta"), ", ") if s["waived"] else (),
        (f"{s['unknown']} unknown", "yellow" if s["unknown"] else ""), ", ",
        f"{s['pass']} pass, {s['not_applicable']} not applicable")


def _side_by_side(report: Report, console: Console, *, show_all: bool) -> None:
    """Per requirement in more than one pack, each pack's verdict in its own column; a
    disagreement is marked `≠` and said in a sentence below the table."""
    table = Table(title="Side by side", title_justify="left", box=box.SIMPLE_HEAD,
                  header_style="bold", pad_edge=False, leading=1, expand=True)
    table.add_column("", no_wrap=True)
    table.add_column("requirement", ratio=3, overflow="fold")
    for p in report.packs:
        table.add_column(Text(printable(p.id)), ratio=2, overflow="fold")
    for c in side_by_side(report, show_all=show_all):
        row = Text(printable(c.title))
        if c.title != c.requirement:
            row.append(f"\n{printable(c.requirement)}", style="dim")
        cells = [Text(printable(verdict_text(v)), style=_STYLE[v.status]) for v in c.verdicts]
        table.add_row(Text("≠", style="bold yellow") if c.disagree else Text(""), row, *cells,
                      style="on grey15" if c.disagree else "")
    if table.row_count:
        console.print(table)
    found = disagreements(report)
    if found:
        console.print(Text("Where the packs disagree:", style="bold"))
        for c in found:
            console.print(Text("  ≠ " + printable(c.sentence or "")))


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
