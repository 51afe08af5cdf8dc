"""Check that every installed peer engine counts exactly what the numpy reference counts.

Run from the repository root, either way:

    .venv/bin/python -m benchmarks.peers.check_peers
    .venv/bin/python benchmarks/peers/check_peers.py

Generates 20,000 sites, compares each available peer's (and the plain Python loop's)
failure counts with ``numpy_failures``, and prints one perf_counter throughput per engine.
It is a correctness check with rough speeds, not the benchmark suite. Exits 1 on any
mismatch.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:
    # Run by path, this folder would lead sys.path; put the repository root there instead so
    # `benchmarks.*` imports resolve.
    _HERE = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
    sys.path.insert(0, str(_HERE.parents[1]))

import argparse
import functools
import importlib
import time
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from benchmarks.ceiling import RULE_IDS, numpy_failures, python_failures
from benchmarks.peers import PEER_NAMES
from benchmarks.synthetic import make_sites, to_records

T = TypeVar("T")


def _timed(func: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = func()
    return result, time.perf_counter() - start


def _strict_numpy_failures(cols: dict[str, Any]) -> dict[str, int]:
    """The rules with exact comparisons and no tolerance, to show the data never need it."""
    pf, pm = cols["population.female"], cols["population.male"]
    total = pf + pm
    counts: dict[str, int] = {}
    for facility in ("toilets", "showers"):
        f_short = (pf > 0) & (cols[f"{facility}.female"] < np.ceil(pf / 20))
        m_short = (pm > 0) & (cols[f"{facility}.male"] < np.ceil(pm / 20))
        counts[facility] = int(np.count_nonzero(f_short | m_short))
    occupied = total > 0
    safe = np.where(occupied, total, 1.0)
    counts["water"] = int(np.count_nonzero(occupied & (cols["water_supply"] / safe < 20)))
    counts["living_area"] = int(
        np.count_nonzero(
            occupied & cols["provides_accommodation"] & (cols["covered_living_area"] / safe < 3.5)
        )
    )
    counts["site_area"] = int(np.count_nonzero(occupied & (cols["total_site_area"] / safe < 30)))
    return counts


def _on_threshold(cols: dict[str, Any]) -> int:
    """Sites whose water supply is exactly 20 L per person (a sample of the boundary rows)."""
    total = cols["population.female"] + cols["population.male"]
    return int(np.count_nonzero((total > 0) & (cols["water_supply"] == 20.0 * total)))


def main(argv: list[str] | None = None) -> int:
    """Compare counts and print throughputs; return the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-n", type=int, default=20_000, help="number of sites (default 20000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    cols = make_sites(args.n, args.seed)
    records = to_records(cols)
    reference = numpy_failures(cols)  # also warms numpy up before the timed call
    _, numpy_s = _timed(lambda: numpy_failures(cols))
    expected = {rule_id: reference[rule_id] for rule_id in RULE_IDS}
    print(f"{args.n} sites, seed {args.seed}; {_on_threshold(cols)} exactly on the water threshold")
    print("numpy reference:", reference)

    rows: list[tuple[str, str, float]] = [("numpy_failures", "reference", numpy_s)]
    mismatches = 0

    def compare(label: str, counts: dict[str, int], seconds: float) -> None:
        nonlocal mismatches
        got = {rule_id: counts[rule_id] for rule_id in RULE_IDS}
        if got == expected:
            rows.append((label, "match", seconds))
        else:
            mismatches += 1
            rows.append((label, "MISMATCH", seconds))
            print(f"{label} MISMATCH: {got} != {expected}")

    strict, strict_s = _timed(lambda: _strict_numpy_failures(cols))
    compare("numpy, no tolerance", strict, strict_s)
    py_counts, py_s = _timed(lambda: python_failures(records))
    if py_counts != reference:
        print(f"python_failures per-gender MISMATCH: {py_counts} != {reference}")
        mismatches += 1
    compare("python_failures", py_counts, py_s)

    for name in PEER_NAMES:
        peer = importlib.import_module(f"benchmarks.peers.{name}")
        if not peer.available():
            rows.append((name, "not installed, skipped", 0.0))
            continue
        engine, build_s = _timed(peer.build)
        counts, seconds = _timed(functools.partial(peer.count_failures, engine, records))
        compare(f"{name} (build {build_s * 1e3:.1f} ms)", counts, seconds)

    print()
    print(f"{'engine':<34} {'counts':<24} {'records/s':>14}")
    for label, status, seconds in rows:
        rate = f"{args.n / seconds:,.0f}" if seconds > 0 else "-"
        print(f"{label:<34} {status:<24} {rate:>14}")
    if mismatches:
        print(f"\n{mismatches} engine(s) disagree with the numpy reference")
        return 1
    print("\nall available engines match the numpy reference exactly")
    return 0


if __name__ == "__main__":
    sys.exit(main())
