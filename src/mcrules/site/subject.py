"""The site subject: a migrant-centre site layout, checked against the Toolkit's standards."""

from __future__ import annotations

from mcrules.models.layout import LAYOUT_KEYS_SCHEMA
from mcrules.models.site import Site
from mcrules.models.waiver import WaiverFile
from mcrules.subjects import Extra, Subject, register

SITE: Subject[Site] = Subject(
    name="site",
    model=Site,
    default_pack="mct-2023",
    description="A migrant-centre site: its population, facilities, spaces and services.",
    label_field="name",
    extras=(Extra("waivers", "approved waivers: the failures they cover are reported as "
                  "`waived` (docs/waivers.md)", WaiverFile,
                  reader="mcrules.io.waiver_file:validate_waivers"),),
    reader="mcrules.io.site_file:read_site_document",
    checker="mcrules.site.check:check_document",
    attaches={"layout": "mcrules.site.layout:LayoutOut"},
    schema_extra=LAYOUT_KEYS_SCHEMA,
)
register(SITE)
