"""The YAML cases of every shipped pack run inside the test suite too, and the runner catches errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mcrules.testing import discover_packs, run_pack_tests
from tests.conftest import ROOT

PACKS = discover_packs(ROOT / "rules")


@pytest.mark.parametrize("pack_dir", PACKS, ids=[p.name for p in PACKS])
def test_every_case_of_the_pack_passes_and_every_rule_has_one(pack_dir: Path) -> None:
    report = run_pack_tests(pack_dir)
    failures = [f"{c.file}:{c.line} {c.name}: {c.problems}" for c in report.cases if not c.ok]
    assert failures == []
    assert report.uncovered == []
    assert report.cases and report.ok


def test_the_runner_reports_a_wrong_expectation_and_an_untested_rule(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(ROOT / "rules" / "mct-2023", pack, ignore=shutil.ignore_patterns("tests"))
    (pack / "tests").mkdir()
    (pack / "tests" / "t.yaml").write_text(
        "cases:\n"
        "  - name: wrong on purpose\n"
        "    site: {provides_accommodation: true, population: {female: 21, male: 0},\n"
        "           toilets: {female: 1, male: 0}}\n"
        "    expect:\n"
        "      mct.wash.toilets.female: {outcome: pass, required: 3}\n")
    report = run_pack_tests(pack)
    (case,) = report.cases
    assert not case.ok and case.line == 2
    assert any("expected pass, got fail" in p for p in case.problems)
    assert any("required: expected 3" in p for p in case.problems)
    assert "mct.wash.water_per_person" in report.uncovered
