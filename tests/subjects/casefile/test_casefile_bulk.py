"""Case files in bulk: ordinals, dates, aggregates, values and decisions give, row by row over
JSON Lines and Parquet, what the scalar path gives on the same evaluation date."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mcrules.bulk import compile_pack, evaluate_batch
from mcrules.engine.check import check_facts
from mcrules.io import validate_subject
from mcrules.io.tables import TableSource
from tests.bulk_support import write_jsonl, write_parquet
from tests.subjects.casefile import support
from tests.subjects.casefile.strategies import AS_OF, case_files
from tests.subjects.casefile.subject import CASEFILE

WRITERS = {"jsonl": write_jsonl, "parquet": write_parquet}


def _scalar(docs: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    rows = []
    for i, doc in enumerate(docs):
        obj = validate_subject(doc, CASEFILE)[0]
        report = check_facts(CASEFILE.facts(obj), [support.pack()], subject_name="casefile",
                             about={}, as_of=AS_OF, questions=False)
        rows += [(i, r.rule.id, r.outcome.value) for r in report.results]
        rows += [(i, v.value.id, "known" if v.known else "unknown") for v in report.values]
        rows += [(i, d.table.id, d.outcome) for d in report.decisions]
    return rows


@pytest.mark.parametrize("fmt", list(WRITERS))
@settings(max_examples=15, deadline=None)
@given(docs=st.lists(case_files(), min_size=1, max_size=12))
def test_bulk_case_files_equal_the_scalar_path(tmp_path_factory: pytest.TempPathFactory, fmt: str,
                                                docs: list[dict[str, Any]]) -> None:
    if fmt == "parquet":  # a Parquet column has one type: no "3 week" beside numbers
        docs = [{**d, "exposure_days": 21} if isinstance(d.get("exposure_days"), str) else d
                for d in docs]
    src = tmp_path_factory.mktemp("cases") / f"cases.{fmt}"
    WRITERS[fmt](src, docs)
    compiled = compile_pack(support.pack())._replace(as_of=AS_OF)
    got = []
    offset = 0
    for batch in TableSource(src, 5):
        result = evaluate_batch(batch, compiled, offset)
        assert result.rejects == []
        got += [(r["row"], r["rule"], r["outcome"]) for r in result.output.to_pylist()]
        offset += batch.num_rows
    assert got == _scalar(docs)
