"""The CLI's two consoles, its exit codes, and how an invalid input or a bug is reported: what
every command module shares, kept apart from the commands so none of them imports another.

Commands read `console.out` and `console.err` as module attributes: `bind()` replaces them when a
command starts, and a name imported with `from ... import out` would keep the stale one.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import traceback
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from typer._click.exceptions import UsageError

from mcrules.errors import InputError, McrulesError
from mcrules.printable import printable

EXIT_OK, EXIT_FAIL, EXIT_INVALID, EXIT_INTERNAL = 0, 1, 2, 3
#: A reader closed the pipe (`mcrules rules list | head -1`): 128 + SIGPIPE, as a shell reports a
#: program the signal ended, so a pipeline tells a cut-off report from a complete one.
EXIT_PIPE = 141
ISSUES_HINT = "this is a bug in mcrules: please report it with the command you ran"
debug = False  # set by the global --debug option: an internal error also prints its traceback
error_format = "text"
"""The format a command was asked for (its `--format`, set as soon as the option is parsed):
under `json`, an error is a JSON object on standard output (`json_error`), not a message on
standard error, so a program reading the report reads the error the same way."""


def _width() -> int | None:
    """A terminal's own width; 120 columns (or $COLUMNS) when piped, instead of rich's 80."""
    if sys.stdout.isatty():
        return None
    try:
        return max(60, int(os.environ.get("COLUMNS", "120")))
    except ValueError:
        return 120


def _never_raise_on_encoding() -> None:
    """Under a POSIX or ASCII locale, text a stream cannot encode (m², quotes) is written as
    escapes instead of raising UnicodeEncodeError halfway through a report."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("_", "-")
        if isinstance(stream, io.TextIOWrapper) and not encoding.startswith("utf"):
            with contextlib.suppress(ValueError, OSError):  # a closed or odd stream
                stream.reconfigure(errors="backslashreplace")


def _consoles() -> tuple[Console, Console]:
    # emoji=False: `:thumbs_up:` in a latrine id stays those eleven characters.
    return (Console(highlight=False, soft_wrap=False, emoji=False, width=_width()),
            Console(stderr=True, highlight=False, soft_wrap=True, emoji=False))


out, err = _consoles()


def bind() -> None:
    """Bind the consoles to the streams and width in force when the command runs."""
    global out, err
    _never_raise_on_encoding()
    out, err = _consoles()


def safe(text: object) -> str:
    """User text (an id, a name, a path, a pack's title) ready for a string with rich markup:
    its tags escaped and its control characters shown, so it prints as written."""
    return escape(printable(str(text)))


def json_error(code: int, problems: list[dict[str, Any]]) -> None:
    """Write `{"error": {"code", "problems"}}` on one line of standard output."""
    import orjson

    from mcrules.api.errors import error_body  # on an error only: the api loads the engine

    data = orjson.dumps(error_body(code, problems)) + b"\n"
    with contextlib.suppress(ValueError):  # a closed stdout: nothing can be said there
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


def fail_usage(exc: UsageError) -> typer.Exit:
    """A usage error (an option's value, a missing argument) under `--format json`: the JSON
    error, exit 2. Without json, click prints it with the usage line, as for any command."""
    param = getattr(exc, "param", None)
    hint = getattr(exc, "param_hint", None)
    path = hint if isinstance(hint, str) else \
        (param.opts[0] if param is not None and getattr(param, "opts", None) else None)
    from mcrules.api.errors import problem

    json_error(EXIT_INVALID, [problem(path, None, printable(exc.format_message()))])
    return typer.Exit(EXIT_INVALID)


def fail_input(exc: McrulesError) -> typer.Exit:
    """Print an invalid input's message (and each located problem) and give exit code 2;
    under `--format json`, the JSON error on standard output instead."""
    if error_format == "json":
        from mcrules.api.errors import problems_of

        json_error(EXIT_INVALID, problems_of(exc))
        return typer.Exit(EXIT_INVALID)
    if isinstance(exc, InputError):
        err.print(f"[bold red]error:[/] {safe(exc.source) + ': ' if exc.source else ''}"
                  f"{safe(exc.message)}")
        for p in exc.problems:
            err.print(f"  - {printable(str(p))}", markup=False)
    else:
        err.print("[bold red]error:[/] " + safe(exc))
    return typer.Exit(EXIT_INVALID)


def broke_pipe(exc: BaseException | None) -> bool:
    """Whether `exc` is, or was raised while handling, a write to a pipe whose reader has gone:
    ours (BrokenPipeError), or rich's and click's own exit on one (SystemExit(1) raised from it)."""
    while exc is not None:
        if isinstance(exc, BrokenPipeError):
            return True
        exc = exc.__context__
    return False


def closed_pipe() -> typer.Exit:
    """A reader that stops reading is not a bug: exit 141 quietly. Python's recipe (the `signal`
    module's note on SIGPIPE): point stdout at the null device, so the flush at interpreter exit
    writes nowhere instead of printing "Exception ignored ... BrokenPipeError"."""
    with contextlib.suppress(OSError, ValueError):  # stdout already closed or not a file
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    return typer.Exit(EXIT_PIPE)


def fail_internal(exc: BaseException) -> typer.Exit:
    """A bug: one line naming the exception and how to report it, the traceback only under
    --debug, and exit code 3 so that CI can tell a crash from a failing site."""
    from mcrules import __version__

    what = printable(" ".join(f"{type(exc).__name__}: {exc}".split()))
    if len(what) > 300:
        what = what[:300] + "..."
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    if error_format == "json":
        from mcrules.api.errors import problem

        json_error(EXIT_INTERNAL, [problem(None, None, f"internal error: {what} ({ISSUES_HINT}; "
                                                        f"mcrules {__version__})")])
        return typer.Exit(EXIT_INTERNAL)
    err.print(f"internal error: {what} ({ISSUES_HINT}; mcrules {__version__}"
              + ("" if debug else "; rerun with --debug for the traceback") + ")",
              markup=False, soft_wrap=True)
    return typer.Exit(EXIT_INTERNAL)
