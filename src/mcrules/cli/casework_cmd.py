"""`mcrules casework check FILE`: walk a case history through the case-management steps.

Exit codes: 0 every event is allowed; 1 an event is refused; 2 the file (or an option) is invalid.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from mcrules.cli import console
from mcrules.cli.console import EXIT_FAIL, EXIT_OK
from mcrules.errors import McrulesError

CASEWORK_FORMATS = ("text", "json")

casework_app = typer.Typer(help="Case management: check a case history event by event.",
                           no_args_is_help=True)


@casework_app.command("check")
def check_cmd(
    file: Annotated[Path, typer.Argument(help="Case history, YAML or JSON.", show_default=False)],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    pack: Annotated[list[str] | None, typer.Option(
        "--pack", "-p", help="A programme's guard pack, id or folder (repeatable): evaluated "
                             "with the default casework-2023, which it tightens, unless its "
                             "pack.yaml says `replaces: casework-2023`.")] = None,
    variant: Annotated[list[str] | None, typer.Option(
        "--variant", help="Apply a named variant of the packs that declare it (repeatable).")] = None,
) -> None:
    """Check that every event of a case history is allowed: the transition and its guards."""
    from mcrules.casework import check_history, guard_packs, load_casework_pack
    from mcrules.io.case_history import read_case_history
    from mcrules.report.casework import render_casework_json, render_casework_text

    if fmt not in CASEWORK_FORMATS:
        raise typer.BadParameter(f"must be one of {', '.join(CASEWORK_FORMATS)}",
                                 param_hint="--format")
    try:
        if any(not ref.strip() for ref in pack or []):
            raise McrulesError("--pack: an empty pack id; name a programme's guard pack (the "
                               "default casework-2023 is always evaluated)")
        history = read_case_history(file)
        packs = list(guard_packs([load_casework_pack(ref) for ref in pack] if pack else None))
        wanted = list(variant or [])
        unknown = [v for v in wanted if not any(v in p.variants for p in packs)]
        if unknown:
            known = sorted({v for p in packs for v in p.variants}) or ["none"]
            raise McrulesError(f"--variant: no pack declares {', '.join(unknown)} "
                               f"(declared: {', '.join(known)})")
        packs = [p.configure([v for v in wanted if v in p.variants]) if wanted else p
                 for p in packs]
        report = check_history(history, packs)
    except McrulesError as exc:
        raise console.fail_input(exc) from None
    data = report.to_dict()
    if fmt == "json":
        sys.stdout.buffer.write(render_casework_json(data))
        sys.stdout.flush()
    else:
        render_casework_text(data, console.out)
    raise typer.Exit(EXIT_OK if report.valid else EXIT_FAIL)
