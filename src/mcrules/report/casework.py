"""A case history as a caseworker reads it: each event, allowed or refused with the reason and
its source, then where the case stands; and a staff action's SAFE/UNSAFE verdict with the
manual's guidance. Renders `CaseworkReport.to_dict()` and `ResponseVerdict.to_dict()`; computes
nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from rich.console import Console

from mcrules.citation_text import reference
from mcrules.report.common import safe


def render_casework_json(data: Mapping[str, Any]) -> bytes:
    """Deterministic JSON (sorted keys) of one report."""
    return orjson.dumps(dict(data), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"



def _source(c: Mapping[str, Any]) -> str:
    """`IOM 2023, Yellow module, Facilitator Note 3.4.3`: the document is named by its publisher
    and edition, so the line stays short beside the quote."""
    return reference(c, document=False, unverified=False)


def render_casework_text(data: Mapping[str, Any], console: Console, *,
                         citations: bool = True) -> None:
    """Case, then one line per event (allowed, or REFUSED with why), then the state reached."""
    valid = bool(data.get("valid"))
    badge = "[bold green]ALLOWED[/]" if valid else "[bold red]REFUSED[/]"
    events = data.get("events", [])
    refused = sum(not e["allowed"] for e in events)
    summary = ("every event is allowed" if valid else
               f"{refused} of {len(events)} event(s) refused")
    console.print(f"{badge}  case {safe(data.get('case'))}: {summary}")
    for e in events:
        mark = "[green]ok[/]     " if e["allowed"] else "[bold red]REFUSED[/]"
        move = (f"{safe(e['state_before'])} -> {safe(e['state_after'])}" if e["allowed"]
                else f"stays in {safe(e['state_before'])}")
        console.print(f"  {e['event']:>3}  {e['date']}  {mark}  {safe(e['action'])}"
                      f"  [dim]{move}[/]", soft_wrap=True)
        for v in e.get("violations", []):
            console.print(f"         - {safe(v['reason'])} [dim]({safe(v['guard'])})[/]",
                          soft_wrap=True)
            if citations:
                for c in v.get("citations", [])[:1]:
                    console.print(f"           [dim]{safe(_source(c))}: "
                                  f"\"{safe(c.get('quote', ''))}\"[/]", soft_wrap=True)
        for n in e.get("notes", []):
            console.print(f"         [yellow]note[/]: {safe(n['reason'])} "
                          f"[dim]({safe(n['guard'])})[/]", soft_wrap=True)
    console.print(f"State after the last allowed event: [bold]{safe(data.get('state'))}[/]")
    packs = ", ".join(f"{p['id']} {p['version']} ({str(p['hash'])[:12]})"
                      + (f" variants {', '.join(p['variants'])}" if p.get("variants") else "")
                      for p in data.get("packs", []))
    console.print(f"[dim]guards: {safe(packs)}[/]")
    default = data.get("default_guards") or {}
    if default.get("replaced_by"):
        console.print(f"[bold yellow]The default guards {safe(default.get('pack'))} were not "
                      f"evaluated: {safe(', '.join(default['replaced_by']))} replaces them "
                      "(`replaces:` in its pack.yaml).[/]", soft_wrap=True)


def render_response_text(data: Mapping[str, Any], console: Console) -> None:
    """The verdict on one staff action: SAFE or UNSAFE, the manual's guidance, what to do
    instead, what is not known, the rules that refuse it, and the card it rests on."""
    safe_ = bool(data.get("safe"))
    badge = "[bold green]SAFE[/]" if safe_ else "[bold red]UNSAFE[/]"
    console.print(f"{badge}  {safe(data.get('action') or 'no action stated')}", soft_wrap=True)
    for r in data.get("reasons", []):
        console.print(f"  {safe(r)}", soft_wrap=True)
    for o in data.get("obligations", []):
        console.print(f"  what to do: {safe(o)}", soft_wrap=True)
    if data.get("missing"):
        console.print(f"  not known: {safe(', '.join(data['missing']))}", soft_wrap=True)
    for kind, key in (("refused by", "refused_by"), ("note", "notes")):
        if data.get(key):
            console.print(f"  {kind}: {safe(', '.join(data[key]))}", soft_wrap=True)
    for c in data.get("citations", [])[:1]:
        console.print(f"  [dim]{safe(_source(c))}: \"{safe(c.get('quote', ''))}\"[/]",
                      soft_wrap=True)
    packs = ", ".join(f"{p['id']} {p['version']} ({str(p['hash'])[:12]})"
                      + (f" variants {', '.join(p['variants'])}" if p.get("variants") else "")
                      for p in data.get("packs", []))
    console.print(f"[dim]cards: {safe(packs)}[/]")
