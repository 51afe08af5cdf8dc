"""`mcrules assess`: assess one case file and print the explained, cited result. An alias of
`mcrules check case FILE` whose JSON also keeps the keys `assess` printed before the envelope.

Exit codes (docs/exit-codes.md): 0 the answer is yes or not yet known (a high risk is a finding,
not a failure); 1 a rule of the pack fails (with --strict, also an unknown verdict); 2 an
invalid case, programme file or option, naming the field and what was expected.
"""

from __future__ import annotations

from typing import Annotated

import typer

from mcrules.cli.check_options import OutOpt, StrictOpt, format_option
from mcrules.cli.evaluation import evaluate_file, finish, inputs_of
from mcrules.cli.pack_options import PackOpt, RulesetHashOpt, SetOpt, VariantOpt, parse_as_of, parse_sets

ASSESS_FORMATS = ("text", "json", "markdown")
PART = "assessment"


def assess_cmd(
    file: Annotated[str, typer.Argument(help="Case file, YAML or JSON; `-` reads standard "
                                        "input.", show_default=False)],
    fmt: Annotated[str, format_option(ASSESS_FORMATS)] = "text",
    variant: VariantOpt = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Evaluation date (YYYY-MM-DD). Default: the case's assessed_on, "
        "else today.")] = None,
    pack: PackOpt = None,
    set_: SetOpt = None,
    programme: Annotated[str | None, typer.Option(
        "--programme", help="A programme settings file: its weights, bands and variants "
        "(see examples/programme-pack/).")] = None,
    strict: StrictOpt = False,
    ruleset_hash: RulesetHashOpt = None,
    out: OutOpt = None,
) -> None:
    """Assess a case: DoMV profile, protection risk, specialised needs, next questions."""
    from mcrules.assessment.assess import DEFAULT_PACK
    from mcrules.assessment.programme import read_programme
    from mcrules.subjects import get

    date = parse_as_of(as_of)
    params: dict[str, str | float] = dict(parse_sets(set_ or []))
    extras: dict[str, str] = {}
    variants = tuple(variant or ())
    packs = list(pack or [DEFAULT_PACK])
    if programme is not None:
        # The programme's pack, variants and parameters first, the command line's after them,
        # as `Programme.configure` orders them; the report names the programme (its extra).
        settings = read_programme(programme)
        packs = list(pack or [settings.pack])
        variants = (*settings.variants, *variants)
        params = {**settings.parameters, **params}
        extras["programme"] = programme
    report = evaluate_file(get("case").name, file, ruleset_hash=ruleset_hash, packs=packs, variants=variants,
                           parameters=params, as_of=date, strict=strict, extras=extras)
    if PART not in report.attachments:
        from mcrules.errors import McrulesError

        raise McrulesError(f"no pack given assesses a case ({', '.join(packs)}): an assessment "
                           f"pack has a DoMV factor catalogue, as {DEFAULT_PACK} does",
                           path="--pack")
    finish(report, fmt, out, inputs=inputs_of(report, [file, programme]), strict=strict,
           legacy=PART)
