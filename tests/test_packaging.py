"""The wheel ships the default packs, so an installed mcrules works without a checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
def test_the_wheel_contains_the_packs_and_their_tests(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    (wheel,) = tmp_path.glob("mcrules-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "mcrules/packs/mct-2023/pack.yaml" in names
    assert "mcrules/packs/mct-2023/wash.yaml" in names
    assert any(n.startswith("mcrules/packs/mct-2023/parameters/") for n in names)
    assert "mcrules/py.typed" in names
