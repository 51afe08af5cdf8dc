"""Check a site against rule packs: the job a site planner runs before anything is built."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from mcrules.engine.check import check_facts
from mcrules.engine.report import Report
from mcrules.models.layout import Layout
from mcrules.models.site import Site
from mcrules.models.waiver import WaiverFile
from mcrules.rules.pack import Pack
from mcrules.rules.schema import Schema
from mcrules.site.subject import SITE
from mcrules.site.waivers import apply_waivers
from mcrules.subjects import Context, load_subject_pack

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
    layout: Layout | None = None,
) -> Report:
    """Evaluate every site rule of `packs` (default: mct-2023) on `site`; with `waivers`, the
    failures they cover are reported as `waived` (InputError when a waiver does not hold: see
    `site.waivers`). With several packs the report compares them per requirement.

    With a `layout` (from `read_site_file`), the distances and the area it measures become the
    site's facts first (docs/geometry.md), and the report carries the measured layout under
    `attachments["layout"]`; this needs the `geo` extra (shapely, pyproj)."""
    if packs is None:
        packs = [load_site_pack()]
    elif isinstance(packs, Pack):
        packs = [packs]
    measured = None
    notes: list[str] = []
    if layout is not None:
        from mcrules.site.geometry import MeasuredLayout
        from mcrules.site.layout import derive_site

        measured = MeasuredLayout(layout)
        site, notes = derive_site(site, measured)
    facts = site_facts(site)
    report = check_facts(facts, packs, subject_name=SITE.name, about=SITE.about(site, source),
                         warnings=(*warnings, *notes), as_of=as_of)
    if measured is not None:
        from mcrules.site.layout import analyse

        report = replace(report, attachments={"layout": analyse(measured, packs, facts,
                                                                report.as_of)})
    if waivers is None:
        return report
    names = {site.name} if site.name else set()
    if source is not None:
        names.add(Path(source).stem)
    return apply_waivers(report, waivers, names)


def check_document(site: Site, context: Context) -> Report:
    """The site subject's checker (`Subject.checker`): `check_site` with the context's packs,
    date, layout and waivers."""
    return check_site(site, list(context.packs), source=context.source,
                      warnings=context.warnings, as_of=context.as_of,
                      waivers=context.extra("waivers"), layout=context.extra("layout"))
