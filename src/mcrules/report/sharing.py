"""Data-sharing decisions for staff under pressure: the answer first, then why, then what must be
done, then what may be offered instead and what would change the answer. Renders the decision's
plain data (`SharingDecision.as_dict()`); computes nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from rich.console import Console

from mcrules.citation_text import reference
from mcrules.report.common import safe

HEADLINES = {
    "permit": ("[bold green]PERMIT[/]", "You may share the data requested."),
    "permit_with_obligations": ("[bold yellow]PERMIT WITH OBLIGATIONS[/]",
                                "You may share the data requested, once you do what is listed below."),
    "aggregate_only": ("[bold red]AGGREGATE ONLY[/]",
                       "Do not share the list or the records. You may offer an anonymous aggregate."),
    "deny": ("[bold red]DENY[/]", "Do not share this data."),
}


def render_sharing_json(data: Mapping[str, Any]) -> bytes:
    """Deterministic JSON (sorted keys) of one decision."""
    return orjson.dumps(dict(data), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def render_sharing_text(data: Mapping[str, Any], console: Console, *, citations: bool = True) -> None:
    """The decision as staff read it."""
    decision = str(data.get("decision"))
    badge, line = HEADLINES.get(decision, (decision.upper(), ""))
    console.print(f"{badge}  {safe(line)}")
    if data.get("fallback"):
        console.print("  (the answer fails closed: some information is missing; see below)")
    console.print()
    console.print("[bold]Why[/]")
    for r in data.get("reasons", []):
        console.print(f"  - {safe(r['text'])}", soft_wrap=True)
        if citations:
            for c in r.get("citation", [])[:1]:
                console.print(f"      [dim]{safe(reference(c))}: \"{safe(c.get('quote', ''))}\"[/]",
                              soft_wrap=True)
    for n in data.get("notes", []):
        console.print(f"  - {safe(n['text'])}", soft_wrap=True)
    if data.get("obligations"):
        console.print()
        console.print("[bold]You must[/]")
        for o in data["obligations"]:
            console.print(f"  - {safe(o)}", soft_wrap=True)
    if data.get("alternatives"):
        console.print()
        console.print("[bold]You may offer instead[/]")
        for a in data["alternatives"]:
            console.print(f"  - {safe(a)}", soft_wrap=True)
    if data.get("would_change"):
        console.print()
        console.print("[bold]What would change the answer[/]")
        for w in data["would_change"]:
            console.print(f"  - {safe(w)}", soft_wrap=True)
    fields = data.get("fields") or []
    if fields:
        console.print()
        shown = ", ".join(f"{f['field']} ({f['data_class'].replace('_', ' ')}"
                          f"{', not in the catalogue' if f['source'] == 'uncatalogued' else ''})"
                          for f in fields if f["source"] != "declared")
        cls = str(data.get("data_class") or "unknown").replace("_", " ")
        console.print(f"[dim]Data class: {safe(cls)}. Fields: {safe(shown or 'none listed')}[/]",
                      soft_wrap=True)
    pack = data.get("pack") or {}
    console.print(f"[dim]{safe(str(data.get('decision_table')))}, pack {safe(pack.get('id'))} "
                  f"{safe(pack.get('version'))} ({str(pack.get('hash', ''))[:12]}), "
                  f"as of {data.get('as_of')}[/]")

