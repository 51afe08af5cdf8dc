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


def test_a_sharing_case_is_classified_by_the_catalogue_of_the_pack_under_test(
        tmp_path: Path) -> None:
    """A sharing request's facts are derived with a catalogue: a programme's copy of the pack
    that catalogues `tribe` must have its cases classified by its own catalogue, not the default
    pack's (where `tribe` is unknown, so the most restrictive class). The runner used to call
    `facts(obj)` without a context, which raises for a derived subject."""
    from tests.sharing.packs import SHARING_PACK, sharing_pack_copy

    pack = sharing_pack_copy(tmp_path / "programme-sharing", catalogued={"tribe": "biographical"})
    (pack / "tests").mkdir()
    (pack / "tests" / "t.yaml").write_text(
        "cases:\n"
        "  - name: the programme's catalogue knows the field\n"
        "    as_of: 2026-01-01\n"
        "    sharing_request: {fields: [tribe], granularity: record_level,\n"
        "                      recipient: {type: ngo}}\n"
        "    expect:\n"
        "      sharing.uncatalogued_fields: 0\n"
        "      sharing.data_class: personal\n")
    report = run_pack_tests(pack, [pack / "tests" / "t.yaml"])
    (case,) = report.cases
    assert case.ok, case.problems
    default = run_pack_tests(SHARING_PACK, [pack / "tests" / "t.yaml"])
    (other,) = default.cases
    assert any("sharing.uncatalogued_fields" in p for p in other.problems)
