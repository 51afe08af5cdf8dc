"""The CLI's two consoles, its exit codes, and how an invalid input is reported: what every
command module shares, kept apart from the commands so none of them imports another.

Commands read `console.out` and `console.err` as module attributes: `bind()` replaces them when a
command starts, and a name imported with `from ... import out` would keep the stale one.
"""

from __future__ import annotations

import os
import sys

import typer
from rich.console import Console

from mcrules.errors import InputError, McrulesError

EXIT_OK, EXIT_FAIL, EXIT_INVALID = 0, 1, 2


def _width() -> int | None:
    """A terminal's own width; 120 columns (or $COLUMNS) when piped, instead of rich's 80."""
    if sys.stdout.isatty():
        return None
    try:
        return max(60, int(os.environ.get("COLUMNS", "120")))
    except ValueError:
        return 120


out = Console(highlight=False, soft_wrap=False, width=_width())
err = Console(stderr=True, highlight=False, soft_wrap=True)


def bind() -> None:
    """Bind the consoles to the streams and width in force when the command runs."""
    global out, err
    out = Console(highlight=False, soft_wrap=False, width=_width())
    err = Console(stderr=True, highlight=False, soft_wrap=True)


def fail_input(exc: McrulesError) -> typer.Exit:
    """Print an invalid input's message (and each located problem) and give exit code 2."""
    if isinstance(exc, InputError):
        err.print(f"[bold red]error:[/] {exc.source + ': ' if exc.source else ''}{exc.message}")
        for p in exc.problems:
            err.print(f"  - {p}", markup=False)
    else:
        err.print("[bold red]error:[/] " + str(exc).replace("[", "\\["))
    return typer.Exit(EXIT_INVALID)
