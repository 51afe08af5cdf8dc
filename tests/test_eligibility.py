"""Eligibility as a caseworker and an app see it: the services of the issue's contract, each
eligible, not eligible or unknown with its reasons and sources, the next question to ask, the
JSON keys, and the exit codes (0 when it ran, 2 on invalid input)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import mcrules
from mcrules.assessment import FLAG_IDS
from mcrules.cli.main import app
from mcrules.eligibility import eligibility, load_eligibility_pack
from mcrules.errors import McrulesError
from mcrules.io import read_subject, validate_subject
from mcrules.models.case import Case
from mcrules.subjects import get
from tests.conftest import ROOT

runner = CliRunner()
EXAMPLES = ROOT / "examples" / "eligibility"
AS_OF = dt.date(2026, 3, 14)
SERVICES = ["centre_services", "case_management", "avrr", *(f"referral.{f}" for f in FLAG_IDS)]
SERVICE_KEYS = {"service", "outcome", "reasons", "missing", "citations"}
SITUATIONS = ("violence", "exploitation", "abuse", "gender_discrimination")
DUTY_TO_REFER = ("Duty to refer: find an alternative service provider to meet the person's needs "
                 "and, where possible, refer them to an appropriate agency.")
PENDING = ("Not eligible for AVRR: the asylum claim is pending; AVRR is open to asylum seekers "
           "only once they withdraw their claim or are found not in need of international "
           "protection.")


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def example(name: str) -> Case:
    return read_subject(EXAMPLES / name, get("case"), strict=True)[0]


def case(**data: Any) -> Case:
    return validate_subject(data, get("case"), strict=True)[0]


def outcomes(c: Case, **kw: Any) -> dict[str, str]:
    return {s.service: s.outcome for s in eligibility(c, as_of=AS_OF, **kw).services}


def test_every_service_of_the_contract_is_answered_in_order() -> None:
    report = eligibility(example("avrr-eligible.yaml"))
    assert [s.service for s in report.services] == SERVICES
    assert report.as_of == AS_OF  # the case's assessed_on


def test_the_json_has_the_contracts_keys_and_is_deterministic() -> None:
    first = run("eligibility", str(EXAMPLES / "first-contact.yaml"), "--format", "json")
    again = run("eligibility", str(EXAMPLES / "first-contact.yaml"), "--format", "json")
    assert first.exit_code == 0 and first.stdout == again.stdout
    doc = json.loads(first.stdout)
    assert {"case", "services", "next_questions"} <= set(doc)
    assert doc["case"]["id"] == "C-2026-0163"
    assert [p["id"] for p in doc["packs"]] == ["eligibility-2023"]
    for s in doc["services"]:
        assert set(s) == SERVICE_KEYS
        assert s["outcome"] in ("eligible", "not_eligible", "unknown")
        assert s["citations"] and all(c["quote"] for c in s["citations"])
    assert {"input", "settles"} <= set(doc["next_questions"][0])


def test_an_informed_migrant_with_a_rejected_claim_is_eligible_for_avrr() -> None:
    got = outcomes(example("avrr-eligible.yaml"))
    assert got["avrr"] == "eligible" and got["centre_services"] == "eligible"
    assert got["case_management"] == "not_eligible"  # no specialised need, low risk
    assert all(got[f"referral.{f}"] == "not_eligible" for f in FLAG_IDS)


def test_a_pending_asylum_claim_closes_avrr_and_says_why_first() -> None:
    avrr = eligibility(example("pending-asylum.yaml")).service("avrr")
    assert avrr.outcome == "not_eligible" and avrr.missing == ()
    assert avrr.reasons[0] == PENDING
    assert any("Beneficiaries may include" in c["quote"] for c in avrr.citations)


def test_suspended_returns_close_avrr_and_no_resources_carry_the_duty_to_refer() -> None:
    report = eligibility(example("suspended-returns-no-capacity.yaml"))
    centre, avrr = report.service("centre_services"), report.service("avrr")
    assert centre.outcome == "not_eligible"
    assert centre.reasons[1] == DUTY_TO_REFER and centre.obligations == (DUTY_TO_REFER,)
    assert avrr.outcome == "not_eligible" and "suspended" in avrr.reasons[0]


@pytest.mark.parametrize(("name", "reason"), [
    ("not-ready-to-return.yaml", "the person does not wish to return"),
    ("not-ready-to-return.yaml", "the person is able and willing to remain"),
    ("not-ready-to-return.yaml", "the decision to return must be an informed one"),
    ("returned-home.yaml", "the person has already returned"),
    ("in-country-of-origin.yaml", "the person is in their country of origin"),
])
def test_each_avrr_refusal_says_which_criterion_is_not_met(name: str, reason: str) -> None:
    avrr = eligibility(example(name)).service("avrr")
    assert avrr.outcome == "not_eligible"
    assert any(reason in r for r in avrr.reasons if r.startswith("Not eligible"))


def test_limited_returns_close_avrr_only_under_the_variant() -> None:
    limited = example("limited-returns.yaml")
    assert outcomes(limited)["avrr"] == "eligible"
    assert outcomes(limited, variants=["limited-returns-block"])["avrr"] == "not_eligible"
    result = run("eligibility", str(EXAMPLES / "limited-returns.yaml"), "--format", "json",
                 "--variant", "limited-returns-block")
    doc = json.loads(result.stdout)
    assert doc["packs"][0]["variants"] == ["limited-returns-block"]
    assert next(s for s in doc["services"] if s["service"] == "avrr")["outcome"] == "not_eligible"


def test_a_programme_band_decides_when_risk_alone_opens_case_management() -> None:
    doc = {"person": {"age": 30, "accompanied_by": "none", "disabilities": []},
           "screening": dict.fromkeys((*FLAG_IDS, *SITUATIONS), False),
           "threats": [{"id": "extortion", "severity": "medium"}],
           "vulnerabilities": [{"id": "debt", "threat": "extortion", "severity": "medium"}],
           "capacities": [], "migration": {"exposure_days": 0}}
    assert outcomes(case(**doc))["case_management"] == "eligible"  # 2 x 2 / 1 = 4: high
    strict = outcomes(case(**doc), parameters={"case_management_min_risk_rank": "4"})
    assert strict["case_management"] == "not_eligible"


def test_an_unknown_service_names_its_missing_inputs_and_the_question_to_ask() -> None:
    report = eligibility(example("first-contact.yaml"))
    avrr = report.service("avrr")
    assert avrr.outcome == "unknown"
    assert set(avrr.missing) == {"intake.unable_or_unwilling_to_remain", "intake.informed_decision",
                                 "intake.asylum_claim", "intake.return_destination_status",
                                 "screening.international_protection_need", "person.age",
                                 "intake.guardian_involved"}
    assert any(r.startswith("Not yet known: Is the person unable or unwilling") for r in
               avrr.reasons)
    first = report.next_questions[0]
    assert first.input == "screening.victim_of_trafficking"
    assert first.settles == ("case_management", "referral.victim_of_trafficking")
    assert first.question == "Did the screening find a victim of trafficking?"
    counts = [len(q.settles) for q in report.next_questions]
    assert counts == sorted(counts, reverse=True)
    assert {q.input for q in report.next_questions} >= {f"intake.{k}" for k in (
        "centre_capacity_available", "asylum_claim", "informed_decision")}


def test_nothing_is_asked_once_every_service_is_settled() -> None:
    report = eligibility(example("avrr-eligible.yaml"))
    assert report.next_questions == ()
    result = run("eligibility", str(EXAMPLES / "avrr-eligible.yaml"))
    # 1: some services are not eligible, the answer no (docs/exit-codes.md)
    assert result.exit_code == 1 and "Nothing to ask: every service is settled." in result.stdout


def test_the_text_is_for_a_caseworker_outcome_reasons_then_ask_next() -> None:
    result = run("eligibility", str(EXAMPLES / "suspended-returns-no-capacity.yaml"))
    assert result.exit_code == 1  # services not eligible: the answer no
    out = result.stdout
    assert "NOT ELIGIBLE  centre_services" in out and DUTY_TO_REFER in out
    assert "Ask next: Did the screening find a victim of trafficking?" in out
    assert out.index("NOT ELIGIBLE  avrr") < out.index("Ask next:")


def test_a_bad_enum_value_is_invalid_input_naming_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("intake: {asylum_claim: maybe}\n")
    result = run("eligibility", str(bad))
    assert result.exit_code == 2
    assert "intake.asylum_claim" in result.stderr and "pending" in result.stderr


def test_an_unknown_intake_key_is_a_warning_or_under_strict_an_error(tmp_path: Path) -> None:
    typo = tmp_path / "typo.yaml"
    typo.write_text("intake: {wishes_to_retrun: true}\n")
    lenient = run("eligibility", str(typo))
    assert lenient.exit_code == 0 and "wishes_to_return" in lenient.stdout  # did you mean
    strict = run("eligibility", str(typo), "--strict")
    assert strict.exit_code == 2 and "intake.wishes_to_retrun" in strict.stderr


@pytest.mark.parametrize(("args", "message"), [
    (("--format", "xml"), "must be one of text, json"),
    (("--as-of", "14/03/2026"), "expected YYYY-MM-DD"),
    (("--as-of", "2022-06-01"), "--as-of: no rule is in force on 2022-06-01"),
    (("--variant", "no-such-variant"), "has no variant 'no-such-variant'"),
    (("--set", "case_management_min_risk_rank=9"), "case_management_min_risk_rank"),
    (("--pack", "nowhere-2023"), "no pack 'nowhere-2023'"),
])
def test_bad_options_are_invalid_input(args: tuple[str, ...], message: str) -> None:
    result = run("eligibility", str(EXAMPLES / "first-contact.yaml"), *args)
    assert result.exit_code == 2
    assert message in result.stderr + result.stdout


def test_a_missing_or_malformed_file_is_invalid_input(tmp_path: Path) -> None:
    assert run("eligibility", str(tmp_path / "none.yaml")).exit_code == 2
    (tmp_path / "list.yaml").write_text("- 1\n")
    assert run("eligibility", str(tmp_path / "list.yaml")).exit_code == 2


def _pack_with(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "eligibility-x"
    shutil.copytree(ROOT / "rules" / "eligibility-2023", folder)
    shutil.copytree(ROOT / "rules" / "domv-2023", tmp_path / "domv-2023")
    path = folder / "centre_services.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return folder


@pytest.mark.parametrize(("old", "new", "message"), [
    ("    tags: [service]\n", "    tags: [service]\n    applies_if: intake.wishes_to_return\n",
     "must apply to every case"),
    ("    outputs: [not_met, met]", "    outputs: [not_met, met, maybe]", "must decide met or not_met"),
    ("check: >\n      decision('elig.centre_services.capacity') == 'met'\n"
     "      and decision('elig.centre_services.programme_criteria') == 'met'\n",
     "check: intake.centre_capacity_available\n", "reads no criterion"),
])
def test_a_malformed_service_is_an_error_naming_it(tmp_path: Path, old: str, new: str,
                                                   message: str) -> None:
    pack = load_eligibility_pack(_pack_with(tmp_path, old, new))
    with pytest.raises(McrulesError, match=message):
        eligibility(case(), pack, AS_OF)


def test_the_api_is_exported_and_takes_packs_and_a_date() -> None:
    assert {"check_eligibility", "EligibilityReport", "load_eligibility_pack"} <= set(mcrules.__all__)
    pack = load_eligibility_pack(as_of=AS_OF)
    # One argument order for every wrapper: the date is a keyword (it was third, positional).
    report = mcrules.check_eligibility(case(), [pack], as_of=AS_OF)
    assert all(s.outcome == "unknown" for s in report.services)
    assert report.to_dict()["as_of"] == "2026-03-14"
    with pytest.raises(McrulesError, match="not in force on 2022-01-01"):
        eligibility(case(), pack, dt.date(2022, 1, 1))
    with pytest.raises(McrulesError, match="service 'avrr' is declared twice"):
        eligibility(case(), [pack, pack], AS_OF)


PROTECTION = ("Not eligible for AVRR: the screening found that the person may need international "
              "protection, and no claim of theirs has been decided or withdrawn.")
NO_GUARDIAN = ("Not eligible for AVRR: the person is a child and no guardian is involved in the "
               "decision to return.")


def test_a_woman_who_may_need_international_protection_with_no_claim_is_not_eligible_for_avrr() \
        -> None:
    report = eligibility(example("protection-need-no-claim.yaml"))
    avrr = report.service("avrr")
    assert avrr.outcome == "not_eligible" and avrr.missing == ()
    assert avrr.reasons[0].startswith(PROTECTION)
    assert any("referral for asylum seekers" in o for o in avrr.obligations)
    assert any("asylum seekers who decide not to pursue their claims" in c["quote"]
               for c in avrr.citations)
    assert report.service("referral.international_protection_need").outcome == "eligible"


@pytest.mark.parametrize(("claim", "outcome"), [
    ("none", "not_eligible"), ("pending", "not_eligible"),
    ("withdrawn", "eligible"), ("rejected", "eligible")])
def test_only_a_decided_or_withdrawn_claim_opens_avrr_to_a_person_who_may_need_protection(
        claim: str, outcome: str) -> None:
    doc = example("protection-need-no-claim.yaml").model_dump(mode="json", exclude_none=True)
    doc["intake"]["asylum_claim"] = claim
    assert outcomes(case(**doc))["avrr"] == outcome


def test_the_protection_screening_answer_is_asked_before_avrr_opens() -> None:
    doc = example("avrr-eligible.yaml").model_dump(mode="json", exclude_none=True)
    doc["intake"]["asylum_claim"] = "none"
    del doc["screening"]["international_protection_need"]
    report = eligibility(case(**doc), as_of=AS_OF)
    avrr = report.service("avrr")
    assert avrr.outcome == "unknown"
    assert avrr.missing == ("screening.international_protection_need",)
    assert any(q.input == "screening.international_protection_need" and "avrr" in q.settles
               for q in report.next_questions)


def test_an_unaccompanied_15_year_old_with_no_guardian_involved_is_not_eligible_for_avrr() -> None:
    report = eligibility(example("unaccompanied-child-no-guardian.yaml"))
    avrr = report.service("avrr")
    assert avrr.outcome == "not_eligible" and avrr.missing == ()
    assert avrr.reasons[0].startswith(NO_GUARDIAN)
    assert any("guardianship authorities should be involved" in c["quote"]
               for c in avrr.citations)
    assert report.service("referral.unaccompanied_or_separated_child").outcome == "eligible"


def test_a_childs_guardian_not_yet_recorded_leaves_avrr_unknown_and_is_asked() -> None:
    doc = example("unaccompanied-child-no-guardian.yaml").model_dump(mode="json",
                                                                     exclude_none=True)
    del doc["intake"]["guardian_involved"]
    report = eligibility(case(**doc), as_of=AS_OF)
    avrr = report.service("avrr")
    assert avrr.outcome == "unknown" and avrr.missing == ("intake.guardian_involved",)
    asked = [q for q in report.next_questions if q.input == "intake.guardian_involved"]
    assert asked and asked[0].settles == ("avrr",)
    doc["intake"]["guardian_involved"] = True
    assert outcomes(case(**doc))["avrr"] == "eligible"


def test_an_unknown_age_is_not_known_to_be_adult_so_avrr_stays_unknown() -> None:
    doc = example("unaccompanied-child-no-guardian.yaml").model_dump(mode="json",
                                                                     exclude_none=True)
    del doc["person"]["age"]
    for guardian in (True, False, None):
        doc["intake"].pop("guardian_involved", None)
        if guardian is not None:
            doc["intake"]["guardian_involved"] = guardian
        avrr = eligibility(case(**doc), as_of=AS_OF).service("avrr")
        assert avrr.outcome == "unknown" and "person.age" in avrr.missing, guardian


def test_the_adult_age_is_domvs_parameter_read_not_copied() -> None:
    doc = example("unaccompanied-child-no-guardian.yaml").model_dump(mode="json",
                                                                     exclude_none=True)
    assert outcomes(case(**doc))["avrr"] == "not_eligible"
    assert outcomes(case(**doc), parameters={"adult_age": "15 year"})["avrr"] == "eligible"


@settings(max_examples=25, deadline=None)
@given(st.one_of(st.integers(-5, 14).map(lambda n: f"{n} year"),
                 st.integers(0, 179).map(lambda n: f"{n} month"),
                 st.floats(0, 14.99, allow_nan=False).map(lambda x: f"{x!r} year")))
def test_an_adult_age_below_15_is_refused_naming_the_bound(value: str) -> None:
    """On main `--set adult_age=1 year` was accepted: every child over one became an adult, and
    AVRR was open to them without a guardian. Below 15 is refused (programme policy), as exit 2
    naming the parameter and the bound."""
    with pytest.raises(McrulesError, match=r"adult_age: .*must be >= 15 year \(its minimum\)"):
        outcomes(example("unaccompanied-child-no-guardian.yaml"),
                 parameters={"adult_age": value})
    result = run("eligibility", str(EXAMPLES / "unaccompanied-child-no-guardian.yaml"),
                 "--set", f"adult_age={value}")
    assert result.exit_code == 2
    assert "adult_age" in result.output and ">= 15 year (its minimum)" in result.output


@settings(max_examples=15, deadline=None)
@given(st.integers(15, 30), st.integers(0, 40))
def test_an_adult_age_of_15_or_more_decides_who_is_a_child(adult: int, age: int) -> None:
    doc = example("unaccompanied-child-no-guardian.yaml").model_dump(mode="json",
                                                                     exclude_none=True)
    doc["person"]["age"] = age
    avrr = outcomes(case(**doc), parameters={"adult_age": f"{adult} year"})["avrr"]
    assert (avrr == "not_eligible") == (age < adult)


@pytest.mark.parametrize(("name", "reason"), [
    ("protection-need-no-claim.yaml", PROTECTION),
    ("unaccompanied-child-no-guardian.yaml", NO_GUARDIAN)])
def test_the_cli_shows_the_new_avrr_refusals_as_a_caseworker_reads_them(name: str,
                                                                         reason: str) -> None:
    result = run("eligibility", str(EXAMPLES / name))
    assert result.exit_code == 1  # a service not eligible is the answer no (docs/exit-codes.md)
    block = result.stdout.split("NOT ELIGIBLE  avrr", 1)[1]
    assert block.lstrip().startswith(f"- {reason}")


def _screened(**answers: bool) -> Case:
    """An adult at low risk whose every screening answer is no, but for `answers`."""
    return case(person={"age": 30, "accompanied_by": "none", "disabilities": []},
                screening={**dict.fromkeys((*FLAG_IDS, *SITUATIONS), False), **answers},
                threats=[], vulnerabilities=[], capacities=[{"id": "savings", "strength": "medium"}],
                migration={"exposure_days": 10})


@pytest.mark.parametrize("situation", SITUATIONS)
def test_each_situation_the_modules_screening_lists_name_opens_case_management(
        situation: str) -> None:
    assert outcomes(_screened())["case_management"] == "not_eligible"
    report = eligibility(_screened(**{situation: True}), as_of=AS_OF)
    cm = report.service("case_management")
    assert cm.outcome == "eligible"
    assert cm.reasons[0].startswith(f"The screening found that the person experienced "
                                    f"{situation.replace('_', ' ')}")
    # a situation is not a specialised-needs flag: it opens no referral of its own
    assert all(report.service(f"referral.{f}").outcome == "not_eligible" for f in FLAG_IDS)


def test_an_unasked_situation_holds_case_management_open_rather_than_refusing_it() -> None:
    doc = _screened().model_dump(mode="json", exclude_none=True)
    del doc["screening"]["exploitation"]
    report = eligibility(case(**doc), as_of=AS_OF)
    assert report.service("case_management").outcome == "unknown"
    assert report.service("case_management").missing == ("screening.exploitation",)


@pytest.mark.parametrize(("situation", "variant"), [
    ("gender_discrimination", "screening-list-blue"),
    ("violence", "screening-list-yellow-red")])
def test_each_modules_own_screening_list_is_one_variant_away(situation: str,
                                                              variant: str) -> None:
    only = _screened(**{situation: True})
    assert outcomes(only)["case_management"] == "eligible"
    assert outcomes(only, variants=[variant])["case_management"] == "not_eligible"


def test_the_handbooks_case_management_for_all_clients_is_one_variant_away() -> None:
    assert outcomes(_screened())["case_management"] == "not_eligible"
    assert outcomes(_screened(), variants=["case-management-all-clients"])[
        "case_management"] == "eligible"


def test_the_no_resources_refusal_quotes_the_handbooks_example_and_claims_no_only_ground() -> None:
    centre = eligibility(example("suspended-returns-no-capacity.yaml")).service("centre_services")
    assert centre.outcome == "not_eligible"
    assert '"for example, due to a lack of resources"' in centre.reasons[0]
    assert not any("only ground" in r for r in centre.reasons)
    assert any("for example, due to a lack of resources" in c["quote"] for c in centre.citations)


def test_a_programmes_own_admission_criteria_are_a_parameter_labelled_programme_policy() -> None:
    pack = load_eligibility_pack(as_of=AS_OF)
    param = pack.parameters["centre_services_own_criteria"]
    assert param.description.startswith("Programme policy, not IOM's")
    served = case(intake={"centre_capacity_available": True})
    assert outcomes(served)["centre_services"] == "eligible"  # no criteria of its own by default
    own = {"centre_services_own_criteria": "1"}
    assert outcomes(served, parameters=own)["centre_services"] == "unknown"
    refused = eligibility(case(intake={"centre_capacity_available": True,
                                       "programme_criteria_met": False}),
                          as_of=AS_OF, parameters=own).service("centre_services")
    assert refused.outcome == "not_eligible" and refused.obligations == (DUTY_TO_REFER,)


def test_a_childs_guardian_is_the_question_asked_next_when_it_is_the_one_left() -> None:
    report = eligibility(example("unaccompanied-child-guardian-not-asked.yaml"))
    assert report.service("avrr").outcome == "unknown"
    assert [(q.input, q.settles) for q in report.next_questions] == [
        ("intake.guardian_involved", ("avrr",))]


def test_medical_needs_alone_do_not_open_case_management() -> None:
    """The manual's case management is for "complex and multiple needs" (domv-2023's
    assess.complex_needs): a person whose only need is medical gets the centre's health care and
    a referral to a clinic, not case management on that ground."""
    report = eligibility(_screened(medical_needs=True), as_of=AS_OF)
    cm = report.service("case_management")
    assert cm.outcome == "not_eligible" and cm.missing == ()
    assert report.service("referral.medical_needs").outcome == "eligible"
    assert outcomes(_screened(psychological_needs=True))["case_management"] == "not_eligible"


@pytest.mark.parametrize("needs", [
    {"medical_needs": True, "psychological_needs": True},
    {"severe_mental_disorder": True},
    *({flag: True} for flag in ("victim_of_trafficking", "gbv_survivor", "sogiesc",
                                "person_with_disability", "international_protection_need")),
])
def test_complex_needs_open_case_management(needs: dict[str, bool]) -> None:
    cm = eligibility(_screened(**needs), as_of=AS_OF).service("case_management")
    assert cm.outcome == "eligible"
    assert any(r.startswith("The screening found complex needs") for r in cm.reasons)


@pytest.mark.parametrize("unasked", ["psychological_needs", "severe_mental_disorder"])
def test_a_missing_answer_behind_complex_needs_leaves_case_management_unknown(
        unasked: str) -> None:
    """Fail closed: with medical needs found and an answer complex needs turns on still
    missing, case management is unknown and asks it, never refused."""
    doc = _screened(medical_needs=True).model_dump(mode="json", exclude_none=True)
    del doc["screening"][unasked]
    cm = eligibility(case(**doc), as_of=AS_OF).service("case_management")
    assert cm.outcome == "unknown" and f"screening.{unasked}" in cm.missing


def test_a_severe_mental_disorder_is_its_own_referral_service_an_error_to_miss() -> None:
    """The centre "shall" refer a severe mental health disorder to specialised mental health
    services: a referral service of its own (severity error, the verb's), not the MHPSS one."""
    pack = load_eligibility_pack(as_of=AS_OF)
    rule = next(r for r in pack.rules if r.id == "elig.referral.severe_mental_disorder")
    assert "service" in rule.tags and rule.severity == "error"
    assert any("A clear system shall be put in place" in c.quote for c in rule.citations)
    report = eligibility(_screened(severe_mental_disorder=True), as_of=AS_OF)
    assert report.service("referral.severe_mental_disorder").outcome == "eligible"
    assert report.service("referral.psychological_needs").outcome == "not_eligible"
    alone = eligibility(_screened(psychological_needs=True), as_of=AS_OF)
    assert alone.service("referral.severe_mental_disorder").outcome == "not_eligible"
    doc = _screened(psychological_needs=True).model_dump(mode="json", exclude_none=True)
    del doc["screening"]["severe_mental_disorder"]
    unasked = eligibility(case(**doc), as_of=AS_OF).service("referral.severe_mental_disorder")
    assert unasked.outcome == "unknown"
    assert unasked.missing == ("screening.severe_mental_disorder",)


@pytest.mark.parametrize("need", ["medical_needs", "psychological_needs"])
def test_a_single_need_opening_case_management_is_one_variant_away(need: str) -> None:
    alone = _screened(**{need: True})
    assert outcomes(alone)["case_management"] == "not_eligible"
    assert outcomes(alone, variants=["case-management-single-needs"])[
        "case_management"] == "eligible"
    assert outcomes(_screened(), variants=["case-management-single-needs"])[
        "case_management"] == "not_eligible"
