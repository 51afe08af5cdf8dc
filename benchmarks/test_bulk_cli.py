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


def _run(args: list[str]) -> tuple[float, int]:
    """Wall time and peak RSS in bytes of one `mcrules bulk` process."""
    exe = str(Path(sys.executable).parent / "mcrules")
    env = {**os.environ, "CI": "true"}
    start = time.perf_counter()
    proc = subprocess.Popen([exe, "bulk", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    assert os.waitstatus_to_exitcode(status) == 0, stderr
    return elapsed, usage.ru_maxrss * 1024


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
