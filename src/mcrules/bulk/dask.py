"""Run bulk evaluation on Dask: the same batch function mapped over a Parquet dataset's row groups.

Use it when the input no longer fits one machine's time budget: many Parquet files, or a cluster
already running Dask. On one machine `mcrules bulk` is simpler and as fast (it overlaps reading,
evaluating and writing on threads). Row numbers are those of the files read in sorted order, row
group after row group, so results equal a single-process run over the same files.

Needs the `dask` extra: ``pip install 'mcrules[dask]'``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from mcrules.bulk.convert import Reject
from mcrules.bulk.derived import bulk_subject
from mcrules.bulk.run import (
    OUTCOMES,
    OUTPUT_SCHEMA,
    REJECT_SCHEMA,
    BatchResult,
    BulkSummary,
    Compiled,
    SubjectRef,
    compile_pack,
    evaluate_batch,
    rejects_batch,
)
from mcrules.clock import today
from mcrules.errors import InputError, McrulesError
from mcrules.io.tables import DEFAULT_BATCH_SIZE, TableWriter, without_reserved_metadata
from mcrules.rules.pack import Pack
from mcrules.source import check_input
from mcrules.subjects import Subject


@dataclass(frozen=True)
class Piece:
    """One row group of one file, and the input row number of its first row."""

    path: str
    row_group: int
    offset: int
    rows: int


@dataclass
class PieceResult:
    """What one piece gives back to the client: small, whatever the size of the piece."""

    index: int
    rows_read: int
    rows_evaluated: int
    rows_rejected: int
    counts: np.ndarray[Any, np.dtype[np.int64]]
    warnings: list[str]
    rejects: list[Reject]
    output: pa.Table | None = None


@dataclass
class DatasetResult:
    """The output of `evaluate_dataset`, in input order."""

    table: pa.Table
    rejects: list[Reject]
    summary: BulkSummary


def parquet_files(paths: str | Path | Sequence[str | Path]) -> list[Path]:
    """Files of a dataset: a file, a folder (every .parquet below it) or a list, sorted."""
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    files: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            files.extend(sorted(p.rglob("*.parquet")))
        elif p.is_file():
            files.append(p)
        else:
            raise InputError("no such file or folder", source=str(p))
    if not files:
        raise InputError("no Parquet files found", source=", ".join(map(str, items)))
    return files


def pieces(paths: str | Path | Sequence[str | Path]) -> list[Piece]:
    """One piece per row group, with global row offsets: read from the footers only."""
    out: list[Piece] = []
    offset = 0
    for path in parquet_files(paths):
        check_input(path, fifo=False)  # the one reader's path checks: no device, no FIFO
        try:
            meta = pq.ParquetFile(path).metadata
        except (OSError, pa.ArrowException) as exc:
            raise InputError(f"cannot read parquet: {exc}", source=str(path)) from None
        for rg in range(meta.num_row_groups):
            rows = meta.row_group(rg).num_rows
            out.append(Piece(str(path), rg, offset, rows))
            offset += rows
    return out


@dataclass(frozen=True)
class Shipment:
    """What a worker needs to evaluate: the pack itself (it pickles: `mcrules.units` registers the
    application unit registry, so its units unpickle anywhere), the subject of the rows, and the
    client's content hash of the pack, which the worker recomputes before evaluating anything."""

    pack: Pack
    subject: Subject[Any]
    content_hash: str
    as_of: dt.date

    @classmethod
    def of(cls, pack: Pack, subject: SubjectRef = None,
           as_of: dt.date | None = None) -> Shipment:
        """The day is fixed on the client, so every worker evaluates on the same one (and a
        derived subject's rows are derived on it); a subject bulk cannot convert is refused
        here, on the client, before any task is sent."""
        return cls(pack, bulk_subject(pack, subject), pack.content_hash,
                   today() if as_of is None else as_of)

    def unpacked(self) -> Pack:
        """The pack, once its hash on this worker matches the client's: the same rules and numbers."""
        fresh = replace(self.pack)  # a new instance: the hash is computed here, not unpickled
        if fresh.content_hash != self.content_hash:
            raise McrulesError(f"pack {fresh.id} on this worker differs from the client's "
                               f"(content hash {fresh.content_hash[:12]} vs "
                               f"{self.content_hash[:12]}); install the same mcrules version")
        return fresh


_COMPILED: dict[tuple[str, str, bool, dt.date], Compiled] = {}
_SAMPLE = 20


def _compiled(shipment: Shipment, strict: bool) -> Compiled:
    """Check and compile a shipped pack once per worker process, keyed by its content hash."""
    key = (shipment.content_hash, shipment.subject.name, strict, shipment.as_of)
    got = _COMPILED.get(key)
    if got is None:
        got = _COMPILED[key] = compile_pack(shipment.unpacked(), subject=shipment.subject,
                                            strict=strict, as_of=shipment.as_of)
    return got


def _batches(piece: Piece, batch_size: int) -> Iterable[tuple[pa.RecordBatch, int]]:
    pf = pq.ParquetFile(piece.path, pre_buffer=False)
    try:
        offset = piece.offset
        for batch in pf.iter_batches(batch_size=batch_size, row_groups=[piece.row_group],
                                     use_threads=False):
            yield without_reserved_metadata(batch), offset
            offset += batch.num_rows
    finally:
        pf.close()


def _fold(index: int, results: Iterable[BatchResult], rules: int) -> PieceResult:
    acc = PieceResult(index, 0, 0, 0, np.zeros((rules, len(OUTCOMES)), dtype=np.int64), [], [])
    for r in results:
        acc.rows_read += r.rows_read
        acc.rows_evaluated += r.rows_evaluated
        acc.rows_rejected += len({rej.row for rej in r.rejects})
        acc.counts += r.counts
        acc.warnings.extend(w for w in r.warnings if w not in acc.warnings)
        acc.rejects.extend(r.rejects)
    return acc


def evaluate_piece(index: int, piece: Piece, pack: Shipment, strict: bool = False,
                   batch_size: int = DEFAULT_BATCH_SIZE) -> PieceResult:
    """Evaluate one row group and return its output table (the task `evaluate_dataset` maps)."""
    compiled = _compiled(pack, strict)
    outputs: list[pa.RecordBatch] = []

    def results() -> Iterable[BatchResult]:
        for batch, offset in _batches(piece, batch_size):
            r = evaluate_batch(batch, compiled, offset)
            outputs.append(r.output)
            yield r

    acc = _fold(index, results(), len(BulkSummary.of(compiled.evaluator.pack).rule_ids))
    acc.output = pa.Table.from_batches(outputs, schema=OUTPUT_SCHEMA)
    return acc


def write_piece(index: int, piece: Piece, pack: Shipment, out_dir: str,
                rejects_dir: str | None = None, strict: bool = False,
                batch_size: int = DEFAULT_BATCH_SIZE) -> PieceResult:
    """Evaluate one row group into ``out_dir/part-NNNNN.parquet`` (the task `write_dataset` maps).

    Streams batch by batch, so a worker holds one batch however large the row group.
    """
    compiled = _compiled(pack, strict)
    name = f"part-{index:05d}.parquet"
    with TableWriter(Path(out_dir) / name, OUTPUT_SCHEMA) as out:
        def results() -> Iterable[BatchResult]:
            for batch, offset in _batches(piece, batch_size):
                r = evaluate_batch(batch, compiled, offset)
                out.write(r.output)
                yield r

        acc = _fold(index, results(), len(BulkSummary.of(compiled.evaluator.pack).rule_ids))
    if rejects_dir is not None:
        with TableWriter(Path(rejects_dir) / name, REJECT_SCHEMA) as rej:
            rej.write(rejects_batch(acc.rejects))
        acc.rejects = acc.rejects[:_SAMPLE]  # the rest is on disk; keep the client small
    return acc


def _summary(pack: Pack, results: Sequence[PieceResult]) -> BulkSummary:
    summary = BulkSummary.of(pack)
    for r in results:
        summary.rows_read += r.rows_read
        summary.rows_evaluated += r.rows_evaluated
        summary.rows_rejected += r.rows_rejected
        summary.counts = r.counts.copy() if summary.counts is None else summary.counts + r.counts
        summary.warnings.extend(w for w in r.warnings if w not in summary.warnings)
        summary.sample_rejects.extend(r.rejects[:_SAMPLE - len(summary.sample_rejects)])
    summary.check()
    return summary


def _task(item: tuple[int, Piece], func: Any, pack: Shipment, **kwargs: Any) -> PieceResult:
    result: PieceResult = func(item[0], item[1], pack, **kwargs)
    return result


def _compute(func: Any, tasks: list[Piece], scheduler: Any, pack: Shipment,
             **kwargs: Any) -> list[PieceResult]:
    import dask.bag as db
    from dask.delayed import delayed

    if not tasks:
        return []
    bag = db.from_sequence(list(enumerate(tasks)), npartitions=len(tasks))  # type: ignore[no-untyped-call]
    # The pack goes into the graph once, as one delayed value every task depends on, rather than
    # pickled into each task; traverse=False keeps Dask from unpacking the dataclass.
    shipped = delayed(pack, name=f"mcrules-pack-{pack.subject.name}-{pack.content_hash}",
                      traverse=False)
    mapped = bag.map(_task, func, shipped, **kwargs)
    results: list[PieceResult] = mapped.compute(scheduler=scheduler)
    return sorted(results, key=lambda r: r.index)


def evaluate_dataset(paths: str | Path | Sequence[str | Path], pack: Pack, *,
                     subject: SubjectRef = None, strict: bool = False,
                     batch_size: int = DEFAULT_BATCH_SIZE, scheduler: Any = None,
                     as_of: dt.date | None = None) -> DatasetResult:
    """Evaluate every row of a Parquet dataset on Dask and gather the output on the client.

    The whole output comes back to this process: for outputs larger than memory use
    `write_dataset`. `scheduler` is passed to Dask (None: the active client, if any). Rows are of
    `subject`, by default the one the pack's rules name, evaluated on `as_of` (default: today).
    """
    results = _compute(evaluate_piece, pieces(paths), scheduler,
                       pack=Shipment.of(pack, subject, as_of), strict=strict,
                       batch_size=batch_size)
    tables = [r.output for r in results if r.output is not None]
    table = pa.concat_tables(tables) if tables else OUTPUT_SCHEMA.empty_table()
    rejects = [rej for r in results for rej in r.rejects]
    return DatasetResult(table, rejects, _summary(pack, results))


def write_dataset(paths: str | Path | Sequence[str | Path], out_dir: str | Path, pack: Pack, *,
                  subject: SubjectRef = None, rejects_dir: str | Path | None = None,
                  strict: bool = False, batch_size: int = DEFAULT_BATCH_SIZE,
                  scheduler: Any = None, as_of: dt.date | None = None) -> BulkSummary:
    """Evaluate a Parquet dataset on Dask, each worker writing its own part files.

    ``out_dir`` (and ``rejects_dir``) receive one ``part-NNNNN.parquet`` per input row group, in
    input order by name; read them back as one table with ``pyarrow.dataset``. Only counts travel
    back to the client.
    """
    results = _compute(write_piece, pieces(paths), scheduler,
                       pack=Shipment.of(pack, subject, as_of),
                       out_dir=str(out_dir),
                       rejects_dir=None if rejects_dir is None else str(rejects_dir),
                       strict=strict, batch_size=batch_size)
    return _summary(pack, results)
