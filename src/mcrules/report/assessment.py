"""Renderers of a case assessment for a caseworker: text (rich), Markdown and JSON.

They read the assessment's plain data (`CaseAssessment.as_dict()`, the JSON contract of
docs/assessment.md), so they format and never recompute, and need nothing from the domain
package. Text from the case file (ids, free-text factors) is printed as plain text, never as
markup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from rich.console import Console

from mcrules.citation_text import reference
from mcrules.report.common import SafeText
from mcrules.report.markdown_text import md_code, md_text

_LEVEL_STYLE = {"low": "green", "medium": "yellow", "high": "bold red", "very_high": "bold red"}
_FLAG_STYLE = {"present": "bold red", "absent": "green", "unknown": "yellow"}
_FORM = {"multiplicative": "threat × vulnerability × time / capacity (facilitator notes)",
         "additive": "(threat + vulnerability) × time / capacity (session plans)"}
_LEVEL_NAMES = {"individual": "Individual", "family_household": "Family / household",
                "community": "Community", "structural": "Structural"}


def render_assessment_json(data: Mapping[str, Any]) -> bytes:
    """One JSON object with sorted keys: the same inputs give byte-identical output."""
    return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def _num(x: Any) -> str:
    if x is None:
        return "?"
    if isinstance(x, float):
        return f"{x:.2f}".rstrip("0").rstrip(".")
    return str(x)


def _label(level: str | None) -> str:
    return (level or "unknown").replace("_", " ")


def _where(c: Mapping[str, Any]) -> str:
    """Where in its document (the heading above names the document)."""
    return reference(c, document=False, publisher=False, unverified=False)


def _cite(c: Mapping[str, Any]) -> str:
    return f"{_where(c)}: \u201c{c['quote']}\u201d"


def _document(c: Mapping[str, Any]) -> str:
    by = ", ".join(p for p in (c.get("publisher"), c.get("edition")) if p)
    return f"{c['document']}" + (f" ({by})" if by else "")


def _headline(d: Mapping[str, Any]) -> str:
    case = d["case"]
    ctx = d["domv"]["context"]
    bits = [f"Case {case.get('id') or case.get('file') or '(no id)'}", f"as of {d['as_of']}"]
    if ctx.get("stage") or ctx.get("location"):
        bits.append(" in ".join(str(x) for x in (ctx.get("stage"), ctx.get("location")) if x))
    return " · ".join(bits)


def _terms_line(risk: Mapping[str, Any]) -> str:
    """The terms every threat shares: exposure time and the strongest positive capacity."""
    t, drv = risk["terms"], risk["drivers"]
    exposure = drv.get("exposure_days")
    parts = [f"time {_num(t['time'])} ({_num(exposure)} days)",
             f"capacity {_num(t['capacity'])} ({', '.join(drv['capacities']) or 'none found'})"]
    return ", ".join(parts)


def _decided(risk: Mapping[str, Any]) -> str:
    """"Decided by threat X" (or "threats X, Y" when several tie for the worst)."""
    ids = [t["threat"] for t in risk.get("per_threat", ()) if t["deciding"]]
    return f"Decided by threat{'s' if len(ids) > 1 else ''} {', '.join(ids)}"


def _threat_lines(risk: Mapping[str, Any]) -> list[str]:
    """One line per threat: its severity, the vulnerability it is scored with, its own risk,
    and which threat decides the case's risk (the worst)."""
    lines = []
    for t in risk.get("per_threat", ()):
        named = [v["id"] for v in t["vulnerabilities"]]
        if t["vulnerability_source"] == "vulnerabilities":
            vuln = f"{_label(t['vulnerability'])} ({', '.join(named)})"
        elif t["vulnerability_source"] == "unknown":
            vuln = "not assessed"
        else:
            vuln = ("lowest rank: no vulnerability names it "
                    "(programme policy, unpaired_vulnerability_rank)")
        level = (f"{_label(t['level']).upper()} (score {_num(t['score'])})" if t["level"]
                 else f"unknown (ask: {', '.join(t['missing']) or 'an input'})")
        mark = "  ← decides the case's risk" if t["deciding"] else ""
        lines.append(f"{t['threat']}: threat {_label(t['severity'])}, vulnerability {vuln}"
                     f" → {level}{mark}")
    return lines


def render_assessment_text(d: Mapping[str, Any], console: Console) -> None:
    """Print the assessment top to bottom: risk, needs, DoMV profile, checks, next questions."""
    out = console.print
    out(SafeText(_headline(d), style="bold"))
    packs = ", ".join(f"{p['id']} {p['version']}" + (f" [{', '.join(p['variants'])}]"
                                                     if p["variants"] else "")
                      for p in d["packs"])
    programme = d.get("programme")
    out(SafeText(f"Pack: {packs}" + (f"   Programme: {programme['id']}" if programme else ""),
             style="dim"))
    for w in d.get("warnings", ()):
        out(SafeText("warning: " + w, style="yellow"))
    risk = d["risk"]
    out()
    head = SafeText("Protection risk: ", style="bold")
    if risk["outcome"] == "assessed":
        head.append(_label(risk["level"]).upper(), style=_LEVEL_STYLE.get(risk["level"], ""))
        head.append(f"  (score {_num(risk['score'])}; levels {' < '.join(map(_label, risk['scale']))})")
        out(head)
        if risk.get("deciding_threat"):
            out(SafeText(f"  {_decided(risk)}: each threat is scored with the most severe "
                         "vulnerability that names it; the case takes the worst."))
        out(SafeText(f"  {_FORM[risk['combiner']]}, for every threat: {_terms_line(risk)}"))
    else:
        head.append("UNKNOWN", style="yellow")
        if risk.get("at_least"):
            head.append(f", at least {_label(risk['at_least']).upper()}",
                        style=_LEVEL_STYLE.get(risk["at_least"], ""))
        head.append(f"  (not assessed: {', '.join(risk['missing']) or 'an input'})")
        out(head)
    out(SafeText("  The manual gives no scale or cut-points: the bands are this programme's policy.",
             style="dim"))
    for threat_line in _threat_lines(risk):
        out(SafeText(f"  - {threat_line}"))
    out(SafeText("What the manual gives to reduce it:", style="bold"))
    for s in risk["strategies"]:
        target = f" ({', '.join(s['targets'])})" if s["targets"] else ""
        out(SafeText(f"  - {s['strategy'].capitalize()}{target}: {'; '.join(s['steps'])}"))
    out()
    out(SafeText("Specialised needs:", style="bold"))
    for f in d["flags"]:
        line = SafeText("  ")
        line.append(f"{f['outcome']:<8}", style=_FLAG_STYLE[f["outcome"]])
        line.append(f" {f['title']}")
        if f["outcome"] == "present" and f["referral"]:
            line.append(f"\n           → {f['referral']}")
        if f["outcome"] == "unknown" and f["missing"]:
            line.append(f"  (ask: {', '.join(f['missing'])})", style="dim")
        out(line)
    out()
    domv = d["domv"]
    out(SafeText("DoMV profile:", style="bold"))
    if domv["outcome"] != "assessed":
        out(SafeText("  factors not assessed", style="yellow"))
    for level, lp in domv["levels"].items():
        out(SafeText(f"  {_LEVEL_NAMES.get(level, level)}: {lp['summary']}"
                 + ("  ← drives vulnerability" if lp["drives_vulnerability"] else "")))
        for kind, sign in (("risk", "-"), ("protective", "+"), ("unresolved", "?")):
            for f in lp[kind]:
                out(SafeText(f"      {sign} {f['label']} ({f['direction']}: {f['why']})"))
    for note in domv["notes"]:
        out(SafeText("  " + note, style="dim"))
    checks = [r for r in d["results"] if r["outcome"] in ("fail", "unknown")]
    if checks:
        out()
        out(SafeText("Checks:", style="bold"))
        for r in checks:
            what = r.get("fix") or (f"missing {', '.join(r['missing'])}" if r.get("missing") else "")
            out(SafeText(f"  {r['outcome']:<8} {r['title']}" + (f": {what}" if what else "")))
    if d["next_questions"]:
        out()
        out(SafeText("Next questions:", style="bold"))
        for i, q in enumerate(d["next_questions"], start=1):
            out(SafeText(f"  {i}. {q['input']}  (settles {', '.join(q['settles'])})"))
    out()
    out(SafeText("Sources:", style="bold"))
    for document, cites in _by_document(_sources(d)):
        out(SafeText("  " + document, style="dim"))
        for c in cites:
            out(SafeText("    " + _cite(c), style="dim"))
    out(SafeText(f"ruleset {d['ruleset_hash'][:12]}", style="dim"))


def _sources(d: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The citations behind what the report says, once each: the equation, present flags,
    the factors found."""
    seen: list[Mapping[str, Any]] = []
    groups: list[Sequence[Mapping[str, Any]]] = [d["risk"]["citation"]]
    groups += [f["citation"] for f in d["flags"] if f["outcome"] == "present"]
    for lp in d["domv"]["levels"].values():
        groups += [f["citation"] for kind in ("risk", "protective", "unresolved") for f in lp[kind]]
    for group in groups:
        for c in group:
            if c not in seen:
                seen.append(c)
    return seen


def _by_document(cites: list[Mapping[str, Any]]) -> list[tuple[str, list[Mapping[str, Any]]]]:
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for c in cites:
        grouped.setdefault(_document(c), []).append(c)
    return list(grouped.items())


def render_assessment_markdown(d: Mapping[str, Any]) -> str:
    """The assessment as Markdown, for a case note or an e-mail."""
    risk, domv = d["risk"], d["domv"]
    lines = [f"# {md_text(_headline(d))}", ""]
    lines += ["Pack: " + ", ".join(f"{md_code(p['id'])} {md_text(p['version'])}"
                                   for p in d["packs"])
              + f". Ruleset hash `{d['ruleset_hash'][:16]}`.", ""]
    if risk["outcome"] == "assessed":
        decided = f" {md_text(_decided(risk))}." if risk.get("deciding_threat") else ""
        lines += [f"**Protection risk: {_label(risk['level'])}** (score {_num(risk['score'])}; "
                  f"{md_text(_FORM[risk['combiner']])}).{decided}", "",
                  md_text("For every threat: " + _terms_line(risk)), ""]
        lines += [f"- {md_text(line)}" for line in _threat_lines(risk)] + [""]
    else:
        floor = f", at least {_label(risk['at_least'])}" if risk.get("at_least") else ""
        lines += [f"**Protection risk: unknown{floor}**: not assessed: "
                  f"{md_text(', '.join(risk['missing']))}.", ""]
        lines += [f"- {md_text(line)}" for line in _threat_lines(risk)] + [""]
    lines += ["_The manual gives no scale or cut-points: the bands are this programme's policy._",
              "", "## What the manual gives to reduce it", ""]
    for s in risk["strategies"]:
        target = f" ({md_text(', '.join(s['targets']))})" if s["targets"] else ""
        lines.append(f"- **{md_text(s['strategy'])}**{target}: {md_text('; '.join(s['steps']))}")
    lines += ["", "## Specialised needs", "", "| flag | outcome | referral |", "|---|---|---|"]
    for f in d["flags"]:
        referral = f["referral"] if f["outcome"] == "present" else (
            "ask: " + ", ".join(f["missing"]) if f["outcome"] == "unknown" and f["missing"] else "")
        lines.append(f"| {md_text(f['title'])} | {f['outcome']} | {md_text(referral)} |")
    lines += ["", "## DoMV profile", ""]
    for level, lp in domv["levels"].items():
        drives = " (drives vulnerability)" if lp["drives_vulnerability"] else ""
        lines.append(f"- **{_LEVEL_NAMES.get(level, level)}**: {md_text(lp['summary'])}{drives}")
        for kind in ("risk", "protective", "unresolved"):
            for f in lp[kind]:
                lines.append(f"  - {md_text(f['label'])}: {f['direction']}, {md_text(f['why'])}")
    lines += ["", *(f"> {md_text(n)}" for n in domv["notes"]), ""]
    if d["next_questions"]:
        lines += ["## Next questions", ""]
        lines += [f"{i}. {md_code(q['input'])} settles {md_text(', '.join(q['settles']))}"
                  for i, q in enumerate(d["next_questions"], start=1)]
        lines.append("")
    lines += ["## Sources", ""]
    for document, cites in _by_document(_sources(d)):
        lines.append(f"- *{md_text(document)}*")
        lines += [f"  - {md_text(_cite(c))}" for c in cites]
    return "\n".join(lines) + "\n"
