"""The public domain functions are thin wrappers over `mcrules.evaluate`: on every shipped example
each gives what its domain module's own function gives for the same document, packs and date,
and what `evaluate` attaches to its report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import mcrules
from mcrules.assessment import assess
from mcrules.casework import check as casework
from mcrules.eligibility import services
from mcrules.io.case_history import read_case_history
from mcrules.sharing import decide
from mcrules.site import check as site
from mcrules.subjects import get

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
ON = dt.date(2026, 5, 1)


def files(folder: str) -> list[Path]:
    return sorted(p for p in (EXAMPLES / folder).glob("*.y*ml"))


@pytest.mark.parametrize("path", files("cases"), ids=lambda p: p.name)
def test_assess_case_is_the_assessment_part_of_evaluate(path: Path) -> None:
    case, _ = mcrules.read_subject(path, get("case"))
    wrapped = mcrules.assess_case(case, as_of=ON)
    assert wrapped.as_dict() == assess.assess_case(case, as_of=ON).as_dict()
    report = mcrules.evaluate("case", case, packs=["domv-2023"], as_of=ON)
    assert report.attachment("assessment").assessment.as_dict() == wrapped.as_dict()


@pytest.mark.parametrize("path", files("eligibility"), ids=lambda p: p.name)
def test_check_eligibility_is_the_eligibility_part_of_evaluate(path: Path) -> None:
    case, _ = mcrules.read_subject(path, get("case"))
    wrapped = mcrules.check_eligibility(case)      # as of the case's assessed_on, as before
    assert wrapped.to_dict() == services.eligibility(case).to_dict()
    # The part ranks the next questions by the services they settle, though evaluate's report
    # was made for every verdict of the pack (it ranked them by all, in another order).
    report = mcrules.evaluate("case", case, packs=["eligibility-2023"])
    assert report.attachment("eligibility").eligibility.to_dict() == wrapped.to_dict()


@pytest.mark.parametrize("path", files("casework"), ids=lambda p: p.name)
def test_check_history_is_the_casework_part_of_evaluate(path: Path) -> None:
    history = read_case_history(path)
    wrapped = mcrules.check_history(history, as_of=ON)
    assert wrapped.to_dict() == casework.check_history(history).to_dict()


@pytest.mark.parametrize("path", [p for p in files("sharing") if p.name != "case-history.yaml"],
                         ids=lambda p: p.name)
def test_decide_sharing_is_the_sharing_part_of_evaluate(path: Path) -> None:
    request, _ = mcrules.read_subject(path, get("sharing_request"))
    history = read_case_history(EXAMPLES / "sharing" / "case-history.yaml")
    wrapped = mcrules.decide_sharing(request, as_of=ON, history=history)
    assert wrapped.as_dict() == decide.decide_sharing(request, history=history,
                                                      as_of=ON).as_dict()


@pytest.mark.parametrize("path", [EXAMPLES / "transit-centre.yaml",
                                  EXAMPLES / "compliant-shelter.yaml",
                                  EXAMPLES / "riverside-centre.yaml"], ids=lambda p: p.name)
def test_check_site_is_evaluate(path: Path) -> None:
    model, _ = mcrules.read_site(path)
    wrapped = mcrules.check_site(model, as_of=ON)
    own = site.check_site(model, as_of=ON)
    assert wrapped.results == own.results and wrapped.as_of == own.as_of == ON
    assert mcrules.evaluate("site", model, as_of=ON).results == wrapped.results


def test_a_site_files_layout_is_read_and_measured_through_the_wrapper() -> None:
    path = EXAMPLES / "layout" / "transit-centre.yaml"
    by_path = mcrules.check_site(path, as_of=ON)
    read = mcrules.read_site_file(path)
    by_model = mcrules.check_site(read.site, as_of=ON, layout=read.layout)
    assert "layout" in by_path.attachments and by_path.summary == by_model.summary
    assert by_path.summary["fail"] >= 1


def test_evaluating_again_reuses_the_configured_packs_and_their_compiled_evaluators() -> None:
    from mcrules.engine.check import evaluator

    site, _ = mcrules.read_site(EXAMPLES / "compliant-shelter.yaml")
    first = mcrules.check_site(site, as_of=ON, variants=["sphere-water-15"])
    before = evaluator.cache_info()
    again = mcrules.check_site(site, as_of=ON, variants=["sphere-water-15"])
    after = evaluator.cache_info()
    assert again.results == first.results
    assert after.misses == before.misses and after.hits > before.hits


def test_configured_packs_are_cached_by_value_and_type_never_by_equality_alone() -> None:
    from mcrules.subjects.packs import configured, load_subject_pack

    pack = load_subject_pack("mct-2023")
    one = configured(pack, (), {"people_per_toilet": 15}, ON)
    assert configured(pack, [], {"people_per_toilet": 15}, ON) is one
    assert configured(pack, (), {"people_per_toilet": 15.0}, ON) is not one
    # True == 1 and hash alike: a cached 1 must not stand in for a True configure refuses.
    configured(pack, (), {"people_per_toilet": 1}, ON)
    with pytest.raises(mcrules.McrulesError):
        configured(pack, (), {"people_per_toilet": True}, ON)
    # An unhashable value is configure's own error, not the cache's.
    with pytest.raises(mcrules.McrulesError, match="people_per_toilet"):
        configured(pack, (), {"people_per_toilet": [15]}, ON)
