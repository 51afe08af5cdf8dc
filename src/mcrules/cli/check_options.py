"""The options every command that evaluates takes besides the pack options (`pack_options`):
`--format`, `--out`, `--strict` and `--with`, declared once so they are spelt, documented and
validated the same way on `check` and on each of its aliases."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from mcrules.cli import console

STRICT_HELP = ("Unknown keys in the input are errors, and the answer is no (exit 1) also when a "
               "verdict is unknown or a failure is waived.")


def format_option(formats: tuple[str, ...], default: str = "text") -> Any:
    """`--format/-f`, one of `formats`. Parsed before every other option (eager), so an error in
    any later option or in the input is already reported in the format asked for (a JSON object
    under `json`, see `console.json_error`)."""
    def remember(value: str) -> str:
        if value not in formats:
            raise typer.BadParameter(f"must be one of {', '.join(formats)}")
        console.error_format = value
        return value

    return typer.Option("--format", "-f", help=f"{', '.join(formats)} (default {default}).",
                        callback=remember, is_eager=True)


OutOpt = Annotated[Path | None, typer.Option(
    "--out", "-o", help="Write the report to this file instead of standard output.",
    show_default=False)]
StrictOpt = Annotated[bool, typer.Option("--strict", help=STRICT_HELP)]
WithOpt = Annotated[list[str] | None, typer.Option(
    "--with", help="A companion document of the subject, NAME=FILE (repeatable): a site's "
    "waivers, a sharing request's history; `-` reads standard input.", show_default=False)]


def parse_with(values: list[str] | None, takes: Callable[[str], object]) -> dict[str, str]:
    """`--with NAME=FILE` options as a mapping; a usage error (exit 2) when one has no `=`, or
    names a document the subject does not take (`takes(name)` raises KeyError listing those
    it takes), or is given twice."""
    out: dict[str, str] = {}
    for value in values or []:
        name, sep, file = value.partition("=")
        name, file = name.strip(), file.strip()
        if not sep or not name or not file:
            raise typer.BadParameter(f"expected NAME=FILE, got {value!r}", param_hint="--with")
        try:
            takes(name)
        except KeyError as exc:
            raise typer.BadParameter(str(exc.args[0]), param_hint="--with") from None
        if name in out:
            raise typer.BadParameter(f"{name} is given twice", param_hint="--with")
        out[name] = file
    return out
