"""Check a site against rule packs: the job a site planner runs before anything is built."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from mcrules.engine.check import check_facts
from mcrules.engine.report import Report
from mcrules.models.site import Site
from mcrules.models.waiver import WaiverFile
from mcrules.rules.pack import Pack
from mcrules.rules.schema import Schema
from mcrules.site.subject import SITE
from mcrules.site.waivers import apply_waivers
from mcrules.subjects import load_subject_pack

SITE_SUBJECT = SITE.name
DEFAULT_PACK = SITE.default_pack


def site_schema() -> Schema:
    """The fields and collections of a site that rules may refer to."""
    return SITE.schema()


def site_facts(site: Site) -> dict[str, Any]:
    """A validated site as the flat facts the evaluators read."""
    return SITE.facts(site)


def load_site_pack(
    ref: str | Path = DEFAULT_PACK,
    *,
    variants: Iterable[str] = (),
    parameters: Mapping[str, str | float] | None = None,
    as_of: dt.date | None = None,
) -> Pack:
    """Load a pack of site rules (cached until its files change) and configure it."""
    return load_subject_pack(ref, (SITE,), variants=variants, parameters=parameters, as_of=as_of)


def check_site(
    site: Site,
    packs: Pack | Sequence[Pack] | None = None,
    *,
    source: str | None = None,
    warnings: Sequence[str] = (),
    as_of: dt.date | None = None,
    waivers: WaiverFile | None = None,
) -> Report:
    """Evaluate every site rule of `packs` (default: mct-2023) on `site`; with `waivers`, the
    failures they cover are reported as `waived` (InputError when a waiver does not hold: see
    `site.waivers`). With several packs the report compares them per requirement."""
    if packs is None:
        packs = [load_site_pack()]
    elif isinstance(packs, Pack):
        packs = [packs]
    report = check_facts(site_facts(site), packs, subject_name=SITE.name,
                         about=SITE.about(site, source), warnings=warnings, as_of=as_of)
    if waivers is None:
        return report
    names = {site.name} if site.name else set()
    if source is not None:
        names.add(Path(source).stem)
    return apply_waivers(report, waivers, names)
