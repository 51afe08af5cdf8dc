"""`mcrules serve`: the decision service (docs/service.md) on one host and port.

The packs are loaded and compiled before the port is opened, so a bad pack or an unwritable
decision log is exit 2 with the reason, and the first request pays for nothing. SIGTERM (what
systemd, Docker and Kubernetes send) stops accepting connections, answers the requests in
flight, and exits 0.
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Annotated

import typer

from mcrules.cli import console
from mcrules.errors import McrulesError


def serve_cmd(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to listen on.")] = 8000,
    pack: Annotated[list[str] | None, typer.Option(
        "--pack", "-p", help="A pack to serve: id, folder, or pinned id@version (repeatable); "
        "requests may name only these, by id. Default: every installed pack.",
        show_default=False)] = None,
    decision_log: Annotated[Path | None, typer.Option(
        "--decision-log", help="Append one JSON line per decision to this file (no personal "
        "data: docs/service.md).", show_default=False)] = None,
    timeout: Annotated[float, typer.Option(
        "--timeout", min=0.1, help="Seconds one evaluation may take before it is answered "
        "503.")] = 30.0,
    threads: Annotated[int, typer.Option(
        "--threads", min=1, max=64, help="Evaluations run at once.")] = 4,
) -> None:
    """Serve every subject over HTTP: POST /v1/check/SUBJECT with the document as JSON gives
    the JSON report `mcrules check` prints. Packs: those given with --pack (the only ones a
    request may name), else every installed pack."""
    try:
        import uvicorn

        from mcrules.service import create_app
    except ImportError as exc:
        console.err.print(f"error: the service needs its extra: pip install 'mcrules[service]' "
                          f"({exc.name} is missing)", markup=False)
        raise typer.Exit(console.EXIT_INVALID) from None
    try:
        app = create_app(packs=pack, decision_log=decision_log, timeout=timeout,
                         threads=threads, debug=console.debug)
    except McrulesError as exc:
        raise console.fail_input(exc) from None
    # uvicorn answers SIGTERM by finishing the requests in flight, then raises the signal
    # again under the handler that was in place before it ran: this one, so the process
    # ends with exit 0 after a clean shutdown rather than being killed by the signal.
    signal.signal(signal.SIGTERM, lambda *_: None)
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)
