"""Case assessment: what a caseworker's app gets from `assess_case` and `mcrules assess`.

The girl of the issue, the DoMV catalogue and profile, the specialised-needs flags, the JSON
contract, exit codes, programme settings, and the pack tests' coverage of values and rows.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import mcrules
from mcrules import assess_case
from mcrules.assessment import CASE, FLAG_IDS, load_case_pack, load_catalogue
from mcrules.assessment.programme import read_programme
from mcrules.cli.main import app
from mcrules.errors import InputError, McrulesError, RuleLoadError
from mcrules.io import read_subject, validate_subject
from mcrules.models.case import Case, Level
from mcrules.testing import run_pack_tests
from tests.conftest import ROOT

runner = CliRunner()
GIRL = ROOT / "examples" / "cases" / "girl-in-transit.yaml"
PROGRAMME = ROOT / "examples" / "programme-pack" / "programme.yaml"
PACK_DIR = ROOT / "rules" / "domv-2023"


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def case(**data: Any) -> Case:
    return validate_subject(data, CASE, strict=True)[0]


def girl() -> Case:
    return read_subject(GIRL, CASE, strict=True)[0]


# --- the girl of the issue --------------------------------------------------------------------

def test_the_girl_travelling_alone_is_an_unaccompanied_child_at_high_risk() -> None:
    a = mcrules.assess_case(girl())
    assert (a.risk.outcome, a.risk.level, a.risk.combiner) == ("assessed", "high", "multiplicative")
    assert a.risk.scale == ("low", "medium", "high", "very_high")
    assert a.risk.score == pytest.approx(3 * 3 * (1 + 21 / 90) / 3)
    assert a.flag("unaccompanied_or_separated_child").outcome == "present"
    assert "child welfare" in " ".join(a.flag("unaccompanied_or_separated_child").referral)
    assert a.flag("medical_needs").outcome == "present"
    assert a.flag("victim_of_trafficking").outcome == "absent"
    assert a.flag("sogiesc").outcome == "unknown"


def test_the_risk_names_its_drivers_and_the_manuals_strategies_for_each_term() -> None:
    risk = mcrules.assess_case(girl()).risk
    assert risk.drivers["threats"] == ["arrest_and_detention"]
    assert risk.drivers["vulnerabilities"] == ["no_legal_documents"]
    assert risk.drivers["capacities"] == ["community_support_network"]
    by_term = {s["term"]: s for s in risk.strategies}
    assert by_term["threat"]["strategy"] == "reduce threat"
    assert "Change location" in by_term["vulnerability"]["steps"]
    assert "Facilitate alliances" in by_term["capacity"]["steps"]
    assert by_term["capacity"]["targets"] == ["community_support_network"]
    assert all(s["citation"] for s in risk.strategies)
    assert any("THREAT} \\times" in c["quote"] for c in risk.citations)


def test_unanswered_screening_questions_are_the_next_questions() -> None:
    a = mcrules.assess_case(girl())
    asked = {q.input for q in a.next_questions}
    assert {"screening.sogiesc", "screening.person_with_disability",
            "screening.psychological_needs", "screening.international_protection_need"} <= asked
    q = next(q for q in a.next_questions if q.input == "screening.sogiesc")
    assert "assess.flag.sogiesc" in q.settles


def test_the_json_holds_the_documented_keys() -> None:
    result = run("assess", str(GIRL), "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc) >= {"case", "packs", "ruleset_hash", "as_of", "risk", "domv", "flags",
                        "results", "next_questions"}
    assert doc["case"]["id"] == "C-2026-0042" and doc["as_of"] == "2026-03-14"
    assert set(doc["risk"]) >= {"outcome", "level", "scale", "score", "combiner", "missing",
                                "drivers", "strategies"}
    assert [f["id"] for f in doc["flags"]] == list(FLAG_IDS)
    for f in doc["flags"]:
        assert f["outcome"] in ("present", "absent", "unknown")
        assert f["referral"] and f["citation"]
    assert set(doc["domv"]["levels"]) == {lvl.value for lvl in Level}
    assert doc["packs"][0]["id"] == "domv-2023"


def test_the_same_case_gives_byte_identical_json() -> None:
    first = run("assess", str(GIRL), "-f", "json").stdout
    assert first == run("assess", str(GIRL), "-f", "json").stdout


def test_the_text_report_reads_as_a_caseworkers_summary() -> None:
    result = run("assess", str(GIRL))
    assert result.exit_code == 0
    out = result.stdout
    for words in ("Protection risk: HIGH", "Unaccompanied or separated child",
                  "Reduce vulnerability", "Vulnerability is not inherent", "Next questions",
                  "Facilitator Note 1.3.1"):
        assert words in out


def test_markdown_escapes_text_from_the_case_file(tmp_path: Path) -> None:
    f = tmp_path / "c.yaml"
    f.write_text("factors: [{text: '<b>cousin</b> | *abroad*', level: family_household, "
                 "direction: protective}]\n")
    out = run("assess", str(f), "-f", "markdown").stdout
    assert "\\<b\\>cousin\\</b\\> \\| \\*abroad\\*" in out
    assert "## Specialised needs" in out


# --- exit codes -------------------------------------------------------------------------------

@pytest.mark.parametrize("example", sorted((ROOT / "examples" / "cases").glob("*.*")),
                         ids=lambda p: p.name)
def test_every_example_case_assesses_with_exit_0_whatever_the_risk(example: Path) -> None:
    for fmt in ("text", "json", "markdown"):
        assert run("assess", str(example), "-f", fmt).exit_code == 0


def test_an_invalid_case_exits_2_naming_the_field_and_what_was_expected(tmp_path: Path) -> None:
    f = tmp_path / "c.yaml"
    f.write_text("person: {age: fifteen, accompanied_by: nobody}\n")
    result = run("assess", str(f))
    assert result.exit_code == 2
    assert "person.age (line 1): expected a whole number, got 'fifteen'" in result.stderr
    assert "person.accompanied_by (line 1): unknown value 'nobody'" in result.stderr


def test_a_factor_id_not_in_the_catalogue_exits_2_with_a_suggestion(tmp_path: Path) -> None:
    f = tmp_path / "c.yaml"
    f.write_text("factors: [{id: literasy}]\n")
    result = run("assess", str(f))
    assert result.exit_code == 2
    assert "factors[0].id" in result.stderr and "did you mean 'literacy'" in result.stderr


def test_bad_options_exit_2() -> None:
    assert run("assess", str(GIRL), "--as-of", "14/03/2026").exit_code == 2
    assert run("assess", str(GIRL), "--format", "html").exit_code == 2
    assert run("assess", str(GIRL), "--variant", "risk-additiv").exit_code == 2
    assert run("assess", str(GIRL), "--set", "risk_cut_high=-1").exit_code == 2


def test_unknown_keys_are_reported_by_name_and_are_errors_under_strict(tmp_path: Path) -> None:
    f = tmp_path / "c.yaml"
    f.write_text("threatz: []\n")
    result = run("assess", str(f))
    assert result.exit_code == 0 and "unknown key 'threatz'; did you mean 'threats'?" in result.stdout
    assert run("assess", str(f), "--strict").exit_code == 2


# --- the case model ---------------------------------------------------------------------------

def test_the_issues_keys_are_accepted_exactly_as_written() -> None:
    c = girl()
    assert c.person is not None and c.person.accompanied_by is not None
    assert c.person.accompanied_by.value == "none" and c.person.disabilities == []
    assert c.migration is not None and c.migration.exposure_days == 21
    assert c.screening is not None and c.screening.sogiesc is None


def test_age_comes_from_the_date_of_birth_on_the_assessment_date() -> None:
    c = case(assessed_on="2026-03-14", person={"date_of_birth": "2010-03-15"})
    assert c.person is not None and c.person.age == 15
    with pytest.raises(InputError, match="date_of_birth gives 15"):
        case(assessed_on="2026-03-14", person={"age": 16, "date_of_birth": "2010-03-15"})


def test_a_vulnerability_names_a_listed_threat() -> None:
    with pytest.raises(InputError, match=r"vulnerabilities\[0\].threat: 'arrest' is not a listed"):
        case(threats=[{"id": "robbery"}], vulnerabilities=[{"id": "v", "threat": "arrest"}])


def test_a_cross_field_error_names_the_field_at_fault_and_its_line(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("assessed_on: 2026-01-01\nperson:\n  age: 15\n  date_of_birth: 2000-01-01\n"
                    "threats: [{id: robbery}]\nvulnerabilities:\n  - id: v\n    threat: arrest\n")
    with pytest.raises(InputError) as caught:
        read_subject(path, CASE)
    assert [(p.path, p.line) for p in caught.value.problems] == [("person.age", 3)]
    path.write_text("threats: [{id: robbery}]\nvulnerabilities:\n  - id: v\n    threat: arrest\n")
    with pytest.raises(InputError) as caught:
        read_subject(path, CASE)
    assert [(p.path, p.line) for p in caught.value.problems] == [("vulnerabilities[0].threat", 4)]


def test_a_free_text_factor_must_carry_its_level_and_direction() -> None:
    with pytest.raises(InputError, match="needs `level` and `direction`"):
        case(factors=[{"text": "a cousin abroad"}])
    with pytest.raises(InputError, match="either `id`"):
        case(factors=[{"id": "literacy", "text": "literacy"}])


# --- the DoMV catalogue and profile -----------------------------------------------------------

MANUAL_FACTORS = {
    "individual": ["racialized_group_membership", "literacy", "illiteracy", "old_age", "gender",
                   "ethnicity", "time_exposure_to_threat"],
    "family_household": ["interpersonal_violence_in_family", "child_headed_household",
                         "single_parent_household", "unsafe_migration_history",
                         "supportive_home_environment", "equitable_distribution_boys_girls",
                         "sufficient_family_earnings"],
    "community": ["forced_marriage_practices", "exclusion_from_community_resources",
                  "natural_hazards", "education_accessible_to_all",
                  "access_to_quality_health_care", "functioning_social_welfare",
                  "natural_hazard_preparedness"],
    "structural": ["systemic_marginalisation_and_discrimination", "conflict_and_instability",
                   "poor_governance", "absence_of_accountability_mechanisms", "weak_rule_of_law",
                   "peace_and_security", "good_governance", "respect_for_human_rights",
                   "equitable_development"],
}


def test_the_catalogue_holds_every_factor_the_manual_names_at_each_level_each_cited() -> None:
    cat = load_catalogue(load_case_pack())
    by_level: dict[str, list[str]] = {}
    for f in cat.factors:
        assert f.level is not None and f.citations and all(c.quote for c in f.citations)
        by_level.setdefault(f.level.value, []).append(f.id)
    assert by_level == MANUAL_FACTORS
    assert {d.id for d in cat.determinants} == {
        "severe_deprivation", "serious_discrimination", "abusive_or_exploitative_relationships",
        "high_levels_of_distress", "negative_coping_mechanisms"}
    assert len(cat.capacities) == 11 and {s.term for s in cat.strategies} == {
        "risk", "threat", "vulnerability", "capacity"}


def test_literacy_is_almost_always_protective_and_illiteracy_almost_always_a_risk() -> None:
    a = assess_case(case(factors=[{"id": "literacy"}, {"id": "illiteracy"}]))
    individual = a.domv.levels[0]
    assert [f.id for f in individual.protective] == ["literacy"]
    assert [f.id for f in individual.risk] == ["illiteracy"]
    assert "almost always" in individual.risk[0].why


def test_group_membership_is_protective_when_dominant_and_a_risk_when_marginalised() -> None:
    def direction(**extra: Any) -> str:
        a = assess_case(case(factors=[{"id": "racialized_group_membership", **extra}]))
        (f,) = [f for lp in a.domv.levels for kind in (lp.risk, lp.protective, lp.unresolved)
                for f in kind]
        return f.direction

    assert direction(group="dominant") == "protective"
    assert direction(group="marginalised") == "risk"
    assert direction() == "context_dependent"


def test_a_caseworker_may_flip_a_factor_for_this_context_and_the_reason_is_kept() -> None:
    a = assess_case(case(factors=[{"id": "literacy", "direction": "risk",
                                   "note": "reading the smugglers' posters got her recruited"}]))
    (f,) = a.domv.levels[0].risk
    assert f.resolved_by == "caseworker" and "posters" in f.why and "default is protective" in f.why


def test_a_determinant_with_no_level_of_its_own_needs_the_case_to_give_one() -> None:
    with pytest.raises(InputError) as err:
        assess_case(case(factors=[{"id": "severe_deprivation"}]))
    assert err.value.path == "factors[0].level"
    a = assess_case(case(factors=[{"id": "severe_deprivation", "level": "community"}]))
    assert [f.id for f in a.domv.levels[2].risk] == ["severe_deprivation"]


def test_a_level_with_more_risk_than_protective_factors_is_said_to_drive_vulnerability() -> None:
    a = assess_case(case(factors=[{"id": "weak_rule_of_law"}, {"id": "poor_governance"},
                                  {"id": "peace_and_security"}, {"id": "literacy"}]))
    assert a.domv.driving_levels == ("structural",)


def test_factors_not_assessed_are_unknown_and_an_empty_list_is_none_found() -> None:
    assert assess_case(case()).domv.as_dict()["outcome"] == "unknown"
    assert assess_case(case(factors=[])).domv.as_dict()["outcome"] == "assessed"


def test_an_invalid_catalogue_is_a_load_error_naming_the_line(tmp_path: Path) -> None:
    pack_dir = tmp_path / "domv"
    shutil.copytree(PACK_DIR, pack_dir)
    text = (pack_dir / "catalogue.yaml").read_text()
    (pack_dir / "catalogue.yaml").write_text(text.replace("direction: protective\n",
                                                          "direction: protectiv\n", 1))
    with pytest.raises(RuleLoadError) as err:
        load_catalogue(load_case_pack(pack_dir))
    assert err.value.line is not None and "catalogue.yaml" in str(err.value)


# --- the equation's two forms and programme settings ------------------------------------------

def test_the_additive_variant_is_one_option_away() -> None:
    result = run("assess", str(GIRL), "--variant", "risk-additive", "-f", "json")
    risk = json.loads(result.stdout)["risk"]
    assert risk["combiner"] == "additive"
    assert risk["score"] == pytest.approx((3 + 3) * (1 + 21 / 90) / 3)


def test_rules_variants_lists_the_additive_form_with_its_cut_points() -> None:
    result = run("rules", "variants", "--pack", "domv-2023")
    assert result.exit_code == 0, result.output
    assert "risk-additive" in result.stdout and "sets risk_additive = 1" in result.stdout


def test_a_combiner_other_than_0_or_1_is_refused() -> None:
    with pytest.raises(McrulesError, match="must be 0"):
        assess_case(girl(), load_case_pack(parameters={"risk_additive": 0.5}))


def test_a_programme_sets_its_own_bands_and_the_report_says_so() -> None:
    programme = read_programme(PROGRAMME)
    a = assess_case(girl(), programme=programme)
    doc = a.as_dict()
    assert doc["programme"]["id"] == "transit-agadez-2026"
    assert doc["packs"][0]["overrides"]["risk_cut_high"] == "2.5"
    assert doc["ruleset_hash"] != assess_case(girl()).as_dict()["ruleset_hash"]
    assert all(p["reason"] for p in doc["programme"]["parameters"].values())


def test_a_programme_applies_to_a_pack_named_on_the_command_line_too() -> None:
    result = run("assess", str(GIRL), "--pack", str(PACK_DIR), "--programme", str(PROGRAMME),
                 "-f", "json")
    doc = json.loads(result.stdout)
    assert doc["packs"][0]["overrides"]["exposure_full"] == "60 day"
    assert doc["risk"]["score"] == pytest.approx(3 * 3 * (1 + 21 / 60) / 3)


def test_an_invalid_programme_file_exits_2(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text("programme: x\ntitle: x\npack: domv-2023\nparameters: {risk_cut_hihg: "
                 "{value: 2, reason: typo}}\n")
    result = run("assess", str(GIRL), "--programme", str(f))
    assert result.exit_code == 2 and "risk_cut_hihg" in result.stderr


# --- pack tests cover values and decision rows ------------------------------------------------

def test_the_pack_tests_fail_when_a_value_or_a_decision_row_has_no_case(tmp_path: Path) -> None:
    pack_dir = tmp_path / "domv"
    shutil.copytree(PACK_DIR, pack_dir)
    (pack_dir / "tests" / "cards.yaml").unlink()
    (pack_dir / "tests" / "needs.yaml").write_text(
        "cases:\n  - name: only one flag\n    case: {screening: {sogiesc: true}}\n"
        "    expect:\n      assess.flag.sogiesc: true\n")
    report = run_pack_tests(pack_dir)
    assert not report.ok
    assert "assess.flag.gbv_survivor" in report.uncovered
    assert "assess.referrals#4" in report.uncovered
    result = run("test", str(pack_dir))
    assert result.exit_code == 1
    assert "assess.flag.medical_needs has no test case" in result.stdout


def test_bulk_reads_case_files_through_the_subject(tmp_path: Path) -> None:
    rows = tmp_path / "cases.jsonl"
    rows.write_text(json.dumps({"id": "a", "threats": [], "vulnerabilities": [],
                                "capacities": [], "migration": {"exposure_days": 0}})
                    + "\n" + json.dumps({"id": "b"}) + "\n")
    out = tmp_path / "out.csv"
    result = run("bulk", str(rows), "--pack", "domv-2023", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert '"assess.risk.capacity_for_high_risk","not_applicable"' in out.read_text()
