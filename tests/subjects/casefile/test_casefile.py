"""The grammar's new constructs, read like the rules they let a pack state."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from mcrules.engine.scalar import ScalarEvaluator
from mcrules.errors import RuleLoadError
from mcrules.subjects import load_subject_pack
from mcrules.testing import run_pack_tests
from tests.subjects.casefile import support
from tests.subjects.casefile.subject import CASEFILE, PACK_DIR

AS_OF = dt.date(2026, 4, 1)


def _run(doc: dict[str, object]):  # type: ignore[no-untyped-def]
    return ScalarEvaluator(support.pack()).run(support.facts(doc), as_of=AS_OF)


def test_its_yaml_cases_pass_and_cover_every_rule_value_and_decision_row() -> None:
    report = run_pack_tests(PACK_DIR)
    assert [c.problems for c in report.cases if not c.ok] == []
    assert report.ok and report.uncovered == []


def test_a_wrong_value_or_decision_expectation_is_reported(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(PACK_DIR, pack, ignore=shutil.ignore_patterns("tests"))
    (pack / "tests").mkdir()
    (pack / "tests" / "t.yaml").write_text(
        "cases:\n"
        "  - name: wrong on purpose\n"
        "    as_of: 2026-04-01\n"
        "    casefile: {age: 30, threats: [], capacities: []}\n"
        "    expect:\n"
        "      case.max_threat: high\n"
        "      case.sharing: {decision: permit, obligations: [sign an agreement]}\n")
    report = run_pack_tests(pack)
    (case,) = report.cases
    assert any("case.max_threat: value: expected 'high', got 'low'" in p for p in case.problems)
    assert any("case.sharing: decision: expected 'permit', got 'deny'" in p
               for p in case.problems)
    assert any("obligations: expected ['sign an agreement']" in p for p in case.problems)
    assert "case.priority#1" in report.uncovered and "case.risk_level" in report.uncovered


def test_the_most_severe_threat_is_the_maximum_on_the_ordinal_scale() -> None:
    ev = _run({"threats": [{"id": "a", "severity": "medium"}, {"id": "b", "severity": "high"},
                           {"id": "c", "severity": "low"}]})
    value = next(v for v in ev.values if v.value.id == "case.max_threat")
    assert value.shown == "high" and value.as_dict()["scale"] == ["low", "medium", "high",
                                                                    "very_high"]


def test_an_empty_list_of_threats_is_assessed_and_none_found() -> None:
    ev = _run({"threats": [], "capacities": []})
    shown = {v.value.id: v.shown for v in ev.values}
    assert shown["case.max_threat"] == "low" and shown["case.threat_score"] == 0
    assert shown["case.capacity"] == "none"


def test_threats_not_assessed_leave_the_aggregate_unknown_naming_the_list() -> None:
    ev = _run({"capacities": []})
    value = next(v for v in ev.values if v.value.id == "case.threat_score")
    assert value.result is None and value.missing == ("threats",)


def test_consent_valid_until_the_evaluation_date_passes_and_the_day_after_fails() -> None:
    ok = next(r for r in _run({"consent_valid_until": "2026-04-01"}).results
              if r.rule.id == "case.consent.current")
    late = next(r for r in _run({"consent_valid_until": "2026-03-31"}).results
                if r.rule.id == "case.consent.current")
    assert ok.outcome.value == "pass" and late.outcome.value == "fail"
    assert late.as_dict()["measured"] == "2026-03-31" and late.as_dict()["required"] == "2026-04-01"
    assert "2026-03-31 where at least 2026-04-01 is required" in late.message


def test_a_rule_reads_another_rules_outcome() -> None:
    alone = {"age": 15, "accompanied": False, "needs": [], "capacities": []}
    referral = {r.rule.id: r.outcome.value for r in _run(alone).results}
    assert referral["case.child.accompanied"] == "fail"
    assert referral["case.child.referral"] == "fail"
    legal = {r.rule.id: r.outcome.value for r in _run({**alone, "needs": ["legal"]}).results}
    assert legal["case.child.referral"] == "pass"


def test_the_band_of_a_score_at_a_cut_point_is_the_upper_band() -> None:
    # threat score 2 (one medium threat), no exposure, capacity none (rank 1): score 2 = the cut.
    ev = _run({"threats": [{"id": "a", "severity": "medium"}], "capacities": [],
               "exposure_days": 0})
    shown = {v.value.id: v.shown for v in ev.values}
    assert shown["case.risk_score"] == 2 and shown["case.risk_level"] == "medium"


def _pack_with(tmp_path: Path, extra: str) -> Path:
    pack = tmp_path / "pack"
    shutil.copytree(PACK_DIR, pack, ignore=shutil.ignore_patterns("tests"))
    (pack / "extra.yaml").write_text("subject: casefile\n" + extra)
    return pack


def test_values_that_depend_on_each_other_are_a_load_error_naming_both(tmp_path: Path) -> None:
    (pack := _pack_with(tmp_path, "")).joinpath("extra.yaml").write_text(
        "subject: casefile\nvalues:\n"
        "  - {id: x.a, title: a, expression: x.b + 1, citations: [{document: test-doc, quote: q}]}\n"
        "  - {id: x.b, title: b, expression: x.a + 1, citations: [{document: test-doc, quote: q}]}\n")
    with pytest.raises(RuleLoadError, match=r"x\.a -> x\.b -> x\.a"):
        load_subject_pack(pack, (CASEFILE,))


def test_rules_reading_each_others_outcome_are_a_load_error(tmp_path: Path) -> None:
    (pack := _pack_with(tmp_path, "")).joinpath("extra.yaml").write_text(
        "subject: casefile\nrules:\n"
        "  - {id: x.one, title: one, severity: info, check: \"outcome('x.two') == 'pass'\","
        " fix: [{text: t}], citations: [{document: test-doc, quote: q}]}\n"
        "  - {id: x.two, title: two, severity: info, check: \"outcome('x.one') == 'pass'\","
        " fix: [{text: t}], citations: [{document: test-doc, quote: q}]}\n")
    with pytest.raises(RuleLoadError, match=r"a cycle: outcome x\.(one|two) -> outcome x\.(one|two)"):
        load_subject_pack(pack, (CASEFILE,))


@pytest.mark.parametrize(("rows", "message"), [
    ("      - {when: {minor: true}, decision: deny}\n"
     "      - {when: {minor: true}, decision: permit}\n"
     "      - {when: {minor: false}, decision: permit}\n",
     "rows 1 and 2 overlap, e.g. when minor = true"),
    ("      - {when: {minor: true}, decision: deny}\n",
     "no row matches when minor = false"),
])
def test_a_unique_table_with_overlapping_rows_or_a_gap_is_a_load_error(
        tmp_path: Path, rows: str, message: str) -> None:
    (pack := _pack_with(tmp_path, "")).joinpath("extra.yaml").write_text(
        "subject: casefile\ndecisions:\n"
        "  - id: x.table\n    title: t\n    hit_policy: unique\n"
        "    inputs: {minor: case.is_minor}\n    outputs: [deny, permit]\n"
        "    citations: [{document: test-doc, quote: q}]\n    rows:\n" + rows)
    with pytest.raises(RuleLoadError, match=message):
        load_subject_pack(pack, (CASEFILE,))


@pytest.mark.parametrize(("check", "message"), [
    ("max(threats.severity, default='low') >= 'hihg'", "not a level of the scale low < medium"),
    ("assessed_on >= 3", "cannot combine a date with a number"),
    ("count(threats where severity) >= 1", "is a level of low < medium < high < very_high, a condition"),
    ("sum(threats.severity) >= 1", "sum\\(\\) of a level of low"),
    ("count(threatz) >= 1", "needs a collection first"),
    ("outcome('case.nope') == 'pass'", "outcome\\(\\) names no rule of this pack"),
    ("assessed_on + review_interval * 2 <= as_of", ""),
    ("days_between(assessed_on, 3) <= review_interval", "days_between\\(\\) takes two dates"),
])
def test_grammar_errors_name_what_is_wrong(tmp_path: Path, check: str, message: str) -> None:
    (pack := _pack_with(tmp_path, "")).joinpath("extra.yaml").write_text(
        "subject: casefile\nrules:\n"
        f"  - {{id: x.rule, title: r, severity: info, check: \"{check}\", fix: [{{text: t}}],"
        " citations: [{document: test-doc, quote: q}]}\n")
    if not message:
        load_subject_pack(pack, (CASEFILE,))  # a date moved by a scaled duration is fine
        return
    with pytest.raises(RuleLoadError, match=message):
        load_subject_pack(pack, (CASEFILE,))
