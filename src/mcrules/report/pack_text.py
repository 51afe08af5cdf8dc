"""A pack's values and decision tables as a reviewer reads them (`mcrules rules show`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from mcrules.engine.explain import describe
from mcrules.printable import printable

if TYPE_CHECKING:
    from mcrules.rules.ir import Citation, DecisionTable, ValueDecl


def _sources(citations: tuple[Citation, ...], console: Console) -> None:
    console.print(Text("Sources", style="bold"))
    for c in citations:
        console.print(Text(printable(f"  {c.reference()}")))
        console.print(Text(printable(f"    “{c.quote}”")))


def show_value(value: ValueDecl, console: Console) -> None:
    """A value: its expression, type and scale, and its sources."""
    console.print(Text.assemble((printable(value.id), "bold"),
                                printable(f"  (value, {value.type})  {value.title}")))
    if value.description:
        console.print(Text(printable(value.description.strip())))
    console.print(Text.assemble(("expression ", "bold"), printable(value.expr_text)))
    if value.scale:
        console.print(Text.assemble(("scale      ", "bold"), printable(" < ".join(value.scale))))
    console.print()
    _sources(value.citations, console)
    console.print(Text(printable(f"defined at {value.source}"), style="dim"))


def show_decision(table: DecisionTable, console: Console) -> None:
    """A decision table: inputs, rows with their outputs, reasons and obligations, hit policy."""
    console.print(Text.assemble((printable(table.id), "bold"),
                                printable(f"  (decision table)  {table.title}")))
    if table.description:
        console.print(Text(printable(table.description.strip())))
    console.print(Text.assemble(("hit policy ", "bold"), table.hit_policy,
                                ("   when an input is unknown: ", "bold"), table.on_unknown))
    console.print(Text.assemble(("outputs    ", "bold"),
                                printable(" > ".join(table.outputs)) + "  (highest priority first)"))
    for inp in table.inputs:
        console.print(Text.assemble(("input      ", "bold"),
                                    printable(f"{inp.name} = {describe(inp.expr)}")))
    grid = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    grid.add_column("#", justify="right")
    for inp in table.inputs:
        grid.add_column(Text(printable(inp.name)))
    grid.add_column("decision")
    grid.add_column("reasons / obligations", overflow="fold")
    rows = list(table.rows) + ([table.default] if table.default is not None else [])
    for row in rows:
        notes = [*row.reasons, *(f"must {o}" for o in row.obligations)]
        cells = ["-"] * len(table.inputs) if row.number == 0 else [c.text for c in row.cells]
        grid.add_row(str(row.number or "default"), *(Text(printable(c)) for c in cells),
                     Text(printable(row.output)), Text(printable("; ".join(notes))))
    console.print(grid)
    _sources(table.citations + tuple(c for r in rows for c in r.citations), console)
    console.print(Text(printable(f"defined at {table.source}"), style="dim"))
