"""The options that choose and configure packs (`--pack`, `--variant`, `--set`), and turning them
into loaded packs: shared by every command that evaluates rules."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer

from mcrules.cli import console
from mcrules.errors import McrulesError

PackOpt = Annotated[list[str] | None, typer.Option(
    "--pack", "-p", help="Pack id or folder (repeatable). Default: mct-2023.")]
VariantOpt = Annotated[list[str] | None, typer.Option(
    "--variant", help="Apply a named variant of the pack (repeatable); see `mcrules rules variants`.")]
SetOpt = Annotated[list[str] | None, typer.Option(
    "--set", help="Override a parameter, e.g. --set water_per_person='15 L/person/day'.")]


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
               any_subject: bool = False) -> list[Any]:
    """The packs named on the command line (default mct-2023): site packs, or with
    `any_subject` packs about any registered subject; exit 2 with the reason if one does not
    load."""
    from mcrules.site import load_site_pack
    from mcrules.subjects import load_subject_pack

    load = load_subject_pack if any_subject else load_site_pack
    try:
        return [load(p, variants=variants or (), parameters=params, as_of=as_of)
                for p in (refs or ["mct-2023"])]
    except McrulesError as exc:
        raise console.fail_input(exc) from None
