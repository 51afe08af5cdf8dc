"""A pack may read another pack's values, rules and decisions by id (`requires:` in pack.yaml):
they are loaded into the same evaluation, never restated, and stay the other pack's to test."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from mcrules.engine.check import evaluator
from mcrules.errors import RuleLoadError
from mcrules.models.case import Case
from mcrules.subjects import get, load_subject_pack
from mcrules.testing import run_pack_tests
from tests.conftest import ROOT

RULE = """\
subject: case
rules:
  - id: refer.gbv
    title: Refer a survivor of gender-based violence
    severity: warning
    check: not assess.flag.gbv_survivor or outcome('assess.risk.capacity_for_high_risk') != 'fail'
    fix:
      - {text: "refer"}
    citations:
      - {document: mct-tm-2023, quote: "dedicated guidelines should be followed"}
"""
CASES = """\
cases:
  - name: a survivor whose capacities were considered
    case: {screening: {gbv_survivor: true}, threats: [{id: t, severity: very_high}],
           vulnerabilities: [{id: v, threat: t, severity: very_high}],
           capacities: [{id: family, strength: low}], migration: {exposure_days: 0}}
    expect:
      refer.gbv: pass
  - name: no survivor, capacities not assessed (a missing input never makes a pass)
    case: {screening: {gbv_survivor: false}}
    expect:
      refer.gbv: {outcome: unknown, missing: [threats, vulnerabilities, capacities, migration.exposure_days]}
  - name: a survivor whose capacities were not considered
    case: {screening: {gbv_survivor: true}, threats: [{id: t, severity: very_high}],
           vulnerabilities: [{id: v, threat: t, severity: very_high}], capacities: [],
           migration: {exposure_days: 0}}
    expect:
      refer.gbv: fail
  - name: not screened
    case: {}
    expect:
      refer.gbv: unknown
"""


def make(tmp_path: Path, head: str = "requires: [domv-2023]\n", rules: str = RULE,
         name: str = "p") -> Path:
    folder = tmp_path / name
    (folder / "tests").mkdir(parents=True)
    (folder / "pack.yaml").write_text(f"id: {name}\ntitle: Test\nversion: '1'\n" + head)
    (folder / "rules.yaml").write_text(rules)
    (folder / "tests" / "cases.yaml").write_text(CASES)
    return folder


def load(folder: Path):  # type: ignore[no-untyped-def]
    return load_subject_pack(folder)


def test_a_pack_reads_a_required_packs_values_and_rules_by_id(tmp_path: Path) -> None:
    pack = load(make(tmp_path))
    assert pack.requires == ("domv-2023@2023.1.0",)
    assert pack.rules[0].id == "refer.gbv"
    assert "assess.flag.gbv_survivor" in pack.imported and not pack.owns("assess.flag.gbv_survivor")
    assert pack.owns("refer.gbv")
    assert "mct-tm-2023" in pack.documents and "risk_cut_high" in pack.parameters
    case = Case.model_validate({"screening": {"gbv_survivor": True},
                                "threats": [{"id": "t", "severity": "very_high"}],
                                "vulnerabilities": [{"id": "v", "threat": "t",
                                                     "severity": "very_high"}],
                                "capacities": [], "migration": {"exposure_days": 0}})
    run = evaluator(pack).run(get("case").facts(case))
    assert {r.rule.id: r.outcome.value for r in run.results}["refer.gbv"] == "fail"
    assert pack.fingerprint()["requires"] == ["domv-2023@2023.1.0"]


def test_the_required_packs_declarations_are_its_own_cases_to_cover(tmp_path: Path) -> None:
    report = run_pack_tests(make(tmp_path))
    assert report.ok and report.uncovered == []
    assert report.coverage is not None
    assert {i.id for i in report.coverage.items} == {"refer.gbv"}


def test_a_required_packs_parameters_and_variants_configure_the_requiring_pack(
        tmp_path: Path) -> None:
    pack = load_subject_pack(make(tmp_path), variants=["risk-additive"],
                             parameters={"risk_cut_high": "2.5"})
    assert pack.parameters["risk_additive"].value == 1
    assert pack.parameters["risk_cut_high"].value == 2.5


@pytest.mark.parametrize(("files", "message"), [
    ({"parameters/adult_age.yaml": "description: d\nvalue: 16\ncitations:\n"
      "  - {document: mct-tm-2023, quote: q}\n"},
     "parameter 'adult_age' is already declared by the required pack domv-2023"),
    ({"rules.yaml": RULE.replace("refer.gbv", "assess.risk.capacity_for_high_risk")},
     "duplicate rule id 'assess.risk.capacity_for_high_risk'"),
    ({"rules.yaml": RULE + "values:\n  - id: assess.flag.sogiesc\n    title: t\n"
      "    expression: screening.sogiesc\n    citations: [{document: mct-tm-2023, quote: q}]\n"},
     "value id 'assess.flag.sogiesc' is declared twice"),
    ({"pack.yaml": "id: p\ntitle: T\nversion: '1'\nrequires: [domv-2023]\n"
      "documents:\n  mct-tm-2023: {title: Another manual}\n"},
     "declared by a required pack with another title"),
    ({"pack.yaml": "id: p\ntitle: T\nversion: '1'\nrequires: domv-2023\n"},
     "`requires` must be a list of pack ids"),
    ({"pack.yaml": "id: p\ntitle: T\nversion: '1'\nrequires: [domv-2023, domv-2023]\n"},
     "names domv-2023 twice"),
    ({"pack.yaml": "id: p\ntitle: T\nversion: '1'\nrequires: [example-national]\n"},
     "example-national overlays mct-2023"),
])
def test_a_name_declared_twice_or_a_bad_requires_is_a_load_error(
        tmp_path: Path, files: dict[str, str], message: str) -> None:
    folder = make(tmp_path)
    for name, text in files.items():
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_text(text)
    with pytest.raises(RuleLoadError, match=message.replace("(", r"\(").replace("[", r"\[")):
        load(folder)


def test_packs_requiring_each_other_are_a_cycle_and_an_unknown_one_is_named(
        tmp_path: Path) -> None:
    make(tmp_path, "requires: [b]\n", name="a")
    make(tmp_path, "requires: [a]\n", name="b")
    with pytest.raises(RuleLoadError, match="forms a cycle or nests packs too deep: a -> b -> a"):
        load(tmp_path / "a")
    with pytest.raises(RuleLoadError, match="`requires` names no pack 'nowhere-2023'") as caught:
        load(make(tmp_path, "requires: [nowhere-2023]\n", name="c"))
    assert caught.value.file.endswith("pack.yaml") and caught.value.line is not None


def test_a_change_to_a_required_pack_reloads_the_requiring_one(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "rules" / "domv-2023", tmp_path / "domv-2023")
    folder = make(tmp_path)
    assert load(folder).parameters["risk_cut_high"].value == 3
    param = tmp_path / "domv-2023" / "parameters" / "risk_cut_high.yaml"
    param.write_text(param.read_text().replace("value: 3", "value: 4"))
    later = param.stat().st_mtime + 10
    os.utime(param, (later, later))
    assert load(folder).parameters["risk_cut_high"].value == 4


def test_lint_reports_a_required_packs_findings_once_in_that_pack(tmp_path: Path) -> None:
    from mcrules.rules.lint import lint_pack

    never_fails = RULE.replace("refer.gbv", "base.always").replace(
        "check: not assess.flag.gbv_survivor or outcome('assess.risk.capacity_for_high_risk') "
        "!= 'fail'", "check: count(threats) >= 0").replace("document: mct-tm-2023", "document: doc")
    base = make(tmp_path, "documents:\n  doc: {title: A document}\n", never_fails, name="base")
    top = make(tmp_path, "requires: [base]\n",
               RULE.replace("not assess.flag.gbv_survivor or outcome("
                            "'assess.risk.capacity_for_high_risk') != 'fail'",
                            "outcome('base.always') == 'pass'").replace("mct-tm-2023", "doc"),
               name="top")
    schemas = {"case": get("case").schema()}
    assert [f.code for f in lint_pack(base, schemas)] == ["MCR012"]
    assert lint_pack(top, schemas) == []
