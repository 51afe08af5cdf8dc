"""Count tables that are safe to share: primary and complementary cell suppression, audited against
an informed attacker, and the two documents that come out of it.

The table has every combination of the breakdowns' categories and every margin down to the grand
total. A cell (interior or margin) counting 1 to k-1 people is suppressed (primary); zeros are
published. Complementary cells are suppressed until every primary cell's interval, for someone who
knows the method, k, the width and every published cell (so that a suppressed cell is at least 1),
is at least `protection_width` wide (`suppression`, `audit`).

`SafeTable.release()` is what may be published: cells with `count` and `suppressed` only. Why a
cell is suppressed (primary or complementary) and what the audit found go to `SafeTable.audit()`,
which stays with whoever made the table. See docs/sharing.md for the promise and its limits.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mcrules.sharing.audit import TOLERANCE, Auditor
from mcrules.sharing.count_table import (
    MAX_TABLE_CELLS,
    RESERVED,
    CountAccumulator,
    DisclosureError,
    FullTable,
    Key,
    Reject,
    full_table,
)
from mcrules.sharing.suppression import choose

__all__ = [
    "MAX_TABLE_CELLS",
    "RESERVED",
    "Cell",
    "CountAccumulator",
    "DisclosureError",
    "Key",
    "SafeTable",
    "protect",
]

MAX_REJECTS_LISTED = 100
COMPLEMENT_INTERVALS_MAX = 500


@dataclass(frozen=True)
class Cell:
    """One cell: its key (a category, or None where it sums over a breakdown) and count."""

    key: Key
    count: int
    suppressed: bool = False
    primary: bool = False
    interval: tuple[float, float] | None = None   # for a suppressed cell, what can be inferred

    def release(self, by: Sequence[str]) -> dict[str, Any]:
        """The published cell: no reason, no interval; `count` is null when suppressed."""
        out: dict[str, Any] = dict(zip(by, self.key, strict=True))
        out["count"] = None if self.suppressed else self.count
        out["suppressed"] = self.suppressed
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
    rejects: tuple[Reject, ...] = ()
    rows_rejected: int = 0
    method: Mapping[str, Any] = field(default_factory=dict)

    @property
    def suppressed(self) -> tuple[Cell, ...]:
        return tuple(c for c in self.cells if c.suppressed)

    @property
    def protected(self) -> bool:
        """Every primary cell's interval is at least the width wide."""
        return all(c.interval is not None
                   and c.interval[1] - c.interval[0] >= self.protection_width - TOLERANCE
                   for c in self.suppressed if c.primary)

    @property
    def total(self) -> Cell | None:
        """The grand total's cell (None for an empty table)."""
        return next((c for c in self.cells if all(v is None for v in c.key)), None)

    def published(self) -> dict[Key, int]:
        """What a reader of the release sees: every cell not suppressed."""
        return {c.key: c.count for c in self.cells if not c.suppressed}

    def release(self) -> dict[str, Any]:
        """The release: what may be published, and nothing that says why a cell is hidden."""
        return {
            "by": list(self.by),
            "k": self.k,
            "protection_width": self.protection_width,
            "data_class": self.data_class,
            "fields": [{"field": f, "data_class": c, "source": s} for f, c, s in self.fields],
            "cells": [c.release(self.by) for c in self.cells],
            **dict(self.extra),
        }

    def audit(self) -> dict[str, Any]:
        """The audit: why each cell is suppressed and the interval the attacker gets. Never to be
        published: it names the primary cells, which are known to hold 1 to k-1."""
        return {
            "audit_of": "mcrules aggregate release (do not publish this file)",
            "by": list(self.by),
            "k": self.k,
            "protection_width": self.protection_width,
            "protected": self.protected,
            "rows_counted": self.rows_counted,
            "rows_skipped": self.rows_skipped,
            "rows_rejected": self.rows_rejected,
            "rejects": [{"row": r.row, "reason": r.reason} for r in self.rejects],
            **dict(self.method),
            "suppressed": [
                {**dict(zip(self.by, c.key, strict=True)),
                 "reason": "primary" if c.primary else "complementary",
                 "interval": None if c.interval is None else
                 [c.interval[0], c.interval[1] if math.isfinite(c.interval[1]) else None]}
                for c in self.suppressed],
            **dict(self.extra),
        }


def _order(key: Key) -> tuple[int, tuple[tuple[bool, str], ...]]:
    """Interior cells first, then margins by how many breakdowns they sum over."""
    return sum(v is None for v in key), tuple((v is None, v or "") for v in key)


def protect(by: Sequence[str], counts: Mapping[tuple[str, ...], int], k: int,
            protection_width: float) -> tuple[list[Cell], dict[str, Any]]:
    """Suppress small cells and their complements until the audit protects every primary cell;
    returns the cells (interior first, then margins) and how the pattern was found."""
    if k < 2:
        raise DisclosureError(f"the threshold k must be at least 2, got {k}", path="min_cell_count")
    if not counts:
        return [], {"method": "none", "lp_solves": 0, "models_built": 0}
    table: FullTable = full_table(by, counts)
    auditor = Auditor(table)
    pattern = choose(table, k, protection_width, auditor)
    # The promise is about primary cells: their intervals are always computed. A complementary
    # cell's interval is information only, computed while the pattern is small.
    shown = pattern.suppressed if len(pattern.suppressed) <= COMPLEMENT_INTERVALS_MAX \
        else pattern.primary
    intervals = {j: auditor.interval(j) for j in sorted(shown)}
    cells = [Cell(table.keys[j], int(table.values[j]), j in pattern.suppressed,
                  j in pattern.primary, intervals.get(j)) for j in range(table.size)]
    cells.sort(key=lambda c: _order(c.key))
    method = {"method": pattern.method, "rounds": pattern.rounds,
              "lp_solves": auditor.solves + pattern.stats.get("heuristic_lp_solves", 0),
              "audit_models_built": auditor.builds, "work": auditor.budget.used,
              "table_cells": table.size, **pattern.stats}
    return cells, method
