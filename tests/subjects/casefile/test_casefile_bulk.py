"""Case files in bulk: ordinals, dates, aggregates, values and decisions give, row by row over
JSON Lines and Parquet, what the scalar path gives on the same evaluation date."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mcrules.bulk import compile_pack, evaluate_batch
from mcrules.cli.main import app
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
    compiled = compile_pack(support.pack(), as_of=AS_OF)
    got = []
    offset = 0
    for batch in TableSource(src, 5):
        result = evaluate_batch(batch, compiled, offset)
        assert result.rejects == []
        got += [(r["row"], r["rule"], r["outcome"]) for r in result.output.to_pylist()]
        offset += batch.num_rows
    assert got == _scalar(docs)


def test_the_command_line_evaluates_on_the_as_of_date(tmp_path: Path) -> None:
    """`consent_valid_until >= as_of`: the same row passes before the date and fails after it;
    every row of a run is evaluated on one day, which the option fixes."""
    src = tmp_path / "cases.jsonl"
    write_jsonl(src, [{"consent_valid_until": "2026-06-30"}])
    outcomes = {}
    for day in ("2026-06-30", "2026-07-01"):
        out = tmp_path / f"out-{day}.jsonl"
        ran = CliRunner().invoke(app, ["bulk", str(src), "--out", str(out), "--pack",
                                       str(support.PACK_DIR), "--as-of", day])
        assert ran.exit_code == 0, ran.output
        rows = [json.loads(line) for line in out.read_text().splitlines()]
        outcomes[day] = next(r["outcome"] for r in rows if r["rule"] == "case.consent.current")
    assert outcomes == {"2026-06-30": "pass", "2026-07-01": "fail"}
    bad = CliRunner().invoke(app, ["bulk", str(src), "--out", str(tmp_path / "o.jsonl"),
                                   "--pack", str(support.PACK_DIR), "--as-of", "1 July"])
    assert bad.exit_code == 2 and "--as-of" in bad.output


def test_dask_workers_evaluate_on_the_clients_as_of_date(tmp_path: Path) -> None:
    from mcrules.bulk.dask import evaluate_dataset

    src = tmp_path / "cases.parquet"
    write_parquet(src, [{"consent_valid_until": "2026-06-30"}])
    for day, want in ((dt.date(2026, 6, 30), "pass"), (dt.date(2026, 7, 1), "fail")):
        got = evaluate_dataset(src, support.pack(), as_of=day, scheduler="synchronous")
        rows = got.table.to_pylist()
        assert next(r["outcome"] for r in rows if r["rule"] == "case.consent.current") == want
