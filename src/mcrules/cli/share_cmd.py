"""`mcrules share FILE`: may this data-sharing request be met? The decision, why, and what to
offer. An alias of `mcrules check sharing_request FILE --with history=H` whose JSON also keeps
the keys `share` printed before the envelope.

Exit codes (docs/exit-codes.md): 0 the records asked for may be shared (permit, permit with
obligations); 1 they may not (deny, aggregate only: the answer is no); 2 the request, history or
an option is invalid.
"""

from __future__ import annotations

from typing import Annotated

import typer

from mcrules.cli import console
from mcrules.cli.check_options import OutOpt, StrictOpt, format_option
from mcrules.cli.evaluation import evaluate_file, finish, inputs_of
from mcrules.cli.output import append
from mcrules.cli.pack_options import PackOpt, RulesetHashOpt, SetOpt, VariantOpt, parse_as_of, parse_sets
from mcrules.errors import McrulesError

SHARE_FORMATS = ("text", "json", "markdown")
PART = "sharing"


def share_cmd(
    file: Annotated[str, typer.Argument(help="Data-sharing request, YAML or JSON; `-` reads "
                                        "standard input.", show_default=False)],
    fmt: Annotated[str, format_option(SHARE_FORMATS)] = "text",
    history: Annotated[str | None, typer.Option(
        "--history", help="Case history of the request's `case`, whose `consents:` resolve "
        "`consent_ref` (read as strictly as `casework check` reads it). The same as "
        "`check sharing_request --with history=FILE`.")] = None,
    pack: PackOpt = None,
    variant: VariantOpt = None,
    set_: SetOpt = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="The date consent must be valid on (YYYY-MM-DD; default today).")] = None,
    strict: StrictOpt = False,
    ruleset_hash: RulesetHashOpt = None,
    out: OutOpt = None,
    record: Annotated[str | None, typer.Option(
        "--record", help="Append a decision record (JSON Lines, no personal data) to this file.")] = None,
    keep: Annotated[list[str] | None, typer.Option(
        "--keep", help="An id of the request the decision record keeps: case or consent_ref "
        "(repeat for both). Nothing else of the request is copied.")] = None,
) -> None:
    """Decide a data-sharing request: the answer first, then why, then what you may offer instead."""
    from pathlib import Path

    from mcrules.api.wrappers import decision_record  # made now: the API reads the clock
    from mcrules.sharing.records import render_record
    from mcrules.sharing.subject import DEFAULT_PACK

    packs = list(pack or [DEFAULT_PACK])
    extras = {"history": history} if history is not None else {}
    report = evaluate_file("sharing_request", file, ruleset_hash=ruleset_hash, packs=packs,
                           variants=variant or (), parameters=parse_sets(set_ or []),
                           as_of=parse_as_of(as_of), strict=strict, extras=extras)
    if PART not in report.attachments:
        raise McrulesError(f"no pack given decides sharing requests ({', '.join(packs)}): a "
                           f"data-sharing pack has the decision table, as {DEFAULT_PACK} has",
                           path="--pack")
    part = report.attachment(PART)
    if record is not None:
        try:
            append(render_record(decision_record(part.decision, part.request, keep=keep or ())),
                   Path(record), option="--record")
        except McrulesError as exc:
            raise console.fail_input(exc) from None
    finish(report, fmt, out, inputs=inputs_of(report, [file, history, record]), strict=strict,
           legacy=PART)
