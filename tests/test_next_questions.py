"""The next question to ask is exact under the three-valued logic: each listed question has an
answer that settles a verdict it was listed for, and no answer to an unlisted missing input
settles any unknown verdict."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from hypothesis import given, settings

from mcrules.engine.questions import _ITEM_PATH, next_questions, pending
from mcrules.engine.scalar import ScalarEvaluator
from tests.subjects.casefile import support
from tests.subjects.casefile.model import Need, Severity, Stage, Strength
from tests.subjects.casefile.strategies import AS_OF, case_files

_DAYS = [float((AS_OF + dt.timedelta(days=d)).toordinal()) for d in range(-800, 800, 3)]
_SEVERITIES = [float(i) for i in range(len(Severity))]
_STRENGTHS = [float(i) for i in range(len(Strength))]
# An answer domain chosen independently of the engine's own candidates.
_DOMAIN: dict[str, list[Any]] = {
    "assessed_on": _DAYS, "consent_valid_until": _DAYS,
    "age": [float(a) for a in range(0, 121)],
    "accompanied": [True, False],
    "stage": [s.value for s in Stage],
    "exposure_days": [x / 2 for x in range(0, 241)],
    "needs": [frozenset(c) for n in range(4) for c in itertools.combinations(
        [x.value for x in Need], n)],
}
_ITEM_DOMAIN: dict[str, dict[str, list[Any]]] = {
    "threats": {"severity": _SEVERITIES, "since": _DAYS[::5]},
    "capacities": {"strength": _STRENGTHS},
}


def _answers(path: str, facts: dict[str, Any]) -> list[dict[str, Any]]:
    m = _ITEM_PATH.match(path)
    if m:
        coll, i, name = m["coll"], int(m["index"]), m["field"]
        out = []
        for v in _ITEM_DOMAIN[coll][name]:
            items = [dict(it) for it in facts[coll]]
            items[i][f"item.{name}"] = v
            out.append({**facts, coll: items})
        return out
    if path in _ITEM_DOMAIN:
        fields = _ITEM_DOMAIN[path]
        lists: list[list[dict[str, Any]]] = [[]]
        names = list(fields)
        for combo in itertools.product(*(fields[n][::max(1, len(fields[n]) // 6)] for n in names)):
            item = {f"item.{n}": v for n, v in zip(names, combo, strict=True)}
            item["item.__label__"] = "x"
            lists += [[item], [item, item], [item] * 3]
        return [{**facts, path: items} for items in lists]
    return [{**facts, path: v} for v in _DOMAIN[path]]


def _concrete(ev: Any, facts: dict[str, Any]) -> set[str]:
    out: set[str] = set()
    for missing in pending(ev).values():
        for m in missing:
            if m.startswith("item."):
                out |= {f"threats[{i}].{m[5:]}" for i, it in enumerate(facts["threats"] or ())
                        if it.get(m) is None}
            else:
                out.add(m)
    return out


@settings(max_examples=25, deadline=None)
@given(doc=case_files())
def test_listed_questions_settle_and_unlisted_ones_settle_nothing(doc: dict[str, Any]) -> None:
    evaluator = ScalarEvaluator(support.pack())
    facts = support.facts(doc)
    ev = evaluator.run(facts, as_of=AS_OF)
    todo = pending(ev)
    questions = next_questions(evaluator, facts, AS_OF, ev)
    listed = {q.input: q for q in questions}
    for q in questions:
        assert q.settles and set(q.settles) <= set(todo)
        hit = False
        for answer in _answers(q.input, facts):
            after = pending(evaluator.run(answer, as_of=AS_OF))
            if any(t not in after for t in q.settles):
                hit = True
                break
        assert hit, (q, doc)
    for path in _concrete(ev, facts) - set(listed):
        for answer in _answers(path, facts):
            after = pending(evaluator.run(answer, as_of=AS_OF))
            assert set(todo) <= set(after), (path, doc, set(todo) - set(after))


def test_questions_are_ranked_by_how_much_they_settle() -> None:
    evaluator = ScalarEvaluator(support.pack())
    facts = support.facts({"age": 15, "stage": "transit",
                           "threats": [{"id": "arrest", "severity": "high"}]})
    questions = next_questions(evaluator, facts, AS_OF)
    counts = [len(q.settles) for q in questions]
    assert counts == sorted(counts, reverse=True)
    first, second = questions[0], questions[1]
    # The capacities settle four verdicts since the pack weighs them on a rank scale
    # (case.weighted_risk); the consent's end date three.
    assert first.input == "capacities"
    assert set(first.settles) == {"case.capacity", "case.capacity.matches_threats",
                                  "case.escalation", "case.weighted_risk"}
    assert second.input == "consent_valid_until"
    assert set(second.settles) == {"case.consent.current", "case.consent.since_policy",
                                   "case.sharing"}
    assert "threats[0].since" in {q.input for q in questions}


def test_a_complete_case_file_has_no_next_question() -> None:
    evaluator = ScalarEvaluator(support.pack())
    doc = {"age": 30, "accompanied": True, "stage": "destination", "exposure_days": 3,
           "assessed_on": "2026-03-30", "consent_valid_until": "2027-01-01", "needs": [],
           "threats": [{"id": "robbery", "severity": "low", "since": "2026-01-01"}],
           "capacities": [{"id": "family", "strength": "high"}]}
    assert next_questions(evaluator, support.facts(doc), AS_OF) == ()
