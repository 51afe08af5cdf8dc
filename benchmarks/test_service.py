"""The decision service under a bounded load on localhost: requests per second and p50/p99
latency of `POST /v1/check/site` at 1 and 8 concurrent clients, beside the CLI's time per call
on the same document (a process started per call, as a system shelling out to it pays) and
`mcrules.evaluate` in process (the floor the service adds HTTP to).

The server is `mcrules serve` in its own process, so the clients' threads do not share its
interpreter. Figures go to benchmarks/results/service.md; nothing asserts on time.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

import mcrules
from mcrules.located import load_document

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "examples" / "transit-centre.yaml"
OUT = Path(__file__).resolve().parent / "results" / "service.md"
#: requests per client at each concurrency: bounded, a few seconds each on two cores
REQUESTS = {1: int(os.environ.get("MCRULES_BENCH_SERVICE_REQUESTS", 60)),
            8: int(os.environ.get("MCRULES_BENCH_SERVICE_REQUESTS", 60)) // 3}
CLI_CALLS = 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "mcrules.cli.main", "serve", "--port",
                             str(port), "--pack", "mct-2023"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "no server"
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _load(url: str, body: bytes, clients: int, per_client: int) -> dict[str, float]:
    """`clients` threads, each with its own keep-alive connection, sending `per_client`
    requests one after another; every answer must be the report (200)."""
    latencies: list[float] = []
    lock = threading.Lock()

    def client() -> None:
        mine = []
        with httpx.Client(base_url=url, timeout=120,
                          headers={"content-type": "application/json"}) as c:
            for _ in range(per_client):
                start = time.perf_counter()
                response = c.post("/v1/check/site", content=body)
                mine.append(time.perf_counter() - start)
                assert response.status_code == 200, response.text
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    latencies.sort()
    return {"requests": len(latencies), "rps": len(latencies) / wall,
            "p50": statistics.median(latencies),
            "p99": latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))]}


def _cli_seconds() -> float:
    """The best of a few `mcrules check-site FILE --format json` processes, start-up included
    (this checkout's code, as the server runs it)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    times = []
    for _ in range(CLI_CALLS):
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "mcrules.cli.main", "check-site", str(SITE),
                               "--format", "json"], capture_output=True, check=False, env=env)
        times.append(time.perf_counter() - start)
        assert proc.returncode in (0, 1), proc.stderr
    return min(times)


def _evaluate_seconds(doc: Any, calls: int = 20) -> float:
    mcrules.evaluate("site", doc).to_dict()
    start = time.perf_counter()
    for _ in range(calls):
        mcrules.evaluate("site", doc).to_dict()
    return (time.perf_counter() - start) / calls


def test_service_check_site_under_load(benchmark: Any, server: str) -> None:
    doc = orjson.loads(orjson.dumps(load_document(SITE)))
    body = orjson.dumps(doc)
    _load(server, body, 1, 5)  # warm the connection path
    figures: dict[int, dict[str, float]] = {}

    def run() -> None:
        for clients, per_client in REQUESTS.items():
            figures[clients] = _load(server, body, clients, per_client)

    benchmark.pedantic(run, rounds=1, iterations=1)
    cli = _cli_seconds()
    inproc = _evaluate_seconds(doc)
    OUT.write_text(_render(figures, cli, inproc))


def _render(figures: dict[int, dict[str, float]], cli: float, inproc: float) -> str:
    lines = [
        "# Decision service: bounded load on localhost",
        "",
        f"Run {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')} on "
        f"{platform.machine()}, Python {platform.python_version()}, {os.cpu_count()} cores; "
        "`POST /v1/check/site` with examples/transit-centre.yaml as JSON, the mct-2023 pack, "
        "`mcrules serve` (4 worker threads) in its own process, clients on keep-alive "
        "connections from another. Reproduce with `make bench` "
        "(benchmarks/test_service.py).",
        "",
        "| clients | requests | requests/s | p50 ms | p99 ms |",
        "|---:|---:|---:|---:|---:|",
    ]
    for clients, f in figures.items():
        lines.append(f"| {clients} | {f['requests']:.0f} | {f['rps']:.1f} | "
                     f"{f['p50'] * 1000:.0f} | {f['p99'] * 1000:.0f} |")
    lines += [
        "",
        "| the same check, another way | seconds per call |",
        "|---|---:|",
        f"| `mcrules check-site FILE --format json`, a process per call (best of {CLI_CALLS}) "
        f"| {cli:.3f} |",
        f"| `mcrules.evaluate(\"site\", doc).to_dict()` in the benchmark's process (mean of 20) "
        f"| {inproc:.3f} |",
        f"| the service, 1 client (p50) | {figures[1]['p50']:.3f} |",
        f"| the service, 8 clients (p50) | {figures[8]['p50']:.3f} |",
        "",
        f"Measured in this run: one call to the service at one client takes "
        f"{figures[1]['p50'] / cli:.1%} of a CLI process per call "
        f"({cli / figures[1]['p50']:.0f}× faster); 8 clients get "
        f"{figures[8]['rps'] / figures[1]['rps']:.2f}× the requests per second of one, on "
        f"{os.cpu_count()} cores shared with the clients. An evaluation holds the interpreter "
        "(the GIL): past a few clients, requests queue for it rather than run in parallel, so "
        "scale with one `mcrules serve` per core behind the reverse proxy (docs/service.md).",
    ]
    return "\n".join(lines) + "\n"
