"""The options that choose, pin and configure packs (`--pack`, `--ruleset-hash`, `--variant`,
`--set`), and turning them into loaded packs: shared by every command that evaluates rules, so
each gets them the same way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mcrules.cli import console
from mcrules.errors import McrulesError

if TYPE_CHECKING:
    from mcrules.rules.pack import Pack

PackOpt = Annotated[list[str] | None, typer.Option(
    "--pack", "-p", help="Pack id or folder (repeatable), optionally pinned to a version: "
    "mct-2023@2023.2.0 refuses any other. Default: mct-2023.")]
RulesetHashOpt = Annotated[str | None, typer.Option(
    "--ruleset-hash", help="Refuse (exit 2) unless the packs, as configured, have this rule-set "
    "hash: the `ruleset_hash` of a JSON report.", show_default=False)]
VariantOpt = Annotated[list[str] | None, typer.Option(
    "--variant", help="Apply a named variant of the pack (repeatable); see `mcrules rules variants`.")]
SetOpt = Annotated[list[str] | None, typer.Option(
    "--set", help="Override a parameter, e.g. --set water_per_person='15 L/person/day'.")]

AsOfOpt = Annotated[str | None, typer.Option(
    "--as-of", help="Evaluation date (YYYY-MM-DD): rules and parameter values in force then, "
    "and the day `as_of` reads. Default: today.")]


def parse_as_of(value: str | None) -> dt.date | None:
    """`--as-of` as a date; a usage error (exit 2) unless it is YYYY-MM-DD."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"expected YYYY-MM-DD, got {value!r}", param_hint="--as-of") \
            from None


def parse_sets(values: list[str]) -> dict[str, str]:
    """`--set NAME=VALUE` options as a mapping; a usage error (exit 2) if one has no `=`."""
    out_: dict[str, str] = {}
    for v in values:
        name, sep, value = v.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise typer.BadParameter(f"expected NAME=VALUE, got {v!r}", param_hint="--set")
        out_[name.strip()] = value.strip()
    return out_


def load_packs(refs: list[str] | None, variants: list[str] | None = None,
               params: dict[str, str] | None = None, as_of: dt.date | None = None, *,
               any_subject: bool = False, ruleset_hash: str | None = None) -> list[Any]:
    """The packs named on the command line (default mct-2023), each at the version it is
    pinned to (`id@version`): site packs, or with `any_subject` packs about any registered
    subject; exit 2 with the reason if one does not load, or if `ruleset_hash` (from
    `--ruleset-hash`) is not the configured packs' hash."""
    from mcrules.site import load_site_pack
    from mcrules.subjects import load_subject_pack

    load = load_subject_pack if any_subject else load_site_pack
    try:
        packs = [load(p, variants=variants or (), parameters=params, as_of=as_of)
                 for p in (refs or ["mct-2023"])]
        if as_of is not None:
            refuse_out_of_force(as_of, [load(p) for p in (refs or ["mct-2023"])])
    except McrulesError as exc:
        raise console.fail_input(exc) from None
    refuse_ruleset(packs, ruleset_hash)
    return packs


def refuse_ruleset(packs: Sequence[Any], expected: str | None) -> None:
    """Exit 2 when `--ruleset-hash` was given and `packs` (loaded and configured as they are
    evaluated, or a report's PackInfo) have another ruleset hash, naming the one found. Called
    before anything is written, so a refused run leaves no output."""
    from mcrules.rules.pin import check_ruleset_hash

    if expected is None:
        return
    try:
        check_ruleset_hash(packs, expected)
    except McrulesError as exc:
        raise console.fail_input(exc) from None


def in_force_on(pack: Pack, on: dt.date) -> bool:
    """Whether anything of `pack` gives an answer on `on`: the pack is effective then, and so is
    one of its rules (rules carry their own dates), or it has values or decision tables (which
    are in force with the pack)."""
    return pack.in_force(on) and (any(r.in_force(on) for r in pack.rules)
                                  or bool(pack.values) or bool(pack.decisions))


def refuse_out_of_force(as_of: dt.date | None, packs: Sequence[Pack]) -> None:
    """Exit 2 when `--as-of` is a date on which none of a command's `packs` (loaded without a
    date, so every rule keeps its dates) is in force, naming when they are: a date before (or
    after) every rule checks nothing, and exit 0 would read as "compliant" or as a decision.
    The one check every command with `--as-of` makes."""
    if as_of is None or any(in_force_on(p, as_of) for p in packs):
        return
    dates = "; ".join(_effective_dates(p) for p in packs)
    console.err.print(f"[bold red]error:[/] --as-of {as_of.isoformat()}: no rule is in "
                      f"force on that date, so nothing would be checked ({console.safe(dates)})")
    raise typer.Exit(console.EXIT_INVALID)


def _effective_dates(pack: Any) -> str:
    """When a pack and its rules are in force, e.g. "mct-2023 is effective from 2023-01-01"."""
    def span(start: dt.date | None, end: dt.date | None) -> str:
        text = f"from {start.isoformat()}" if start else "from any date"
        return text + (f" until {end.isoformat()}" if end else "")

    text = f"{pack.id} is effective {span(pack.effective_from, pack.effective_to)}"
    starts = [max(d for d in (r.effective_from, pack.effective_from) if d is not None)
              if (r.effective_from or pack.effective_from) else None for r in pack.rules]
    if pack.rules and all(starts):
        first = min(d for d in starts if d is not None)
        if first != pack.effective_from:
            text += f", its first rule from {first.isoformat()}"
    return text
