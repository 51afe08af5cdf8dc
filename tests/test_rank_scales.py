"""Rank scales as pack parameters: `rank(x, scale)` reads the number a cited scale parameter
gives x's level, so the numbers of the risk equation's terms are the pack's (programme policy),
not the engine's. A scale is checked at load against the levels it ranks, bounded, and never
ranks a higher level below a lower one, wherever its numbers come from (file, variant, `--set`);
both evaluators read it alike."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mcrules.assessment import CASE, assess_case, load_case_pack
from mcrules.cli.main import app
from mcrules.engine.check import evaluator
from mcrules.engine.explain import describe
from mcrules.errors import McrulesError, RuleLoadError
from mcrules.models.case import Case
from mcrules.subjects import load_subject_pack
from tests.agreement import assert_facts_agree
from tests.conftest import ROOT
from tests.subjects.casefile import support
from tests.subjects.casefile.strategies import AS_OF, case_files
from tests.subjects.casefile.subject import CASEFILE, PACK_DIR

GIRL = ROOT / "examples" / "cases" / "girl-in-transit.yaml"
SEVERITIES = ("low", "medium", "high", "very_high")
STRENGTHS = ("none", "low", "medium", "high")
CITE = "citations: [{document: test-doc, quote: q}]\n"


def _pack_with(tmp_path: Path, expression: str, scale: str | None = None) -> Path:
    """The case-file test pack with one more value, and `scale` as parameters/odd.yaml."""
    pack = tmp_path / "pack"
    shutil.copytree(PACK_DIR, pack, ignore=shutil.ignore_patterns("tests"))
    (pack / "extra.yaml").write_text(
        "subject: casefile\nvalues:\n"
        f"  - {{id: x.v, title: v, expression: \"{expression}\", {CITE.strip()}}}\n")
    if scale is not None:
        (pack / "parameters" / "odd.yaml").write_text("description: odd\n" + scale + CITE)
    return pack


# --- load: a scale ranks exactly the levels of what it is applied to ---------------------------

@pytest.mark.parametrize(("expression", "message"), [
    ("max(threats, rank(severity, strength_weight), default=0)",
     r"scale strength_weight ranks none < low < medium < high, but `severity` is a level of "
     r"low < medium < high < very_high: it has no number for very_high; none is not a level of it"),
    ("rank(case.capacity, severity_weight)",
     r"scale severity_weight ranks low < medium < high < very_high, but `case.capacity`"),
    ("rank(case.capacity, exposure_scale)", r"`exposure_scale` is not a scale parameter.*"
                                            r"known scales: severity_weight, strength_weight"),
    ("rank(case.capacity, strength_weigth)", r"`strength_weigth` is not a scale parameter"),
    ("rank(exposure_days, strength_weight)", r"rank\(\) takes one ordinal value"),
    ("rank(case.capacity, strength_weight, strength_weight)", r"rank\(\) takes one ordinal"),
])
def test_a_scale_over_the_wrong_levels_is_a_load_error_naming_it(
        tmp_path: Path, expression: str, message: str) -> None:
    with pytest.raises(RuleLoadError, match=message):
        load_subject_pack(_pack_with(tmp_path, expression), (CASEFILE,))


@pytest.mark.parametrize(("scale", "message"), [
    ("scale: {none: 1, low: 2, medium: 3}\n", r"it has no number for high"),
    ("scale: {none: 1, medium: 2, low: 3, high: 4}\n", r"its levels are in another order"),
])
def test_a_scale_missing_a_level_or_in_another_order_is_a_load_error(
        tmp_path: Path, scale: str, message: str) -> None:
    with pytest.raises(RuleLoadError, match=message):
        load_subject_pack(_pack_with(tmp_path, "rank(case.capacity, odd)", scale), (CASEFILE,))


@pytest.mark.parametrize(("scale", "message"), [
    ("scale: {none: 1, low: 3, medium: 2, high: 4}\n",
     r"odd.yaml:\d+: \[odd\] `scale`: scale odd ranks level medium \(2\) below the lower level "
     r"low \(3\)"),
    ("scale: {none: 1, low: 2, medium: 3, high: 4}\nminimum: 0\nexclusive_minimum: true\n"
     "maximum: 3\n", r"\[odd.high\] value: 4 must be <= 3 \(its maximum\)"),
    ("scale: {none: 0, low: 2, medium: 3, high: 4}\nminimum: 0\nexclusive_minimum: true\n",
     r"\[odd.none\] value: 0 must be > 0 \(its minimum\)"),
    ("scale: {none: 1 day, low: 2, medium: 3, high: 4}\n", r"every level's number needs the same "
                                                            r"unit, but low"),
    ("scale: {none: .nan, low: 2, medium: 3, high: 4}\n", r"\[odd.none\].*finite"),
    ("scale: {none: 1}\n", r"at least two levels"),
    ("scale: [1, 2, 3, 4]\n", r"`scale` must map each level"),
    ("value: 1\nscale: {none: 1, low: 2, medium: 3, high: 4}\n", r"not `value` or `values`"),
    ("scale: {none: 1, Low: 2, medium: 3, high: 4}\n", r"'Low' is not a level name"),
    ("scale:\n  none: 1\n  low: {2023-01-01: 2, 2026-01-01: 0.5}\n  medium: 3\n  high: 4\n",
     r"`scale` on 2026-01-01: scale odd ranks level low \(0.5\) below the lower level none"),
])
def test_a_scale_file_that_is_not_an_ascending_bounded_scale_is_a_load_error_with_its_line(
        tmp_path: Path, scale: str, message: str) -> None:
    with pytest.raises(RuleLoadError, match=message):
        load_subject_pack(_pack_with(tmp_path, "rank(case.capacity, odd)", scale), (CASEFILE,))


def test_a_scale_may_be_dated_like_any_parameter(tmp_path: Path) -> None:
    scale = "scale:\n  none: 1\n  low: {2023-01-01: 2, 2026-01-01: 2.5}\n  medium: 3\n  high: 4\n"
    pack = load_subject_pack(_pack_with(tmp_path, "rank(case.capacity, odd)", scale), (CASEFILE,))
    assert pack.configure(as_of=dt.date(2025, 6, 1)).parameters["odd.low"].value == 2
    assert pack.configure(as_of=dt.date(2026, 6, 1)).parameters["odd.low"].value == 2.5


def test_rank_of_one_argument_keeps_the_engines_one_based_position() -> None:
    run = evaluator(support.pack()).run(support.facts(
        {"threats": [{"id": "a", "severity": "very_high"}], "capacities": [],
         "exposure_days": 0}), as_of=AS_OF)
    got = {v.value.id: v.result for v in run.values}
    assert got["case.threat_score"] == 4          # rank(severity): very_high is 4th
    assert got["case.weighted_threat"] == 7       # rank(severity, severity_weight)


def test_a_scale_is_explained_by_its_name_as_the_pack_writes_it() -> None:
    values = {v.id: v for v in support.pack().values}
    assert describe(values["case.weighted_risk"].expr) == \
        "(case.weighted_threat / rank(case.capacity, strength_weight))"
    assert describe(values["case.weighted_threat"].expr) == \
        "max(threats, rank(severity, severity_weight) where severity >= 'medium', default=0)"


# --- set per level: a variant or --set reaches one number, and the scale stays a scale ---------

def test_a_programme_sets_one_level_and_the_verdict_follows() -> None:
    doc = {"threats": [{"id": "a", "severity": "high"}],
           "capacities": [{"id": "c", "strength": "medium"}], "exposure_days": 0}
    pack = support.pack().configure(parameters={"severity_weight.high": 6})
    run = evaluator(pack).run(support.facts(doc), as_of=AS_OF)
    assert {v.value.id: v.result for v in run.values}["case.weighted_risk"] == 2


@pytest.mark.parametrize(("sets", "message"), [
    ({"severity_weight.high": 8}, r"scale severity_weight ranks level very_high \(7\) below the "
                                  r"lower level high \(8\)"),
    ({"severity_weight.low": 0}, r"parameter severity_weight.low: 0 must be > 0"),
    ({"severity_weight.high": "2 day"}, r"parameter severity_weight.high"),
    ({"severity_weight": 2}, r"has no parameter 'severity_weight'"),
])
def test_a_set_level_that_breaks_the_scale_is_refused(sets: dict[str, Any], message: str) -> None:
    with pytest.raises(McrulesError, match=message):
        support.pack().configure(parameters=sets)


def test_the_rule_hash_follows_a_scales_numbers() -> None:
    pack = load_case_pack()
    moved = pack.configure(parameters={"capacity_rank.high": 5})
    rid = "assess.risk.capacity_for_high_risk"
    assert pack.rule_hashes[rid] != moved.rule_hashes[rid]


def test_assess_set_reaches_one_level_and_a_descending_one_exits_2() -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["assess", str(GIRL), "--set", "severity_rank.high=3.5",
                             "--format", "json"], env={"COLUMNS": "200"})
    assert ok.exit_code == 0, ok.stderr
    bad = runner.invoke(app, ["assess", str(GIRL), "--set", "severity_rank.high=5"],
                        env={"COLUMNS": "200"})
    assert bad.exit_code == 2
    assert "scale severity_rank ranks level very_high (4) below the lower level high (5)" in \
        bad.stderr


# --- domv-2023: today's numbers, now the pack's ------------------------------------------------

def test_domv_scales_are_cited_programme_policy_with_todays_numbers() -> None:
    params = load_case_pack().parameters
    assert [(params[f"severity_rank.{s}"].value) for s in SEVERITIES] == [1, 2, 3, 4]
    assert [(params[f"capacity_rank.{s}"].value) for s in STRENGTHS] == [1, 2, 3, 4]
    for name in ("severity_rank.low", "capacity_rank.none"):
        assert params[name].description.startswith("Programme policy, not IOM's")
        assert any("combination of threats, vulnerabilities, exposure and capacities" in c.quote
                   for c in params[name].citations)


def _score(pack: Any, doc: dict[str, Any]) -> float | None:
    run = evaluator(pack).run(CASE.facts(Case.model_validate(doc)), as_of=AS_OF)
    return {v.value.id: v.result for v in run.values}["assess.risk.score"]  # type: ignore[return-value]


ascending = st.lists(st.floats(0.25, 20, allow_nan=False), min_size=4, max_size=4).map(sorted)


@settings(max_examples=60, deadline=None)
@given(severity=ascending, capacity=ascending,
       t=st.sampled_from(SEVERITIES), v=st.sampled_from(SEVERITIES), c=st.sampled_from(STRENGTHS))
def test_the_score_is_the_equation_over_the_scales_numbers(
        severity: list[float], capacity: list[float], t: str, v: str, c: str) -> None:
    sets = {f"severity_rank.{s}": n for s, n in zip(SEVERITIES, severity, strict=True)}
    sets |= {f"capacity_rank.{s}": n for s, n in zip(STRENGTHS, capacity, strict=True)}
    pack = load_case_pack(parameters=sets)
    doc = {"threats": [{"id": "x", "severity": t}],
           "vulnerabilities": [{"id": "y", "threat": "x", "severity": v}],
           "capacities": [{"id": "z", "strength": c}], "migration": {"exposure_days": 0}}
    # a named vulnerability counts at least unpaired_vulnerability_rank (1), as an unnamed one
    want = severity[SEVERITIES.index(t)] * max(severity[SEVERITIES.index(v)], 1.0) / \
        capacity[STRENGTHS.index(c)]
    assert _score(pack, doc) == pytest.approx(want, rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(docs=st.lists(case_files(), min_size=1, max_size=8),
       severity=ascending, strength=ascending)
def test_scalar_and_columnar_agree_under_any_ascending_scales(
        docs: list[dict[str, Any]], severity: list[float], strength: list[float]) -> None:
    sets = {f"severity_weight.{s}": min(n, 10) for s, n in zip(SEVERITIES, severity, strict=True)}
    sets |= {f"strength_weight.{s}": n for s, n in zip(STRENGTHS, strength, strict=True)}
    pack = support.pack().configure(parameters=sets)
    assert_facts_agree(pack, support.schema(), [support.facts(d) for d in docs], AS_OF, docs)


def test_the_assessment_report_follows_a_set_scale() -> None:
    case = Case.model_validate({"threats": [{"id": "x", "severity": "high"}],
                                "vulnerabilities": [{"id": "y", "threat": "x", "severity": "high"}],
                                "capacities": [{"id": "z", "strength": "low"}],
                                "migration": {"exposure_days": 0}})
    default = assess_case(case, as_of=AS_OF)
    moved = assess_case(case, as_of=AS_OF, parameters={"severity_rank.high": 3.5})
    assert (default.risk.level, moved.risk.level) == ("high", "very_high")
    assert moved.risk.per_threat[0].level == "very_high"


def _scale_file(pack: Path, name: str, scale: str, document: str) -> None:
    (pack / "parameters" / f"{name}.yaml").write_text(
        f"description: d\nscale: {scale}\ncitations: [{{document: {document}, quote: q}}]\n")


def test_a_scale_level_named_like_a_nested_field_is_a_load_error(tmp_path: Path) -> None:
    pack = tmp_path / "domv"
    shutil.copytree(ROOT / "rules" / "domv-2023", pack)
    _scale_file(pack, "migration", "{exposure_days: 1, other: 2}", "mct-tm-2023")
    with pytest.raises(RuleLoadError, match=r"level parameter migration.exposure_days has the "
                                            r"name of a field of case"):
        load_case_pack(pack)


def test_an_overlay_cannot_set_a_scales_numbers(tmp_path: Path) -> None:
    folder = tmp_path / "national"
    (folder / "parameters").mkdir(parents=True)
    (folder / "pack.yaml").write_text("id: domv-national\ntitle: t\nversion: 1.0.0\n"
                                      "overlays: domv-2023\ndocuments:\n  ns: {title: N}\n")
    _scale_file(folder, "severity_rank", "{low: 1, medium: 2, high: 3.5, very_high: 4}", "ns")
    with pytest.raises(RuleLoadError, match=r"severity_rank.yaml.*overlay domv-national sets "
                                            r"severity_rank.low"):
        load_case_pack(folder)


def test_a_variant_that_makes_a_scale_descend_is_a_load_error(tmp_path: Path) -> None:
    pack = tmp_path / "domv"
    shutil.copytree(ROOT / "rules" / "domv-2023", pack)
    head = (pack / "pack.yaml").read_text()
    (pack / "pack.yaml").write_text(head.replace(
        "variants:\n",
        "variants:\n  flat-top:\n    description: d\n"
        "    parameters: {severity_rank.very_high: 2.5}\n"
        "    citations: [{document: mct-tm-2023, quote: q}]\n", 1))
    with pytest.raises(RuleLoadError, match=r"pack.yaml:\d+: \[flat-top\] scale severity_rank "
                                            r"ranks level very_high \(2.5\) below the lower "
                                            r"level high \(3\)"):
        load_case_pack(pack)
