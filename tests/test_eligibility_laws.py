"""The laws of eligibility the issue asks proven, over case files with any key absent.

Supplying a missing input never turns `eligible` or `not_eligible` into `unknown` (nor into
each other); some answer to the first next question settles at least one pending service,
checked over answers drawn independently of the engine's own search; immigration status
(documents, the asylum claim) never changes the centre's services. Return and protection:
supplying a possible need for international protection never makes AVRR eligible, and no child
(nor anyone whose age is unknown) is eligible for AVRR without a guardian involved. The scalar
and columnar evaluators agree on every rule and decision of the pack.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcrules.assessment import FLAG_IDS
from mcrules.eligibility import EligibilityReport, eligibility, load_eligibility_pack
from mcrules.engine.check import evaluator
from mcrules.engine.outcomes import Outcome
from mcrules.models.case import Case
from mcrules.subjects import get
from tests.agreement import assert_facts_agree
from tests.case_strategies import SEVERITIES, any_cases

AS_OF = dt.date(2026, 3, 14)
PACK = load_eligibility_pack(as_of=AS_OF)
CASE = get("case")
FLAGS = list(FLAG_IDS)
# The screening answers the modules' lists name beyond the assessment's flags (case management).
SITUATIONS = ["violence", "exploitation", "abuse", "gender_discrimination"]
INTAKE: dict[str, st.SearchStrategy[Any]] = {
    "wishes_to_return": st.booleans(),
    "unable_or_unwilling_to_remain": st.booleans(),
    "informed_decision": st.booleans(),
    "asylum_claim": st.sampled_from(["none", "pending", "withdrawn", "rejected"]),
    "return_destination_status": st.sampled_from(["open", "limited", "suspended"]),
    "centre_capacity_available": st.booleans(),
    "guardian_involved": st.booleans(),
    "programme_criteria_met": st.booleans(),
}
STAGES = st.sampled_from(["origin", "transit", "destination", "return"])


@st.composite
def eligibility_cases(draw: st.DrawFn) -> dict[str, Any]:
    """A case file as an app sends it for eligibility: the assessment with any key absent, an
    intake block with any answer absent, the stage of migration or not."""
    doc = draw(any_cases())
    if draw(st.booleans()):
        doc["intake"] = draw(st.fixed_dictionaries({}, optional=INTAKE))
    if draw(st.booleans()):
        doc.setdefault("migration", {})["stage"] = draw(STAGES)
    if draw(st.booleans()):
        doc.setdefault("screening", {}).update(draw(st.fixed_dictionaries(
            {}, optional=dict.fromkeys(SITUATIONS, st.booleans()))))
    return doc


def _answers(doc: dict[str, Any]) -> dict[str, st.SearchStrategy[Any]]:
    """For each input the pack reads that `doc` leaves out, the answers a caseworker may give."""
    out: dict[str, st.SearchStrategy[Any]] = {}
    for key, values in INTAKE.items():
        if key not in doc.get("intake", {}):
            out[f"intake.{key}"] = values
    for flag in (*FLAGS, *SITUATIONS):
        if flag not in doc.get("screening", {}):
            out[f"screening.{flag}"] = st.booleans()
    person = doc.get("person", {})
    for key, values in (("age", st.integers(0, 90)),
                        ("accompanied_by", st.sampled_from(["parent", "legal_guardian",
                                                            "other_adult", "none"])),
                        ("disabilities", st.lists(st.sampled_from(["physical", "sensory"]),
                                                  unique=True, max_size=2))):
        if key not in person:
            out[f"person.{key}"] = values
    migration = doc.get("migration", {})
    if "stage" not in migration:
        out["migration.stage"] = STAGES
    if "exposure_days" not in migration:
        out["migration.exposure_days"] = st.sampled_from([0, 10, 45, 90, 400])
    referenced = sorted({v["threat"] for v in doc.get("vulnerabilities", [])})
    if "threats" not in doc:
        out["threats"] = st.lists(st.sampled_from(SEVERITIES), max_size=2).map(
            lambda sev: [{"id": t, "severity": "high"} for t in referenced]
            + [{"id": f"extra{i}", "severity": s} for i, s in enumerate(sev)])
    if "vulnerabilities" not in doc:
        out["vulnerabilities"] = st.just([])
    if "capacities" not in doc:
        out["capacities"] = st.lists(st.sampled_from(["none", "low", "high"]), max_size=2).map(
            lambda strengths: [{"id": f"c{i}", "strength": s} for i, s in enumerate(strengths)])
    return out


def _supplied(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    return _answered(doc, {path: value})


def _answered(doc: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """A copy of `doc` with each dotted path set to its answer, or left out when it is None."""
    out = copy.deepcopy(doc)
    for path, value in answers.items():
        *parents, name = path.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node.pop(name, None)
        if value is not None:
            node[name] = value
    return out


def _outcomes(doc: dict[str, Any]) -> dict[str, str]:
    report = eligibility(Case.model_validate(doc), PACK, AS_OF)
    return {s.service: s.outcome for s in report.services}


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=eligibility_cases(), data=st.data())
def test_supplying_a_missing_input_never_unsettles_a_service(doc: dict[str, Any],
                                                             data: st.DataObject) -> None:
    answers = _answers(doc)
    path = data.draw(st.sampled_from(sorted(answers)))
    value = data.draw(answers[path])
    before, after = _outcomes(doc), _outcomes(_supplied(doc, path, value))
    for service, outcome in before.items():
        if outcome != "unknown":
            assert after[service] == outcome, (service, path, value, doc)


def _domain(path: str, facts: dict[str, Any]) -> list[Any]:
    """Answers to one missing input in the facts' encoding, drawn from the schema, not from the
    engine's question search: every value of a finite field, a grid of numbers, lists of items."""
    schema = CASE.schema()
    spec = schema.fields.get(path)
    if spec is not None:
        if spec.kind == "bool":
            return [True, False]
        if spec.kind == "enum":
            return list(spec.choices)
        if spec.kind == "ordinal":
            return [float(i) for i in range(len(spec.choices))]
        if spec.kind == "set":
            return [frozenset(), *(frozenset({c}) for c in spec.choices)]
        return [float(n) for n in (0, 1, 5, 10, 15, 17, 18, 30, 45, 60, 90, 365, 1000)]
    coll = schema.collections[path]
    items = []
    for i, rank in enumerate(range(4)):
        item: dict[str, Any] = {f"item.{k}": None for k in coll.fields}
        item.update({"item.id": f"x{i}", "item.__label__": f"x{i}"})
        for k, f in coll.fields.items():
            if f.kind == "ordinal":
                item[f"item.{k}"] = float(min(rank, len(f.choices) - 1))
            elif k == "threat":
                item[f"item.{k}"] = "x0"
        items.append(item)
    return [[], *([it] for it in items), items]


def _pending(report: EligibilityReport) -> set[str]:
    return {s.rule for s in report.services if s.outcome == "unknown"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=eligibility_cases())
def test_some_answer_to_the_first_question_settles_a_pending_service(doc: dict[str, Any]) -> None:
    report = eligibility(Case.model_validate(doc), PACK, AS_OF)
    pending = _pending(report)
    if not pending or not report.next_questions:
        return
    first = report.next_questions[0]
    facts = CASE.facts(Case.model_validate(doc))
    assert facts.get(first.input) is None, first
    ev = evaluator(PACK)
    settled = set()
    for answer in _domain(first.input, facts):
        run = ev.run({**facts, first.input: answer}, as_of=AS_OF)
        settled |= {r.rule.id for r in run.results
                    if r.rule.id in pending and r.outcome is not Outcome.UNKNOWN}
    assert settled, (first, doc)
    named = {s.rule for s in report.services if s.service in first.settles}
    assert named <= pending


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=eligibility_cases())
def test_immigration_status_never_changes_the_centres_services(doc: dict[str, Any]) -> None:
    seen = set()
    for documents in ("valid", "expired", "none", None):
        for claim in ("none", "pending", "withdrawn", "rejected", None):
            variant = _answered(doc, {"person.documents": documents,
                                      "intake.asylum_claim": claim})
            centre = eligibility(Case.model_validate(variant), PACK, AS_OF).service(
                "centre_services")
            seen.add((centre.outcome, centre.reasons, centre.missing))
    assert len(seen) == 1, seen


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(docs=st.lists(eligibility_cases(), min_size=1, max_size=8))
def test_scalar_and_columnar_agree_on_every_service_and_criterion(
        docs: list[dict[str, Any]]) -> None:
    facts = [CASE.facts(Case.model_validate(d)) for d in docs]
    assert_facts_agree(PACK, CASE.schema(), facts, AS_OF, docs)


OPEN_CLAIMS = ("none", "pending")  # no claim decided or withdrawn


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=eligibility_cases())
def test_supplying_a_protection_need_never_makes_avrr_eligible(doc: dict[str, Any]) -> None:
    before = _outcomes(doc)["avrr"]
    after = _outcomes(_supplied(doc, "screening.international_protection_need", True))["avrr"]
    assert after != "eligible" or before == "eligible", doc
    # With no claim decided or withdrawn, the need closes AVRR outright, whatever else is missing.
    if doc.get("intake", {}).get("asylum_claim") in OPEN_CLAIMS:
        assert after == "not_eligible", doc


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=eligibility_cases(), age=st.one_of(st.none(), st.integers(0, 17)),
       guardian=st.sampled_from([None, False]))
def test_a_child_is_never_eligible_for_avrr_without_a_guardian_involved(
        doc: dict[str, Any], age: int | None, guardian: bool | None) -> None:
    """For a child (and for a person whose age is not known, who is not known to be an adult),
    AVRR is never eligible unless `intake.guardian_involved` is true; with an unknown age, not
    even then."""
    doc = _answered(doc, {"person.age": age, "intake.guardian_involved": guardian})
    assert _outcomes(doc)["avrr"] != "eligible", doc
    if age is None:
        doc = _answered(doc, {"intake.guardian_involved": True})
        assert _outcomes(doc)["avrr"] != "eligible", doc


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=eligibility_cases(),
       alone=st.sampled_from([("medical_needs", "psychological_needs"),
                              ("psychological_needs", "medical_needs")]))
def test_medical_or_psychological_needs_alone_never_open_case_management(
        doc: dict[str, Any], alone: tuple[str, str]) -> None:
    """Case management is for complex and multiple needs: with the other of the two known
    absent, medical (or psychological) needs change nothing about case management, found or
    not; with both found, complex needs open it whatever else is missing."""
    need, other = alone
    base = _answered(doc, {f"screening.{other}": False})
    found = _outcomes(_answered(base, {f"screening.{need}": True}))["case_management"]
    absent = _outcomes(_answered(base, {f"screening.{need}": False}))["case_management"]
    assert found == absent, doc
    both = _answered(doc, {f"screening.{need}": True, f"screening.{other}": True})
    assert _outcomes(both)["case_management"] == "eligible", doc
