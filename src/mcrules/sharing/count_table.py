"""Counting records into a table of every combination of the breakdowns with every margin, with
the table's size checked against `MAX_TABLE_CELLS` as the records stream in, before any cross
product is built (14 breakdowns of a 10-row file would otherwise ask for 10^14 cells).

A margin is `None` in a key (the breakdown it sums over), never a label a category could also
hold: a category literally named `Total` is only a category.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mcrules.errors import McrulesError

# Cells of the full table, margins included: the product of (categories + 1) over the breakdowns.
# 99 x 99 (10,000) or 20 x 20 x 20 (9,261) fit; it bounds the audit (docs/limits.md).
MAX_TABLE_CELLS = 10_000

Key = tuple[str | None, ...]
# Keys of a release cell besides the breakdowns (and the CSV's `margin` column): no breakdown
# may be named like them.
RESERVED = ("count", "suppressed", "margin")


class DisclosureError(McrulesError):
    """The table cannot be built or protected (too many cells, a bad threshold or breakdown)."""


def category(value: Any) -> str | None:
    """The category a breakdown value names, or None when it is missing.

    A category is text, as a CSV cell is: a JSON string is itself, a number its shortest text
    (1, 1.0 and "1" are one category; "1.0" as a string is another), true/false `true`/`false`.
    A Parquet date or time is its ISO text. An object or a list is not a category (ValueError,
    which makes the row a reject).
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            raise ValueError("a breakdown value must be finite")
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, dt.date | dt.time):   # a Parquet date or timestamp column
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return category(float(value)) if value == value.to_integral_value() else str(value)
    kind = "an object" if isinstance(value, dict) else "a list" if isinstance(value, list) \
        else type(value).__name__
    raise ValueError(f"a breakdown value must be text or a number, got {kind}")


def category_from_json_text(text: str | None) -> str | None:
    """A value the JSON Lines reader kept as JSON text (a key holding mixed kinds of values):
    decoded first, so that `"female"` there and `female` in a text column are one category."""
    if text is None:
        return None
    return category(json.loads(text))


@dataclass(frozen=True)
class Reject:
    """A row that was not counted: its number in the file (from 1, data rows) and why."""

    row: int
    reason: str


def check_size(by: Sequence[str], categories: Sequence[int]) -> None:
    """Refuse a table whose full size (margins included) exceeds `MAX_TABLE_CELLS`."""
    size = math.prod(n + 1 for n in categories)
    if size > MAX_TABLE_CELLS:
        shown = ", ".join(f"{b} ({n})" for b, n in zip(by, categories, strict=True))
        raise DisclosureError(
            f"the table by {shown} categories would have {size:,} cells with its margins, more "
            f"than the limit of {MAX_TABLE_CELLS:,}: break down by fewer or coarser fields",
            path="--by")


class CountAccumulator:
    """Counts rows by the breakdowns, batch by batch: one counter per observed combination, and
    the full table's size checked after every batch, before anything larger is built."""

    def __init__(self, by: Sequence[str]) -> None:
        names = [str(b) for b in by]
        if not names:
            raise DisclosureError("name at least one breakdown", path="--by")
        blank = [i for i, b in enumerate(names) if not b.strip()]
        if blank:
            raise DisclosureError(f"breakdown {blank[0] + 1} is empty", path="--by")
        seen = [b for b, n in Counter(names).items() if n > 1]
        if seen:
            raise DisclosureError(f"{seen[0]!r} is named twice", path="--by")
        clash = [b for b in names if b in RESERVED]
        if clash:
            raise DisclosureError(f"a breakdown cannot be named {clash[0]!r}: a cell of the "
                                  f"release has that key", path="--by")
        self.by = tuple(names)
        self.counts: Counter[tuple[str, ...]] = Counter()
        self.categories: list[set[str]] = [set() for _ in names]
        self.rows = 0
        self.skipped = 0
        self.rejects: list[Reject] = []
        self._seen_rows = 0

    def add_columns(self, columns: Mapping[str, Sequence[Any]], n: int, *,
                    json_text: Iterable[str] = (),
                    errors: Sequence[str | None] | None = None,
                    names: Iterable[str] | None = None) -> None:
        """Count one batch given as columns. A row missing a breakdown value is skipped; a row
        the reader could not parse (`errors`) or whose value is no category is a reject.
        `names` are all the file's columns, for the message when a breakdown is not one."""
        missing = [b for b in self.by if b not in columns]
        if missing:
            shown = sorted(columns if names is None else names)
            raise DisclosureError(f"no column {missing[0]!r} to break down by "
                                  f"(columns: {', '.join(shown)})", path="--by")
        as_json = set(json_text)
        cols = [columns[b] for b in self.by]
        readers = [category_from_json_text if b in as_json else category for b in self.by]
        for i in range(n):
            number = self._seen_rows + i + 1
            if errors is not None and errors[i] is not None:
                self.rejects.append(Reject(number, str(errors[i])))
                continue
            try:
                values = [read(c[i]) for read, c in zip(readers, cols, strict=True)]
            except ValueError as exc:
                self.rejects.append(Reject(number, str(exc)))
                continue
            if any(v is None for v in values):
                self.skipped += 1
                continue
            key = tuple(v for v in values if v is not None)
            self.counts[key] += 1
            for seen, v in zip(self.categories, key, strict=True):
                seen.add(v)
            self.rows += 1
        self._seen_rows += n
        check_size(self.by, [len(c) for c in self.categories])

    def add_rows(self, rows: Iterable[Mapping[str, Any]], batch: int = 4096) -> None:
        """Count mappings (a missing key is a missing value), `batch` at a time."""
        chunk: list[Mapping[str, Any]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == batch:
                self.add_columns({b: [r.get(b) for r in chunk] for b in self.by}, len(chunk))
                chunk = []
        if chunk:
            self.add_columns({b: [r.get(b) for r in chunk] for b in self.by}, len(chunk))


@dataclass(frozen=True)
class FullTable:
    """Every cell of the table, margins included, as flat arrays.

    `keys[j]` is cell j's key (None where it sums over a breakdown), `values[j]` its count.
    `sums[m]` lists, for each margin cell m, the cells it is the sum of along its first summed
    breakdown: these equations (with non-negative counts) are everything the table's structure
    tells an attacker.
    """

    by: tuple[str, ...]
    keys: tuple[Key, ...]
    values: np.ndarray
    sums: tuple[tuple[int, tuple[int, ...]], ...]

    @property
    def size(self) -> int:
        return len(self.keys)


def full_table(by: Sequence[str], counts: Mapping[tuple[str, ...], int]) -> FullTable:
    """The full table of `counts` (observed combinations only: a category appears once seen)."""
    cats = [sorted({k[i] for k in counts}) for i in range(len(by))]
    check_size(by, [len(c) for c in cats])
    shape = tuple(len(c) + 1 for c in cats)   # the last index of each axis is its margin
    grid = np.zeros(shape, dtype=np.int64)
    index = [{v: j for j, v in enumerate(c)} for c in cats]
    for key, n in counts.items():
        grid[tuple(ix[v] for ix, v in zip(index, key, strict=True))] += n
    for axis, n in enumerate(len(c) for c in cats):
        margin: list[slice | int] = [slice(None)] * len(shape)
        margin[axis] = n
        inner: list[slice | int] = [slice(None)] * len(shape)
        inner[axis] = slice(0, n)
        grid[tuple(margin)] = grid[tuple(inner)].sum(axis=axis)
    strides = [math.prod(shape[a + 1:]) for a in range(len(shape))]
    keys: list[Key] = []
    sums: list[tuple[int, tuple[int, ...]]] = []
    for flat, pos in enumerate(np.ndindex(*shape)):
        keys.append(tuple(None if p == len(c) else c[p] for p, c in zip(pos, cats, strict=True)))
        summed = next((a for a, p in enumerate(pos) if p == len(cats[a])), None)
        if summed is not None:
            first = flat - pos[summed] * strides[summed]
            sums.append((flat, tuple(first + j * strides[summed]
                                     for j in range(len(cats[summed])))))
    return FullTable(tuple(by), tuple(keys), grid.reshape(-1).copy(), tuple(sums))
