"""Streaming tables: bounded batches in, batch-by-batch writers out, bad rows kept in place."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from mcrules.errors import InputError
from mcrules.io.tables import (
    FORMAT_METADATA_KEY,
    JSON_METADATA_KEY,
    ROW_ERROR_COLUMN,
    TableSource,
    TableWriter,
    table_format,
)


def _rows(path: Path, batch_size: int) -> tuple[list[int], list[dict[str, object]]]:
    sizes, rows = [], []
    for batch in TableSource(path, batch_size):
        sizes.append(batch.num_rows)
        rows.extend(batch.to_pylist())
    return sizes, rows


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_a_file_bigger_than_the_batch_size_comes_in_several_bounded_batches(
        tmp_path: Path, fmt: str) -> None:
    n = 1000
    path = tmp_path / f"sites.{fmt}"
    table = pa.table({"name": [f"s{i}" for i in range(n)], "beds": list(range(n))})
    if fmt == "csv":
        pcsv.write_csv(table, path)
    elif fmt == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in table.to_pylist()))
    else:
        pq.write_table(table, path, row_group_size=300)
    sizes, rows = _rows(path, 128)
    assert len(sizes) >= 1000 // 128
    assert max(sizes) <= 128
    assert sum(sizes) == n
    assert [r["name"] for r in rows] == [f"s{i}" for i in range(n)]


def test_csv_cells_stay_text_so_a_late_unit_cannot_stop_the_stream(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("water_supply\n" + "1200\n" * 5000 + "12 m^3/day\n")
    _, rows = _rows(path, 1000)
    assert rows[-1]["water_supply"] == "12 m^3/day"
    assert rows[0]["water_supply"] == "1200"


def test_a_ragged_csv_record_is_a_row_with_an_error_at_its_own_row_number(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text('name,beds\nA,1\nB,2,3\n"C\nc",4\nD\nE,5\nF\n')
    _, rows = _rows(path, 2)
    assert [r.get(ROW_ERROR_COLUMN) for r in rows] == [
        None, "expected 2 fields, got 3", None, "expected 2 fields, got 1", None,
        "expected 2 fields, got 1"]
    assert [r["name"] for r in rows] == ["A", None, "C\nc", None, "E", None]


def test_jsonl_lines_that_are_not_objects_stay_rows_with_an_error(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text('{"beds": 1}\n\n{broken\n[1, 2]\n{"beds": 2}\n')
    _, rows = _rows(path, 10)
    assert len(rows) == 4  # the blank line is not a row
    assert rows[0]["beds"] == 1 and rows[3]["beds"] == 2
    assert str(rows[1][ROW_ERROR_COLUMN]).startswith("invalid JSON")
    assert "mapping" in str(rows[2][ROW_ERROR_COLUMN])


def test_jsonl_keys_of_mixed_types_arrive_as_json_text_marked_as_such(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text('{"water_supply": 1200}\n{"water_supply": "12 m^3/day"}\n'
                    '{"water_supply": true}\n')
    (batch,) = TableSource(path)
    fld = batch.schema.field("water_supply")
    assert fld.metadata[JSON_METADATA_KEY] == b"1"
    assert [json.loads(v) for v in batch.column("water_supply").to_pylist()] == [
        1200, "12 m^3/day", True]
    assert batch.schema.metadata[FORMAT_METADATA_KEY] == b"jsonl"


def test_jsonl_strings_are_never_read_as_dates(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text('{"name": "2024-01-01"}\n')
    (batch,) = TableSource(path)
    assert batch.column("name").to_pylist() == ["2024-01-01"]


def test_an_unknown_extension_names_the_file() -> None:
    with pytest.raises(InputError) as err:
        table_format("sites.xlsx")
    assert "sites.xlsx" in str(err.value) and ".xlsx" in str(err.value)


def test_an_unreadable_parquet_file_is_an_input_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"not parquet at all")
    with pytest.raises(InputError) as err:
        list(TableSource(path))
    assert "broken.parquet" in str(err.value)


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        TableSource(tmp_path / "nope.csv")


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_writers_append_batch_by_batch_and_round_trip(tmp_path: Path, fmt: str) -> None:
    schema = pa.schema([("row", pa.int64()), ("rule", pa.dictionary(pa.int32(), pa.string())),
                        ("measured", pa.float64()), ("item", pa.string())])
    batches = [pa.RecordBatch.from_pylist(
        [{"row": i, "rule": "r", "measured": 0.1 * i if i % 3 else None,
          "item": None if i % 2 else f"L{i}"} for i in range(start, start + 5)], schema=schema)
        for start in (0, 5)]
    path = tmp_path / f"out.{fmt}"
    with TableWriter(path, schema) as w:
        for b in batches:
            w.write(b)
    if fmt == "parquet":
        back = pq.read_table(path).to_pylist()
    elif fmt == "csv":
        back = pcsv.read_csv(path, convert_options=pcsv.ConvertOptions(
            column_types={"item": pa.string(), "rule": pa.string()},
            strings_can_be_null=True)).to_pylist()
    else:
        back = [json.loads(line) for line in path.read_text().splitlines()]
    want = [r for b in batches for r in b.to_pylist()]
    assert back == want


def test_an_interrupted_write_leaves_no_file_that_looks_complete(tmp_path: Path) -> None:
    schema = pa.schema([("row", pa.int64())])
    path = tmp_path / "out.parquet"
    with pytest.raises(RuntimeError), TableWriter(path, schema) as w:
        w.write(pa.RecordBatch.from_pylist([{"row": 1}], schema=schema))
        raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_a_batch_of_another_schema_is_refused(tmp_path: Path) -> None:
    with TableWriter(tmp_path / "o.csv", pa.schema([("row", pa.int64())])) as w, \
            pytest.raises(InputError, match="schema"):
        w.write(pa.RecordBatch.from_pylist([{"x": "a"}]))
