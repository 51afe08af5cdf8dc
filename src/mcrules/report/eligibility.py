"""Renderers of an eligibility answer for a caseworker: text (rich) and JSON.

They read the answer's plain data (`EligibilityReport.to_dict()`, the JSON contract of
docs/eligibility.md): each service with its outcome and reasons, then the next question to ask.
They format and never recompute. Text from the case file is printed as plain text, never markup.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from rich.console import Console

from mcrules.citation_text import reference
from mcrules.report.common import safe

BADGES = {"eligible": "[bold green]ELIGIBLE[/]    ",
          "not_eligible": "[bold red]NOT ELIGIBLE[/]",
          "unknown": "[bold yellow]UNKNOWN[/]     "}
MORE_QUESTIONS = 4  # after the first, how many more questions the text shows


def render_eligibility_json(data: Mapping[str, Any]) -> bytes:
    """One JSON object with sorted keys: the same inputs give byte-identical output."""
    return orjson.dumps(dict(data), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"



def _ask(q: Mapping[str, Any]) -> str:
    settles = ", ".join(q["settles"])
    question = f"{q['question']} " if q.get("question") else ""
    return f"{question}({q['input']}; settles {settles})"


def render_eligibility_text(data: Mapping[str, Any], console: Console) -> None:
    """Each service: its outcome, the reasons (what is not met first), its main source; then
    the next question to ask and a few after it."""
    case = data.get("case") or {}
    name = case.get("id") or case.get("file") or "(no id)"
    console.print(f"[bold]Eligibility[/] · case {safe(name)} · as of {safe(data.get('as_of'))}")
    for w in data.get("warnings") or ():
        console.print(f"[yellow]warning:[/] {safe(w)}", soft_wrap=True)
    for s in data["services"]:
        console.print()
        badge = BADGES.get(s["outcome"], safe(s["outcome"]))
        console.print(f"{badge}  [bold]{safe(s['service'])}[/]")
        for r in s["reasons"]:
            console.print(f"  - {safe(r)}", soft_wrap=True)
        if s.get("citations"):
            source = reference(s["citations"][0], publisher=False, unverified=False)
            console.print(f"    [dim]{safe(source)}[/]", soft_wrap=True)
    questions = data.get("next_questions") or []
    console.print()
    if not questions:
        pending = [s["service"] for s in data["services"] if s["outcome"] == "unknown"]
        console.print("Nothing to ask: every service is settled." if not pending else
                      f"No single answer settles {', '.join(pending)}: see what each is missing.")
    else:
        console.print(f"[bold]Ask next:[/] {safe(_ask(questions[0]))}", soft_wrap=True)
        for q in questions[1:1 + MORE_QUESTIONS]:
            console.print(f"  then: {safe(_ask(q))}", soft_wrap=True)
        if len(questions) > 1 + MORE_QUESTIONS:
            console.print(f"  [dim]and {len(questions) - 1 - MORE_QUESTIONS} more "
                          "(--format json lists them all)[/]")
    packs = ", ".join(f"{p['id']} {p['version']}" for p in data.get("packs") or ())
    console.print(f"[dim]packs {safe(packs)}; rules hash {str(data.get('ruleset_hash'))[:12]}[/]")
