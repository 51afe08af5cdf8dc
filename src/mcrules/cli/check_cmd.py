"""`mcrules check SUBJECT FILE`: any subject (`mcrules.subjects.all_subjects()`) through
`mcrules.evaluate`, its report as the one JSON envelope (docs/output.md) or as text or Markdown.

Exit codes (docs/exit-codes.md): 0 the answer is yes or not yet known; 1 it is no (a rule fails
unwaived, an event of a case history is refused, a sharing request is refused; with --strict,
also an unknown verdict or a waived failure); 2 invalid input or usage; 3 a bug.
"""

from __future__ import annotations

from typing import Annotated

import typer

from mcrules.cli.check_options import OutOpt, StrictOpt, WithOpt, format_option, parse_with
from mcrules.cli.evaluation import evaluate_file, finish, inputs_of
from mcrules.cli.pack_options import (
    AsOfOpt,
    PackOpt,
    RulesetHashOpt,
    SetOpt,
    VariantOpt,
    parse_as_of,
    parse_sets,
)

CHECK_FORMATS = ("text", "json", "markdown", "html")


def check_cmd(
    subject: Annotated[str, typer.Argument(
        help="What FILE is: a subject such as site, case, case_history or sharing_request "
        "(a name it does not know is answered with the list).", show_default=False)],
    file: Annotated[str, typer.Argument(
        help="The subject's file, YAML or JSON; `-` reads standard input.", show_default=False)],
    pack: PackOpt = None,
    variant: VariantOpt = None,
    set_: SetOpt = None,
    as_of: AsOfOpt = None,
    fmt: Annotated[str, format_option(CHECK_FORMATS)] = "text",
    out: OutOpt = None,
    strict: StrictOpt = False,
    ruleset_hash: RulesetHashOpt = None,
    with_: WithOpt = None,
) -> None:
    """Check one subject against its packs' rules: the verdicts, the values and decisions,
    what to ask next, and the domain's answer (an assessment, services, a case history's
    events, a sharing decision). The default pack is the subject's own."""
    from mcrules.subjects import get

    date = parse_as_of(as_of)
    params = parse_sets(set_ or [])
    known = get(subject)  # an unknown subject: exit 2 naming the close ones (_Commands)
    extras = parse_with(with_, known.extra)
    report = evaluate_file(subject, file, ruleset_hash=ruleset_hash, packs=pack,
                           variants=variant or (), parameters=params, as_of=date, strict=strict,
                           extras=extras)
    finish(report, fmt, out, inputs=inputs_of(report, [file, *extras.values()]), strict=strict)
