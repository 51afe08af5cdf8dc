"""The JSON report: deterministic bytes (sorted keys) so the same inputs give identical output."""

from __future__ import annotations

import orjson

from mcrules.engine.report import Report


def render_json(report: Report) -> bytes:
    """One JSON object: site, packs, ruleset_hash, results, summary (see docs/output.md)."""
    return orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
