"""Complementary suppression: which published cells to hide beside the small ones so that every
primary cell stays uncertain by at least the protection width, for the attacker of
`mcrules.sharing.audit`.

Small tables get the optimal pattern (fewest suppressed cells, then the smallest suppressed
total) from an integer program (HiGHS MILP, `highspy`); larger ones a bounded heuristic: one linear
program per unprotected primary cell, then a pass that publishes again every complement whose
suppression turned out redundant. Either way the audit checks the result. Why the program is what
it is: a pattern protects primary cell p exactly when two tables the attacker cannot rule out
differ by at least the width at p (Fischetti and Salazar, "Solving the cell suppression problem on
tabular data with linear constraints", Management Science 47, 2001).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from mcrules.sharing.audit import TOLERANCE, Auditor, Budget, _highs, csc
from mcrules.sharing.count_table import DisclosureError, FullTable

# The integer program has a copy of the table for each primary cell and direction: it is used
# while (primary cells) x (non-zero cells) stays at most this, and HiGHS stops after MILP_NODES
# branch-and-bound nodes (a count, not a time, so the answer is the same on every machine).
MILP_MAX_SIZE = 500
MILP_NODES = 500
# How far from its true count an attacker table may take a suppressed cell in the program (in
# widths): enough for every two-way table (its circuits change each cell by at most one unit per
# unit at the target); a bound here only makes the program more cautious, never less.
REACH = 2.0
# The heuristic's clean-up pass audits every primary cell once per complement it tries to publish
# again: it runs while (complements) x (primary cells) stays at most this.
CLEANUP_MAX = 2_000
# The heuristic asks for one attacker table that raises the primary cell by the width (the true
# table is the other): half the program of asking for two, for about the same pattern.
HEURISTIC_COPIES = 1
# At most this many of the heuristic's programs per table, and at most HEURISTIC_WORK / (non-zero
# cells) of them (a program has a column per non-zero cell, and a 20x20x20 table's take seconds
# each); a primary cell still unprotected after them gets every margin that covers it
# suppressed, which leaves it no upper bound at all.
HEURISTIC_MAX_LPS = 200
HEURISTIC_WORK = 100_000


@dataclass
class Pattern:
    """The suppressed cells and how they were chosen."""

    primary: set[int]
    suppressed: set[int]
    method: str                       # "none", "optimal", "milp_node_limit" or "heuristic"
    rounds: int = 0
    stats: dict[str, int] = field(default_factory=dict)


def weights(table: FullTable) -> np.ndarray:
    """Cost of suppressing each cell: a count so heavy that fewer cells always wins, plus the cell's
    own value, so that among as few cells the smallest total wins."""
    heavy = float(table.values.sum()) + 1.0
    return heavy + table.values.astype(float)


def optimal(table: FullTable, primary: set[int], width: float) -> tuple[set[int], bool, int]:
    """The optimal pattern by the integer program; returns (suppressed, proven optimal, nodes).

    Columns: s_j (binary) for each non-zero non-primary cell, and for each primary cell p two
    tables y+ and y- over the non-zero cells. Each y satisfies the margin equations; a published
    cell's y equals its count, a suppressed one lies in [1, count + 2 x width]; y+_p - y-_p >= width.
    """
    import highspy

    values = table.values
    nonzero = [j for j in range(table.size) if values[j] > 0]
    pos = {j: i for i, j in enumerate(nonzero)}
    cand = [j for j in nonzero if j not in primary]
    s_col = {j: i for i, j in enumerate(cand)}
    reach = REACH * width
    cost = weights(table)
    n_y = len(nonzero)
    prim = sorted(primary)
    n_cols = len(cand) + 2 * len(prim) * n_y
    cols: list[list[tuple[int, float]]] = [[] for _ in range(n_cols)]
    lower = np.zeros(n_cols)
    upper = np.zeros(n_cols)
    col_cost = np.zeros(n_cols)
    upper[:len(cand)] = 1.0
    col_cost[:len(cand)] = [cost[j] for j in cand]
    row_lo: list[float] = []
    row_hi: list[float] = []
    sums = [(m, [p for p in parts if values[p] > 0]) for m, parts in table.sums if values[m] > 0]

    def row(entries: list[tuple[int, float]], lo: float, hi: float) -> None:
        r = len(row_lo)
        for c, v in entries:
            cols[c].append((r, v))
        row_lo.append(lo)
        row_hi.append(hi)

    for t, p in enumerate(prim):
        ys = []
        for d in range(2):
            base = len(cand) + (2 * t + d) * n_y
            ys.append(base)
            for j in nonzero:
                c = base + pos[j]
                a = float(values[j])
                lower[c], upper[c] = 1.0, a + reach
                if j not in primary:
                    # y <= a + reach * s  and  y >= a - (a - 1) * s
                    row([(c, 1.0), (s_col[j], -reach)], -np.inf, a)
                    row([(c, 1.0), (s_col[j], a - 1.0)], a, np.inf)
            for m, parts in sums:
                row([(base + pos[m], 1.0)] + [(base + pos[q], -1.0) for q in parts], 0.0, 0.0)
        row([(ys[0] + pos[p], 1.0), (ys[1] + pos[p], -1.0)], width, np.inf)
    h = _highs()
    lp = highspy.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = len(row_lo)
    lp.col_cost_ = col_cost
    lp.col_lower_ = lower
    lp.col_upper_ = upper
    lp.row_lower_ = np.array(row_lo)
    lp.row_upper_ = np.array(row_hi)
    start, index, value = csc(cols)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = start
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value
    lp.integrality_ = [highspy.HighsVarType.kInteger] * len(cand) + \
        [highspy.HighsVarType.kContinuous] * (n_cols - len(cand))
    h.passModel(lp)
    h.setOptionValue("mip_max_nodes", MILP_NODES)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.5)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    if info.primal_solution_status != 2:   # no feasible pattern found within the node limit
        return set(), False, int(info.mip_node_count)
    x = np.asarray(h.getSolution().col_value)
    chosen = {j for j in cand if x[s_col[j]] > 0.5}
    return chosen | primary, status == highspy.HighsModelStatus.kOptimal, int(info.mip_node_count)


class Heuristic:
    """One linear program per unprotected primary cell p: the cheapest attacker table that moves p
    up by the width (with `copies=2`, two tables the width apart at p), paying for every unit a
    still-published cell moves; every cell that moves is suppressed, after which that table stays
    possible, so p is protected. The model is built once; a new p changes the coefficients of one
    row, a new suppression the cost of its columns."""

    def __init__(self, table: FullTable, suppressed: set[int], width: float,
                 copies: int = 2, budget: Budget | None = None) -> None:
        import highspy

        self.budget = budget if budget is not None else Budget()
        self.copies = copies
        self.table = table
        values = table.values
        self.nonzero = [j for j in range(table.size) if values[j] > 0]
        self.pos = {j: i for i, j in enumerate(self.nonzero)}
        n = len(self.nonzero)
        self.n = n
        # columns: for copy d in (0, 1), u (up) then l (down) for each non-zero cell
        n_cols = 2 * copies * n
        cols: list[list[tuple[int, float]]] = [[] for _ in range(n_cols)]
        sums = [(m, [p for p in parts if values[p] > 0]) for m, parts in table.sums
                if values[m] > 0]
        r = 0
        for d in range(copies):
            for m, parts in sums:
                for q, sign in [(m, 1.0)] + [(q, -1.0) for q in parts]:
                    cols[self.up(d, q)].append((r, sign))
                    cols[self.down(d, q)].append((r, -sign))
                r += 1
        self.target_row = r
        self.cost = weights(table) / (float(values.sum()) + 1.0)  # about 1 per unit deviation
        lower = np.zeros(n_cols)
        upper = np.full(n_cols, np.inf)
        col_cost = np.zeros(n_cols)
        for j in self.nonzero:
            for d in range(copies):
                upper[self.down(d, j)] = float(values[j]) - 1.0
                if j not in suppressed:
                    col_cost[self.up(d, j)] = col_cost[self.down(d, j)] = self.cost[j]
        lp = highspy.HighsLp()
        lp.num_col_ = n_cols
        lp.num_row_ = r + 1
        lp.col_cost_ = col_cost
        lp.col_lower_ = lower
        lp.col_upper_ = upper
        lp.row_lower_ = np.array([0.0] * r + [width])
        lp.row_upper_ = np.array([0.0] * r + [np.inf])
        start, index, value = csc(cols)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = start
        lp.a_matrix_.index_ = index
        lp.a_matrix_.value_ = value
        self.h = _highs()
        self.h.passModel(lp)
        self.suppressed = set(suppressed)
        self.solves = 0

    def up(self, d: int, j: int) -> int:
        return (2 * d) * self.n + self.pos[j]

    def down(self, d: int, j: int) -> int:
        return (2 * d + 1) * self.n + self.pos[j]

    def _target(self, p: int, on: bool) -> None:
        for d, sign in ((0, 1.0), (1, -1.0))[:self.copies]:
            self.h.changeCoeff(self.target_row, self.up(d, p), sign if on else 0.0)
            self.h.changeCoeff(self.target_row, self.down(d, p), -sign if on else 0.0)

    def protect(self, p: int) -> set[int]:
        """Cells to suppress (beyond those already) so that p is protected."""
        import highspy

        self._target(p, True)
        self.budget.run(self.h)
        self.solves += 1
        status = self.h.getModelStatus()
        x = np.asarray(self.h.getSolution().col_value)
        self._target(p, False)   # after reading the answer: a change clears it
        if status != highspy.HighsModelStatus.kOptimal:
            raise DisclosureError(f"the suppression's linear program failed: "
                                  f"{self.h.modelStatusToString(status)}")
        deviation = x.reshape(2 * self.copies, self.n).sum(axis=0)
        moved = {self.nonzero[i] for i in np.flatnonzero(deviation > 1e-7).tolist()} \
            - self.suppressed
        self.mark(moved)
        return moved

    def mark(self, cells: set[int]) -> None:
        for j in cells:
            if j not in self.suppressed:
                self.suppressed.add(j)
                for d in range(self.copies):
                    self.h.changeColCost(self.up(d, j), 0.0)
                    self.h.changeColCost(self.down(d, j), 0.0)


def primary_cells(table: FullTable, k: int) -> set[int]:
    """Every cell, interior or margin, counting 1 to k-1."""
    return {j for j in range(table.size) if 0 < table.values[j] < k}


def opening(table: FullTable, p: int) -> set[int]:
    """Cells whose suppression leaves cell p no upper bound: a non-zero interior cell q that p
    counts (p itself when interior) and every margin that covers q. Raising q raises exactly
    those cells, all suppressed, so every table that does stays possible. Covering margins alone
    are not enough for a margin cell: its published parts pin it from below."""
    index = {key: j for j, key in enumerate(table.keys)}
    key = table.keys[p]
    free = [i for i, v in enumerate(key) if v is None]
    cats = [sorted({v for k in table.keys if (v := k[i]) is not None}) for i in free]
    parts = []
    for choice in itertools.product(*cats):
        full = list(key)
        for i, v in zip(free, choice, strict=True):
            full[i] = v
        q = index[tuple(full)]
        if table.values[q] > 0:
            parts.append(q)
    # the smallest part: most likely a primary cell, suppressed already
    q = min(parts, key=lambda j: (table.values[j], j))
    return {q} | {j for j in covering(table, q) if table.values[j] > 0}


def covering(table: FullTable, p: int) -> set[int]:
    """Every cell whose count includes cell p (its margins, 2^d - 1 of them at most), p excluded."""
    index = {key: j for j, key in enumerate(table.keys)}
    key = table.keys[p]
    out = set()
    for summed in itertools.product((False, True), repeat=len(key)):
        out.add(index[tuple(None if s else v for s, v in zip(summed, key, strict=True))])
    out.discard(p)
    return out


def heuristic(table: FullTable, primary: set[int], width: float, auditor: Auditor,
              stats: dict[str, int]) -> tuple[set[int], int]:
    """The heuristic pattern, audited as it grows; returns (suppressed, rounds)."""
    h = Heuristic(table, set(auditor.suppressed), width, HEURISTIC_COPIES, auditor.budget)
    rounds = 0
    order = sorted(primary, key=lambda j: (table.values[j], j))
    rest: list[int] = []
    budget = min(HEURISTIC_MAX_LPS, HEURISTIC_WORK // max(1, h.n))
    for i, p in enumerate(order):
        if h.solves >= budget:
            rest = order[i:]
            break
        if auditor.protected(p, width):
            continue   # suppressing more only widens intervals: it stays protected
        rounds += 1
        auditor.suppress(h.protect(p))
    # Past the budget: every primary cell still weak (audited against one program, since nothing
    # changes in between) is opened (`opening`), all at once.
    weak = [p for p in rest if not auditor.protected(p, width)]
    if weak:
        rounds += 1
        margins = {j for p in weak for j in opening(table, p)}
        h.mark(margins)
        auditor.suppress(margins)
        stats["margin_fallbacks"] = len(weak)
    stats["heuristic_lp_solves"] = h.solves
    complements = sorted(auditor.suppressed - primary, key=lambda j: (-table.values[j], j))
    if len(complements) * len(primary) <= CLEANUP_MAX:
        for j in complements:
            auditor.publish([j])
            if not all(auditor.protected(p, width) for p in sorted(primary)):
                auditor.suppress([j])
            else:
                stats["cleanup_published"] = stats.get("cleanup_published", 0) + 1
    return set(auditor.suppressed), rounds


def choose(table: FullTable, k: int, width: float, auditor: Auditor) -> Pattern:
    """The suppression pattern: optimal when the table is small enough, else the heuristic's;
    either way every primary cell is audited protected before it returns."""
    primary = primary_cells(table, k)
    if not primary:
        return Pattern(primary, set(), "none")
    # The audit's intervals have whole-number ends, so a width of 2.5 asks for 3: the programs
    # below aim at that, else an attacker table moved by 2.5 would fall short once rounded.
    width = float(math.ceil(width - TOLERANCE))
    stats: dict[str, int] = {}
    auditor.suppress(primary)
    nonzero = int(np.count_nonzero(table.values))
    method = "heuristic"
    rounds = 0
    if len(primary) * nonzero <= MILP_MAX_SIZE:
        chosen, proven, nodes = optimal(table, primary, width)
        stats["milp_nodes"] = nodes
        if chosen:
            auditor.suppress(chosen)
            method = "optimal" if proven else "milp_node_limit"
            rounds = 1
    # no MILP, or its answer did not pass the audit (numerics): the heuristic finishes (it audits
    # each primary cell itself)
    if method == "heuristic" or not all(auditor.protected(p, width) for p in sorted(primary)):
        chosen, more = heuristic(table, primary, width, auditor, stats)
        rounds += more
        method = "heuristic" if method == "heuristic" else method + "+heuristic"
    # Fail closed: a primary cell the steps above left weak (an LP's fractional table, numerics)
    # is opened, which leaves it no upper bound; the audit then holds by construction.
    weak = [p for p in sorted(primary) if not auditor.protected(p, width)]
    if weak:
        auditor.suppress(set().union(*(opening(table, p) for p in weak)))
        stats["opened"] = len(weak)
        rounds += 1
    return Pattern(primary, set(auditor.suppressed), method, rounds, stats)
