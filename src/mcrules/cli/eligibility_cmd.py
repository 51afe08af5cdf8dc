"""`mcrules eligibility`: which services a case is eligible for, why, and what to ask next. An
alias of `mcrules check case FILE --pack eligibility-2023` whose JSON also keeps the keys
`eligibility` printed before the envelope.

Exit codes (docs/exit-codes.md): 0 every service is eligible or not yet known; 1 a service is
not eligible (its rule fails; with --strict, also when one is unknown); 2 an invalid case file,
pack or option, naming the field and what was expected.
"""

from __future__ import annotations

from typing import Annotated

import typer

from mcrules.cli.check_options import OutOpt, StrictOpt, format_option
from mcrules.cli.evaluation import evaluate_file, finish, inputs_of
from mcrules.cli.pack_options import RulesetHashOpt, SetOpt, VariantOpt, parse_as_of, parse_sets
from mcrules.errors import McrulesError

ELIGIBILITY_FORMATS = ("text", "json", "markdown")
PART = "eligibility"


def eligibility_cmd(
    file: Annotated[str, typer.Argument(help="Case file with an `intake:` block, YAML or JSON; "
                                        "`-` reads standard input.", show_default=False)],
    fmt: Annotated[str, format_option(ELIGIBILITY_FORMATS)] = "text",
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Evaluation date (YYYY-MM-DD). Default: the case's assessed_on, "
        "else today.")] = None,
    pack: Annotated[list[str] | None, typer.Option(
        "--pack", "-p", help="Eligibility pack id or folder, repeatable (default "
        "eligibility-2023).")] = None,
    variant: VariantOpt = None,
    set_: SetOpt = None,
    strict: StrictOpt = False,
    ruleset_hash: RulesetHashOpt = None,
    out: OutOpt = None,
) -> None:
    """Tell per service whether the case is eligible, why, and the next question to ask."""
    from mcrules.eligibility.services import DEFAULT_PACK

    packs = list(pack or [DEFAULT_PACK])
    report = evaluate_file("case", file, ruleset_hash=ruleset_hash, packs=packs, variants=variant or (),
                           parameters=parse_sets(set_ or []), as_of=parse_as_of(as_of),
                           strict=strict)
    if PART not in report.attachments:
        raise McrulesError(f"no pack given declares services ({', '.join(packs)}): an "
                           f"eligibility pack has rules tagged `service`, as {DEFAULT_PACK} has",
                           path="--pack")
    finish(report, fmt, out, inputs=inputs_of(report, [file]), strict=strict, legacy=PART)
