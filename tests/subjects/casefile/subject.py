"""The case-file subject's declaration (test only)."""

from __future__ import annotations

from pathlib import Path

from mcrules.subjects import Subject, register
from tests.subjects.casefile.model import CaseFile

PACK_DIR = Path(__file__).resolve().parent / "pack"

CASEFILE: Subject[CaseFile] = Subject(
    name="casefile",
    model=CaseFile,
    default_pack="casefile-test",
    description="A small case file exercising every construct of the grammar (a test-only subject).",
    label_field="id",
)
register(CASEFILE)
