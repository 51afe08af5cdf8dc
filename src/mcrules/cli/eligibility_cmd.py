"""`mcrules eligibility`: which services a case is eligible for, why, and what to ask next.

Exit 0 whenever the answer was given, whatever it is (not eligible is an answer, not a failure);
2 on an invalid case file, pack or option, naming the field and what was expected.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from mcrules.api.clock import today
from mcrules.cli import console
from mcrules.cli.console import EXIT_OK
from mcrules.cli.pack_options import (
    SetOpt,
    VariantOpt,
    parse_as_of,
    parse_sets,
    refuse_out_of_force,
)
from mcrules.errors import McrulesError

ELIGIBILITY_FORMATS = ("text", "json")


def eligibility_cmd(
    file: Annotated[Path, typer.Argument(help="Case file with an `intake:` block, YAML or JSON.",
                                         show_default=False)],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Evaluation date (YYYY-MM-DD). Default: the case's assessed_on, "
        "else today.")] = None,
    pack: Annotated[str | None, typer.Option(
        "--pack", "-p", help="Eligibility pack id or folder (default eligibility-2023).")] = None,
    variant: VariantOpt = None,
    set_: SetOpt = None,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Unknown keys in the case file are errors, not warnings.")] = False,
) -> None:
    """Tell per service whether the case is eligible, why, and the next question to ask."""
    from mcrules.eligibility import eligibility, load_eligibility_pack
    from mcrules.eligibility.services import DEFAULT_PACK
    from mcrules.io import read_subject
    from mcrules.report.eligibility import render_eligibility_json, render_eligibility_text
    from mcrules.subjects import get

    if fmt not in ELIGIBILITY_FORMATS:
        raise typer.BadParameter(f"must be one of {', '.join(ELIGIBILITY_FORMATS)}",
                                 param_hint="--format")
    date = parse_as_of(as_of)
    params = parse_sets(set_ or [])
    try:
        if date is not None:
            refuse_out_of_force(date, [load_eligibility_pack(pack or DEFAULT_PACK)])
        case, warnings = read_subject(file, get("case"), strict=strict)
        on = date or case.assessed_on or today()
        chosen = load_eligibility_pack(pack, variants=variant or (), parameters=params,
                                       as_of=on) if pack else None
        result = eligibility(case, chosen, on, variants=() if pack else (variant or ()),
                             parameters=None if pack else params, source=str(file),
                             warnings=warnings)
        data = result.to_dict()
    except McrulesError as exc:
        raise console.fail_input(exc) from None
    if fmt == "json":
        sys.stdout.buffer.write(render_eligibility_json(data))
        sys.stdout.flush()
    else:
        render_eligibility_text(data, console.out)
    raise typer.Exit(EXIT_OK)
