"""Evaluate packs on one subject's facts and gather a Report: the scalar path every subject shares."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from mcrules.engine.report import PackInfo, Report
from mcrules.engine.scalar import ScalarEvaluator
from mcrules.rules.pack import Pack


@lru_cache(maxsize=32)
def evaluator(pack: Pack) -> ScalarEvaluator:
    """The compiled scalar evaluator of a pack, kept so repeated checks compile once."""
    return ScalarEvaluator(pack, alternatives=True)


def check_facts(facts: Mapping[str, Any], packs: Sequence[Pack], *, subject_name: str,
                about: Mapping[str, Any], warnings: Sequence[str] = ()) -> Report:
    """Every rule of `packs` on `facts`; `about` (its name, its file) is what the report says
    about the instance checked, under the key `subject_name`."""
    results = []
    for pack in packs:
        results.extend(evaluator(pack).evaluate(facts))
    return Report(dict(about), tuple(PackInfo.of(p) for p in packs), tuple(results),
                  tuple(warnings), subject_name=subject_name)
