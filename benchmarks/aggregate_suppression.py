"""Disclosure control of `mcrules aggregate`: how close the heuristic comes to the optimal pattern,
and how long the audit takes, up to the table limit.

Run: PYTHONPATH=src .venv/bin/python -m benchmarks.aggregate_suppression [--quick]. Prints

1. the ratio of suppressed cells (and of suppressed totals), heuristic to optimal (the integer
   program), over random small two-way tables with small cells;
2. the time of `aggregate` (counting, suppression, audit) on the shipped example with 2 to 4
   breakdowns and on random tables up to the cell limit, with the method used and the number of
   LP solves. Not a test: tests never assert on time (they bound the number of solves instead).
"""

from __future__ import annotations

import csv
import itertools
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from mcrules.sharing.aggregate import aggregate
from mcrules.sharing.audit import Auditor
from mcrules.sharing.count_table import full_table
from mcrules.sharing.decide import load_sharing_pack
from mcrules.sharing.suppression import heuristic, optimal, primary_cells

ROOT = Path(__file__).resolve().parent.parent
K, WIDTH = 5, 5.0


def random_counts(rng: np.random.Generator, shape: tuple[int, ...],
                  small: float) -> dict[tuple[str, ...], int]:
    """A table where a share `small` of the cells count 1 to 4, a few are zero, the rest 5 to 40."""
    keys = list(itertools.product(*[[f"{chr(97 + d)}{i:02}" for i in range(n)]
                                    for d, n in enumerate(shape)]))
    kind = rng.random(len(keys))
    values = np.where(kind < small, rng.integers(1, K, len(keys)),
                      np.where(kind < small + 0.1, 0, rng.integers(K, 41, len(keys))))
    return {k: int(v) for k, v in zip(keys, values, strict=True) if v}


def ratio_to_optimum(tables: int, seed: int = 16) -> dict[str, Any]:
    """Heuristic against the integer program on random two-way tables of 3x3 to 5x6 cells."""
    rng = np.random.default_rng(seed)
    cells_h = cells_o = total_h = total_o = 0
    worst = 1.0
    counted = proven = 0
    for _ in range(tables):
        shape = (int(rng.integers(3, 6)), int(rng.integers(3, 7)))
        table = full_table(("r", "c"), random_counts(rng, shape, 0.25))
        primary = primary_cells(table, K)
        if not primary:
            continue
        best, is_proven, _ = optimal(table, primary, WIDTH)
        greedy, _ = heuristic(table, primary, WIDTH, Auditor(table, primary), {})
        comp_o, comp_h = best - primary, greedy - primary
        counted += 1
        proven += is_proven
        cells_o += len(comp_o)
        cells_h += len(comp_h)
        total_o += int(sum(table.values[j] for j in comp_o))
        total_h += int(sum(table.values[j] for j in comp_h))
        if comp_o:
            worst = max(worst, len(comp_h) / len(comp_o))
    return {"tables": counted, "proven_optimal": proven,
            "complementary_cells_ratio": cells_h / cells_o if cells_o else 1.0,
            "suppressed_total_ratio": total_h / total_o if total_o else 1.0,
            "worst_table_ratio": worst}


def timed(label: str, rows: list[dict[str, Any]], by: tuple[str, ...], pack: Any) -> None:
    start = time.perf_counter()
    table = aggregate(rows, by, pack=pack)
    seconds = time.perf_counter() - start
    m = table.method
    print(f"{label:<44} {seconds:7.2f} s  {m.get('method'):<18} cells {m.get('table_cells', 0):>6}"
          f"  suppressed {len(table.suppressed):>5}  LP solves {m.get('lp_solves', 0):>6}",
          flush=True)


def main(quick: bool = False) -> None:
    pack = load_sharing_pack("data-sharing-2023")
    result = ratio_to_optimum(60 if quick else 200)
    print("heuristic / optimal on random small two-way tables:",
          ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                    for k, v in result.items()), flush=True)
    with (ROOT / "examples" / "sharing" / "arrivals.csv").open(newline="") as f:
        arrivals = list(csv.DictReader(f))
    for by in [("sex", "age_group"), ("sex", "age_group", "nationality"),
               ("sex", "age_group", "nationality", "arrival_month")]:
        timed(f"arrivals.csv by {','.join(by)}", arrivals, by, pack)
    rng = np.random.default_rng(70)
    shapes = [(70, 70)] if quick else [(70, 70), (99, 99), (20, 20, 20), (6, 6, 6, 6)]
    for shape in shapes:
        counts = random_counts(rng, shape, 0.1)
        by = tuple(f"b{d}" for d in range(len(shape)))
        rows = [dict(zip(by, k, strict=True)) for k, n in counts.items() for _ in range(n)]
        timed(f"random {'x'.join(map(str, shape))}, 10% small cells", rows, by, pack)
    if not quick:
        # every cell small, one person each: the audit's worst case (about 4 solves per cell)
        timed("one breakdown of 9,999 one-person categories",
              [{"b0": f"c{i}"} for i in range(9_999)], ("b0",), pack)
        timed("99x99, one person in each cell",
              [{"b0": f"r{i}", "b1": f"c{j}"} for i in range(99) for j in range(99)],
              ("b0", "b1"), pack)


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
