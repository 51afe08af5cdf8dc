"""The public API for checking a migrant-centre site against rule packs."""

from mcrules.engine.report import Report
from mcrules.site.check import (
    DEFAULT_PACK,
    SITE_SUBJECT,
    check_site,
    load_site_pack,
    site_facts,
    site_schema,
)
from mcrules.site.subject import SITE
from mcrules.site.waivers import apply_waivers

__all__ = [
    "DEFAULT_PACK",
    "SITE",
    "SITE_SUBJECT",
    "Report",
    "apply_waivers",
    "check_site",
    "load_site_pack",
    "site_facts",
    "site_schema",
]
