"""Evaluate a pack over a stream of record batches: one output row per (input row, rule).

`evaluate_batch` is a pure function of one batch (plus a compiled evaluator and converter), so the
same code runs in a loop, on a thread pool, or on Dask workers. `evaluate` streams it over any
iterable of batches in input order, with a bounded number of batches in flight, and keeps a
`BulkSummary`; `run_file` wires it to the table readers and writers.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from mcrules.bulk.convert import Converter, Reject, bounded
from mcrules.bulk.derived import bulk_subject, converter_for
from mcrules.clock import today
from mcrules.engine.columnar import ColumnarEvaluator
from mcrules.engine.decide_columns import DecidedColumns
from mcrules.engine.outcomes import CODE_TO_OUTCOME, Code
from mcrules.errors import InputError, McrulesError
from mcrules.io.tables import DEFAULT_BATCH_SIZE, TableSource, TableWriter, table_format
from mcrules.rules.ir import DecisionTable
from mcrules.rules.pack import Pack
from mcrules.subjects import Context, Subject

SubjectRef = str | Subject[Any] | None  # a subject, its name, or None: the one the pack's rules name
RULE_OUTCOMES: tuple[str, ...] = tuple(CODE_TO_OUTCOME[Code(i)].value for i in range(len(Code)))
# Values are known or unknown; decisions decided, unknown or no_match: one dictionary for all.
OUTCOMES: tuple[str, ...] = (*RULE_OUTCOMES, "known", "decided", "no_match")
_KNOWN, _DECIDED, _NO_MATCH = (np.int8(OUTCOMES.index(w)) for w in ("known", "decided", "no_match"))
_UNKNOWN = np.int8(Code.UNKNOWN)
_WORDS = {"rule": RULE_OUTCOMES, "value": ("known", "unknown"),
          "decision": ("decided", "unknown", "no_match")}

OUTPUT_SCHEMA = pa.schema([
    pa.field("row", pa.int64(), nullable=False),
    pa.field("rule", pa.dictionary(pa.int32(), pa.string()), nullable=False),
    pa.field("outcome", pa.dictionary(pa.int8(), pa.string()), nullable=False),
    pa.field("measured", pa.float64()),
    pa.field("required", pa.float64()),
    pa.field("unit", pa.dictionary(pa.int32(), pa.string())),
    pa.field("item", pa.string()),
    pa.field("name", pa.string()),
    pa.field("value", pa.string()),
])
"""One row per input row and rule, value or decision table (in that order). For a value,
`measured` is its number (a level's 0-based rank, a date's day number) and `value` its text (a
label, an ISO date); for a decision, `value` is the decision (outputs joined by `;` for a
collect table)."""
REJECT_SCHEMA = pa.schema([
    pa.field("row", pa.int64(), nullable=False),
    pa.field("field", pa.string()),
    pa.field("reason", pa.string()),
])
_SAMPLE_REJECTS = 20


class BulkIntegrityError(McrulesError):
    """Rows went missing: rows read differs from rows evaluated plus rows rejected."""


class BatchResult(NamedTuple):
    """What one input batch gives: output rows, rejects, outcome counts, warnings."""

    output: pa.RecordBatch
    rejects: list[Reject]
    counts: npt.NDArray[np.int64]  # (ids, outcomes): per rule, value or table, rows per outcome
    warnings: list[str]
    rows_read: int
    rows_evaluated: int


@dataclass
class BulkSummary:
    """Counts of a bulk run; `check` proves no row was lost (rows in = evaluated + rejected)."""

    rule_ids: list[str]
    rows_read: int = 0
    rows_evaluated: int = 0
    rows_rejected: int = 0
    counts: npt.NDArray[np.int64] | None = None
    warnings: list[str] = field(default_factory=list)
    sample_rejects: list[Reject] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # per id: rule, value or decision

    @classmethod
    def of(cls, pack: Pack) -> BulkSummary:
        """An empty summary of `pack`'s rules, values and decision tables, in output order."""
        ids = [r.id for r in pack.rules]
        kinds = ["rule"] * len(ids)
        ids += [v.id for v in pack.values] + [d.id for d in pack.decisions]
        kinds += ["value"] * len(pack.values) + ["decision"] * len(pack.decisions)
        return cls(ids, kinds=kinds)

    @property
    def outcomes(self) -> dict[str, dict[str, int]]:
        """Per rule (and value, and decision table), rows per outcome."""
        counts = self.counts if self.counts is not None else np.zeros(
            (len(self.rule_ids), len(OUTCOMES)), dtype=np.int64)
        kinds = self.kinds or ["rule"] * len(self.rule_ids)
        return {rid: {o: int(counts[r, OUTCOMES.index(o)]) for o in _WORDS[kind]}
                for r, (rid, kind) in enumerate(zip(self.rule_ids, kinds, strict=True))}

    def add(self, result: BatchResult) -> None:
        """Fold one batch in; warnings are kept once each, in the order first seen."""
        self.rows_read += result.rows_read
        self.rows_evaluated += result.rows_evaluated
        self.rows_rejected += len({r.row for r in result.rejects})
        self.counts = result.counts.copy() if self.counts is None else self.counts + result.counts
        for w in result.warnings:
            if w not in self.warnings:
                self.warnings.append(w)
        room = _SAMPLE_REJECTS - len(self.sample_rejects)
        if room > 0:
            self.sample_rejects.extend(result.rejects[:room])

    def check(self) -> None:
        """Raise BulkIntegrityError unless every row read was evaluated or rejected."""
        if self.rows_read != self.rows_evaluated + self.rows_rejected:
            raise BulkIntegrityError(
                f"{self.rows_read} rows read but {self.rows_evaluated} evaluated and "
                f"{self.rows_rejected} rejected")

    def as_dict(self) -> dict[str, Any]:
        """The summary as plain data (for JSON)."""
        return {"rows_read": self.rows_read, "rows_evaluated": self.rows_evaluated,
                "rows_rejected": self.rows_rejected, "outcomes": self.outcomes,
                "warnings": list(self.warnings)}


class Compiled(NamedTuple):
    """A pack compiled for bulk: the columnar evaluator, the input converter of its subject's
    model, and the subject (whose label field fills the `name` column)."""

    evaluator: ColumnarEvaluator
    converter: Converter
    subject: Subject[Any]
    as_of: dt.date | None = None


def compile_pack(pack: Pack, *, subject: SubjectRef = None, strict: bool = False,
                 as_of: dt.date | None = None) -> Compiled:
    """Compile once per process; every batch reuses it. The rows are of `subject` (default: the
    subject the pack's rules are about), evaluated on `as_of`, which the run's entry (`BulkRun`,
    `bulk.dask`) fixed once, so a run that crosses midnight evaluates every row on the same day
    (without one, today, read here once). A subject whose facts are derived is converted row by
    row through its `derive` in that context; one bulk cannot convert at all (`bulk_subject`) is
    a McrulesError here, before any row is read."""
    chosen = bulk_subject(pack, subject)  # refused here, before any row, when bulk cannot
    on = today() if as_of is None else as_of  # convert it at all
    pack = pack.on_date(on)  # the dated values in force on the run's day
    # A derived subject's rows are derived in the run's context: this pack, on this date, and
    # no companion documents (a sharing request's consent_ref resolves to no consent).
    converter = converter_for(chosen, (Context(on, (pack,)),), strict=strict)
    return Compiled(ColumnarEvaluator(pack), converter, chosen, on)


def evaluate_batch(batch: pa.RecordBatch, compiled: Compiled, row_offset: int) -> BatchResult:
    """Convert and evaluate one input batch: a pure function of its arguments.

    No row can stop the run: if converting or evaluating the batch raises, its halves are tried
    in turn, down to the single rows that raise, and each of those becomes a reject naming the
    error. Rows in = rows evaluated + rows rejected, whatever the rows hold; a clean batch costs
    one pass, k bad rows about 2·k·log2(n) extra passes over ever smaller slices.
    """
    try:
        return _evaluate_batch(batch, compiled, row_offset)
    except Exception as exc:  # any error a row can cause, ours or a library's
        if batch.num_rows <= 1:
            return _rejected(batch, compiled, row_offset, exc)
        half = batch.num_rows // 2
        return _joined([evaluate_batch(batch.slice(0, half), compiled, row_offset),
                        evaluate_batch(batch.slice(half), compiled, row_offset + half)])


def _rejected(batch: pa.RecordBatch, compiled: Compiled, row_offset: int,
              exc: Exception) -> BatchResult:
    """A batch of at most one row whose conversion or evaluation raised: that row rejected."""
    rejects: list[Reject] = []
    if batch.num_rows:
        if isinstance(exc, McrulesError):
            reject = Reject(row_offset, bounded(exc.path or ""), bounded(exc.message))
        else:
            text = " ".join(f"{type(exc).__name__}: {exc}".split())
            reject = Reject(row_offset, _culprit(batch, compiled, row_offset),
                            f"internal error while evaluating this row ({text[:200]}); "
                            "this is a bug in mcrules, please report it")
        rejects.append(reject)
    pack = compiled.evaluator.pack
    ids = len(compiled.evaluator.rules) + len(pack.values) + len(pack.decisions)
    output = pa.RecordBatch.from_pylist([], schema=OUTPUT_SCHEMA)
    return BatchResult(output, rejects, np.zeros((ids, len(OUTCOMES)), dtype=np.int64), [],
                       batch.num_rows, 0)


def _culprit(row: pa.RecordBatch, compiled: Compiled, row_offset: int) -> str:
    """The column whose removal lets a one-row batch through: the field to name in its reject
    ("" if no single column is to blame)."""
    for i, name in enumerate(row.schema.names):
        try:
            _evaluate_batch(row.remove_column(i), compiled, row_offset)
        except Exception:
            continue
        return str(name)
    return ""


def _joined(parts: list[BatchResult]) -> BatchResult:
    """Consecutive batches' results as one, in row order."""
    warnings: list[str] = []
    for p in parts:
        warnings.extend(w for w in p.warnings if w not in warnings)
    outputs = [p.output for p in parts if p.output.num_rows] or [parts[0].output]
    # Equal dictionaries (rules, outcomes, units) are kept as they are; Arrow unifies any others.
    output = outputs[0] if len(outputs) == 1 else pa.concat_batches(outputs)
    return BatchResult(output, [rej for p in parts for rej in p.rejects],
                       sum((p.counts for p in parts[1:]), parts[0].counts.copy()), warnings,
                       sum(p.rows_read for p in parts), sum(p.rows_evaluated for p in parts))


def _evaluate_batch(batch: pa.RecordBatch, compiled: Compiled, row_offset: int) -> BatchResult:
    evaluator, converter, subject, _ = compiled
    got = converter.convert(batch, row_offset)
    res = evaluator.evaluate(got.columns, as_of=compiled.as_of)
    pack = evaluator.pack
    n = got.columns.n
    rule_ids = [*res.rule_ids, *(v.id for v in pack.values), *(d.id for d in pack.decisions)]
    r = len(rule_ids)
    codes = np.empty((n, r), dtype=np.int8)
    measured = np.empty((n, r), dtype=np.float64)
    required = np.empty((n, r), dtype=np.float64)
    counts = np.zeros((r, len(OUTCOMES)), dtype=np.int64)
    for j, rid in enumerate(res.rule_ids):
        codes[:, j] = res.codes[rid]
        measured[:, j] = res.measured[rid]
        required[:, j] = res.required[rid]
        counts[j] = np.bincount(res.codes[rid], minlength=len(OUTCOMES))
    units = [res.units[rid] for rid in res.rule_ids]
    texts: list[pa.Array | None] = [None] * len(res.rule_ids)
    j = len(res.rule_ids)
    required[:, j:] = np.nan
    for v in pack.values:
        col = res.values[v.id]
        codes[:, j] = np.where(np.isnan(col), _UNKNOWN, _KNOWN)
        factor, unit = v.display_scale()
        measured[:, j] = col * factor if factor != 1.0 else col
        units.append(unit)
        texts.append(_value_texts(col, v.type, v.scale))
        j += 1
    for d in pack.decisions:
        cols = res.decisions[d.id]
        codes[:, j] = np.array([_DECIDED, _UNKNOWN, _NO_MATCH], dtype=np.int8)[cols.status]
        measured[:, j] = np.nan
        units.append("")
        texts.append(_decision_texts(d, cols))
        j += 1
    for j in range(len(res.rule_ids), r):
        counts[j] = np.bincount(codes[:, j].astype(np.intp), minlength=len(OUTCOMES))
    output = _output(got.rows, rule_ids, codes, measured, required, units,
                     [res.items.get(rid) for rid in rule_ids],
                     got.texts.get(subject.label_field) if subject.label_field else None, texts)
    return BatchResult(output, got.rejects, counts, got.warnings, batch.num_rows, n)


def _value_texts(col: npt.NDArray[np.float64], kind: str, scale: tuple[str, ...]) -> pa.Array | None:
    """A level's label or a date in ISO form, per row; None for numbers and yes/no values."""
    if kind not in ("ordinal", "date"):
        return None
    known = ~np.isnan(col)
    out = np.full(len(col), None, dtype=object)
    if kind == "ordinal":
        out[known] = np.asarray(scale, dtype=object)[col[known].astype(np.intp)]
    else:
        out[known] = [dt.date.fromordinal(int(d)).isoformat() for d in col[known]]
    return pa.array(out.tolist(), pa.string())


def _decision_texts(table: DecisionTable, cols: DecidedColumns) -> pa.Array:
    """The decision per row: its output, or for a collect table the outputs of its rows."""
    labels = np.asarray(table.outputs, dtype=object)
    out = np.full(len(cols.output), None, dtype=object)
    if table.hit_policy == "collect":
        by_number = {r.number: r.output for r in table.rows}
        for i in np.flatnonzero(cols.rows):
            bits = int(cols.rows[i])
            names = [by_number[k] for k in sorted(by_number) if bits >> k & 1]
            out[i] = ";".join(dict.fromkeys(names))  # row order, each output once
    else:
        has = cols.output >= 0
        out[has] = labels[cols.output[has]]
    return pa.array(out.tolist(), pa.string())


def _output(rows: npt.NDArray[np.int64], rule_ids: list[str], codes: npt.NDArray[np.int8],
            measured: npt.NDArray[np.float64], required: npt.NDArray[np.float64],
            units: list[str], items: list[list[str | None] | None],
            names: pa.Array | None, texts: list[pa.Array | None]) -> pa.RecordBatch:
    """Row-major output: each input row's rules together, in pack order."""
    n, r = codes.shape
    total = n * r
    rule_index = np.tile(np.arange(r, dtype=np.int32), n)
    unit_names = sorted(set(units))
    unit_of_rule = np.array([unit_names.index(u) for u in units], dtype=np.int32)
    m, q = measured.ravel(), required.ravel()
    columns = [
        pa.array(np.repeat(rows, r)),
        pa.DictionaryArray.from_arrays(pa.array(rule_index), pa.array(rule_ids, pa.string())),
        pa.DictionaryArray.from_arrays(pa.array(codes.ravel()), pa.array(OUTCOMES, pa.string())),
        pa.array(m, mask=np.isnan(m)),
        pa.array(q, mask=np.isnan(q)),
        pa.DictionaryArray.from_arrays(pa.array(unit_of_rule[rule_index]),
                                       pa.array(unit_names, pa.string())),
        _items_column(items, n, r, total),
        _names_column(names, n, r),
        _items_column([t.to_pylist() if t is not None else None for t in texts], n, r, total),
    ]
    return pa.RecordBatch.from_arrays(columns, schema=OUTPUT_SCHEMA)


def _items_column(items: list[list[str | None] | None], n: int, r: int, total: int) -> pa.Array:
    """The deciding item's label for per-item rules, null elsewhere: one gather in Arrow."""
    chunks: list[pa.Array] = []
    index = np.full(total, -1, dtype=np.int64)
    for j, labels in enumerate(items):
        if labels is None or all(s is None for s in labels):
            continue
        index[j::r] = np.arange(n, dtype=np.int64) + n * len(chunks)
        chunks.append(pa.array(labels, pa.string()))
    if not chunks:
        return pa.nulls(total, pa.string())
    return pa.concat_arrays(chunks).take(pa.array(index, mask=index < 0))


def _names_column(names: pa.Array | None, n: int, r: int) -> pa.Array:
    if names is None or names.null_count == len(names):
        return pa.nulls(n * r, pa.string())
    return names.take(pa.array(np.repeat(np.arange(n, dtype=np.int32), r)))


def default_workers() -> int:
    """Threads for evaluating batches: two when the machine has them (measured in docs/bulk.md)."""
    return min(2, os.cpu_count() or 1)


class BulkRun:
    """An iterator of output batches in input order; `summary` grows as it is consumed.

    Rejects go to `on_rejects` when given, else are kept in `rejects`. At most `workers + 1`
    batches are in flight (one of them being consumed), so memory stays bounded however long the
    input is.
    """

    def __init__(self, batches: Iterable[pa.RecordBatch], pack: Pack, *,
                 subject: SubjectRef = None, strict: bool = False, workers: int | None = None,
                 on_rejects: Callable[[list[Reject]], None] | None = None,
                 as_of: dt.date | None = None) -> None:
        # The one clock read of a run (default today), before any row.
        self.compiled = compile_pack(pack, subject=subject, strict=strict,
                                     as_of=today() if as_of is None else as_of)
        self.summary = BulkSummary.of(self.compiled.evaluator.pack)
        self.rejects: list[Reject] = []
        self._on_rejects = on_rejects
        self._workers = default_workers() if workers is None else max(1, workers)
        self._results = self._run(iter(batches))

    def __iter__(self) -> BulkRun:
        return self

    def __next__(self) -> pa.RecordBatch:
        result = next(self._results)
        self.summary.add(result)
        if result.rejects:
            if self._on_rejects is not None:
                self._on_rejects(result.rejects)
            else:
                self.rejects.extend(result.rejects)
        return result.output

    def _tasks(self, batches: Iterator[pa.RecordBatch]) -> Iterator[tuple[pa.RecordBatch, int]]:
        offset = 0
        for batch in batches:
            yield batch, offset
            offset += batch.num_rows

    def _run(self, batches: Iterator[pa.RecordBatch]) -> Iterator[BatchResult]:
        compiled = self.compiled
        tasks = self._tasks(batches)
        if self._workers == 1:
            for batch, offset in tasks:
                yield evaluate_batch(batch, compiled, offset)
            return
        with ThreadPoolExecutor(self._workers, thread_name_prefix="mcrules-bulk") as pool:
            pending: deque[Future[BatchResult]] = deque()
            try:
                for batch, offset in tasks:
                    pending.append(pool.submit(evaluate_batch, batch, compiled, offset))
                    if len(pending) > self._workers:
                        yield pending.popleft().result()
                while pending:
                    yield pending.popleft().result()
            finally:
                for f in pending:
                    f.cancel()


def evaluate(batches: Iterable[pa.RecordBatch], pack: Pack, *, subject: SubjectRef = None,
             strict: bool = False, workers: int | None = None,
             on_rejects: Callable[[list[Reject]], None] | None = None,
             as_of: dt.date | None = None) -> BulkRun:
    """Evaluate `pack` on every row of `batches`, yielding one output batch per input batch.

    Output columns: `row` (0-based input row), `rule`, `outcome`, `measured`, `required`, `unit`,
    `item` (the deciding item of per-item rules) and `name` (the subject's label field). Rows are
    of `subject`, by default the one the pack's rules name, evaluated on `as_of` (default:
    today). Invalid rows are not evaluated: they are rejected with their row number, field and
    reason (see `BulkRun`).
    """
    return BulkRun(batches, pack, subject=subject, strict=strict, workers=workers,
                   on_rejects=on_rejects, as_of=as_of)


def rejects_batch(rejects: list[Reject]) -> pa.RecordBatch:
    """Rejects as a record batch of `REJECT_SCHEMA`."""
    return pa.RecordBatch.from_arrays(
        [pa.array([r.row for r in rejects], pa.int64()),
         pa.array([r.field for r in rejects], pa.string()),
         pa.array([r.reason for r in rejects], pa.string())], schema=REJECT_SCHEMA)


Progress = Callable[[BulkSummary, float], None]


def run_file(input: str | Path, output: str | Path, pack: Pack, rejects: str | Path | None = None,
             progress: Progress | None = None, *, subject: SubjectRef = None,
             strict: bool = False, batch_size: int = DEFAULT_BATCH_SIZE,
             workers: int | None = None, as_of: dt.date | None = None) -> BulkSummary:
    """Evaluate every row of a table file and write the results (and rejects) as tables.

    Formats follow the extensions (.csv, .jsonl, .parquet). `progress` is called after each batch
    with the summary so far and the fraction of the input read. Output files appear only when the
    run completes.
    """
    paths = {Path(input).resolve(): "input", Path(output).resolve(): "output"}
    if len(paths) < 2 or (rejects is not None and Path(rejects).resolve() in paths):
        raise InputError("the input, output and rejects files must all differ")
    for path in (output, rejects):  # every file-level problem before any work, and before the
        if path is not None:       # old output is replaced
            table_format(path)
            if Path(path).is_dir():
                raise InputError("is a folder: expected the name of a file to write",
                                 source=str(path))
    source = TableSource(input, batch_size)
    with ExitStack() as stack:
        out = stack.enter_context(TableWriter(output, OUTPUT_SCHEMA))
        rej = stack.enter_context(TableWriter(rejects, REJECT_SCHEMA)) if rejects else None

        def write_rejects(found: list[Reject]) -> None:
            if rej is not None:
                rej.write(rejects_batch(found))

        run = evaluate(source, pack, subject=subject, strict=strict, workers=workers,
                       on_rejects=write_rejects, as_of=as_of)
        for batch in run:
            out.write(batch)
            if progress is not None:
                progress(run.summary, source.fraction_read)
        run.summary.check()
    return run.summary
