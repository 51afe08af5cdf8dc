"""The service as the tests use it: one app (packs loaded once) and a client for it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from mcrules.service import create_app


@pytest.fixture(scope="session")
def app() -> FastAPI:
    return create_app()


@pytest.fixture(scope="session")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def error_problems(body: Any, code: int = 2) -> list[dict[str, Any]]:
    """The problems of an error object, checking it has exactly the contract's shape."""
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "problems"}
    assert body["error"]["code"] == code
    problems = body["error"]["problems"]
    assert problems and all(set(p) == {"path", "line", "message"} for p in problems)
    return list(problems)
