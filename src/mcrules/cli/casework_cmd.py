"""`mcrules casework check FILE`: walk a case history through the case-management steps, an
alias of `mcrules check case_history FILE` whose JSON also keeps the keys it printed before the
envelope. `mcrules casework respond FILE`: is a staff action SAFE by the response cards?

Exit codes (docs/exit-codes.md): 0 every event is allowed (the action is SAFE); 1 an event is
refused (the action is UNSAFE, or cannot be told safe; with --strict, also a verdict unknown);
2 the file (or an option) is invalid.
"""

from __future__ import annotations

from typing import Annotated

import typer

from mcrules.cli.check_options import OutOpt, StrictOpt, format_option
from mcrules.cli.evaluation import evaluate_file, finish, inputs_of
from mcrules.cli.pack_options import (
    AsOfOpt,
    RulesetHashOpt,
    parse_as_of,
    parse_sets,
)
from mcrules.errors import McrulesError

CHECK_FORMATS = ("text", "json", "markdown")
RESPOND_FORMATS = ("text", "json", "markdown")
PART = "casework"

casework_app = typer.Typer(help="Case management: check a case history event by event.",
                           no_args_is_help=True)


@casework_app.command("check")
def check_cmd(
    file: Annotated[str, typer.Argument(help="Case history, YAML or JSON; `-` reads standard "
                                        "input.", show_default=False)],
    fmt: Annotated[str, format_option(CHECK_FORMATS)] = "text",
    pack: Annotated[list[str] | None, typer.Option(
        "--pack", "-p", help="A programme's guard pack, id or folder (repeatable): evaluated "
                             "with the default casework-2023, which it tightens, unless its "
                             "pack.yaml says `replaces: casework-2023`.")] = None,
    variant: Annotated[list[str] | None, typer.Option(
        "--variant", help="Apply a named variant of the packs that declare it (repeatable).")] = None,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="Override a parameter of the packs that declare it (repeatable), "
        "NAME=VALUE.")] = None,
    as_of: AsOfOpt = None,
    strict: StrictOpt = False,
    ruleset_hash: RulesetHashOpt = None,
    out: OutOpt = None,
) -> None:
    """Check that every event of a case history is allowed: the transition and its guards.
    The same as `mcrules check case_history FILE`, the guards configured as said above."""
    from mcrules.casework import guard_packs, load_casework_pack

    date = parse_as_of(as_of)
    params = parse_sets(set_ or [])
    if any(not ref.strip() for ref in pack or []):
        raise McrulesError("--pack: an empty pack id; name a programme's guard pack (the "
                           "default casework-2023 is always evaluated)")
    packs = list(guard_packs([load_casework_pack(ref) for ref in pack] if pack else None))
    wanted = list(variant or [])
    unknown = [v for v in wanted if not any(v in p.variants for p in packs)]
    if unknown:
        known = sorted({v for p in packs for v in p.variants}) or ["none"]
        raise McrulesError(f"--variant: no pack declares {', '.join(unknown)} "
                           f"(declared: {', '.join(known)})")
    unset = [name for name in params if not any(name in p.parameters for p in packs)]
    if unset:
        raise McrulesError(f"--set: no pack has a parameter {', '.join(unset)}")
    # Each pack takes the variants and parameters it declares, as `casework check` always did.
    packs = [p.configure([v for v in wanted if v in p.variants],
                         {k: v for k, v in params.items() if k in p.parameters} or None)
             if wanted or params else p for p in packs]
    report = evaluate_file("case_history", file, ruleset_hash=ruleset_hash, packs=packs,
                           as_of=date, strict=strict)
    finish(report, fmt, out, inputs=inputs_of(report, [file]), strict=strict, legacy=PART)


@casework_app.command("respond")
def respond_cmd(
    file: Annotated[str, typer.Argument(
        help="A staff action, YAML or JSON: action, requested_by_person, consent_given; `-` "
        "reads standard input.", show_default=False)],
    fmt: Annotated[str, format_option(RESPOND_FORMATS)] = "text",
    pack: Annotated[list[str] | None, typer.Option(
        "--pack", "-p", help="Incident-response pack id or folder, optionally pinned "
                             "(id@version); default incident-response-2023.")] = None,
    variant: Annotated[list[str] | None, typer.Option(
        "--variant", help="Apply a named variant of the pack (repeatable).")] = None,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="Override a parameter of the pack (repeatable), NAME=VALUE.")] = None,
    as_of: AsOfOpt = None,
    strict: StrictOpt = False,
    ruleset_hash: RulesetHashOpt = None,
    out: OutOpt = None,
) -> None:
    """Say whether an action a staff member proposes, when a protection incident is disclosed to
    them, is SAFE or UNSAFE by the response cards (Facilitator Note 2.1.1), and why. The same as
    `mcrules check staff_action FILE`; exit 1 when it is UNSAFE."""
    report = evaluate_file("staff_action", file, ruleset_hash=ruleset_hash, packs=pack,
                           variants=variant or (), parameters=parse_sets(set_ or []),
                           as_of=parse_as_of(as_of), strict=strict)
    finish(report, fmt, out, inputs=inputs_of(report, [file]), strict=strict,
           legacy="response")
