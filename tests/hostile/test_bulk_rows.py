"""Bulk never dies of a row: any row that cannot be converted or evaluated is a reject with its
row number, field and reason, the run completes, and rows in = evaluated + rejected. A problem
with the file itself is found before any work, and no old or partial output looks current."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mcrules import Pack, load_site_pack
from mcrules.bulk import BulkSummary, run_file
from mcrules.errors import InputError
from mcrules.io.tables import MAX_CSV_RECORD_BYTES, ROW_ERROR_COLUMN
from tests.hostile.harness import mcrules

HEADER = "name,population.female,population.male,toilets.female,toilets.male,water_supply,spaces\n"
GOOD = "ok-{i},40,40,2,2,12 m^3/day,infirmary;isolation_room\n"


def good_rows(n: int, start: int = 0) -> str:
    return "".join(GOOD.format(i=i) for i in range(start, start + n))


def rejects_of(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def assert_no_row_lost(summary: BulkSummary, rows: int) -> None:
    assert summary.rows_read == rows
    assert summary.rows_read == summary.rows_evaluated + summary.rows_rejected


def test_a_bad_value_near_the_end_loses_only_its_row(tmp_path: Path, pack: Pack) -> None:
    src, out, rej = tmp_path / "s.csv", tmp_path / "o.parquet", tmp_path / "r.jsonl"
    src.write_text(HEADER + good_rows(1990) + "bad,40,40,2,2,12 L/day/0,\n" + good_rows(9, 1991))
    summary = run_file(src, out, pack, rej, batch_size=256)
    assert_no_row_lost(summary, 2000)
    assert summary.rows_rejected == 1
    (reject,) = rejects_of(rej)
    assert (reject["row"], reject["field"]) == (1990, "water_supply")
    assert pq.read_table(out).num_rows == 1999 * len(pack.rules)


@pytest.mark.parametrize("separator", ["\x85", "\u2028", "\u2029"])
def test_a_reject_naming_a_field_with_a_line_separator_stays_one_line(
        separator: str, tmp_path: Path, pack: Pack) -> None:
    """Found by the fuzzer on 2026-12-01: `str.splitlines` cut such a reject in two."""
    src, out, rej = tmp_path / "s.jsonl", tmp_path / "o.jsonl", tmp_path / "r.jsonl"
    key = f"odd{separator}key"
    src.write_text(json.dumps({"name": "a", key: 1}) + "\n" + json.dumps({"name": "b"}) + "\n")
    summary = run_file(src, out, pack, rej, strict=True)
    assert_no_row_lost(summary, 2)
    (reject,) = rejects_of(rej)
    assert reject["row"] == 0 and reject["field"] == key
    assert all(json.loads(line) for line in out.read_text().splitlines())


def test_a_csv_record_larger_than_the_limit_is_a_reject(tmp_path: Path, pack: Pack) -> None:
    src, out, rej = tmp_path / "s.csv", tmp_path / "o.parquet", tmp_path / "r.jsonl"
    huge = "x" * (MAX_CSV_RECORD_BYTES + 10)
    src.write_text(HEADER + good_rows(3) + f'big,40,40,2,2,"{huge}\n{huge}",\n' + good_rows(2, 3))
    summary = run_file(src, out, pack, rej)
    assert_no_row_lost(summary, 6)
    (reject,) = rejects_of(rej)
    assert reject["row"] == 3
    assert len(str(reject["reason"])) < 1000  # the value is never echoed whole


def test_bytes_that_are_not_utf8_in_a_csv_row_are_a_reject(tmp_path: Path, pack: Pack) -> None:
    src, out, rej = tmp_path / "s.csv", tmp_path / "o.parquet", tmp_path / "r.jsonl"
    src.write_bytes((HEADER + good_rows(5)).encode() + b"caf\xe9,40,40,2,2,1600,\n"
                    + good_rows(2, 5).encode())
    summary = run_file(src, out, pack, rej)
    assert_no_row_lost(summary, 8)
    (reject,) = rejects_of(rej)
    assert reject["row"] == 5 and "UTF-8" in str(reject["reason"])


@pytest.mark.parametrize("line", [
    b'{"name": "caf\xe9"}',                                  # not UTF-8
    b'{"name": "deep", "spaces": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    b'{"name": "big", "beds": 1' + b"0" * 400 + b"}",        # a 400-digit count
    b'{"name": "big", "beds": "x", "b": 1' + b"0" * 30 + b"}",
    b'{"name": "twice", "toilets.female": 1, "toilets": {"female": 2}}',
    b'[1, 2]',
    b'"just a string"',
    b'{"name": "nul\\u0000", "beds": true}',
])
def test_every_jsonl_line_is_evaluated_or_rejected(line: bytes, tmp_path: Path, pack: Pack) -> None:
    src, out = tmp_path / "s.jsonl", tmp_path / "o.parquet"
    src.write_bytes(b'{"name": "a", "beds": 3}\n' + line + b'\n{"name": "b", "beds": 4}\n')
    summary = run_file(src, out, pack)
    assert_no_row_lost(summary, 3)
    assert summary.rows_evaluated >= 2


def test_a_dotted_and_a_nested_column_reject_only_the_row_giving_both(tmp_path: Path,
                                                                      pack: Pack) -> None:
    src, out = tmp_path / "s.jsonl", tmp_path / "o.jsonl"
    src.write_text('{"name": "dotted", "toilets.female": 1}\n'
                   '{"name": "nested", "toilets": {"female": 2}}\n'
                   '{"name": "both", "toilets.female": 1, "toilets": {"female": 2}}\n')
    summary = run_file(src, out, pack)
    assert_no_row_lost(summary, 3)
    assert [r.row for r in summary.sample_rejects] == [2]
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert {r["name"] for r in rows} == {"dotted", "nested"}


def test_an_error_inside_the_evaluator_rejects_the_row_and_the_run_goes_on(
        tmp_path: Path, pack: Pack, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug that one row triggers is that row's reject, found by splitting the batch."""
    from mcrules.bulk import convert

    real = convert.Converter.convert

    def convert_or_crash(self: convert.Converter, batch: pa.RecordBatch, row_offset: int = 0):  # type: ignore[no-untyped-def]
        names = batch.column("name").to_pylist() if "name" in batch.schema.names else []
        if "crash" in names:
            raise ZeroDivisionError("float division by zero")
        return real(self, batch, row_offset)

    monkeypatch.setattr(convert.Converter, "convert", convert_or_crash)
    src, out, rej = tmp_path / "s.csv", tmp_path / "o.parquet", tmp_path / "r.jsonl"
    src.write_text(HEADER + good_rows(40) + "crash,1,1,1,1,1,\n" + good_rows(59, 40))
    summary = run_file(src, out, pack, rej, batch_size=32, workers=1)
    assert_no_row_lost(summary, 100)
    (reject,) = rejects_of(rej)
    assert reject["row"] == 40
    assert "ZeroDivisionError" in str(reject["reason"]) and "bug" in str(reject["reason"])
    got = sorted(set(pq.read_table(out).column("row").to_pylist()))
    assert got == [i for i in range(100) if i != 40]


def test_a_column_named_like_the_row_error_column_cannot_inject_reasons(
        tmp_path: Path, pack: Pack) -> None:
    for src in (tmp_path / "s.csv", tmp_path / "s.jsonl", tmp_path / "s.parquet"):
        if src.suffix == ".csv":
            src.write_text(f"name,beds,{ROW_ERROR_COLUMN}\na,3,injected\nb,4,\n")
        elif src.suffix == ".jsonl":
            src.write_text(f'{{"name": "a", "beds": 3, "{ROW_ERROR_COLUMN}": "injected"}}\n'
                           '{"name": "b", "beds": 4}\n')
        else:
            table = pa.table({"name": ["a", "b"], "beds": [3, 4],
                              ROW_ERROR_COLUMN: ["injected", None]})
            marked = table.schema.field(ROW_ERROR_COLUMN).with_metadata(
                {b"mcrules.row_error": b"1"})
            pq.write_table(table.cast(table.schema.set(2, marked)), src)
        summary = run_file(src, tmp_path / f"o-{src.suffix[1:]}.parquet", pack)
        assert_no_row_lost(summary, 2)
        assert summary.rows_rejected == 0, src.suffix
        assert any(ROW_ERROR_COLUMN in w for w in summary.warnings), src.suffix


def test_parquet_json_metadata_from_the_file_is_not_trusted(tmp_path: Path, pack: Pack) -> None:
    src = tmp_path / "s.parquet"
    table = pa.table({"name": ["a", "b"], "spaces": ["not json", "infirmary"]})
    field = table.schema.field("spaces").with_metadata({b"mcrules.json": b"1"})
    pq.write_table(table.cast(table.schema.set(1, field)), src)
    summary = run_file(src, tmp_path / "o.parquet", pack)
    assert_no_row_lost(summary, 2)


# File-level problems: before any work, exit 2 ---------------------------------------------------


def test_out_naming_a_folder_fails_before_work(tmp_path: Path, pack: Pack) -> None:
    src = tmp_path / "s.csv"
    src.write_text(HEADER + good_rows(3))
    (tmp_path / "out.parquet").mkdir()
    with pytest.raises(InputError, match="is a folder"):
        run_file(src, tmp_path / "out.parquet", pack)
    ran = mcrules("bulk", str(src), "--out", str(tmp_path / "out.parquet"))
    assert ran.code == 2 and "is a folder" in ran.stderr


def test_a_format_that_does_not_match_the_extension_fails_before_work(tmp_path: Path) -> None:
    parquet = tmp_path / "s.parquet"
    pq.write_table(pa.table({"name": ["a"]}), parquet)
    named_csv = tmp_path / "really-parquet.csv"
    named_csv.write_bytes(parquet.read_bytes())
    named_jsonl = tmp_path / "really-csv.jsonl"
    named_jsonl.write_text(HEADER + good_rows(2))
    named_parquet = tmp_path / "really-csv.parquet"
    named_parquet.write_text(HEADER + good_rows(2))
    for src, says in ((named_csv, "Parquet file"), (named_jsonl, "JSON Lines"),
                      (named_parquet, "parquet")):
        out = tmp_path / "out.parquet"
        ran = mcrules("bulk", str(src), "--out", str(out))
        assert ran.code == 2 and says in ran.stderr, ran.stderr
        assert not out.exists()


def test_a_missing_input_fails_before_the_old_output_is_touched(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    out.write_text("old results\n")
    ran = mcrules("bulk", str(tmp_path / "missing.csv"), "--out", str(out))
    assert ran.code == 2 and "no such file" in ran.stderr
    assert out.read_text() == "old results\n"


def test_a_run_that_fails_midway_leaves_no_old_output_looking_current(tmp_path: Path,
                                                                      pack: Pack) -> None:
    src, out = tmp_path / "s.parquet", tmp_path / "out.csv"
    pq.write_table(pa.table({"name": ["a"] * 10}), src)
    data = bytearray(src.read_bytes())
    data[8:40] = b"\x00" * 32  # a corrupt column chunk: readable footer, unreadable data
    src.write_bytes(bytes(data))
    out.write_text("old results\n")
    try:
        run_file(src, out, pack)
    except InputError:
        assert not out.exists()
    assert not list(tmp_path.glob(".*.partial"))


def test_sigterm_removes_the_partial_files(tmp_path: Path) -> None:
    src, out, rej = tmp_path / "s.csv", tmp_path / "out.parquet", tmp_path / "rej.csv"
    src.write_text(HEADER + good_rows(400_000))
    proc = subprocess.Popen([sys.executable, "-c", "from mcrules.cli.main import main; main()",
                             "bulk", str(src), "--out", str(out), "--rejects", str(rej),
                             "--batch-size", "2000"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    partial = tmp_path / ".out.parquet.partial"
    deadline = time.monotonic() + 60
    while not partial.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if proc.poll() is not None:
        pytest.skip("the run finished before it could be interrupted")
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert b"Traceback" not in err
    assert not partial.exists() and not (tmp_path / ".rej.csv.partial").exists()
    assert not out.exists()


# issue 16: a value that only looks like a boolean or a number is a reject, in every format ----

PACK = load_site_pack("mct-2023")
LOOKALIKES: list[object] = [True, False, "true", "false", "t", "y", "yes", "no", 1, 0, 1.0, "1",
                            "3", "3.0", "12000", "12 m^3/day", " 4 ", None, 2.5, -1]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(LOOKALIKES), st.sampled_from(LOOKALIKES),
                          st.sampled_from(LOOKALIKES)), min_size=1, max_size=15),
       st.sampled_from(["jsonl", "csv"]))
def test_bulk_rejects_exactly_the_rows_a_site_file_refuses(
        values: list[tuple[object, object, object]], fmt: str) -> None:
    """A JSON Lines row is typed: it is refused as the same JSON site file is. A CSV cell has no
    type: it is refused as a site file holding the same characters unquoted is."""
    from mcrules.io import validate_site
    from mcrules.located import plain_scalar

    keys = ("urban", "beds", "water_supply")
    docs = [{k: v for k, v in zip(keys, row, strict=True) if v is not None} for row in values]
    with tempfile.TemporaryDirectory() as tmp:
        src, out, rej = Path(tmp) / f"s.{fmt}", Path(tmp) / "o.jsonl", Path(tmp) / "r.jsonl"
        if fmt == "jsonl":
            src.write_text("".join(json.dumps({"name": f"r{i}", **d}) + "\n"
                                   for i, d in enumerate(docs)))
            read = docs
        else:
            def cell(v: object) -> str:
                return "" if v is None else str(v).lower() if isinstance(v, bool) else str(v)

            with src.open("w", newline="") as f:
                w = csv.writer(f)
                w.writerow(["name", *keys])
                w.writerows([f"r{i}", *(cell(v) for v in row)] for i, row in enumerate(values))
            read = [{k: plain_scalar(cell(v)) for k, v in zip(keys, row, strict=True)
                     if v is not None} for row in values]
        summary = run_file(src, out, PACK, rej)
        rejected = {r["row"] for r in rejects_of(rej)} if rej.exists() else set()
    refused = set()
    for i, d in enumerate(read):
        try:
            validate_site(d)
        except InputError:
            refused.add(i)
    assert rejected == refused, (values, fmt)
    assert_no_row_lost(summary, len(values))
    for i, d in enumerate(read):  # and what they refuse: anything but true/false as a yes/no
        if "urban" in d and not isinstance(d["urban"], bool):
            assert i in rejected, (d, fmt)
