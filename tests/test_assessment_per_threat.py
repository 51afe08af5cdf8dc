"""Risk per threat: a vulnerability counts against the threat it names and no other.

The manual defines a vulnerability relative to "a specific threat" (Facilitator Note 1.3.3) and
pairs them in its worked example (arrest + no legal identity documents). Each threat is scored with
the most severe vulnerability naming it; the case takes its worst threat, and the report names it.
The laws hold under both written forms and an example programme's cut-points.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mcrules.assessment import CASE, assess_case, load_case_pack
from mcrules.cli.main import app
from mcrules.errors import InputError
from mcrules.io import validate_subject
from mcrules.models.case import Case
from mcrules.rules.pack import Pack
from tests.case_strategies import SEVERITIES, STRENGTHS, assessed_cases
from tests.conftest import ROOT
from tests.strategies import disguised
from tests.test_assessment_laws import AS_OF, CONFIGS, IDS, level

laws = pytest.mark.parametrize(("name", "pack"), CONFIGS, ids=IDS)
TWO_THREATS = ROOT / "examples" / "cases" / "two-threats.yaml"
runner = CliRunner()


def issue_example() -> dict[str, Any]:
    """A very high robbery threat the person is barely vulnerable to, and a very high
    vulnerability to a low threat (issue 17)."""
    return {"threats": [{"id": "robbery", "severity": "very_high"},
                        {"id": "verbal_harassment", "severity": "low"}],
            "vulnerabilities": [
                {"id": "carries_no_cash", "threat": "robbery", "severity": "low"},
                {"id": "does_not_speak_the_language", "threat": "verbal_harassment",
                 "severity": "very_high"}],
            "capacities": [{"id": "community_support_networks", "strength": "medium"}],
            "migration": {"exposure_days": 0}}


def per_threat(pack: Pack, doc: dict[str, Any]) -> dict[str, float | None]:
    result = assess_case(Case.model_validate(doc), pack, as_of=AS_OF)
    return {t.threat: t.score for t in result.risk.per_threat}


def test_a_vulnerability_to_a_low_threat_does_not_make_a_barely_threatening_robbery_high() -> None:
    result = assess_case(Case.model_validate(issue_example()), load_case_pack(), as_of=AS_OF)
    assert result.risk.level == "low"       # HIGH when the worst threat met the worst vulnerability
    scores = {t.threat: (t.vulnerability, t.score, t.level) for t in result.risk.per_threat}
    assert scores == {"robbery": ("low", pytest.approx(4 / 3), "low"),
                      "verbal_harassment": ("very_high", pytest.approx(4 / 3), "low")}
    assert result.risk.deciding_threat == "robbery"


def test_the_report_names_the_deciding_threat_and_its_vulnerability(tmp_path: Path) -> None:
    doc = issue_example()
    doc["threats"][0]["severity"] = "high"       # now only the harassment threat decides
    file = tmp_path / "case.json"
    file.write_text(json.dumps(doc))
    out = runner.invoke(app, ["assess", str(file), "--as-of", "2026-03-14", "--format", "json"],
                        env={"COLUMNS": "200"})
    assert out.exit_code in (0, 1), out.output
    risk = json.loads(out.stdout)["risk"]
    assert risk["deciding_threat"] == "verbal_harassment"
    assert [(t["threat"], t["deciding"]) for t in risk["per_threat"]] == [
        ("robbery", False), ("verbal_harassment", True)]
    assert risk["drivers"]["threats"] == ["verbal_harassment"]
    assert risk["drivers"]["vulnerabilities"] == ["does_not_speak_the_language"]
    text = runner.invoke(app, ["assess", str(file), "--as-of", "2026-03-14"],
                         env={"COLUMNS": "200"})
    assert "Decided by threat verbal_harassment" in text.stdout
    assert "Reduce threat (verbal_harassment)" in text.stdout


def test_a_threat_no_vulnerability_names_is_scored_by_programme_policy() -> None:
    doc = {"threats": [{"id": "robbery", "severity": "very_high"}], "vulnerabilities": [],
           "capacities": [], "migration": {"exposure_days": 0}}
    result = assess_case(Case.model_validate(doc), load_case_pack(), as_of=AS_OF)
    (threat,) = result.risk.per_threat
    assert threat.vulnerability_source == "programme_policy (unpaired_vulnerability_rank)"
    assert (result.risk.level, threat.score) == ("high", 4)
    higher = load_case_pack(parameters={"unpaired_vulnerability_rank": "2"})
    assert assess_case(Case.model_validate(doc), higher, as_of=AS_OF).risk.level == "very_high"


def test_a_missing_vulnerability_severity_asks_for_that_severity_not_a_derived_field() -> None:
    doc = issue_example()
    del doc["vulnerabilities"][1]["severity"]
    result = assess_case(Case.model_validate(doc), load_case_pack(), as_of=AS_OF)
    assert result.risk.outcome == "unknown"
    assert result.risk.missing == ("vulnerabilities[1].severity",)
    doc.pop("vulnerabilities")
    result = assess_case(Case.model_validate(doc), load_case_pack(), as_of=AS_OF)
    assert result.risk.missing == ("vulnerabilities",)


@pytest.mark.parametrize("field", ["paired", "paired_vulnerability"])
def test_a_file_cannot_set_the_pairing_the_case_derives(field: str, tmp_path: Path) -> None:
    doc = issue_example()
    doc["threats"][0][field] = "low" if field == "paired_vulnerability" else False
    with pytest.raises(InputError) as err:
        validate_subject(doc, CASE, strict=True)
    assert err.value.problems[0].path == f"threats[0].{field}"
    file = tmp_path / "case.json"
    file.write_text(json.dumps(doc))
    out = runner.invoke(app, ["assess", str(file)], env={"COLUMNS": "200"})
    assert out.exit_code == 2 and f"threats[0].{field}" in out.output


def test_a_threat_listed_twice_is_refused_naming_the_second() -> None:
    doc = issue_example()
    doc["threats"].append({"id": "robbery", "severity": "low"})
    with pytest.raises(InputError) as err:
        validate_subject(doc, CASE, strict=True)
    assert err.value.problems[0].path == "threats[2].id"


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_a_threat_listed_twice_in_look_alike_letters_is_refused_by_both_readers(
        data: st.DataObject, tmp_path_factory: pytest.TempPathFactory) -> None:
    """`rоbbery` (Cyrillic о), `robbery` with a zero-width space or fullwidth letters beside
    `robbery` reads as one threat. Accepted, a low-severity twin takes the vulnerability, the
    very high threat scores unpaired and the case's risk drops (VERY HIGH to HIGH on main):
    refused instead, naming the twin, by the scalar reader and by bulk alike."""
    twin = data.draw(disguised("robbery").filter(lambda t: t != "robbery"))
    doc = issue_example()
    doc["threats"].append({"id": twin, "severity": "low"})
    doc["vulnerabilities"][0].update(threat=twin, severity="very_high")
    with pytest.raises(InputError) as err:
        validate_subject(doc, CASE, strict=True)
    assert err.value.problems[0].path == "threats[2].id"
    assert "reads as 'robbery'" in err.value.problems[0].message or twin.casefold() == "robbery"
    rows = tmp_path_factory.mktemp("twins") / "cases.jsonl"
    rows.write_text(json.dumps({"id": "twin", **doc}, ensure_ascii=False) + "\n")
    out = rows.with_name("out.csv")
    result = runner.invoke(app, ["bulk", str(rows), "--pack", "domv-2023", "--out", str(out)],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "rejected row 0: threats[2].id" in result.output


def test_the_derived_pairing_never_appears_in_a_dump_so_a_dump_reads_back() -> None:
    case = Case.model_validate(issue_example())
    assert case.threats is not None and case.threats[0].paired is True
    again = Case.model_validate(case.model_dump())
    assert again == case


@laws
@settings(max_examples=40, deadline=None)
@given(doc=assessed_cases(), data=st.data())
def test_adding_a_vulnerability_to_threat_a_never_changes_the_risk_of_threat_b(
        name: str, pack: Pack, doc: dict[str, Any], data: st.DataObject) -> None:
    if len(doc["threats"]) < 2:
        doc["threats"] = [{"id": "robbery", "severity": data.draw(st.sampled_from(SEVERITIES))},
                          {"id": "extortion", "severity": data.draw(st.sampled_from(SEVERITIES))}]
        doc["vulnerabilities"] = []
    before = per_threat(pack, doc)
    target = data.draw(st.sampled_from(doc["threats"]))["id"]
    more = copy.deepcopy(doc)
    more["vulnerabilities"].append({"id": "new", "threat": target,
                                    "severity": data.draw(st.sampled_from(SEVERITIES))})
    after = per_threat(pack, more)
    for threat, score in before.items():
        if threat != target:
            assert after[threat] == score
    assert after[target] is not None and before[target] is not None
    assert after[target] >= before[target]


@laws
@settings(max_examples=40, deadline=None)
@given(doc=assessed_cases())
def test_the_case_risk_is_its_worst_threats_and_a_deciding_threat_sets_it(
        name: str, pack: Pack, doc: dict[str, Any]) -> None:
    result = assess_case(Case.model_validate(doc), pack, as_of=AS_OF)
    scores = [t.score for t in result.risk.per_threat]
    assert result.risk.score is not None
    if not scores:
        assert result.risk.score == 0 and result.risk.deciding_threat is None
        return
    assert all(s is not None for s in scores)
    assert result.risk.score == pytest.approx(max(s for s in scores if s is not None))
    deciding = [t for t in result.risk.per_threat if t.deciding]
    assert deciding and result.risk.deciding_threat == deciding[0].threat
    assert all(t.level == result.risk.level for t in deciding)


@laws
@settings(max_examples=40, deadline=None)
@given(doc=assessed_cases(), strength=st.sampled_from(STRENGTHS))
def test_a_negative_coping_mechanism_never_lowers_the_risk(
        name: str, pack: Pack, doc: dict[str, Any], strength: str) -> None:
    before = level(pack, doc)
    doc["capacities"].append({"id": "paying_for_protection", "strength": strength,
                              "valence": "negative"})
    assert level(pack, doc) == before


@settings(max_examples=30, deadline=None)
@given(doc=assessed_cases(), strength=st.sampled_from(STRENGTHS),
       typo=st.sampled_from(["valance", "Valence", "valence_", "valnce"]))
def test_a_misspelt_valence_is_refused_not_read_as_a_positive_capacity(
        doc: dict[str, Any], strength: str, typo: str) -> None:
    """`valance: negative` was a warning and the key was dropped, so the smuggler became a
    positive capacity (valence's default) and lowered the risk (VERY HIGH to HIGH), in
    `assess` and in `bulk` alike. A misspelt key whose field would take a default instead is
    refused (exit 2 naming it; a reject in bulk), even where unknown keys are only warnings."""
    doc["capacities"].append({"id": "paying_for_protection", "strength": strength,
                              typo: "negative"})
    with pytest.raises(InputError) as err:
        validate_subject(doc, CASE, strict=False)
    (problem,) = err.value.problems
    assert problem.path == f"capacities[{len(doc['capacities']) - 1}].{typo}"
    assert "did you mean 'valence'?" in problem.message and "takes its default" in problem.message


def test_bulk_rejects_a_misspelt_valence_as_assess_refuses_it(tmp_path: Path) -> None:
    typo = issue_example()
    typo["capacities"].append({"id": "smuggler", "strength": "high", "valance": "negative"})
    rows = tmp_path / "cases.jsonl"
    rows.write_text(json.dumps({"id": "typo", **typo}) + "\n")
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["bulk", str(rows), "--pack", "domv-2023", "--out", str(out)],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "rejected row 0: capacities[1].valance" in result.output
    file = tmp_path / "case.json"
    file.write_text(json.dumps(typo))
    single = runner.invoke(app, ["assess", str(file)], env={"COLUMNS": "200"})
    assert single.exit_code == 2 and "capacities[1].valance" in single.output


def test_a_misspelt_key_beside_its_field_or_of_a_field_without_default_stays_a_warning() -> None:
    """Only a key that would let a default stand in is refused: beside the field itself, or
    misspelling a field whose absence is unknown, it stays a warning as before."""
    doc = issue_example()
    doc["capacities"][0].update(valence="positive", valance="negative")
    _, warnings = validate_subject(doc, CASE, strict=False)
    assert warnings and "valance" in warnings[0]
    doc = issue_example()
    doc["threats"][0]["severty"] = "low"
    _, warnings = validate_subject(doc, CASE, strict=False)
    assert warnings and "severty" in warnings[0]


def test_the_two_threats_example_reads_as_the_docs_show() -> None:
    out = runner.invoke(app, ["assess", str(TWO_THREATS), "--format", "json"],
                        env={"COLUMNS": "200"})
    risk = json.loads(out.stdout)["risk"]
    assert (risk["level"], risk["deciding_threat"]) == ("medium", "harassment_by_employers")
    assert [t["deciding"] for t in risk["per_threat"]] == [False, True]


def test_an_unknown_risk_says_how_high_it_already_is() -> None:
    doc = {"threats": [{"id": "arrest_and_detention", "severity": "high"},
                       {"id": "armed_robbery", "severity": "very_high"}],
           "vulnerabilities": [{"id": "no_legal_documents", "threat": "arrest_and_detention"}],
           "capacities": [], "migration": {"exposure_days": 30}}
    risk = assess_case(Case.model_validate(doc), load_case_pack(), as_of=AS_OF).risk
    assert (risk.outcome, risk.level, risk.at_least) == ("unknown", None, "high")
    assert risk.missing == ("vulnerabilities[0].severity",)
    assert [t.vulnerability_source for t in risk.per_threat] == [
        "vulnerabilities", "programme_policy (unpaired_vulnerability_rank)"]


def test_bulk_rejects_a_row_that_sets_the_pairing_and_scores_the_others_per_threat(
        tmp_path: Path) -> None:
    crafted = issue_example()
    crafted["threats"][0].update(paired=True, paired_vulnerability="low")
    rows = tmp_path / "cases.jsonl"
    rows.write_text("\n".join(json.dumps({"id": i, **d})
                              for i, d in (("crafted", crafted), ("honest", issue_example()))))
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["bulk", str(rows), "--pack", "domv-2023", "--out", str(out)],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "rejected row 0: threats[0].paired" in result.output
    levels = [line for line in out.read_text().splitlines() if '"assess.risk.level"' in line]
    assert levels == ['1,"assess.risk.level","known",0,,"",,"honest","low"']


def test_the_json_terms_carry_the_worst_pair_beside_the_case_wide_most_severe() -> None:
    terms = assess_case(Case.model_validate(issue_example()), load_case_pack(),
                        as_of=AS_OF).risk.terms
    assert terms == {"threat": 4, "vulnerability": 4, "capacity": 3, "time": 1, "pair": 4}
