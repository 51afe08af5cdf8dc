"""The case subject: one migrant's intake assessment, analysed with DoMV and the risk equation."""

from __future__ import annotations

from mcrules.assessment.programme import _ProgrammeFile as ProgrammeFile
from mcrules.models.case import Case
from mcrules.subjects import Extra, Part, Subject, register, register_part

CASE: Subject[Case] = Subject(
    name="case",
    model=Case,
    default_pack="domv-2023",
    description="A migrant's case at assessment: person, migration context, DoMV factors, "
    "threats, vulnerabilities, capacities and screening answers.",
    label_field="id",
    as_of_field="assessed_on",
    extras=(Extra("programme", "a programme's settings for the assessment pack (its weights, "
                  "bands and variants; examples/programme-pack/), which the pack must be "
                  "configured with: `mcrules assess --programme` does both",
                  ProgrammeFile, reader="mcrules.assessment.programme:programme_of"),),
)
register(CASE)


def _assessment_pack(pack: object) -> bool:
    from mcrules.assessment.part import applies

    return applies(pack)  # type: ignore[arg-type]


register_part(Part(CASE.name, "assessment", _assessment_pack, "mcrules.assessment.part:make",
                   schema="mcrules.assessment.part:AssessmentOut"))
