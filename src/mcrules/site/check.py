"""Check a site against rule packs: the job a site planner runs before anything is built."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from mcrules.engine.report import PackInfo, Report
from mcrules.engine.scalar import ScalarEvaluator
from mcrules.facts import facts_of, schema_for
from mcrules.models.site import Site
from mcrules.rules.loader import find_pack, load_pack
from mcrules.rules.pack import Pack
from mcrules.rules.schema import Schema

SITE_SUBJECT = "site"
DEFAULT_PACK = "mct-2023"


def site_schema() -> Schema:
    """The fields and collections of a site that rules may refer to."""
    return schema_for(Site, SITE_SUBJECT)


def site_facts(site: Site) -> dict[str, Any]:
    """A validated site as the flat facts the evaluators read."""
    return facts_of(site, SITE_SUBJECT)


@lru_cache(maxsize=32)
def _load(folder: Path, stamp: float) -> Pack:
    return load_pack(folder, {SITE_SUBJECT: site_schema()})


def load_site_pack(
    ref: str | Path = DEFAULT_PACK,
    *,
    variants: Iterable[str] = (),
    parameters: Mapping[str, str | float] | None = None,
    as_of: dt.date | None = None,
) -> Pack:
    """Load a pack of site rules (cached until its pack.yaml changes) and configure it."""
    folder = find_pack(ref).resolve()
    stamp = max(p.stat().st_mtime for p in folder.rglob("*.yaml"))
    return _load(folder, stamp).configure(variants, parameters, as_of)


@lru_cache(maxsize=32)
def _evaluator(pack: Pack) -> ScalarEvaluator:
    return ScalarEvaluator(pack, alternatives=True)


def check_site(
    site: Site,
    packs: Pack | Sequence[Pack] | None = None,
    *,
    source: str | None = None,
    warnings: Sequence[str] = (),
) -> Report:
    """Evaluate every site rule of `packs` (default: mct-2023) on `site`."""
    if packs is None:
        packs = [load_site_pack()]
    elif isinstance(packs, Pack):
        packs = [packs]
    facts = site_facts(site)
    results = []
    for pack in packs:
        results.extend(_evaluator(pack).evaluate(facts))
    subject = {"name": site.name, "file": source}
    return Report(subject, tuple(PackInfo.of(p) for p in packs), tuple(results), tuple(warnings))
