"""Evaluate packs on one subject's facts and gather a Report: the scalar path every subject shares."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from functools import lru_cache
from typing import Any

from mcrules.engine.outcomes import DecisionResult, Result, ValueResult
from mcrules.engine.questions import Question, next_questions
from mcrules.engine.report import PackInfo, Report
from mcrules.engine.scalar import ScalarEvaluator
from mcrules.rules.pack import Pack


@lru_cache(maxsize=32)
def evaluator(pack: Pack) -> ScalarEvaluator:
    """The compiled scalar evaluator of a pack, kept so repeated checks compile once."""
    return ScalarEvaluator(pack, alternatives=True)


@lru_cache(maxsize=32)
def _on_date(pack: Pack, on: dt.date) -> Pack:
    """`pack.on_date(on)`, the same object each time (so `evaluator` compiles it once)."""
    return pack.on_date(on)


def check_facts(facts: Mapping[str, Any], packs: Sequence[Pack], *, subject_name: str,
                about: Mapping[str, Any], as_of: dt.date | None = None,
                warnings: Sequence[str] = (),
                questions: bool = True, ask_for: Collection[str] | None = None) -> Report:
    """Every rule, value and decision of `packs` on `facts`, on `as_of` (the caller's date: the
    engine reads no clock, DESIGN.md invariant 9; None only for packs that read no date, and
    the report then carries none); `about` (its name, its file) is what the report says about
    the instance checked, under the key `subject_name`. With `questions`, the next questions to
    ask when verdicts are unknown (with `ask_for`, only those that settle one of these verdict
    ids; `Report.questions_among` asks about others)."""
    on = as_of
    if on is not None:
        # Dated parameters take their value in force on the evaluation date, whatever date the
        # pack was configured for (a pack loaded without one holds its latest values).
        packs = [_on_date(p, on) for p in packs]
    results: list[Result] = []
    values: list[ValueResult] = []
    decisions: list[DecisionResult] = []
    runs = []
    result_packs: list[int] = []
    for n, pack in enumerate(packs):
        ev = evaluator(pack)
        run = ev.run(facts, as_of=on)
        runs.append((ev, run))
        results.extend(run.results)
        result_packs.extend([n] * len(run.results))
        values.extend(run.values)
        decisions.extend(run.decisions)

    def ask(among: Collection[str] | None = ask_for) -> tuple[Question, ...]:
        asked: dict[str, list[str]] = {}
        for ev, run in runs:
            for q in next_questions(ev, facts, on, run, among=among):
                asked.setdefault(q.input, []).extend(s for s in q.settles
                                                     if s not in asked.get(q.input, ()))
        ranked = sorted(asked.items(), key=lambda kv: -len(kv[1]))
        return tuple(Question(k, tuple(v)) for k, v in ranked)

    return Report(dict(about), tuple(PackInfo.of(p) for p in packs), tuple(results),
                  tuple(warnings), subject_name=subject_name, values=tuple(values),
                  decisions=tuple(decisions), ask=ask if questions else None, as_of=on,
                  result_packs=tuple(result_packs))
