"""Households in bulk: JSON Lines and Parquet give, row by row, what the scalar path gives; Dask
over Parquet gives the single-process run. No household code in mcrules.bulk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mcrules.bulk import evaluate, run_file
from mcrules.engine.check import check_facts
from mcrules.errors import McrulesError
from mcrules.io import validate_subject
from mcrules.io.tables import TableSource
from mcrules.rules.pack import Pack
from tests.bulk_support import write_jsonl, write_parquet
from tests.subjects.household.strategies import households
from tests.subjects.household.subject import HOUSEHOLD

Row = tuple[Any, ...]
WRITERS = {"jsonl": write_jsonl, "parquet": write_parquet}


def _scalar_rows(docs: list[dict[str, Any]], pack: Pack) -> list[Row]:
    rows: list[Row] = []
    for i, doc in enumerate(docs):
        hh = validate_subject(doc, HOUSEHOLD)[0]
        report = check_facts(HOUSEHOLD.facts(hh), [pack], subject_name="household", about={})
        for res in report.results:
            decided = res.outcome.value in ("pass", "fail")
            m = float(res.measured) if decided and res.measured is not None else None
            q = float(res.required) if decided and res.required is not None else None
            rows.append((i, res.rule.id, res.outcome.value, m, q, res.unit, res.item, hh.name, None))
        for v in report.values:
            shown = v.shown
            rows.append((i, v.value.id, "known" if v.known else "unknown",
                         None if v.result is None else float(v.result), None, v.unit, None,
                         hh.name, shown if isinstance(shown, str) else None))
        for d in report.decisions:
            decision = ";".join(d.decision) if isinstance(d.decision, tuple) else d.decision
            rows.append((i, d.table.id, d.outcome, None, None, "", None, hh.name, decision))
    return rows


def _bulk_rows(batches: Iterator[pa.RecordBatch]) -> list[Row]:
    return [(r["row"], r["rule"], r["outcome"], r["measured"], r["required"], r["unit"], r["item"],
             r["name"], r["value"]) for batch in batches for r in batch.to_pylist()]


@pytest.mark.parametrize("fmt", list(WRITERS))
@settings(max_examples=25, deadline=None)
@given(docs=st.lists(households(), min_size=1, max_size=20))
def test_bulk_verdicts_equal_the_scalar_path_row_by_row(tmp_path_factory: pytest.TempPathFactory,
                                                        household_pack: Pack, fmt: str,
                                                        docs: list[dict[str, Any]]) -> None:
    src = tmp_path_factory.mktemp("households") / f"households.{fmt}"
    WRITERS[fmt](src, docs)
    run = evaluate(TableSource(src, 7), household_pack, workers=2)
    got = _bulk_rows(run)
    assert run.rejects == []
    assert got == _scalar_rows(docs, household_pack)


def test_a_bad_household_row_is_rejected_in_the_readers_words(tmp_path: Path,
                                                              household_pack: Pack) -> None:
    src = tmp_path / "h.jsonl"
    write_jsonl(src, [{"size": 2, "mosquito_nets": 1}, {"size": -1},
                      {"members": [{"id": "M1", "sex": "femal"}]}])
    out = tmp_path / "out.parquet"
    summary = run_file(src, out, household_pack, subject="household")
    assert (summary.rows_read, summary.rows_evaluated, summary.rows_rejected) == (3, 1, 2)
    reasons = {(r.row, r.field): r.reason for r in summary.sample_rejects}
    assert reasons[1, "size"] == "must be 0 or more, got -1"
    assert "did you mean 'female'?" in reasons[2, "members[0].sex"]
    ids = len(household_pack.rules) + len(household_pack.values) + len(household_pack.decisions)
    assert pq.read_table(out).num_rows == ids


def test_a_site_pack_does_not_run_on_households(tmp_path: Path, pack: Pack) -> None:
    with pytest.raises(McrulesError, match="has rules about site, not only household"):
        evaluate([], pack, subject=HOUSEHOLD)


# --- Dask ---------------------------------------------------------------------------------------

distributed = pytest.importorskip(
    "dask.distributed", reason="the Dask adapter needs the dask extra: pip install 'mcrules[dask]'")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        yield c


def test_dask_over_parquet_equals_the_single_process_run(tmp_path: Path, household_pack: Pack,
                                                         client: Any) -> None:
    from mcrules.bulk.dask import evaluate_dataset

    docs = [{"name": f"HH-{i}", "size": i % 9, "mosquito_nets": i % 4,
             "registered": i % 3 == 0, "shelter_area": f"{i % 40} m^2",
             "members": [{"id": f"M{i}", "age": -1 if i % 31 == 0 else i % 40,
                          "has_id_document": i % 2 == 0}]} for i in range(300)]
    folder = tmp_path / "in"
    folder.mkdir()
    write_parquet(folder / "a.parquet", docs[:200], row_group_size=50)
    write_parquet(folder / "b.parquet", docs[200:], row_group_size=50)

    batches: list[pa.RecordBatch] = []
    rejects: list[Any] = []
    offset = 0
    for path in sorted(folder.glob("*.parquet")):
        run = evaluate(TableSource(path, 32), household_pack, workers=1)
        batches += [b.set_column(0, "row", pc.add(b.column("row"), offset)) for b in run]
        rejects += [r._replace(row=r.row + offset) for r in run.rejects]
        offset += pq.ParquetFile(path).metadata.num_rows
    single = pa.Table.from_batches(batches)

    got = evaluate_dataset(folder, household_pack, batch_size=32)
    assert got.table.to_pylist() == single.to_pylist()
    assert got.rejects == rejects and len(rejects) == 10
    assert got.summary.rows_read == 300 == got.summary.rows_evaluated + got.summary.rows_rejected
