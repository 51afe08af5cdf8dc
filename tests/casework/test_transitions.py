"""The transition table's laws, and the guard pack judged the same by both evaluators."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mcrules.casework import CASE_EVENT, TABLE, TRANSITION_GUARD, allowed_actions, check_history
from mcrules.casework.check import load_casework_pack
from mcrules.casework.transitions import OPEN, TERMINAL
from mcrules.engine.check import evaluator
from mcrules.engine.columnar import ColumnarEvaluator
from mcrules.engine.columns import batch_from_facts
from mcrules.engine.outcomes import CODE_TO_OUTCOME, Code
from mcrules.facts import facts_of
from mcrules.models.casework import CaseAction, CaseEventFacts, CaseState
from tests.casework.histories import ev, history, to_implementation

LAW = settings(max_examples=30, deadline=None)


def test_withdrawal_is_allowed_from_every_open_state_and_closes_the_case() -> None:
    assert all(TABLE[s][CaseAction.WITHDRAW] is CaseState.CLOSED for s in OPEN)


def test_closed_and_transferred_cases_allow_nothing() -> None:
    assert all(not TABLE[s] for s in TERMINAL)


def test_every_state_names_the_actions_it_allows_in_step_order() -> None:
    assert allowed_actions(CaseState.IDENTIFICATION) == (
        CaseAction.VERIFY_ELIGIBILITY, CaseAction.REGISTER, CaseAction.REFER,
        CaseAction.REPORT_TO_POLICE, CaseAction.CLOSE, CaseAction.WITHDRAW)


def test_referrals_and_police_reports_leave_every_open_step_after_identification_where_it_is(
) -> None:
    for state in OPEN:
        for action in (CaseAction.REFER, CaseAction.REPORT_TO_POLICE):
            assert TABLE[state].get(action) is (None if state is CaseState.NEW else state)


# A prefix of a full walk reaches each state; the event after it is any action.
_PREFIXES = [to_implementation()[:n] for n in range(7)]


@LAW
@given(st.sampled_from(range(7)), st.sampled_from(list(CaseAction)))
def test_every_transition_the_table_does_not_allow_is_refused_with_its_reason(
        n: int, action: CaseAction) -> None:
    prefix = _PREFIXES[n]
    state = check_history(history(prefix)).state
    keys: dict[str, Any] = {"verify_eligibility": {"result": "eligible"},
                            "review": {"result": "continue"},
                            "transfer": {"to": {"type": "internal_office"}, "handover_plan": True},
                            "refer": {"to": {"type": "ngo", "name": "Women's shelter"}},
                            "report_to_police": {"requested_by_person": True},
                            "close": {"reason": "support_ended", "prepared": True,
                                      "unmet_needs_reviewed": True}}.get(action.value, {})
    report = check_history(history([*prefix, ev(action.value, "2026-02-06", **keys)]))
    last = report.events[-1]
    if action in TABLE[CaseState(state)]:
        assert all(v.guard != TRANSITION_GUARD for v in last.violations)
    else:
        assert [v.guard for v in last.violations] == [TRANSITION_GUARD]
        assert f"the case is in {state}, where {action.value} cannot come next" in \
            last.violations[0].reason
        assert last.state_after == state


_facts = st.fixed_dictionaries({
    "state": st.sampled_from([s.value for s in CaseState]),
    "action": st.sampled_from([a.value for a in CaseAction]),
    "transition_allowed": st.booleans(),
    "person": st.fixed_dictionaries({"child": st.sampled_from([True, False, None])}),
    "eligibility": st.fixed_dictionaries({"verified": st.booleans()}),
    "consent": st.fixed_dictionaries({"valid": st.sampled_from([True, False, None]),
                                      "assent": st.sampled_from([True, False, None])}),
    "plan": st.fixed_dictionaries({
        "objectives": st.integers(0, 3), "unmeasurable_objectives": st.integers(0, 3),
        "actions": st.integers(0, 3), "actions_without_responsible": st.integers(0, 3),
        "actions_without_due": st.integers(0, 3), "monitoring": st.booleans(),
        "feedback": st.booleans(), "beneficiary_participation": st.booleans()}),
    "transfer": st.fixed_dictionaries({
        "to": st.sampled_from(["internal_office", "government", "ngo", None]),
        "handover_plan": st.sampled_from([True, False, None])}),
    "closure": st.fixed_dictionaries({
        "reason_stated": st.booleans(),
        "deceased": st.booleans(),
        "prepared": st.sampled_from([True, False, None]),
        "unmet_needs_reviewed": st.sampled_from([True, False, None])}),
})


@LAW
@given(st.lists(_facts, min_size=1, max_size=8),
       st.sampled_from([(), ("blue-transfer-consent-should",)]))
def test_scalar_and_columnar_evaluators_agree_on_every_guard(docs: list[dict[str, Any]],
                                                             variants: tuple[str, ...]) -> None:
    pack = load_casework_pack(variants=variants)
    on = dt.date(2026, 3, 14)
    facts = [facts_of(CaseEventFacts.model_validate(d), CASE_EVENT.name) for d in docs]
    columns = ColumnarEvaluator(pack).evaluate(batch_from_facts(facts, CASE_EVENT.schema()),
                                               as_of=on)
    for row, f in enumerate(facts):
        for r in evaluator(pack).run(f, as_of=on).results:
            got = CODE_TO_OUTCOME[Code(int(columns.codes[r.rule.id][row]))]
            assert got is r.outcome, (r.rule.id, docs[row])
            if r.measured is not None:
                m = float(columns.measured[r.rule.id][row])
                assert float(r.measured) == m, (r.rule.id, docs[row])


def test_the_docs_table_of_states_is_the_transition_table() -> None:
    from tests.conftest import ROOT

    doc = (ROOT / "docs" / "casework.md").read_text()
    for state in OPEN:
        row = f"| `{state.value}` | {', '.join(a.value for a in allowed_actions(state))} |"
        assert row in doc, row
