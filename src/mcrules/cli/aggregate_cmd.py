"""`mcrules aggregate INPUT --by sex,age_group`: a count table of case records (CSV, JSON Lines or
Parquet, streamed in batches) with small cells and their complements suppressed, and the audit.

Exit codes: 0 the table is protected; 1 the audit could not protect every suppressed cell;
2 invalid input or arguments.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from mcrules.cli import console
from mcrules.cli.console import EXIT_FAIL, EXIT_OK
from mcrules.cli.pack_options import SetOpt, parse_sets
from mcrules.errors import McrulesError


def aggregate_cmd(
    input_path: Annotated[Path, typer.Argument(help="Case records: .csv, .jsonl or .parquet.",
                                               show_default=False)],
    by: Annotated[str, typer.Option("--by", help="Breakdowns, comma-separated: sex,age_group.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    pack: Annotated[str | None, typer.Option(
        "--pack", help="Data-sharing pack id or folder (default data-sharing-2023).")] = None,
    set_: SetOpt = None,
) -> None:
    """Count case records by the breakdowns, safe to share: cells below k suppressed, audited."""
    from mcrules.io.tables import ROW_ERROR_COLUMN, TableSource
    from mcrules.report.sharing import render_aggregate_text, render_sharing_json
    from mcrules.sharing.aggregate import aggregate
    from mcrules.sharing.decide import load_sharing_pack
    from mcrules.sharing.disclosure import CountAccumulator

    if fmt not in ("text", "json"):
        raise typer.BadParameter("must be one of text, json", param_hint="--format")
    names = [b.strip() for b in by.split(",") if b.strip()]
    try:
        chosen = load_sharing_pack(pack or "data-sharing-2023", parameters=parse_sets(set_ or []))
        acc = CountAccumulator(names)
        for batch in TableSource(input_path):
            columns = {n: batch.column(n).to_pylist() for n in batch.schema.names
                       if n in names or n == ROW_ERROR_COLUMN}
            errors = columns.pop(ROW_ERROR_COLUMN, None)
            if errors is not None:
                for n in names:
                    if n in columns:
                        columns[n] = [None if e is not None else v
                                      for v, e in zip(columns[n], errors, strict=True)]
            acc.add_columns(columns, batch.num_rows)
        table = aggregate(acc, names, pack=chosen)
    except McrulesError as exc:
        raise console.fail_input(exc) from None
    if fmt == "json":
        sys.stdout.buffer.write(render_sharing_json(table.as_dict()))
        sys.stdout.flush()
    else:
        render_aggregate_text(table.as_dict(), console.out)
    raise typer.Exit(EXIT_OK if table.protected else EXIT_FAIL)
