"""Every shipped example of every subject as the body a client would send, with the query it
needs: what the service must answer exactly as `mcrules.evaluate` (the CLI's JSON) does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from mcrules.located import load_document

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def as_json(doc: Any) -> Any:
    """A parsed document as a client sends it: plain JSON (YAML dates become text)."""
    return orjson.loads(orjson.dumps(doc))


def _inline_layout(path: Path, doc: dict[str, Any]) -> dict[str, Any]:
    """A site file's `layout:` file put inline (`features:`): a request names no file."""
    if "layout" not in doc:
        return doc
    layout = load_document(path.parent / str(doc["layout"]))
    return {**{k: v for k, v in doc.items() if k != "layout"}, "features": layout}


def shipped() -> list[tuple[str, str, dict[str, Any], tuple[tuple[str, str], ...]]]:
    """(test id, subject, body, query) for every shipped example of every subject."""
    out = []

    def add(subject: str, paths: list[Path], query: tuple[tuple[str, str], ...] = ()) -> None:
        assert paths, subject
        for p in sorted(paths):
            doc = as_json(load_document(p))
            if subject == "site":
                doc = _inline_layout(p, doc)
            out.append((str(p.relative_to(EXAMPLES)), subject, doc, query))

    add("site", [*EXAMPLES.glob("*.yaml"), *(EXAMPLES / "layout").glob("*.yaml")])
    add("case", [*(EXAMPLES / "cases").glob("*.yaml"), *(EXAMPLES / "cases").glob("*.json")])
    add("case", list((EXAMPLES / "eligibility").glob("*.yaml")), (("pack", "eligibility-2023"),))
    add("case_history", list((EXAMPLES / "casework").glob("*.yaml")))
    incident = EXAMPLES / "casework" / "incident"
    add("staff_action", list(incident.glob("*.yaml")))
    for n, line in enumerate((incident / "actions.jsonl").read_text().splitlines(), 1):
        out.append((f"casework/incident/actions.jsonl:{n}", "staff_action", orjson.loads(line), ()))
    add("sharing_request", [p for p in (EXAMPLES / "sharing").glob("*.yaml")
                            if "request" in p.name or p.stem.startswith(("statistics",
                                                                         "journalist"))])
    return out
