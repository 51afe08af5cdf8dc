"""`mcrules test` coverage and JUnit: which rules, outcomes and rows the YAML cases exercise."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from typer.testing import CliRunner

import mcrules.site  # noqa: F401  (registers the site subject)
from mcrules.cli.main import app
from mcrules.testing import run_pack_tests

ROOT = Path(__file__).resolve().parent.parent

PACK = """\
id: cov-test
title: A pack for coverage tests
version: 0.1.0
documents:
  std: {title: "A standard invented for coverage tests"}
"""
RULES = """\
subject: site
rules:
  - id: cov.beds
    title: Beds
    severity: error
    applies_if: provides_accommodation
    check: beds >= 1
    fix: [{text: add a bed}]
    citations: [{document: std, quote: "Each site shall have a bed."}]
  - id: cov.water
    title: Safe water
    severity: error
    check: water_safe_for_drinking
    fix: [{text: test the water}]
    citations: [{document: std, quote: "Water shall be safe."}]
"""
CASES = """\
cases:
  - name: a site with a bed passes
    site: {provides_accommodation: true, beds: 3, water_safe_for_drinking: true}
    expect: {cov.beds: pass, cov.water: pass}
  - name: unsafe water fails
    site: {water_safe_for_drinking: false}
    expect: {cov.water: fail}
"""


def _pack(folder: Path, cases: str = CASES) -> Path:
    (folder / "tests").mkdir(parents=True)
    (folder / "pack.yaml").write_text(PACK)
    (folder / "site.yaml").write_text(RULES)
    (folder / "tests" / "cases.yaml").write_text(cases)
    return folder


def test_shipped_pack_covers_every_rule_and_every_reachable_outcome() -> None:
    cov = run_pack_tests(ROOT / "rules" / "mct-2023").coverage
    assert cov is not None
    assert cov.rules[0] == cov.rules[1] > 0
    assert cov.outcomes[0] == cov.outcomes[1] > 0
    assert cov.percent == 100.0


def test_coverage_counts_outcomes_each_rule_can_reach(tmp_path: Path) -> None:
    cov = run_pack_tests(_pack(tmp_path)).coverage
    assert cov is not None
    items = {i.id: i for i in cov.items}
    # an applicability makes not_applicable reachable; every site field may be missing
    assert items["cov.beds"].reachable == ("pass", "fail", "not_applicable", "unknown")
    assert items["cov.water"].reachable == ("pass", "fail", "unknown")
    assert items["cov.beds"].covered == ("pass",)
    assert items["cov.water"].missing == ("unknown",)
    assert cov.outcomes == (3, 7) and cov.rules == (2, 2)


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["test", *args])
    return result.exit_code, result.stdout


def test_min_coverage_fails_the_run_below_the_threshold(tmp_path: Path) -> None:
    pack = _pack(tmp_path / "p")
    code, out = _cli(str(pack), "--min-coverage", "50")
    assert code == 1 and "coverage below 50%: cov-test 42.9%" in out
    code, out = _cli(str(pack), "--min-coverage", "40", "--coverage")
    assert code == 0 and "PARTIAL cov.beds: no case gives fail, not_applicable, unknown" in out


def test_junit_has_a_case_per_yaml_case_and_per_untested_rule(tmp_path: Path) -> None:
    cases = CASES.replace("expect: {cov.water: fail}", "expect: {cov.water: pass}") \
        .replace("expect: {cov.beds: pass, cov.water: pass}", "expect: {cov.water: pass}")
    pack = _pack(tmp_path / "p", cases)
    out_file = tmp_path / "junit.xml"
    code, _ = _cli(str(pack), "--junit", str(out_file))
    assert code == 1
    root = ET.parse(out_file).getroot()
    suite = root.find("testsuite")
    assert suite is not None and suite.get("name") == "cov-test"
    cases_ = suite.findall("testcase")
    assert [c.get("name") for c in cases_] == ["a site with a bed passes", "unsafe water fails",
                                               "cov.beds has a test case"]
    failed = [c for c in cases_ if c.find("failure") is not None]
    assert len(failed) == 2 and root.get("failures") == "2"
    assert "expected pass, got fail" in (failed[0].find("failure").text or "")  # type: ignore[union-attr]
    assert failed[0].get("line") == "5"


def test_shipped_packs_pass_with_full_coverage(tmp_path: Path) -> None:
    code, out = _cli(str(ROOT / "rules"), "--min-coverage", "100", "--junit",
                     str(tmp_path / "j.xml"))
    assert code == 0, out


def test_a_field_with_a_default_other_than_none_is_never_unknown() -> None:
    from pydantic import BaseModel, Field

    from mcrules.rules.ir import FieldRef
    from mcrules.rules.schema import FieldSpec
    from mcrules.testing.coverage import _optional

    class Inner(BaseModel):
        n: int = 0
        m: int | None = None

    class Outer(BaseModel):
        items: list[int] = Field(default_factory=list)
        inner: Inner = Field(default_factory=Inner)
        maybe: Inner | None = None

    def ref(name: str) -> FieldRef:
        return FieldRef(name, FieldSpec(name, "number"))

    assert not _optional(Outer, ref("items"), None)
    assert not _optional(Outer, ref("inner.n"), None)
    assert _optional(Outer, ref("inner.m"), None)
    assert _optional(Outer, ref("maybe.n"), None)


def test_an_overlay_counts_only_the_rules_reading_a_parameter_it_sets(tmp_path: Path) -> None:
    base = _pack(tmp_path / "cov-test")
    (base / "site.yaml").write_text(RULES.replace("check: beds >= 1", "check: beds >= min_beds"))
    (base / "parameters").mkdir()
    (base / "parameters" / "min_beds.yaml").write_text(
        'description: Beds per site.\nvalue: 1\n'
        'citations: [{document: std, quote: "Each site shall have a bed."}]\n')
    overlay = tmp_path / "cov-national"
    (overlay / "tests").mkdir(parents=True)
    (overlay / "parameters").mkdir()
    (overlay / "pack.yaml").write_text(
        "id: cov-national\ntitle: An overlay for coverage tests\nversion: 0.1.0\n"
        "overlays: cov-test\ndocuments:\n  nat: {title: \"A national standard\"}\n")
    (overlay / "parameters" / "min_beds.yaml").write_text(
        'description: Beds per site, nationally.\nvalue: 2\n'
        'citations: [{document: nat, quote: "Each site shall have two beds."}]\n')
    (overlay / "tests" / "cases.yaml").write_text(
        "cases:\n"
        "  - name: two beds meet the national two\n"
        "    site: {provides_accommodation: true, beds: 2}\n"
        "    expect: {cov.beds: pass}\n")
    report = run_pack_tests(overlay)
    cov = report.coverage
    assert cov is not None and report.uncovered == []
    # cov.water reads no parameter the overlay sets: the base pack's cases answer for it
    assert [i.id for i in cov.items] == ["cov.beds"]
    assert cov.items[0].missing == ("fail", "not_applicable", "unknown")
    assert cov.rules == (1, 1) and cov.outcomes == (1, 4)


def test_the_shipped_overlay_is_covered_on_the_rules_it_tightens() -> None:
    cov = run_pack_tests(ROOT / "rules" / "example-national").coverage
    assert cov is not None
    assert {i.id for i in cov.items} == {
        "mct.wash.water_per_person", "mct.wash.toilets.female", "mct.wash.toilets.male",
        "mct.wash.toilets.all_centres", "mct.wash.sanitation_separated_by_gender"}
    assert cov.percent == 100.0
