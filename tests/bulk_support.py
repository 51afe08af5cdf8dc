"""Helpers for the bulk tests: write site documents as JSON Lines, flat CSV and nested Parquet,
and build the columns the scalar path gives for them (the reference every bulk path must equal)."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from mcrules import validate_site
from mcrules.engine.columns import ColumnBatch, batch_from_facts
from mcrules.site import site_facts, site_schema

LIST_FIELDS = ("spaces", "services", "building_assessed", "security_measures")


def flatten(doc: Mapping[str, Any], *, semicolons: bool = True,
            prefix: str = "") -> dict[str, Any]:
    """A site as one flat row: dotted keys, lists in one cell, latrines as JSON text."""
    out: dict[str, Any] = {}
    for key, value in doc.items():
        path = prefix + key
        if isinstance(value, Mapping):
            out.update(flatten(value, semicolons=semicolons, prefix=path + "."))
        elif key in LIST_FIELDS:
            out[path] = ";".join(value) if semicolons and value else json.dumps(value)
        elif key == "sanitation":
            out[path] = json.dumps(value)
        else:
            out[path] = value
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_csv(path: Path, docs: Sequence[Mapping[str, Any]]) -> None:
    """Flat CSV; lists alternate between `a;b` and JSON arrays, row by row."""
    rows = [flatten(d, semicolons=i % 2 == 0) for i, d in enumerate(docs)]
    keys = sorted({k for r in rows for k in r}) or ["name"]
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(keys)
        for r in rows:
            w.writerow([_cell(r.get(k)) for k in keys])


def write_jsonl(path: Path, docs: Sequence[Mapping[str, Any]]) -> None:
    path.write_text("".join(json.dumps(d) + "\n" for d in docs))


def write_parquet(path: Path, docs: Sequence[Mapping[str, Any]], row_group_size: int = 64) -> None:
    """Nested Parquet (structs, lists of structs), as pyarrow infers it from the documents.

    Parquet cannot store a struct without fields, so a nested object that is empty in every
    document gets a null field `_` (an unknown key: a warning, and the object stays given).
    """
    keys = list(dict.fromkeys(k for d in docs for k in d))
    hollow = {k for k in keys
              if all(d.get(k) == {} for d in docs if isinstance(d.get(k), Mapping))
              and any(isinstance(d.get(k), Mapping) for d in docs)}
    rows = [{k: ({"_": None} if k in hollow and d.get(k) == {} else d.get(k)) for k in keys}
            for d in docs]
    table = pa.Table.from_pylist(rows) if keys else pa.table(
        {"name": pa.nulls(len(docs), pa.string())})
    pq.write_table(table, path, row_group_size=row_group_size)


def expected_columns(docs: Sequence[Mapping[str, Any]]) -> ColumnBatch:
    """What the scalar path makes of the documents: validate, flatten to facts, to columns."""
    return batch_from_facts([site_facts(validate_site(dict(d))[0]) for d in docs], site_schema())


def assert_same_columns(got: ColumnBatch, want: ColumnBatch) -> None:
    """Bit-for-bit equal columns (NaN equal to NaN), item tables and labels."""
    assert got.n == want.n
    assert set(got.columns) == set(want.columns)
    for key, col in want.columns.items():
        assert np.array_equal(got.columns[key], col, equal_nan=True), key
    assert set(got.collections) == set(want.collections)
    for name, table in want.collections.items():
        other = got.collections[name]
        assert np.array_equal(other.present, table.present, equal_nan=True), name
        assert np.array_equal(other.parent, table.parent), name
        for key, col in table.columns.items():
            assert np.array_equal(other.columns[key], col, equal_nan=True), key
        assert other.labels == table.labels, name
