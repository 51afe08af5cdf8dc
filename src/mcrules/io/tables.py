"""Streaming readers and writers of tables (CSV, JSON Lines, Parquet) in bounded record batches.

Bulk inputs can be far larger than memory, so nothing here ever holds a whole file: readers yield
`pyarrow.RecordBatch`es of at most `batch_size` rows and writers append batch by batch. The format
is chosen by the file's extension. pyarrow is imported lazily, so `import mcrules` stays light.

Two conventions let a reader hand over rows it could not parse without losing their place
(a bad row is quarantined, never dropped, and row numbers stay those of the file):

- `ROW_ERROR_COLUMN`: a string column, non-null on a row the reader could not parse (a CSV record
  with the wrong number of fields or too large, a JSON line that is not valid JSON); its other
  columns are null. The readers mark it with `ROW_ERROR_METADATA_KEY`: an input column of that
  name is only an unknown column, and cannot inject reasons.
- `JSON_METADATA_KEY`: field metadata marking a string column whose values are JSON texts, used by
  the JSON Lines reader when one key holds values of mixed types (a number here, "12 m^3/day"
  there) that no single Arrow type can carry.
- `FORMAT_METADATA_KEY`: schema metadata naming the format a batch was read from. JSON Lines
  batches carry ``jsonl``: their strings are JSON strings, never a list written in one cell.

These marks are the readers' own: any `mcrules.` metadata a Parquet file brings is dropped.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from mcrules.errors import InputError, McrulesError
from mcrules.io.sink import Sink
from mcrules.limits import MAX_DEPTH, MAX_ROW_BYTES
from mcrules.located import parse_json
from mcrules.source import STDIN_NAME, check_input, is_stdin

if TYPE_CHECKING:
    import pyarrow as pa

DEFAULT_BATCH_SIZE = 65_536
ROW_ERROR_COLUMN = "__row_error__"
ROW_ERROR_METADATA_KEY = b"mcrules.row_error"
MAX_CSV_RECORD_BYTES = 1 << 22  # one CSV record (a site) at most; larger ones are rejected rows
JSON_METADATA_KEY = b"mcrules.json"
FORMAT_METADATA_KEY = b"mcrules.format"

TableFormat = Literal["csv", "jsonl", "parquet"]
_EXTENSIONS: dict[str, TableFormat] = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def table_format(path: str | Path) -> TableFormat:
    """The format a path's extension names; InputError naming the file for any other extension."""
    suffix = Path(path).suffix.lower()
    fmt = _EXTENSIONS.get(suffix)
    if fmt is None:
        known = ", ".join(sorted(_EXTENSIONS))
        raise InputError(f"unknown table format {suffix or '(no extension)'!r}; expected one of "
                         f"{known}", source=str(path))
    return fmt


def _require_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:  # pragma: no cover - exercised only without the extra
        raise InputError("bulk tables need pyarrow: pip install 'mcrules[bulk]'") from None


class TableSource:
    """A table file opened for streaming: iterate it for record batches of at most `batch_size`.

    `total_rows` is known up front for Parquet (from its footer) and None otherwise; `fraction_read`
    tells progress by bytes for CSV and JSON Lines, by rows for Parquet.
    """

    def __init__(self, path: str | Path, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        if batch_size < 1:
            raise InputError(f"batch size must be at least 1, got {batch_size}")
        _require_pyarrow()
        if is_stdin(path):
            raise InputError("a table is not read from standard input: it is opened more than "
                             "once (its format is checked, then it is streamed); give a file",
                             source=STDIN_NAME)
        self.path = Path(path)
        self.format = table_format(path)
        self.batch_size = batch_size
        self.size = check_input(self.path, fifo=False).st_size  # the one reader's path checks
        self._sniff()
        self.total_rows: int | None = None
        self._rows_read = 0
        self._bytes_read = 0
        if self.format == "parquet":
            self.total_rows = self._parquet_file().metadata.num_rows

    @property
    def fraction_read(self) -> float:
        """Progress through the file, 0 to 1."""
        if self.total_rows is not None:
            return self._rows_read / self.total_rows if self.total_rows else 1.0
        return min(1.0, self._bytes_read / self.size) if self.size else 1.0

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        readers = {"csv": self._csv, "jsonl": self._jsonl, "parquet": self._parquet}
        for batch in readers[self.format]():
            self._rows_read += batch.num_rows
            yield batch

    def _sniff(self) -> None:
        """A file whose first bytes belong to another format than its extension says fails here,
        before any work: a Parquet file named .csv, a CSV file named .jsonl."""
        try:
            with self.path.open("rb") as f:
                head = f.read(4096)
        except OSError as exc:
            raise self._fail(exc) from None
        is_parquet = head.startswith(b"PAR1")
        if self.format == "parquet" or not head:
            return
        if is_parquet:
            raise InputError(f"this is a Parquet file, but its extension says {self.format}: "
                             "rename it to .parquet", source=str(self.path))
        if self.format == "jsonl":
            first = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
            if first and first not in b"{[":
                raise InputError("this does not look like JSON Lines (one JSON object per line): "
                                 f"it starts with {head[:40]!r}", source=str(self.path))

    def _fail(self, exc: Exception) -> InputError:
        return InputError(f"cannot read {self.format}: {exc}", source=str(self.path))

    # Parquet ---------------------------------------------------------------------------------

    def _parquet_file(self) -> Any:
        import pyarrow.parquet as pq

        try:
            # pre_buffer=False: read column chunks as batches need them, not a row group at once.
            return pq.ParquetFile(self.path, pre_buffer=False)
        except (OSError, ValueError) as exc:
            raise self._fail(exc) from None

    def _parquet(self) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa

        pf = self._parquet_file()
        try:
            for batch in pf.iter_batches(batch_size=self.batch_size, use_threads=False):
                yield without_reserved_metadata(batch)
        except (OSError, pa.ArrowException) as exc:
            raise self._fail(exc) from None
        finally:
            pf.close()

    # CSV -------------------------------------------------------------------------------------

    def _csv_header(self) -> list[str]:
        try:
            # surrogateescape: bad bytes in a later row are that row's reject, not the file's.
            with self.path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as f:
                header = next(csv.reader(f), None)
        except (OSError, csv.Error) as exc:
            raise self._fail(exc) from None
        if not header:
            raise InputError("empty CSV file: expected a header row of column names",
                             source=str(self.path))
        if _record_error(header, len(header)) is not None:
            raise InputError("the header row is not UTF-8 text (or is too large)",
                             source=str(self.path))
        return header

    def _csv(self) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa
        import pyarrow.csv as pcsv

        header = self._csv_header()
        skipped: dict[int, str] = {}

        def on_invalid(row: Any) -> str:
            # Records are numbered from 1 with the header as record 1 (serial reading only).
            skipped[row.number - 2] = (f"expected {row.expected_columns} fields, "
                                       f"got {row.actual_columns}")
            return "skip"

        # Every column as text: a cell is what the user typed, and types are decided per field
        # (a later "12 m^3/day" in a column of numbers must not stop the stream).
        convert = pcsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string()),
                                      null_values=[""], strings_can_be_null=True,
                                      quoted_strings_can_be_null=True)
        parse = pcsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid)
        read = pcsv.ReadOptions(use_threads=False, block_size=1 << 22)
        stream = pa.input_stream(str(self.path))
        placed = _RowPlacer(skipped)
        try:
            reader = pcsv.open_csv(stream, read_options=read, parse_options=parse,
                                   convert_options=convert)
            for block in reader:
                self._bytes_read = stream.tell()
                yield from _rebatch(placed.place(block), self.batch_size)
            self._bytes_read = self.size
            for tail in placed.rest(reader.schema):
                yield from _rebatch(tail, self.batch_size)
            return
        except pa.ArrowException:
            # A record pyarrow cannot take (larger than a block, bytes that are not UTF-8): the
            # rest of the file is read record by record, and each such record is a rejected row.
            skipped.clear()
        finally:
            stream.close()
        yield from self._csv_records(header, placed.next_row)

    def _csv_records(self, header: list[str], start: int) -> Iterator[pa.RecordBatch]:
        """Records from the `start`-th on (0 = the first after the header), with Python's csv
        module: slower than pyarrow, but every record is a row, however bad."""
        import pyarrow as pa

        csv.field_size_limit(sys.maxsize)  # a record's size is checked below, as a reject
        schema = pa.schema([pa.field(name, pa.string()) for name in header])
        width = len(header)
        try:
            f = self.path.open(newline="", encoding="utf-8-sig", errors="surrogateescape")
        except OSError as exc:
            raise self._fail(exc) from None
        with f:
            records = csv.reader(f)
            next(records, None)  # the header
            number = 0
            rows: list[list[str | None]] = []
            errors: list[str | None] = []
            try:
                for record in records:
                    if not record:
                        continue  # a blank line is not a row (as in pyarrow)
                    number += 1
                    if number <= start:
                        continue
                    rows.append([None] * width)
                    errors.append(_record_error(record, width))
                    if errors[-1] is None:
                        rows[-1] = [v if v != "" else None for v in record]
                    if len(rows) >= self.batch_size:
                        yield _text_batch(schema, rows, errors)
                        rows, errors = [], []
            except csv.Error as exc:  # only a NUL byte or an unclosed quote at the very end
                rows.append([None] * width)
                errors.append(f"cannot read this CSV record: {exc}")
            self._bytes_read = self.size
            if rows:
                yield _text_batch(schema, rows, errors)

    # JSON Lines ------------------------------------------------------------------------------

    def _jsonl(self) -> Iterator[pa.RecordBatch]:
        try:
            f = self.path.open("rb")
        except OSError as exc:
            raise self._fail(exc) from None
        with f:
            while True:
                lines = _read_lines(f, self.batch_size)
                self._bytes_read = f.tell()
                if not lines:
                    return
                batch = _parse_jsonl_chunk(lines)
                yield batch.replace_schema_metadata({**(batch.schema.metadata or {}),
                                                     FORMAT_METADATA_KEY: b"jsonl"})


def _record_error(record: list[str], width: int) -> str | None:
    """Why one CSV record cannot be a row, or None."""
    size = sum(len(v) for v in record)
    if size > MAX_CSV_RECORD_BYTES:
        return (f"this CSV record holds {size:,} characters, more than the limit of "
                f"{MAX_CSV_RECORD_BYTES:,}")
    if len(record) != width:
        return f"expected {width} fields, got {len(record)}"
    for i, v in enumerate(record):
        try:
            v.encode("utf-8")
        except UnicodeEncodeError:
            return f"field {i + 1} is not valid UTF-8 text"
    return None


def _text_batch(schema: pa.Schema, rows: list[list[str | None]],
                errors: list[str | None]) -> pa.RecordBatch:
    import pyarrow as pa

    columns = [pa.array([r[j] for r in rows], pa.string()) for j in range(len(schema))]
    batch = pa.RecordBatch.from_arrays(columns, schema=schema)
    return _with_errors(batch, errors) if any(e is not None for e in errors) else batch


def is_row_error_field(fld: pa.Field) -> bool:
    """Whether a column is a reader's row errors (not an input column that has its name)."""
    return bool(fld.metadata and fld.metadata.get(ROW_ERROR_METADATA_KEY))


def _row_error_field() -> pa.Field:
    import pyarrow as pa

    return pa.field(ROW_ERROR_COLUMN, pa.string(), metadata={ROW_ERROR_METADATA_KEY: b"1"})


def without_reserved_metadata(batch: pa.RecordBatch) -> pa.RecordBatch:
    """A batch from a file with any `mcrules.` metadata removed: only our readers set it."""
    import pyarrow as pa

    def clean(meta: dict[bytes, bytes] | None) -> dict[bytes, bytes] | None:
        if not meta:
            return meta
        kept = {k: v for k, v in meta.items() if not k.startswith(b"mcrules.")}
        return kept or None

    schema = batch.schema
    if not (schema.metadata and any(k.startswith(b"mcrules.") for k in schema.metadata)) and \
            not any(f.metadata and any(k.startswith(b"mcrules.") for k in f.metadata)
                    for f in schema):
        return batch
    fields = [f.with_metadata(clean(f.metadata) or {}) for f in schema]
    return pa.RecordBatch.from_arrays(batch.columns, schema=pa.schema(fields,
                                                                       metadata=clean(schema.metadata)))


class _TooLong(bytes):
    """Stands for a JSON Lines row longer than `MAX_ROW_BYTES`, of which only the length is kept."""

    length: int


def _read_lines(f: IO[bytes], limit: int) -> list[bytes]:
    """The next `limit` non-blank lines of a binary file (blank lines are not rows).

    A line longer than `MAX_ROW_BYTES` is never held whole: it is read past in chunks and stands
    as a `_TooLong`, which becomes a reject, so one huge row cannot exhaust memory.
    """
    out: list[bytes] = []
    while len(out) < limit:
        line = f.readline(MAX_ROW_BYTES + 1)
        if not line:
            break
        if len(line) > MAX_ROW_BYTES and not line.endswith(b"\n"):
            length = len(line)
            while True:
                rest = f.readline(1 << 20)
                length += len(rest)
                if not rest or rest.endswith(b"\n"):
                    break
            marker = _TooLong()
            marker.length = length
            out.append(marker)
        elif line.strip():
            out.append(line)
    return out


def _parse_jsonl_chunk(lines: list[bytes]) -> pa.RecordBatch:
    """Parse lines with pyarrow's JSON reader; on any trouble, line by line, strictly."""
    import pyarrow as pa
    import pyarrow.json as pj

    if any(_too_deep_line(line) for line in lines):
        return _parse_lines_one_by_one(lines)  # pyarrow takes seconds on a line nested 5000 deep
    table = None
    if not any(isinstance(line, _TooLong) for line in lines):
        try:
            table = pj.read_json(
                pa.BufferReader(b"\n".join(line.rstrip(b"\r\n") for line in lines)),
                read_options=pj.ReadOptions(use_threads=False,
                                            block_size=sum(map(len, lines)) + 1))
        except (pa.ArrowException, UnicodeDecodeError, ValueError):
            # pyarrow raises UnicodeDecodeError itself on a line that is not UTF-8
            table = None
    if table is not None and table.num_rows == len(lines) and not _reinterprets(table.schema) \
            and not _too_deep(table.schema):
        batches = table.to_batches()
        if table.num_columns == 0 or not batches:
            return _empty_rows(len(lines))
        return batches[0] if len(batches) == 1 else pa.concat_batches(batches)
    return _parse_lines_one_by_one(lines)


_BRACKETS = re.compile(rb'[\[\]{}]|"(?:[^"\\]|\\.)*"')


def _too_deep_line(line: bytes) -> bool:
    """Whether a JSON line nests lists and objects deeper than `MAX_DEPTH` (strings
    skipped); most lines are settled by counting brackets, at C speed."""
    if line.count(b"[") + line.count(b"{") <= MAX_DEPTH:
        return False
    depth = 0
    for m in _BRACKETS.finditer(line):
        token = m.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif token in (b"]", b"}"):
            depth -= 1
    return False


def _too_deep(schema: pa.Schema) -> bool:
    """Whether pyarrow read values nested deeper than `MAX_DEPTH`: the strict reader says where."""
    import pyarrow as pa

    def depth(t: pa.DataType) -> int:
        if pa.types.is_struct(t):
            return 1 + max((depth(t.field(i).type) for i in range(t.num_fields)), default=0)
        if pa.types.is_list(t) or pa.types.is_large_list(t):
            return 1 + depth(t.value_type)
        return 0

    # The row itself is one level; pyarrow's own nesting limit keeps this recursion shallow.
    return any(1 + depth(f.type) >= MAX_DEPTH for f in schema)


def _reinterprets(schema: pa.Schema) -> bool:
    """Whether pyarrow turned text into something else (dates): the fallback keeps it as typed."""
    import pyarrow as pa

    def bad(t: pa.DataType) -> bool:
        if pa.types.is_temporal(t):
            return True
        if pa.types.is_struct(t):
            return any(bad(t.field(i).type) for i in range(t.num_fields))
        if pa.types.is_list(t) or pa.types.is_large_list(t):
            return bad(t.value_type)
        return False

    return any(bad(f.type) for f in schema)


def loads_json(line: bytes | str) -> Any:
    """One JSON text; integers beyond 64 bits are read too (with the standard library)."""
    import orjson

    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        # orjson refuses integers beyond 64 bits, which JSON (and the site-file reader) allows.
        return json.loads(line)


def _loads(line: bytes) -> Any:
    """One row, read as strictly as a site file: UTF-8, no duplicate keys, bounded depth and
    digits (`mcrules.located.parse_json`); ValueError saying why not."""
    if isinstance(line, _TooLong):
        raise ValueError(f"a row is at most {MAX_ROW_BYTES:,} bytes, got {line.length:,}")
    return parse_json(line)


def _dumps(value: Any) -> str:
    import orjson

    try:
        return orjson.dumps(value).decode()
    except TypeError:  # an integer beyond 64 bits, which _loads read with json
        return json.dumps(value)


def _parse_lines_one_by_one(lines: Sequence[bytes]) -> pa.RecordBatch:
    import pyarrow as pa

    docs: list[dict[str, Any] | None] = []
    errors: list[str | None] = []
    for line in lines:
        try:
            doc = _loads(line)
        except ValueError as exc:  # UnicodeDecodeError is one
            docs.append(None)
            errors.append(f"invalid JSON: {exc}")
            continue
        except RecursionError:
            docs.append(None)
            errors.append("invalid JSON: nested too deeply")
            continue
        if not isinstance(doc, dict):
            docs.append(None)
            errors.append(f"a site must be a mapping of keys to values, got {type(doc).__name__}")
            continue
        docs.append(doc)
        errors.append(None)
    keys: dict[str, None] = {}
    for doc in docs:
        if doc:
            keys.update(dict.fromkeys(doc))
    arrays: list[pa.Array] = []
    fields: list[pa.Field] = []
    for key in keys:
        values = [None if doc is None else doc.get(key) for doc in docs]
        arr = scalar_array(values)
        if arr is not None:
            fields.append(pa.field(key, arr.type))
        else:
            # Objects, lists, or mixed types under one key: each value as its JSON text.
            arr = pa.array([None if v is None else _dumps(v) for v in values], type=pa.string())
            fields.append(pa.field(key, pa.string(), metadata={JSON_METADATA_KEY: b"1"}))
        arrays.append(arr)
    if any(e is not None for e in errors):
        arrays.append(pa.array(errors, type=pa.string()))
        fields.append(_row_error_field())
    if not fields:
        return _empty_rows(len(lines))
    return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(fields))


def scalar_array(values: Sequence[Any]) -> pa.Array | None:
    """An Arrow array of plain values of one kind (text, true/false, or numbers), else None.

    pyarrow would turn ``[1.5, True]`` into ``[1.5, 1.0]``; a site field that rejects booleans must
    see the boolean, so mixed kinds are refused here and handled value by value by the caller.
    """
    import pyarrow as pa

    kinds: set[str] = set()
    for v in values:
        if v is None:
            continue
        if isinstance(v, bool):
            kinds.add("bool")
        elif isinstance(v, int):
            if not -(2**63) <= v < 2**63:
                return None
            kinds.add("number")
        elif isinstance(v, float):
            kinds.add("number")
        elif isinstance(v, str):
            kinds.add("text")
        else:
            return None
        if len(kinds) > 1:
            return None
    if not kinds:
        return pa.nulls(len(values))
    try:
        return pa.array(values)
    except (pa.ArrowException, OverflowError):
        return None


def _empty_rows(n: int) -> pa.RecordBatch:
    """`n` rows with no columns (lines that were all `{}`)."""
    import pyarrow as pa

    return pa.RecordBatch.from_struct_array(pa.array([{}] * n, type=pa.struct([])))


class _RowPlacer:
    """Puts CSV records that pyarrow skipped back in their place, as rows with only an error.

    pyarrow reports a skipped record's number while it parses the block that holds it, before
    that block's batch is yielded, so each batch can be widened with the records it skipped.
    """

    def __init__(self, skipped: dict[int, str]) -> None:
        self.skipped = skipped
        self.next_row = 0

    def place(self, block: pa.RecordBatch) -> pa.RecordBatch:
        import numpy as np
        import pyarrow as pa

        k = block.num_rows
        start = self.next_row
        # The block's records span start .. start + k + m - 1, m being the skipped ones among
        # them: the smallest fixed point of m = #skipped in that span.
        m = 0
        while True:
            found = sum(1 for r in self.skipped if start <= r < start + k + m)
            if found == m:
                break
            m = found
        if m == 0:
            self.next_row += k
            return block
        bad = sorted(r for r in self.skipped if start <= r < start + k + m)
        total = k + m
        is_bad = np.zeros(total, dtype=np.bool_)
        is_bad[np.asarray(bad) - start] = True
        take = np.zeros(total, dtype=np.int64)
        take[~is_bad] = np.arange(k)
        errors: list[str | None] = [None] * total
        for r in bad:
            errors[r - start] = self.skipped.pop(r)
        self.next_row += total
        return _with_errors(block.take(pa.array(take, mask=is_bad)), errors)

    def rest(self, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
        """Skipped records after the last parsed row (a ragged last line)."""
        import pyarrow as pa

        if not self.skipped:
            return
        bad = sorted(self.skipped)
        errors: list[str | None] = [self.skipped.pop(r) for r in bad]
        self.next_row += len(bad)
        empty = pa.RecordBatch.from_pylist([], schema=schema)
        yield _with_errors(empty.take(pa.nulls(len(bad), type=pa.int64())), errors)


def _with_errors(batch: pa.RecordBatch, errors: list[str | None]) -> pa.RecordBatch:
    import pyarrow as pa

    return batch.append_column(_row_error_field(), pa.array(errors, type=pa.string()))


def _rebatch(batch: pa.RecordBatch, size: int) -> Iterator[pa.RecordBatch]:
    """Slices of at most `size` rows (slices share memory with `batch`)."""
    for start in range(0, batch.num_rows, size):
        yield batch.slice(start, size)


def read_batches(path: str | Path, batch_size: int = DEFAULT_BATCH_SIZE) -> Iterator[pa.RecordBatch]:
    """Record batches of at most `batch_size` rows from a CSV, JSON Lines or Parquet file."""
    return iter(TableSource(path, batch_size))


# Writers ---------------------------------------------------------------------------------------


def partial_path(path: str | Path) -> Path:
    """Where a `TableWriter` writes `path` until it is complete: a hidden sibling."""
    path = Path(path)
    return path.with_name(f".{path.name}.partial")


class TableWriter:
    """Writes record batches of one schema to a file, format by extension, batch by batch.

    The file goes through the one writer (`mcrules.io.sink`): a regular file appears under its
    name only when `close()` succeeds, until then it is written to a hidden sibling, so an
    interrupted run never leaves a truncated file that looks complete; a FIFO or a character
    device is written through, batch by batch; anything else is refused.
    """

    def __init__(self, path: str | Path, schema: pa.Schema, *, option: str = "--output",
                 inputs: tuple[str | Path, ...] = ()) -> None:
        _require_pyarrow()
        self.path = Path(path)
        self.format = table_format(path)
        self.schema = schema
        self.rows = 0
        self._jsonl: IO[bytes] | None = None
        self._writer: Any = None
        try:
            # The old file goes now, not when this one is complete: a run that fails or is killed
            # must not leave last run's results looking like this run's.
            self._sink = Sink(self.path, option=option, inputs=inputs,
                              temp=partial_path(self.path), drop_old=True, make_parents=True)
        except McrulesError as exc:
            raise InputError(exc.message, source=str(path)) from None
        try:
            # A regular target: pyarrow writes the temporary file natively, by name; a FIFO or a
            # device: into the open stream.
            where: Any = self._sink.file
            if self._sink.temp is not None and self.format != "jsonl":
                self._sink.file.close()
                where = str(self._sink.temp)
            if self.format == "parquet":
                import pyarrow.parquet as pq

                self._writer = pq.ParquetWriter(where, schema, compression="zstd")
            elif self.format == "csv":
                import pyarrow.csv as pcsv

                self._writer = pcsv.CSVWriter(where, schema)
            else:
                self._jsonl = self._sink.file
        except OSError as exc:
            self._sink.abort()
            raise InputError(f"cannot write: {exc}", source=str(path)) from None
        except BaseException:  # SIGTERM or Ctrl-C while opening: no .partial is left behind
            self.abort()
            raise

    def write(self, batch: pa.RecordBatch) -> None:
        """Append one batch; its schema must be the writer's."""
        if not batch.schema.equals(self.schema):
            raise InputError(f"batch schema {batch.schema} differs from the file's {self.schema}",
                             source=str(self.path))
        if self._jsonl is not None:
            self._jsonl.write(_jsonl_bytes(batch))
        else:
            self._writer.write_batch(batch)
        self.rows += batch.num_rows

    def close(self) -> None:
        """Finish the file and move it into place."""
        if self._jsonl is not None:
            self._jsonl.close()
        elif self._writer is not None:
            self._writer.close()
        try:
            self._sink.commit()
        except McrulesError as exc:
            raise InputError(exc.message, source=str(self.path)) from None

    def abort(self) -> None:
        """Drop what was written."""
        try:
            if self._jsonl is not None:
                self._jsonl.close()
            elif self._writer is not None:
                self._writer.close()
        finally:
            self._sink.abort()

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def _jsonl_bytes(batch: pa.RecordBatch) -> bytes:
    """One JSON object per row; floats as orjson writes them, nulls as null."""
    import orjson

    if batch.num_rows == 0:
        return b""
    names = batch.schema.names
    columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
    dumps = orjson.dumps
    out = b"".join(dumps(dict(zip(names, row, strict=True))) + b"\n"
                   for row in zip(*columns, strict=True))
    # JSON allows NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR raw inside strings, but readers
    # that split lines on them (Python's str.splitlines) would cut a row in two: a reject naming
    # a field spelled with one must stay one line. As escapes they are the same JSON.
    for raw, escaped in _LINE_BREAKS_IN_STRINGS:
        if raw in out:
            out = out.replace(raw, escaped)
    return out


# The UTF-8 of U+0085, U+2028 and U+2029, which orjson writes unescaped (every other character
# that ends a line is a control character below U+0020, which JSON always escapes).
_LINE_BREAKS_IN_STRINGS = ((b"\xc2\x85", b"\\u0085"), (b"\xe2\x80\xa8", b"\\u2028"),
                           (b"\xe2\x80\xa9", b"\\u2029"))
