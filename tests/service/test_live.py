"""The service on a real socket: concurrent requests of different subjects each get their own
document's answer (the CLI's JSON), and SIGTERM answers the request in flight before exiting 0.
Bounded: a few dozen requests, a few seconds, every server stopped at the end."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import uvicorn

import mcrules
from mcrules.service import create_app
from tests.service.examples import ROOT, shipped


@pytest.fixture(scope="module")
def live_url() -> Iterator[str]:
    """`create_app()` under uvicorn in a thread, on a socket bound to a free port."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()
    assert not thread.is_alive()


def test_concurrent_requests_of_different_subjects_each_get_their_own_answer(
        live_url: str) -> None:
    cases = shipped()
    expected = {}
    for name, subject, body, query in cases:
        packs = [v for k, v in query if k == "pack"] or None
        expected[name] = orjson.loads(orjson.dumps(
            mcrules.evaluate(subject, body, packs=packs).to_dict()))
    by_subject: dict[str, list[Any]] = {}
    for case in cases:
        by_subject.setdefault(case[1], []).append(case)
    # round robin over the subjects, so requests of different subjects are in flight together
    work = [c for row in itertools.zip_longest(*by_subject.values()) for c in row if c]

    def send(case: tuple[str, str, Any, Any]) -> tuple[str, int, Any]:
        name, subject, body, query = case
        with httpx.Client(base_url=live_url, timeout=30) as c:
            r = c.post(f"/v1/check/{subject}", json=body, params=list(query))
        return name, r.status_code, r.json()

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(send, work))
    assert len(answers) == len(work)
    for name, status, body in answers:
        assert status == 200, (name, body)
        assert body == expected[name], name


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_sigterm_answers_the_request_in_flight_then_exits_0(tmp_path: Path) -> None:
    """A request whose body is half sent when SIGTERM arrives is still answered, in full, and
    the server then exits 0; the decision is in the log."""
    port = _free_port()
    log = tmp_path / "decisions.jsonl"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mcrules.cli.main", "serve", "--port", str(port),
         "--pack", "mct-2023", "--decision-log", str(log)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        body = orjson.dumps(next(c[2] for c in shipped() if c[0] == "transit-centre.yaml"))
        with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
            conn.sendall(b"POST /v1/check/site HTTP/1.1\r\nHost: localhost\r\n"
                         b"Content-Type: application/json\r\n"
                         + f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:100])
            time.sleep(0.5)
            proc.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            assert proc.poll() is None  # waiting for the request in flight
            conn.sendall(body[100:])
            raw = b""
            while b"\r\n\r\n" not in raw or len(raw.split(b"\r\n\r\n", 1)[1]) < _length(raw):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                raw += chunk
        head, _, payload = raw.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), raw[:300]
        report = orjson.loads(payload)
        assert report["subject"]["kind"] == "site" and report["results"]
        assert proc.wait(timeout=30) == 0
        assert len(log.read_text().splitlines()) == 1
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _length(raw: bytes) -> int:
    for line in raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 1 << 30
