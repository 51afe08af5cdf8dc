"""`mcrules bulk`: evaluate a pack over a table of its subject (sites, cases, sharing requests)
and write one row per (input row, rule, value or decision table).

Only typer and the CLI's shared console and pack options are imported at module level: numpy and
pyarrow load when the command runs, so `mcrules --help` and `import mcrules` stay fast and work
without the `bulk` extra.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mcrules.cli import console
from mcrules.cli.console import EXIT_INVALID, EXIT_OK, safe
from mcrules.cli.pack_options import (
    AsOfOpt,
    RulesetHashOpt,
    SetOpt,
    parse_as_of,
    parse_sets,
    refuse_out_of_force,
    refuse_ruleset,
)
from mcrules.printable import one_line

if TYPE_CHECKING:
    from rich.console import Console

    from mcrules.bulk import BulkSummary

INSTALL_HINT = "pip install 'mcrules[bulk]'"
SHOWN_OUTCOMES = ("pass", "fail", "unknown", "not_applicable")


def _show_progress(console: Console) -> bool:
    """A live bar only for a person at a terminal: not when piped, not under CI."""
    return console.is_terminal and os.environ.get("CI", "").lower() not in ("true", "1")


@contextmanager
def _progress(console: Console, input_name: str,
              enabled: bool) -> Iterator[Callable[[BulkSummary, float], None] | None]:
    if not enabled:
        yield None
        return
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
               TextColumn("{task.fields[rows]:,} rows"), TimeElapsedColumn(),
               TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(f"evaluating {input_name}", total=1.0, rows=0)

        def update(summary: BulkSummary, fraction: float) -> None:
            bar.update(task, completed=fraction, rows=summary.rows_read)

        yield update


EXIT_TERMINATED = 128 + signal.SIGTERM  # what a shell reports for a process ended by SIGTERM


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that the writers' cleanup runs: the `.partial`
    files are removed, and nothing half-written is left under the output's name."""


@contextmanager
def _terminate_cleanly() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum: int, frame: object) -> None:
        raise _Terminated

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _render(summary: BulkSummary, console: Console) -> None:
    from rich.table import Table

    console.print(f"rows read {summary.rows_read:,}, evaluated {summary.rows_evaluated:,}, "
                  f"rejected {summary.rows_rejected:,}")
    table = Table(title="Outcomes per rule", title_justify="left")
    table.add_column("rule")
    for outcome in SHOWN_OUTCOMES:
        table.add_column(outcome, justify="right")
    others = []
    for rule_id, counts in summary.outcomes.items():
        if not all(o in counts for o in SHOWN_OUTCOMES):  # a value or a decision table
            others.append((rule_id, counts))
            continue
        table.add_row(safe(rule_id), *(f"{counts[o]:,}" for o in SHOWN_OUTCOMES))
    if table.row_count:  # a pack of values and decision tables only has no rule to count
        console.print(table)
    for what, counts in others:
        console.print(one_line(f"{what}: " + ", ".join(f"{n:,} {o}" for o, n in counts.items())),
                      markup=False)


def bulk_cmd(
    input: Annotated[Path, typer.Argument(
        help="Rows to check: .csv, .jsonl or .parquet, one site (or case, or sharing request: "
        "the pack's subject) per row.", show_default=False)],
    out_path: Annotated[Path, typer.Option(
        "--out", "-o", help="Results: .parquet, .csv or .jsonl, one row per (input row, rule).",
        show_default=False)],
    pack: Annotated[str, typer.Option(
        "--pack", "-p", help="Pack id or folder, optionally pinned (mct-2023@2023.2.0).")
    ] = "mct-2023",
    rejects: Annotated[Path | None, typer.Option(
        "--rejects", help="Write invalid rows here (row, field, reason); format by extension.")
    ] = None,
    variant: Annotated[list[str] | None, typer.Option(
        "--variant", help="Apply a named variant of the pack (repeatable).")] = None,
    set_: SetOpt = None,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Reject rows with unknown keys instead of warning about the columns.")
    ] = False,
    batch_size: Annotated[int, typer.Option(
        "--batch-size", min=1, help="Rows per batch: memory grows with it.")] = 65_536,
    workers: Annotated[int | None, typer.Option(
        "--workers", min=1, help="Threads evaluating batches. Default: 2 when there are 2 cores.")
    ] = None,
    as_of: AsOfOpt = None,
    ruleset_hash: RulesetHashOpt = None,
) -> None:
    """Check every row of a table against a pack; write outcomes per row and rule.

    Sharing requests carry no case history: a consent_ref fails closed (docs/bulk.md)."""
    try:
        import numpy  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError as exc:
        from rich.markup import escape

        console.err.print("[bold red]error:[/] "
                          + escape(f"bulk evaluation needs {exc.name}: {INSTALL_HINT}"))
        raise typer.Exit(EXIT_INVALID) from None
    from mcrules.bulk import run_file
    from mcrules.errors import McrulesError
    from mcrules.subjects import load_subject_pack

    params = parse_sets(set_ or [])
    date = parse_as_of(as_of)
    try:
        if date is not None:
            refuse_out_of_force(date, [load_subject_pack(pack)])
        loaded = load_subject_pack(pack, variants=variant or (), parameters=params, as_of=date)
        refuse_ruleset([loaded], ruleset_hash)  # before a row is written
        with _terminate_cleanly(), \
                _progress(console.out, input.name, _show_progress(console.out)) as progress:
            summary = run_file(input, out_path, loaded, rejects, progress, strict=strict,
                               batch_size=batch_size, workers=workers, as_of=date)
    except McrulesError as exc:
        raise console.fail_input(exc) from None
    except _Terminated:
        from mcrules.io.tables import partial_path

        for path in (out_path, rejects):  # the writers abort; this covers a signal between two
            if path is not None:          # of their statements
                partial_path(path).unlink(missing_ok=True)
        console.err.print("terminated: no output written (partial files removed)", markup=False)
        raise typer.Exit(EXIT_TERMINATED) from None
    for warning in summary.warnings:
        console.err.print(f"warning: {one_line(warning)}", markup=False)
    if summary.rows_rejected and rejects is None:
        for r in summary.sample_rejects:
            console.err.print(one_line(f"rejected row {r.row}: {r.field or '<row>'}: {r.reason}"),
                              markup=False)
        more = summary.rows_rejected - len({r.row for r in summary.sample_rejects})
        hint = f"{more:,} more rejected rows; " if more > 0 else ""
        console.err.print(f"{hint}write every reject with --rejects FILE", markup=False)
    _render(summary, console.out)
    sys.stdout.flush()
    raise typer.Exit(EXIT_OK)
