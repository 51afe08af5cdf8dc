"""`mcrules share FILE`: may this data-sharing request be met? The decision, why, and what to offer.

Exit codes: 0 the decision was made (whatever it is: a refusal is an answer, not an error);
2 the request or history file is invalid.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from mcrules.api.clock import today
from mcrules.cli import console
from mcrules.cli.console import EXIT_OK
from mcrules.cli.output import append
from mcrules.cli.pack_options import parse_as_of, refuse_out_of_force
from mcrules.errors import McrulesError

SHARE_FORMATS = ("text", "json")


def share_cmd(
    file: Annotated[Path, typer.Argument(help="Data-sharing request, YAML or JSON.",
                                         show_default=False)],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    history: Annotated[Path | None, typer.Option(
        "--history", help="Case history of the request's `case`, whose `consents:` resolve "
        "`consent_ref` (read as strictly as `casework check` reads it).")] = None,
    pack: Annotated[str | None, typer.Option(
        "--pack", help="Data-sharing pack id or folder (default data-sharing-2023).")] = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="The date consent must be valid on (YYYY-MM-DD; default today).")] = None,
    record: Annotated[Path | None, typer.Option(
        "--record", help="Append a decision record (JSON Lines, no personal data) to this file.")] = None,
    keep: Annotated[list[str] | None, typer.Option(
        "--keep", help="An id of the request the decision record keeps: case or consent_ref "
        "(repeat for both). Nothing else of the request is copied.")] = None,
) -> None:
    """Decide a data-sharing request: the answer first, then why, then what you may offer instead."""
    from mcrules.api.wrappers import decision_record
    from mcrules.io import read_subject
    from mcrules.io.case_history import read_case_history
    from mcrules.report.sharing import render_sharing_json, render_sharing_text
    from mcrules.sharing import SHARING_REQUEST, decide_sharing
    from mcrules.sharing.decide import load_sharing_pack
    from mcrules.sharing.records import render_record
    from mcrules.sharing.subject import DEFAULT_PACK

    if fmt not in SHARE_FORMATS:
        raise typer.BadParameter(f"must be one of {', '.join(SHARE_FORMATS)}", param_hint="--format")
    given = parse_as_of(as_of)
    on = given or today()
    try:
        if given is not None:
            refuse_out_of_force(given, [load_sharing_pack(pack or DEFAULT_PACK)])
        request, _ = read_subject(file, SHARING_REQUEST, strict=True)
        # The one strict reader `casework check` uses: the same file, the same errors.
        case_history = read_case_history(history) if history is not None else None
        chosen = load_sharing_pack(pack, as_of=on) if pack else None
        decision = decide_sharing(request, pack=chosen, history=case_history, as_of=on)
    except McrulesError as exc:
        raise console.fail_input(exc) from None
    if record is not None:
        try:
            append(render_record(decision_record(decision, request, keep=keep or ())), record,
                   option="--record")
        except McrulesError as exc:
            raise console.fail_input(exc) from None
    if fmt == "json":
        sys.stdout.buffer.write(render_sharing_json(decision.as_dict()))
        sys.stdout.flush()
    else:
        render_sharing_text(decision.as_dict(), console.out)
    raise typer.Exit(EXIT_OK)
