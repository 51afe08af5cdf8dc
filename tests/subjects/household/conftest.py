"""Registers the household subject before any household test runs, as a domain package would."""

from __future__ import annotations

import pytest

from mcrules.rules.pack import Pack
from mcrules.subjects import load_subject_pack
from tests.subjects.household.subject import HOUSEHOLD, PACK_DIR


@pytest.fixture(scope="session")
def household_pack() -> Pack:
    return load_subject_pack(PACK_DIR, (HOUSEHOLD,))
