"""What "the scalar and columnar evaluators agree" means, row by row: outcomes, measured and
required values, items, values and decisions. Shared by the differential tests."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from mcrules.engine.columnar import ColumnarEvaluator
from mcrules.engine.columns import batch_from_facts
from mcrules.engine.outcomes import CODE_TO_OUTCOME, Code, Outcome
from mcrules.engine.scalar import ScalarEvaluator
from mcrules.rules.pack import Pack
from mcrules.rules.schema import Schema


def _as_float(value: Any, choices: tuple[str, ...]) -> float:
    if value is None:
        return math.nan
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, str):
        return float(choices.index(value))
    return float(value)


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def assert_facts_agree(pack: Pack, schema: Schema, facts: list[dict[str, Any]],
                       as_of: dt.date, docs: list[Any] | None = None) -> None:
    """Both evaluators on `facts`; `docs` (the documents they came from) only for messages."""
    shown: list[Any] = docs if docs is not None else list(facts)
    scalar = ScalarEvaluator(pack)
    columnar = ColumnarEvaluator(pack).evaluate(batch_from_facts(facts, schema), as_of=as_of)
    for row, f in enumerate(facts):
        ev = scalar.run(f, as_of=as_of)
        for r in ev.results:
            rid = r.rule.id
            got = CODE_TO_OUTCOME[Code(int(columnar.codes[rid][row]))]
            assert got is r.outcome, (rid, row, shown[row], r.message)
            if r.outcome in (Outcome.PASS, Outcome.FAIL):
                assert _same(float(r.measured), float(columnar.measured[rid][row])), (rid, row)
                assert _same(float(r.required), float(columnar.required[rid][row])), (rid, row)
            if r.rule.each is not None:
                assert r.item == columnar.items[rid][row], (rid, row)
        for v in ev.values:
            want = _as_float(v.result, v.value.scale)
            assert _same(want, float(columnar.values[v.value.id][row])), (v.value.id, row, shown[row])
        for d in ev.decisions:
            cols = columnar.decisions[d.table.id]
            assert d.outcome == ("decided", "unknown", "no_match")[int(cols.status[row])], \
                (d.table.id, row, shown[row])
            first = d.decision[0] if isinstance(d.decision, tuple) else d.decision
            want_out = d.table.outputs.index(first) if first is not None else -1
            assert want_out == int(cols.output[row]), (d.table.id, row, shown[row], d.message)
            assert sum(1 << n for n in d.rows) == int(cols.rows[row]), (d.table.id, row, shown[row])
