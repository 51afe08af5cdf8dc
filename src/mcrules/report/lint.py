"""Lint findings as JSON for machines and as SARIF 2.1.0 for code-review tools, which annotate
the lines. Findings and codes are read through small protocols, so this layer needs nothing from
the rules layer that produces them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

import orjson

SARIF_SCHEMA = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                "sarif-schema-2.1.0.json")
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


class LintCodeLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def level(self) -> str: ...
    @property
    def summary(self) -> str: ...


class FindingLike(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int | None: ...
    @property
    def message(self) -> str: ...
    @property
    def level(self) -> str: ...

    def as_dict(self) -> dict[str, Any]: ...


def render_lint_json(findings: Sequence[FindingLike]) -> bytes:
    """`{"findings": [...], "errors": n, "warnings": n}`, keys sorted, byte-stable."""
    doc = {"findings": [f.as_dict() for f in findings],
           "errors": sum(f.level == "error" for f in findings),
           "warnings": sum(f.level == "warning" for f in findings)}
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def _uri(file: str, root: Path | None) -> str:
    """A path relative to `root` (the repository) with forward slashes, as SARIF viewers expect."""
    path = Path(file)
    if root is not None:
        with contextlib.suppress(ValueError):  # outside the root: keep the path as given
            path = path.resolve().relative_to(root.resolve())
    return path.as_posix()


def render_sarif(findings: Sequence[FindingLike], codes: Iterable[LintCodeLike], *,
                 version: str, root: Path | None = None) -> bytes:
    """One SARIF 2.1.0 run of the `mcrules lint` tool: every code as a rule, every finding as a
    result located at its file and line."""
    rules = list(codes)
    index = {c.id: i for i, c in enumerate(rules)}
    results = []
    for f in findings:
        region = {"startLine": f.line} if f.line else None
        location: dict[str, Any] = {"artifactLocation": {"uri": _uri(f.file, root),
                                                         "uriBaseId": "SRCROOT"}}
        if region:
            location["region"] = region
        results.append({
            "ruleId": f.code, "ruleIndex": index[f.code], "level": _LEVEL[f.level],
            "message": {"text": f.message},
            "locations": [{"physicalLocation": location}],
        })
    doc = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "mcrules lint", "version": version,
                "rules": [{"id": c.id, "name": c.name,
                           "shortDescription": {"text": c.summary},
                           "help": {"text": f"docs/lint.md: {c.id} {c.name}"},
                           "defaultConfiguration": {"level": _LEVEL[c.level]}}
                          for c in rules],
            }},
            "originalUriBaseIds": {"SRCROOT": {"uri": "file:///"}} if root is None else
            {"SRCROOT": {"uri": root.resolve().as_uri() + "/"}},
            "results": results,
        }],
    }
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n"
