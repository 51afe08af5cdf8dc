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
from typing import Any

import numpy as np

from mcrules.sharing.count_table import DisclosureError, FullTable

TOLERANCE = 1e-6

#: The most work the linear programs of one table may do: (simplex iterations + SOLVE_OVERHEAD)
#: times the size (rows + columns) of the program, summed over every solve of the audit and of
#: the heuristic. A count, not a clock, so the same table gets the same answer on every machine;
#: past it the table is refused (nothing is released), never published half-audited. About 80 s
#: of solving on the 2-core development machine (docs/limits.md).
AUDIT_WORK = 6_000_000_000
#: What one solve costs beyond its iterations (setting the objective, reading the solution), in
#: iterations of the same program: measured, 2.2 ms a solve on a 10,000-column program.
SOLVE_OVERHEAD = 16
#: What building a program costs, per term of the margin equations walked: measured, about 1 µs
#: a term, the time of 75 units of solving.
BUILD_COST = 75


class Budget:
    """The work one table's programs may still do (`AUDIT_WORK`), charged solve by solve: each
    solve may iterate only as far as what is left, so no single solve runs past the budget."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = AUDIT_WORK if limit is None else limit
        self.used = 0

    def charge(self, work: int) -> None:
        """Count work done outside a solve (building a program); DisclosureError once spent."""
        self.used += work
        if self.used >= self.limit:
            self._refuse()

    def _refuse(self) -> None:
        raise DisclosureError(
            f"auditing this table needs more work than the documented bound ({self.limit:,} "
            "simplex iterations x program size; docs/limits.md): nothing is released; break "
            "it down by fewer fields or coarser categories", path="by")

    def run(self, h: Any) -> None:
        """Solve `h`'s program within what is left; DisclosureError once the budget is spent."""
        import highspy

        size = max(1, int(h.getNumRow()) + int(h.getNumCol()))
        h.setOptionValue("simplex_iteration_limit", max(1, (self.limit - self.used) // size))
        h.run()
        self.used += (int(h.getInfo().simplex_iteration_count) + SOLVE_OVERHEAD) * size
        if self.used >= self.limit or \
                h.getModelStatus() == highspy.HighsModelStatus.kIterationLimit:
            self._refuse()


_banner_shown = False


def _highs() -> Any:
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
        h = highspy.Highs()  # type: ignore[no-untyped-call]
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
                h = highspy.Highs()  # type: ignore[no-untyped-call]
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


class Auditor:
    """The attacker's linear program for one table.

    Its columns are the suppressed cells only (a published cell is a constant the attacker
    knows), its rows the margin equations that hold a suppressed cell. It is built when the set
    of suppressed cells has changed since the last solve, and between two such changes every
    interval only changes the objective, so HiGHS starts each solve from the last basis.
    Suppressing more only widens intervals: a cell found protected stays protected until a cell
    that one of its two extreme tables moved is published again.
    """

    def __init__(self, table: FullTable, suppressed: Iterable[int] = (),
                 budget: Budget | None = None) -> None:
        self.table = table
        self.budget = budget if budget is not None else Budget()
        # what one build of the program costs: the same for every build of this table
        self._build_cost = BUILD_COST * sum(1 + len(parts) for _, parts in table.sums)
        self.h: Any = _highs()
        self.h.setOptionValue("presolve", "off")   # keeps the basis between solves
        # A new objective leaves the last basis primal feasible: primal simplex goes on from it
        # (about 3 times faster here than HiGHS's default choice, the dual).
        self.h.setOptionValue("simplex_strategy", 4)
        self.suppressed: set[int] = set()
        self.solves = 0
        self.builds = 0
        self._columns: dict[int, int] | None = None
        self._witness: dict[int, tuple[set[int], float]] = {}
        self._ok: set[int] = set()
        # intervals found since the suppressed cells last changed: the audit file's intervals
        # are then the ones the pattern's checks just computed, not solved again
        self._intervals: dict[int, tuple[float, float]] = {}
        self.suppress(suppressed)

    def suppress(self, cells: Iterable[int]) -> None:
        """Suppressed cells are unknowns, each at least 1 (zeros are never suppressed)."""
        for j in cells:
            if j not in self.suppressed:
                if self.table.values[j] < 1:
                    raise DisclosureError("a zero cell is never suppressed (internal error)")
                self.suppressed.add(j)
                self._columns = None
                self._intervals.clear()

    def publish(self, cells: Iterable[int]) -> None:
        """Undo `suppress` (used when a redundant complementary suppression is taken back)."""
        for j in cells:
            if j in self.suppressed:
                self.suppressed.discard(j)
                self._columns = None
                self._intervals.clear()
                for p in list(self._ok):
                    seen = self._witness.get(p)
                    if seen is None or j in seen[0]:
                        self._ok.discard(p)

    def _build(self) -> dict[int, int]:
        """The program for the current suppressed cells."""
        import highspy

        values = self.table.values
        self.budget.charge(self._build_cost)
        cols = {j: i for i, j in enumerate(sorted(self.suppressed))}
        entries: list[list[tuple[int, float]]] = [[] for _ in cols]
        rhs: list[float] = []
        for margin, parts in self.table.sums:
            terms = [(margin, 1.0)] + [(q, -1.0) for q in parts]
            unknown = [(cols[q], c) for q, c in terms if q in cols]
            if not unknown:
                continue
            r = len(rhs)
            for i, c in unknown:
                entries[i].append((r, c))
            rhs.append(-sum(c * float(values[q]) for q, c in terms if q not in cols))
        start, index, value = csc(entries)
        lp = highspy.HighsLp()
        lp.num_col_ = len(cols)
        lp.num_row_ = len(rhs)
        lp.col_cost_ = np.zeros(len(cols))
        lp.col_lower_ = np.ones(len(cols))
        lp.col_upper_ = np.full(len(cols), math.inf)
        lp.row_lower_ = np.array(rhs)
        lp.row_upper_ = np.array(rhs)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = start
        lp.a_matrix_.index_ = index
        lp.a_matrix_.value_ = value
        self.h.passModel(lp)
        self.builds += 1
        self._columns = cols
        return cols

    def _extreme(self, j: int, sense: int) -> tuple[float, np.ndarray | None]:
        """The minimum (sense 1) or maximum (sense -1) of suppressed cell j, and the table that
        attains it (None when the maximum is unbounded)."""
        import highspy

        cols = self._columns if self._columns is not None else self._build()
        col = cols[j]
        self.h.changeColCost(col, float(sense))
        self.budget.run(self.h)
        self.solves += 1
        status = self.h.getModelStatus()
        if status in (highspy.HighsModelStatus.kUnbounded,
                      highspy.HighsModelStatus.kUnboundedOrInfeasible):
            self.h.changeColCost(col, 0.0)
            return math.inf * -sense, None
        if status != highspy.HighsModelStatus.kOptimal:
            self.h.changeColCost(col, 0.0)
            raise DisclosureError(f"the audit's linear program failed: "
                                  f"{self.h.modelStatusToString(status)}")
        value = float(self.h.getInfo().objective_function_value) * sense
        table = np.asarray(self.h.getSolution().col_value)
        self.h.changeColCost(col, 0.0)   # after reading the answer: a change clears it
        return value, table

    def interval(self, j: int) -> tuple[float, float]:
        """Min and max of suppressed cell j over every table the attacker cannot rule out, rounded
        inwards to whole numbers (the LP relaxation's bounds, with the integrality any attacker
        applies; an integer program could narrow a three-way table's cell further). The
        two tables that attain them are remembered by the cells where they differ from the true
        one: as long as those cells stay suppressed, both stay possible and the interval cannot
        shrink."""
        if j not in self.suppressed:
            v = float(self.table.values[j])
            return v, v
        if j in self._intervals:
            return self._intervals[j]
        lo, at_lo = self._extreme(j, 1)
        hi, at_hi = self._extreme(j, -1)
        if at_lo is None or at_hi is None:
            self._witness.pop(j, None)
        else:
            assert self._columns is not None
            order = sorted(self._columns, key=self._columns.__getitem__)
            truth = self.table.values[order]
            moved = (np.abs(at_lo - truth) > TOLERANCE) | (np.abs(at_hi - truth) > TOLERANCE)
            self._witness[j] = ({order[i] for i in np.flatnonzero(moved)}, hi - lo)
        # Counts are whole numbers and the attacker knows it: a fractional end of the LP
        # interval (a three-way table's vertex at 6.5) is rounded inwards, as they would.
        found = (float(math.ceil(lo - TOLERANCE)),
                 float(math.floor(hi + TOLERANCE)) if math.isfinite(hi) else math.inf)
        self._intervals[j] = found
        return found

    def protected(self, j: int, width: float) -> bool:
        """Whether cell j's interval is at least `width` wide (without a solve when it was found
        so before and nothing its extreme tables moved has been published since)."""
        if j in self._ok:
            return True
        lo, hi = self.interval(j)
        ok = hi - lo >= width - TOLERANCE
        if ok:
            self._ok.add(j)
        return ok
