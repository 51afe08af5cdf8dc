"""Count tables that are safe to share: primary and complementary cell suppression, and an audit by
linear programming that no suppressed cell can be recomputed from what is published.

The table has every combination of the breakdowns' values (the interior cells) and every margin:
each breakdown may be summed out, down to the grand total, and every one of those cells is
published unless suppressed. A cell counting 1 to k-1 people is suppressed (primary). Then, as
tau-Argus and sdcTable do, the audit solves, for each suppressed cell, min and max of its value
over all non-negative tables that agree with everything published (HiGHS, through
`scipy.optimize.linprog`): the interval [low, high] an attacker who knows the margins can narrow it
to. A cell whose interval is narrower than the pack's protection width gets a complementary
suppression (the smallest published non-zero cell in a margin it belongs to), and the audit runs
again, until every suppressed cell is protected. See docs/sharing.md for the method and its limits.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mcrules.errors import McrulesError

TOTAL = "Total"
MAX_INTERIOR_CELLS = 5_000


class DisclosureError(McrulesError):
    """The table cannot be built or protected (too many cells, a bad threshold)."""


Key = tuple[str, ...]


@dataclass(frozen=True)
class Cell:
    """One published or suppressed cell: its key (a category or `Total` per breakdown)."""

    key: Key
    count: int
    suppressed: bool = False
    primary: bool = False
    interval: tuple[float, float] | None = None   # for a suppressed cell, what can be inferred

    def as_dict(self, by: Sequence[str]) -> dict[str, Any]:
        out: dict[str, Any] = dict(zip(by, self.key, strict=True))
        out["count"] = None if self.suppressed else self.count
        out["suppressed"] = ("primary" if self.primary else "complementary") if self.suppressed \
            else None
        if self.interval is not None:
            lo, hi = self.interval
            out["interval"] = [lo, hi if math.isfinite(hi) else None]
        return out


@dataclass(frozen=True)
class SafeTable:
    """A count table with its suppressions and the audit's interval for each suppressed cell."""

    by: tuple[str, ...]
    cells: tuple[Cell, ...]
    k: int
    protection_width: float
    rows_counted: int
    rows_skipped: int = 0
    data_class: str | None = None
    fields: tuple[tuple[str, str, str], ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def suppressed(self) -> tuple[Cell, ...]:
        return tuple(c for c in self.cells if c.suppressed)

    @property
    def protected(self) -> bool:
        return all(c.interval is not None and c.interval[1] - c.interval[0] >= self.protection_width
                   for c in self.suppressed)

    def published(self) -> dict[Key, int]:
        """What a reader of the shared table sees: every cell not suppressed."""
        return {c.key: c.count for c in self.cells if not c.suppressed}

    def as_dict(self) -> dict[str, Any]:
        return {
            "by": list(self.by),
            "k": self.k,
            "protection_width": self.protection_width,
            "rows_counted": self.rows_counted,
            "rows_skipped": self.rows_skipped,
            "protected": self.protected,
            "data_class": self.data_class,
            "fields": [{"field": f, "data_class": c, "source": s} for f, c, s in self.fields],
            "cells": [c.as_dict(self.by) for c in self.cells],
            "suppressed": sum(c.suppressed for c in self.cells),
            **dict(self.extra),
        }


class CountAccumulator:
    """Counts rows by the breakdowns, batch by batch (bounded memory: one counter per cell)."""

    def __init__(self, by: Sequence[str]) -> None:
        if not by:
            raise DisclosureError("name at least one breakdown (--by)")
        self.by = tuple(by)
        self.counts: Counter[Key] = Counter()
        self.rows = 0
        self.skipped = 0

    def add_columns(self, columns: Mapping[str, Sequence[Any]], n: int) -> None:
        """Count one batch given as columns; a row missing a breakdown value is skipped."""
        missing = [b for b in self.by if b not in columns]
        if missing:
            raise DisclosureError(f"no column {missing[0]!r} to break down by "
                                  f"(columns: {', '.join(sorted(columns))})")
        cols = [columns[b] for b in self.by]
        for i in range(n):
            values = [c[i] for c in cols]
            if any(v is None or (isinstance(v, float) and math.isnan(v)) or v == ""
                   for v in values):
                self.skipped += 1
                continue
            self.counts[tuple(str(v) for v in values)] += 1
            self.rows += 1
        if len(self.counts) > MAX_INTERIOR_CELLS:
            raise DisclosureError(f"more than {MAX_INTERIOR_CELLS} combinations of "
                                  f"{', '.join(self.by)}: break down by fewer or coarser fields")

    def add_rows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self.add_columns({b: [row.get(b)] for b in self.by}, 1)


def _all_cells(by: Sequence[str], counts: Mapping[Key, int]) -> tuple[list[Key], dict[Key, int],
                                                                     dict[Key, list[int]]]:
    """Interior keys (sorted), every cell's count, and each cell's interior cells (indexes)."""
    cats = [sorted({k[i] for k in counts}) for i in range(len(by))]
    interior = [tuple(k) for k in itertools.product(*cats)]
    index = {k: i for i, k in enumerate(interior)}
    members: dict[Key, list[int]] = {}
    values: dict[Key, int] = {}
    for key in itertools.product(*[[*c, TOTAL] for c in cats]):
        inside = [index[k] for k in itertools.product(
            *[[v] if v != TOTAL else c for v, c in zip(key, cats, strict=True)])]
        members[key] = inside
        values[key] = sum(counts.get(interior[i], 0) for i in inside)
    return interior, values, members


def audit(values: Mapping[Key, int], members: Mapping[Key, list[int]], n_interior: int,
          suppressed: set[Key]) -> dict[Key, tuple[float, float]]:
    """For each suppressed cell, the min and max of its value over every non-negative table of
    interior cells that agrees with every published cell (linear programming, HiGHS)."""
    import numpy as np
    from scipy.optimize import linprog

    interior_keys = [k for k in members if len(members[k]) == 1]
    fixed: dict[int, int] = {members[k][0]: values[k] for k in interior_keys if k not in suppressed}
    free = [i for i in range(n_interior) if i not in fixed]
    col = {i: j for j, i in enumerate(free)}
    rows, rhs = [], []
    for key, inside in members.items():
        if key in suppressed:
            continue
        unknown = [col[i] for i in inside if i in col]
        if not unknown:
            continue
        row = np.zeros(len(free))
        row[unknown] = 1.0
        rows.append(row)
        rhs.append(values[key] - sum(fixed[i] for i in inside if i in fixed))
    a_eq = np.array(rows) if rows else None
    b_eq = np.array(rhs, dtype=float) if rows else None
    out: dict[Key, tuple[float, float]] = {}
    for key in suppressed:
        c = np.zeros(len(free))
        c[[col[i] for i in members[key] if i in col]] = 1.0
        const = sum(fixed[i] for i in members[key] if i in fixed)
        bounds = [(0, None)] * len(free)
        low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if low.status != 0:
            raise DisclosureError(f"the audit's linear program failed: {low.message}")
        lo = float(low.fun) + const
        hi = math.inf if high.status == 3 else -float(high.fun) + const
        out[key] = (round(lo, 6), round(hi, 6) if math.isfinite(hi) else hi)
    return out


def _complements(target: Key, values: Mapping[Key, int], members: Mapping[Key, list[int]],
                 suppressed: set[Key]) -> list[Key]:
    """Published non-zero cells that would hide `target`: at its level (as many totals), apart
    from it, and in a published margin with it, so that margin no longer pins it; failing that,
    any published non-zero cell at its level, then any at all (the grand total last)."""
    inside = set(members[target])
    level = target.count(TOTAL)
    open_ = [key for key in values if key not in suppressed and values[key] > 0 and key != target]
    margins = [set(members[m]) for m in values
               if m not in suppressed and m.count(TOTAL) > level and inside <= set(members[m])]
    same = [key for key in open_ if key.count(TOTAL) == level
            and inside.isdisjoint(members[key])]
    near = [key for key in same if any(set(members[key]) <= m for m in margins)]
    return near or same or sorted(open_, key=lambda key: (key.count(TOTAL), values[key]))[:1]


def protect(by: Sequence[str], counts: Mapping[Key, int], k: int,
            protection_width: float) -> tuple[list[Cell], int]:
    """Suppress small cells and their complements until the audit protects every one; returns
    the cells (interior first, then margins) and the number of audit rounds."""
    if k < 2:
        raise DisclosureError(f"the threshold k must be at least 2, got {k}")
    interior, values, members = _all_cells(by, counts)
    suppressed = {key for key, v in values.items() if 0 < v < k}
    primary = set(suppressed)
    rounds = 0
    intervals: dict[Key, tuple[float, float]] = {}
    while suppressed:
        rounds += 1
        intervals = audit(values, members, len(interior), suppressed)
        weak = sorted((key for key, (lo, hi) in intervals.items() if hi - lo < protection_width),
                      key=lambda key: (values[key], key))
        if not weak:
            break
        target = weak[0]
        pick_from = _complements(target, values, members, suppressed)
        if not pick_from:
            break
        pick = min(pick_from, key=lambda key: (values[key], key))
        suppressed.add(pick)
    cells = [Cell(key, values[key], key in suppressed, key in primary, intervals.get(key))
             for key in sorted(values, key=lambda key: (key.count(TOTAL), key))]
    return cells, rounds
