"""The Dask adapter maps the same batch function over row groups: its results are the
single-process results, whether gathered on the client or written by the workers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from mcrules import Pack
from mcrules.bulk import evaluate
from mcrules.io.tables import TableSource
from tests.bulk_support import write_parquet

distributed = pytest.importorskip(
    "dask.distributed", reason="the Dask adapter needs the dask extra: pip install 'mcrules[dask]'")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        yield c


def _dataset(folder: Path) -> Path:
    docs = [{"name": f"site {i}", "population": {"female": i % 60, "male": 7},
             "toilets": {"female": i % 4, "male": 1}, "water_supply": 40.0 * (i % 30),
             "beds": -1 if i % 37 == 0 else i,
             "sanitation": [{"id": f"L{i}", "kind": "pit_latrine",
                             "distance_to_water_source": i % 50}]} for i in range(500)]
    folder.mkdir()
    write_parquet(folder / "a.parquet", docs[:300], row_group_size=70)
    write_parquet(folder / "b.parquet", docs[300:], row_group_size=70)
    return folder


def _single(folder: Path, pack: Pack) -> tuple[pa.Table, list[Any], dict[str, Any]]:
    batches, rejects, offset = [], [], 0
    summary: dict[str, Any] = {"rows_read": 0}
    for path in sorted(folder.glob("*.parquet")):
        run = evaluate(TableSource(path, 64), pack, workers=1)
        for batch in run:
            batches.append(batch.set_column(0, "row", pa.compute.add(batch.column("row"),
                                                                    offset)))
        rejects.extend(r._replace(row=r.row + offset) for r in run.rejects)
        offset += pq.ParquetFile(path).metadata.num_rows
        summary["rows_read"] += run.summary.rows_read
    return pa.Table.from_batches(batches), rejects, summary


def test_dask_results_equal_the_single_process_run(tmp_path: Path, pack: Pack,
                                                   client: Any) -> None:
    from mcrules.bulk.dask import evaluate_dataset, write_dataset

    folder = _dataset(tmp_path / "in")
    table, rejects, summary = _single(folder, pack)
    got = evaluate_dataset(folder, pack, batch_size=64)
    assert got.table.to_pylist() == table.to_pylist()
    assert got.rejects == rejects and len(rejects) == 14
    assert got.summary.rows_read == summary["rows_read"] == 500
    assert got.summary.rows_read == got.summary.rows_evaluated + got.summary.rows_rejected

    written = write_dataset(folder, tmp_path / "out", pack, rejects_dir=tmp_path / "rej",
                            batch_size=64)
    parts = sorted((tmp_path / "out").glob("part-*.parquet"))
    assert len(parts) == 8  # one per row group: 5 of a.parquet (300 rows), 3 of b.parquet
    back = ds.dataset([str(p) for p in parts]).to_table()
    assert back.to_pylist() == table.to_pylist()
    assert written.outcomes == got.summary.outcomes
    assert ds.dataset(str(tmp_path / "rej")).to_table().num_rows == 14


def test_a_worker_refuses_a_pack_whose_hash_differs_from_the_clients(pack: Pack) -> None:
    from mcrules.bulk.dask import Shipment
    from mcrules.errors import McrulesError

    shipment = Shipment.of(pack)
    assert shipment.unpacked().content_hash == pack.content_hash
    tampered = Shipment(pack, shipment.subject, "0" * 64, shipment.as_of)
    with pytest.raises(McrulesError, match="differs from the client's"):
        tampered.unpacked()


def test_dask_derives_a_sharing_requests_facts_as_the_single_process_run(
        tmp_path: Path, client: Any) -> None:
    """A derived subject ships to the workers like any other: each worker derives every row in
    the client's context (the pack, the client's date), so the gathered results are the
    single-process ones, row for row."""
    import datetime as dt

    from mcrules.bulk.dask import evaluate_dataset
    from mcrules.subjects import load_subject_pack

    on = dt.date(2026, 3, 1)
    sharing = load_subject_pack("data-sharing-2023", as_of=on)
    kinds = ["public", "government", "ngo", "data_subject"]
    docs = [{"fields": [["sex"], ["name", "tribe"], ["medical_needs"], []][i % 4],
             "granularity": ["aggregate", "record_level", None][i % 3],
             "recipient": {"type": kinds[i % 4]}, "purpose": "statistical report",
             "consent": {"given": i % 5 == 0, "purposes": ["statistical report"],
                         "recipients": kinds[: i % 4]},
             "safeguards": {"data_sharing_agreement": i % 2 == 0},
             "consent_ref": "K-1" if i % 11 == 0 else None,
             "urgent": i % 7 == 0} for i in range(120)]
    folder = tmp_path / "requests"
    folder.mkdir()
    table = pa.Table.from_batches([pa.RecordBatch.from_struct_array(pa.array(docs))])
    pq.write_table(table, folder / "a.parquet", row_group_size=50)
    run = evaluate(TableSource(folder / "a.parquet", 64), sharing, workers=1, as_of=on)
    single = pa.Table.from_batches(list(run))
    got = evaluate_dataset(folder, sharing, batch_size=64, as_of=on)
    assert got.table.to_pylist() == single.to_pylist()
    assert got.rejects == run.rejects and len(got.rejects) == 11  # consent twice: refused
    assert got.summary.rows_read == 120 == got.summary.rows_evaluated + 11
    decisions = {r["value"] for r in single.to_pylist() if r["rule"] == "sharing.decision"}
    assert len(decisions) > 1
