"""Copies of the data-sharing pack for tests that change it (a programme's catalogue, a broken
one, a changed decision), without its YAML cases."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import ROOT

SHARING_PACK = ROOT / "rules" / "data-sharing-2023"


def sharing_pack_copy(folder: Path, *, catalogued: dict[str, str] | None = None) -> Path:
    """The shipped pack copied to `folder`, its catalogue also mapping each of `catalogued`
    (field name to category)."""
    shutil.copytree(SHARING_PACK, folder, ignore=shutil.ignore_patterns("tests"))
    if catalogued:
        catalogue = folder / "catalogue.yaml"
        extra = "".join(f"  {name}: {category}\n" for name, category in catalogued.items())
        catalogue.write_text(catalogue.read_text().replace("\nfields:\n", "\nfields:\n" + extra))
    return folder
