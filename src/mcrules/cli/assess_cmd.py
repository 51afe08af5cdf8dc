"""`mcrules assess`: assess one case file and print the explained, cited result.

Exit 0 whenever the assessment ran, whatever the risk (a high risk is a finding, not a failure);
2 on an invalid case, programme file or option, naming the field and what was expected.
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
    PackOpt,
    SetOpt,
    VariantOpt,
    parse_as_of,
    parse_sets,
    refuse_out_of_force,
)
from mcrules.errors import McrulesError

ASSESS_FORMATS = ("text", "json", "markdown")


def assess_cmd(
    file: Annotated[Path, typer.Argument(help="Case file, YAML or JSON.", show_default=False)],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text, json or markdown.")] = "text",
    variant: VariantOpt = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Evaluation date (YYYY-MM-DD). Default: the case's assessed_on, "
        "else today.")] = None,
    pack: PackOpt = None,
    set_: SetOpt = None,
    programme: Annotated[Path | None, typer.Option(
        "--programme", help="A programme settings file: its weights, bands and variants "
        "(see examples/programme-pack/).")] = None,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Unknown keys in the case file are errors, not warnings.")] = False,
) -> None:
    """Assess a case: DoMV profile, protection risk, specialised needs, next questions."""
    from mcrules.assessment import CASE, assess_case, load_case_pack
    from mcrules.assessment.assess import DEFAULT_PACK
    from mcrules.assessment.programme import read_programme
    from mcrules.io import read_subject
    from mcrules.report.assessment import (
        render_assessment_json,
        render_assessment_markdown,
        render_assessment_text,
    )

    if fmt not in ASSESS_FORMATS:
        raise typer.BadParameter(f"must be one of {', '.join(ASSESS_FORMATS)}",
                                 param_hint="--format")
    date = parse_as_of(as_of)
    if pack and len(pack) > 1:
        raise typer.BadParameter("assess takes one pack", param_hint="--pack")
    params = parse_sets(set_ or [])
    try:
        case, warnings = read_subject(file, CASE, strict=strict)
        settings = read_programme(programme) if programme else None
        if date is not None:
            refuse_out_of_force(date, [load_case_pack(
                pack[0] if pack else settings.pack if settings else DEFAULT_PACK)])
        chosen = load_case_pack(pack[0]) if pack else None
        result = assess_case(case, chosen, programme=settings, variants=tuple(variant or ()),
                             parameters=params, as_of=date or case.assessed_on or today(),
                             source=str(file), warnings=warnings)
    except McrulesError as exc:
        raise console.fail_input(exc) from None
    data = result.as_dict()
    if fmt == "json":
        sys.stdout.buffer.write(render_assessment_json(data))
        sys.stdout.flush()
    elif fmt == "markdown":
        sys.stdout.write(render_assessment_markdown(data))  # unwrapped: tables stay one line
        sys.stdout.flush()
    else:
        render_assessment_text(data, console.out)
    raise typer.Exit(EXIT_OK)
