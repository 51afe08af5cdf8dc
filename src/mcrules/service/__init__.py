"""The decision service: every subject over HTTP with OpenAPI, decision logs and limits
(`mcrules serve`, docs/service.md). Needs the `service` extra (FastAPI, uvicorn)."""

from mcrules.service.app import create_app

__all__ = ["create_app"]
