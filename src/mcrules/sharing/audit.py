"""The audit: for a suppressed cell, the interval an informed attacker can narrow it to.

The attacker knows the method, k, the protection width and every published cell and margin. So
they know every cell's table equations (a margin is the sum of its parts), that counts are
non-negative, and, since zeros are always published and never suppressed, that every suppressed
cell counts at least 1. The interval is the minimum and maximum of the cell over every table
satisfying all of that (a linear program, HiGHS through `highspy`).

The model is built once per table: one column per cell, one row per margin equation. A published
cell is a column fixed to its count; suppressing a cell only changes that column's bounds to
[1, inf), and each interval only changes the objective, so HiGHS starts every solve from the last
basis. Suppressing more only widens intervals, so a cell found protected stays protected.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from mcrules.sharing.count_table import DisclosureError, FullTable

TOLERANCE = 1e-6


_banner_shown = False


def _highs() -> object:
    """A silent HiGHS instance. HiGHS prints a banner to file descriptor 1 when the first one is
    made in a process: that would corrupt a JSON release on standard output, so it goes to a
    temporary file that is dropped."""
    global _banner_shown
    try:
        import highspy
    except ImportError:  # pragma: no cover - exercised only without the extra
        raise DisclosureError("disclosure control needs highspy: pip install 'mcrules[sharing]'") \
            from None
    if _banner_shown:
        h = highspy.Highs()
    else:
        import ctypes
        import os
        import sys
        import tempfile

        sys.stdout.flush()
        libc = ctypes.CDLL(None)
        libc.fflush(None)
        saved = os.dup(1)
        try:
            with tempfile.TemporaryFile() as sink:
                os.dup2(sink.fileno(), 1)
                h = highspy.Highs()
                libc.fflush(None)
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _banner_shown = True
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    return h


def csc(columns: Sequence[list[tuple[int, float]]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A sparse matrix given as (row, value) entries per column, in HiGHS's column-wise form."""
    starts, rows, vals = [0], [], []
    for entries in columns:
        for r, v in entries:
            rows.append(r)
            vals.append(v)
        starts.append(len(rows))
    return np.array(starts, dtype=np.int32), np.array(rows, dtype=np.int32), np.array(vals)


def equations(table: FullTable) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """The margin equations as a column-wise sparse matrix (starts, rows, values) and the number
    of rows: row r says margin m_r minus the sum of its parts is 0."""
    by_col: list[list[tuple[int, float]]] = [[] for _ in range(table.size)]
    for r, (margin, parts) in enumerate(table.sums):
        by_col[margin].append((r, 1.0))
        for p in parts:
            by_col[p].append((r, -1.0))
    return (*csc(by_col), len(table.sums))


class Auditor:
    """The attacker's linear program for one table, built once."""

    def __init__(self, table: FullTable, suppressed: Iterable[int] = ()) -> None:
        import highspy

        self.table = table
        self.h: highspy.Highs = _highs()  # type: ignore[assignment]
        self.h.setOptionValue("presolve", "off")   # keeps the basis between solves
        starts, rows, vals, n_rows = equations(table)
        lp = highspy.HighsLp()
        lp.num_col_ = table.size
        lp.num_row_ = n_rows
        values = table.values.astype(float)
        lp.col_cost_ = np.zeros(table.size)
        lp.col_lower_ = values.copy()
        lp.col_upper_ = values.copy()
        lp.row_lower_ = np.zeros(n_rows)
        lp.row_upper_ = np.zeros(n_rows)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = starts
        lp.a_matrix_.index_ = rows
        lp.a_matrix_.value_ = vals
        self.h.passModel(lp)
        self.suppressed: set[int] = set()
        self.solves = 0
        self._witness: dict[int, tuple[set[int], float]] = {}
        self.suppress(suppressed)

    def suppress(self, cells: Iterable[int]) -> None:
        """Suppressed cells are unknowns, each at least 1 (zeros are never suppressed)."""
        for j in cells:
            if j not in self.suppressed:
                if self.table.values[j] < 1:
                    raise DisclosureError("a zero cell is never suppressed (internal error)")
                self.suppressed.add(j)
                self.h.changeColBounds(j, 1.0, math.inf)

    def publish(self, cells: Iterable[int]) -> None:
        """Undo `suppress` (used when a redundant complementary suppression is taken back)."""
        for j in cells:
            if j in self.suppressed:
                self.suppressed.discard(j)
                v = float(self.table.values[j])
                self.h.changeColBounds(j, v, v)

    def _extreme(self, j: int, sense: int) -> tuple[float, np.ndarray | None]:
        """The minimum (sense 1) or maximum (sense -1) of cell j, and the table that attains it
        (None when the maximum is unbounded)."""
        import highspy

        self.h.changeColCost(j, float(sense))
        self.h.run()
        self.solves += 1
        status = self.h.getModelStatus()
        if status in (highspy.HighsModelStatus.kUnbounded,
                      highspy.HighsModelStatus.kUnboundedOrInfeasible):
            self.h.changeColCost(j, 0.0)
            return math.inf * -sense, None
        if status != highspy.HighsModelStatus.kOptimal:
            self.h.changeColCost(j, 0.0)
            raise DisclosureError(f"the audit's linear program failed: "
                                  f"{self.h.modelStatusToString(status)}")
        value = float(self.h.getInfo().objective_function_value) * sense
        table = np.asarray(self.h.getSolution().col_value)
        self.h.changeColCost(j, 0.0)   # after reading the answer: a change clears it
        return value, table

    def interval(self, j: int) -> tuple[float, float]:
        """Min and max of cell j over every table the attacker cannot rule out. The two tables
        that attain them are remembered by the cells where they differ from the true one: as long
        as those cells stay suppressed, both tables stay possible and the interval cannot shrink."""
        lo, at_lo = self._extreme(j, 1)
        hi, at_hi = self._extreme(j, -1)
        values = self.table.values
        if at_lo is None or at_hi is None:
            self._witness.pop(j, None)
        else:
            moved = (np.abs(at_lo - values) > TOLERANCE) | (np.abs(at_hi - values) > TOLERANCE)
            self._witness[j] = (set(np.flatnonzero(moved).tolist()), hi - lo)
        return (round(lo, 6), round(hi, 6) if math.isfinite(hi) else math.inf)

    def width(self, j: int) -> float:
        lo, hi = self.interval(j)
        return hi - lo

    def protected(self, j: int, width: float) -> bool:
        return self.width(j) >= width - TOLERANCE

    def still_protected(self, j: int, width: float, published: int) -> bool:
        """Whether cell j is protected once cell `published` is published again: without a solve
        when neither of j's remembered tables moves that cell."""
        seen = self._witness.get(j)
        if seen is not None and published not in seen[0] and seen[1] >= width - TOLERANCE:
            return True
        return self.protected(j, width)
