"""Shared fixtures: the default pack and a site builder."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mcrules import Pack, Report, Site, check_site, load_site_pack, validate_site

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def pack() -> Pack:
    return load_site_pack("mct-2023")


def site(**data: Any) -> Site:
    """A site from keyword arguments, validated strictly."""
    return validate_site(data, strict=True)[0]


def check(data: dict[str, Any], pack: Pack | None = None) -> Report:
    return check_site(site(**data), pack)


def outcome(report: Report, rule_id: str) -> str:
    return report.result(rule_id).outcome.value


@pytest.fixture
def unix_socket(tmp_path: Path) -> Iterator[Path]:
    """A bound Unix socket in `tmp_path`: a path that is neither a file nor a FIFO nor a device,
    for the reader and the writer to refuse."""
    path = tmp_path / "s.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(path))
    except OSError as exc:  # pragma: no cover - a path too long for AF_UNIX
        pytest.skip(f"cannot bind a Unix socket here: {exc}")
    yield path
    server.close()
