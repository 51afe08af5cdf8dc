"""`mcrules casework check FILE`: walk a case history through the case-management steps.
`mcrules casework respond FILE`: is a staff action SAFE by the response cards?

Exit codes: 0 every event is allowed (the action is SAFE); 1 an event is refused (the action is
UNSAFE, or cannot be told safe); 2 the file (or an option) is invalid.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mcrules.cli import console
from mcrules.cli.console import EXIT_FAIL, EXIT_OK
from mcrules.cli.pack_options import RulesetHashOpt, refuse_ruleset
from mcrules.errors import McrulesError

if TYPE_CHECKING:
    from rich.console import Console

CASEWORK_FORMATS = ("text", "json")

def _check_format(fmt: str) -> None:
    if fmt not in CASEWORK_FORMATS:
        raise typer.BadParameter(f"must be one of {', '.join(CASEWORK_FORMATS)}",
                                 param_hint="--format")


def _emit(data: dict[str, Any], fmt: str, render_text: Callable[[dict[str, Any], Console], None],
          *, ok: bool) -> None:
    """Print `data` as JSON or text, and exit 0 when `ok`, else 1."""
    from mcrules.report.casework import render_casework_json

    if fmt == "json":
        sys.stdout.buffer.write(render_casework_json(data))
        sys.stdout.flush()
    else:
        render_text(data, console.out)
    raise typer.Exit(EXIT_OK if ok else EXIT_FAIL)


casework_app = typer.Typer(help="Case management: check a case history event by event.",
                           no_args_is_help=True)


@casework_app.command("check")
def check_cmd(
    file: Annotated[Path, typer.Argument(help="Case history, YAML or JSON.", show_default=False)],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    pack: Annotated[list[str] | None, typer.Option(
        "--pack", "-p", help="A programme's guard pack, id or folder (repeatable), optionally "
                             "pinned (id@version): evaluated with the default casework-2023, "
                             "which it tightens, unless its pack.yaml says `replaces: "
                             "casework-2023`.")] = None,
    variant: Annotated[list[str] | None, typer.Option(
        "--variant", help="Apply a named variant of the packs that declare it (repeatable).")] = None,
    ruleset_hash: RulesetHashOpt = None,
) -> None:
    """Check that every event of a case history is allowed: the transition and its guards."""
    from mcrules.casework import check_history, guard_packs, load_casework_pack
    from mcrules.io.case_history import read_case_history
    from mcrules.report.casework import render_casework_text

    _check_format(fmt)
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
    refuse_ruleset(report.packs, ruleset_hash)
    _emit(report.to_dict(), fmt, render_casework_text, ok=report.valid)


@casework_app.command("respond")
def respond_cmd(
    file: Annotated[Path, typer.Argument(
        help="A staff action, YAML or JSON: action, requested_by_person, consent_given.",
        show_default=False)],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    pack: Annotated[str, typer.Option(
        "--pack", "-p", help="Incident-response pack id or folder, optionally pinned "
                             "(id@version).")] = "incident-response-2023",
    variant: Annotated[list[str] | None, typer.Option(
        "--variant", help="Apply a named variant of the pack (repeatable).")] = None,
    ruleset_hash: RulesetHashOpt = None,
) -> None:
    """Say whether an action a staff member proposes, when a protection incident is disclosed to
    them, is SAFE or UNSAFE by the response cards (Facilitator Note 2.1.1), and why."""
    from mcrules.casework import STAFF_ACTION, judge_staff_action, load_incident_pack
    from mcrules.io.subject_file import read_subject
    from mcrules.report.casework import render_response_text

    _check_format(fmt)
    try:
        action, _ = read_subject(file, STAFF_ACTION, strict=True)
        loaded = load_incident_pack(pack, variants=variant or ())
        verdict = judge_staff_action(action, loaded)
    except McrulesError as exc:
        raise console.fail_input(exc) from None
    refuse_ruleset(verdict.report.packs, ruleset_hash)
    _emit(verdict.to_dict(), fmt, render_response_text, ok=verdict.safe)
