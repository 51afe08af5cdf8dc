"""`mcrules bulk` on a million-row Parquet file: throughput and the process's peak memory.

The issue's bound is a peak resident set under 1.5 GiB; it is reported, not asserted (no test
asserts on time or memory), in the table `make bench` prints.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from benchmarks.bulk_data import write_parquet

BULK_ROWS = int(os.environ.get("MCRULES_BENCH_BULK_ROWS", 1_000_000))


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_parquet(tmp_path_factory.mktemp("bulk") / "sites.parquet", BULK_ROWS)


# A child forked from this (large) pytest process starts with its pages counted in its resident
# high-water mark, so `mcrules bulk` is started by a small Python process that reports the peak
# RSS of its own child: only what mcrules itself used.
_LAUNCHER = (
    "import resource, subprocess, sys\n"
    "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def _run(args: list[str]) -> tuple[float, int]:
    """Wall time and peak RSS in bytes of one `mcrules bulk` process."""
    exe = str(Path(sys.executable).parent / "mcrules")
    env = {**os.environ, "CI": "true"}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _LAUNCHER, exe, "bulk", *args],
                          capture_output=True, text=True, env=env, check=True)
    elapsed = time.perf_counter() - start
    rc, peak_kib = (int(x) for x in proc.stdout.split())
    assert rc == 0, proc.stderr
    return elapsed, peak_kib * 1024


@pytest.mark.parametrize("workers", [1, 2])
def test_bulk_cli_parquet(benchmark: Any, sites: Path, tmp_path: Path, recorder: Any,
                          workers: int) -> None:
    out = tmp_path / "results.parquet"
    peaks: list[int] = []

    def run() -> None:
        _, peak = _run([str(sites), "--out", str(out), "--workers", str(workers)])
        peaks.append(peak)
    benchmark.pedantic(run, rounds=2, warmup_rounds=0)
    import pyarrow.parquet as pq

    assert pq.ParquetFile(out).metadata.num_rows > BULK_ROWS  # one row per site and rule
    peak_mib = max(peaks) / 2**20
    recorder(f"mcrules bulk CLI, Parquet in and out, {workers} thread(s)", BULK_ROWS,
             float(benchmark.stats.stats.min),
             notes=f"full pack, whole process incl. start-up; peak RSS {peak_mib:,.0f} MiB")
