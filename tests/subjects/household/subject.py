"""The household subject's declaration: all the household-specific code outside its pack."""

from __future__ import annotations

from pathlib import Path

from mcrules.subjects import Subject, register
from tests.subjects.household.model import Household

PACK_DIR = Path(__file__).resolve().parent / "pack"

HOUSEHOLD: Subject[Household] = Subject(
    name="household",
    model=Household,
    default_pack="household-test",
    description="A household and its members (a test-only subject).",
    label_field="name",
)
register(HOUSEHOLD)
