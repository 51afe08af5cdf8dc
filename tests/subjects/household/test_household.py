"""A household, declared only here, reads, tests, evaluates in bulk and agrees across evaluators
with no household code in mcrules: the subject seam holds."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mcrules.engine.check import check_facts
from mcrules.engine.columnar import ColumnarEvaluator
from mcrules.engine.columns import batch_from_facts
from mcrules.engine.outcomes import CODE_TO_OUTCOME, Code, Outcome
from mcrules.errors import InputError
from mcrules.io import read_subject, validate_subject
from mcrules.report import render_json
from mcrules.rules.pack import Pack
from mcrules.subjects import UnknownSubjectError, all_subjects, get, subject_of
from mcrules.testing import run_pack_tests
from tests.subjects.household.model import Household
from tests.subjects.household.strategies import households
from tests.subjects.household.subject import HOUSEHOLD, PACK_DIR

RULES = ["hh.members.adult_id_document", "hh.mosquito_nets", "hh.registered"]


# --- the declaration ----------------------------------------------------------------------------

def test_the_household_is_registered_beside_the_site() -> None:
    assert get("household") is HOUSEHOLD
    assert {"site", "household"} <= {s.name for s in all_subjects()}
    with pytest.raises(UnknownSubjectError, match="did you mean 'household'"):
        get("houshold")


def test_its_schema_and_facts_come_from_the_model(household_pack: Pack) -> None:
    schema = HOUSEHOLD.schema()
    assert schema.subject == "household"
    assert schema.fields["size"].unit == "person"
    assert set(schema.collections["members"].fields) >= {"age", "sex", "disabled"}
    hh = Household(name="HH-9", size=3, members=[{"id": "M1", "age": 4}])  # type: ignore[list-item]
    facts = HOUSEHOLD.facts(hh)
    assert facts["size"] == 3.0 and facts["members"][0]["item.age"] == 4.0
    assert subject_of(household_pack) is HOUSEHOLD
    assert [r.id for r in household_pack.rules] == RULES


# --- reading files ------------------------------------------------------------------------------

def test_a_household_file_reads_in_yaml_and_json_with_units_converted(tmp_path: Path) -> None:
    doc = {"name": "HH-1", "size": 4, "shelter_area": "130 ft^2",
           "members": [{"id": "M1", "age": 30, "sex": "female", "has_id_document": True}]}
    (tmp_path / "hh.json").write_text(json.dumps(doc))
    (tmp_path / "hh.yaml").write_text(
        "name: HH-1\nsize: 4\nshelter_area: 130 ft^2\n"
        "members:\n  - {id: M1, age: 30, sex: female, has_id_document: true}\n")
    from_json, warnings = read_subject(tmp_path / "hh.json", HOUSEHOLD, strict=True)
    from_yaml, _ = read_subject(tmp_path / "hh.yaml", HOUSEHOLD, strict=True)
    assert from_json == from_yaml and warnings == []
    assert isinstance(from_yaml, Household)
    assert from_yaml.shelter_area == pytest.approx(12.077399)


def test_a_bad_household_file_names_each_field_and_line(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("name: HH-1\nsize: many\nmosquito_net: 2\nmembers:\n  - {id: M1, sex: femal}\n")
    with pytest.raises(InputError) as err:
        read_subject(f, HOUSEHOLD)
    exc = err.value
    assert exc.message == "invalid household file: 2 problems"
    assert [(p.path, p.line) for p in exc.problems] == [("size", 2), ("members[0].sex", 5)]
    assert exc.problems[0].message == "expected a whole number, got 'many'"
    assert "did you mean 'female'?" in exc.problems[1].message
    _, warnings = validate_subject({"mosquito_net": 2}, HOUSEHOLD)
    assert warnings == ["mosquito_net: unknown key 'mosquito_net'; did you mean 'mosquito_nets'?"]
    with pytest.raises(InputError, match="a household file must be a mapping"):
        validate_subject([1], HOUSEHOLD)


# --- YAML cases ---------------------------------------------------------------------------------

def test_its_yaml_cases_all_pass_and_cover_every_rule() -> None:
    report = run_pack_tests(PACK_DIR)
    assert [c.problems for c in report.cases if not c.ok] == []
    assert report.ok and report.uncovered == [] and len(report.cases) >= 3


def _pack_with_cases(tmp_path: Path, cases: str) -> Path:
    pack = tmp_path / "pack"
    shutil.copytree(PACK_DIR, pack, ignore=shutil.ignore_patterns("tests"))
    (pack / "tests").mkdir()
    (pack / "tests" / "t.yaml").write_text("cases:\n" + cases)
    return pack


def test_a_failing_expectation_and_an_untested_rule_are_reported(tmp_path: Path) -> None:
    pack = _pack_with_cases(tmp_path, (
        "  - name: wrong on purpose\n"
        "    household: {size: 5, mosquito_nets: 2}\n"
        "    expect:\n"
        "      hh.mosquito_nets: {outcome: pass, required: 2}\n"))
    report = run_pack_tests(pack)
    (case,) = report.cases
    assert not case.ok and case.line == 2
    assert any("expected pass, got fail" in p for p in case.problems)
    assert any("required: expected 2, got 3" in p for p in case.problems)
    assert report.uncovered == ["hh.members.adult_id_document", "hh.registered", "hh.children",
                                "hh.support#1", "hh.support#2", "hh.support#default"]


def test_a_case_names_its_situation_by_the_packs_subject(tmp_path: Path) -> None:
    pack = _pack_with_cases(tmp_path, (
        "  - name: a site in a household pack\n"
        "    site: {population: {female: 1}}\n"
        "    expect: {hh.registered: unknown}\n"))
    (case,) = run_pack_tests(pack).cases
    assert case.problems == ("unknown key 'site' (allowed: as_of, expect, household, name, "
                             "parameters, variants)",)


# --- the JSON report ----------------------------------------------------------------------------

def test_a_household_report_is_keyed_by_household(household_pack: Pack) -> None:
    hh, _ = validate_subject({"name": "HH-1", "registered": True}, HOUSEHOLD)
    report = check_facts(HOUSEHOLD.facts(hh), [household_pack], subject_name=HOUSEHOLD.name,
                         about=HOUSEHOLD.about(hh, "hh.yaml"))
    doc = json.loads(render_json(report))
    assert "site" not in doc
    assert doc["household"] == {"name": "HH-1", "file": "hh.yaml"}


# --- scalar and columnar agree ------------------------------------------------------------------

def _same(a: float | bool | None, b: float) -> bool:
    if a is None:
        return math.isnan(b)
    return float(a) == b


def assert_agree(pack: Pack, docs: list[dict[str, Any]]) -> None:
    validated = [validate_subject(d, HOUSEHOLD, strict=True)[0] for d in docs]
    batch = batch_from_facts([HOUSEHOLD.facts(h) for h in validated], HOUSEHOLD.schema())
    columnar = ColumnarEvaluator(pack).evaluate(batch)
    for row, hh in enumerate(validated):
        report = check_facts(HOUSEHOLD.facts(hh), [pack], subject_name="household", about={})
        for r in report.results:
            rid = r.rule.id
            got = CODE_TO_OUTCOME[Code(int(columnar.codes[rid][row]))]
            assert got is r.outcome, (rid, row, docs[row], r.message)
            if r.outcome in (Outcome.PASS, Outcome.FAIL):
                assert _same(r.measured, float(columnar.measured[rid][row])), (rid, row)
                assert _same(r.required, float(columnar.required[rid][row])), (rid, row)
            if r.rule.each is not None:
                assert r.item == columnar.items[rid][row], (rid, row)
            assert r.unit == columnar.units[rid]


@settings(max_examples=80, deadline=None)
@given(docs=st.lists(households(), min_size=1, max_size=12))
def test_scalar_and_columnar_agree_on_every_household_rule(household_pack: Pack,
                                                           docs: list[dict[str, Any]]) -> None:
    assert_agree(household_pack, docs)
