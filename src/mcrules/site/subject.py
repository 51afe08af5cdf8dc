"""The site subject: a migrant-centre site layout, checked against the Toolkit's standards."""

from __future__ import annotations

from mcrules.models.site import Site
from mcrules.subjects import Subject, register

SITE: Subject[Site] = Subject(
    name="site",
    model=Site,
    default_pack="mct-2023",
    description="A migrant-centre site: its population, facilities, spaces and services.",
    label_field="name",
)
register(SITE)
