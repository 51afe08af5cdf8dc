"""The case subject: one migrant's intake assessment, analysed with DoMV and the risk equation."""

from __future__ import annotations

from mcrules.models.case import Case
from mcrules.subjects import Subject, register

CASE: Subject[Case] = Subject(
    name="case",
    model=Case,
    default_pack="domv-2023",
    description="A migrant's case at assessment: person, migration context, DoMV factors, "
    "threats, vulnerabilities, capacities and screening answers.",
    label_field="id",
)
register(CASE)
