"""The visual report: one self-contained HTML page (inline CSS, no script, no URL) with the
summary, each pack's results by domain with citations and fixes, and the layout map.

It renders the JSON report (`Report.as_dict()`, docs/output.md) and reads it defensively, so a
report with keys added later (`by_pack`, `comparison`, `layout`, waivers) renders without a
change here, and a key it does not know is left out rather than guessed.
"""

from __future__ import annotations

from typing import Any

from mcrules.citation_text import reference
from mcrules.engine.report import Report
from mcrules.report.html_comparison import render_comparison
from mcrules.report.html_text import (
    dicts_of,
    esc,
    is_number,
    list_of,
    num,
    scalar,
    table,
    text_of,
    with_unit,
)
from mcrules.report.layout_map import (
    distance_text,
    failing_pairs,
    legend_items,
    render_layout_svg,
)

LABEL = {"pass": "pass", "fail": "FAIL", "not_applicable": "n/a", "unknown": "unknown",
         "waived": "waived"}
ORDER = {"fail": 0, "waived": 1, "unknown": 2, "pass": 3, "not_applicable": 4}
SEVERITY = {"error": 0, "warning": 1, "info": 2}
SUMMARY_KEYS = ("fail", "waived", "unknown", "pass", "not_applicable")

# The Content-Security-Policy forbids every fetch and every script: even a string that escaped
# escaping could not load or run anything.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
 color:#1d2125;background:#fff;margin:0}
main{max-width:1120px;margin:0 auto;padding:16px 24px 40px}
h1{font-size:24px;margin:8px 0 4px}h2{font-size:19px;margin:28px 0 8px;border-bottom:2px solid #dee2e6}
h3{font-size:16px;margin:20px 0 6px}h3.domain{text-transform:capitalize}
code{font:12px/1.3 ui-monospace,"DejaVu Sans Mono",monospace;word-break:break-all}
table{border-collapse:collapse;width:100%;margin:6px 0}
th,td{border-bottom:1px solid #e9ecef;padding:6px 8px;text-align:left;vertical-align:top;
 overflow-wrap:anywhere}
thead th{background:#f1f3f5;font-weight:600;font-size:13px;overflow-wrap:normal}
td.num{text-align:right}
table.results{table-layout:fixed}col.w-outcome{width:96px}col.w-rule{width:46%}col.w-num{width:9%}
table.packs td:nth-child(-n+2),table.packs td:first-child code{white-space:nowrap;word-break:normal}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:8px 0}
dl.meta dt{font-weight:600;color:#495057}dl.meta dd{margin:0}
.badge{display:inline-block;min-width:58px;text-align:center;padding:2px 8px;border-radius:10px;
 font-weight:700;font-size:12px;color:#fff;background:#868e96}
.b-pass{background:#2f9e44}.b-fail{background:#c92a2a}.b-unknown{background:#e67700}
.badge{white-space:nowrap}.b-not_applicable{background:#adb5bd;color:#212529}.b-waived{background:#7048e8}
.sev{display:block;font-size:11px;color:#6c757d;margin-top:3px;text-align:center}
ul.counts{display:flex;flex-wrap:wrap;gap:12px;list-style:none;padding:0;margin:8px 0}
ul.counts li{border:1px solid #dee2e6;border-radius:8px;padding:8px 16px;min-width:110px}
ul.counts .n{display:block;font-size:28px;font-weight:700}
li.c-fail .n{color:#c92a2a}li.c-unknown .n{color:#e67700}li.c-pass .n{color:#2f9e44}
li.c-waived .n{color:#7048e8}li.c-not_applicable .n{color:#868e96}
.verdict{font-size:16px;font-weight:600}.verdict.bad{color:#c92a2a}.verdict.good{color:#2f9e44}
.verdict.waived{color:#7048e8}
.warning{background:#fff3bf;border-left:4px solid #f59f00;padding:6px 10px;margin:4px 0}
.rule-id{color:#6c757d}span.rule-id{display:block;font-size:12px}.item{color:#495057;font-weight:600}
.cite{margin-top:4px;font-size:12px;color:#495057}
.cite q{display:block;font-style:italic;color:#343a40}
.unverified{color:#c92a2a;font-weight:600}
details.more summary{font-size:12px;color:#495057;cursor:pointer;margin-top:3px}
.fix{font-weight:600}.alt{color:#495057;font-size:13px;margin:2px 0 0;padding-left:16px}
.waiver{background:#f3f0ff;border-left:4px solid #7048e8;padding:4px 8px;font-size:13px}
tr.r-fail td:first-child{border-left:4px solid #c92a2a}
tr.r-waived td:first-child{border-left:4px solid #7048e8}
tr.r-unknown td:first-child{border-left:4px solid #e67700}
figure#layout-map{margin:8px 0;max-width:802px;border:1px solid #ced4da;background:#fff}
figure#layout-map svg{display:block;max-width:100%;height:auto}
figcaption{padding:6px 10px;font-size:13px;border-top:1px solid #e9ecef}
ul.legend{list-style:none;padding:0;margin:4px 0 0;display:flex;flex-wrap:wrap;gap:4px 16px}
ul.legend svg{vertical-align:-3px;margin-right:4px}
tr.disagree{background:#fff5f5}.disagree-mark{display:block;color:#c92a2a;font-size:12px;font-weight:700}
.detail{display:block;font-size:12px;color:#495057}td.none{color:#adb5bd;font-size:12px}
tr.m-fail td{color:#d00000;font-weight:600}
footer{margin-top:32px;color:#868e96;font-size:12px}
"""


def badge(outcome: str) -> str:
    """An outcome as a coloured label; an outcome this version does not know shows as written."""
    cls = outcome if outcome in LABEL else "other"
    return f'<span class="badge b-{cls}">{esc(LABEL.get(outcome, outcome or "?"))}</span>'


def status(result: dict[str, Any]) -> str:
    """The outcome to show: `waived` when a waiver covers the result, else its outcome."""
    if text_of(result, "status") == "waived" or isinstance(result.get("waiver"), dict):
        return "waived"
    return text_of(result, "outcome")


def domain(rule_id: str) -> str:
    """The domain a rule belongs to, from its id: `mct.wash.toilets.female` → `wash`."""
    parts = rule_id.split(".")
    return parts[1] if len(parts) >= 3 else "other"


def _citation(c: Any) -> str:
    if not isinstance(c, dict):
        return ""
    ref = reference(c, unverified=False, text=text_of)
    unverified = ' <span class="unverified">not verified against the document</span>' \
        if c.get("verified") is False else ""
    quote = f"<q>{esc(text_of(c, 'quote'))}</q>" if text_of(c, "quote") else ""
    return f'<div class="cite">{quote}<cite>{esc(ref)}</cite>{unverified}</div>'


def _waiver(w: Any) -> str:
    if not isinstance(w, dict):
        return ""
    rows = [(label, text_of(w, key)) for label, key in (
        ("justification", "justification"), ("mitigation", "mitigation"),
        ("approved by", "approved_by"), ("expires", "expires"))]
    return '<div class="waiver"><strong>Waived.</strong> ' + "; ".join(
        f"{label}: {esc(value)}" for label, value in rows if value) + "</div>"


def _what(result: dict[str, Any], shown: str) -> str:
    """The last column: the fix of a failure, the inputs an unknown needs, why a rule does not
    apply, the waiver of a waived failure."""
    outcome = text_of(result, "outcome")
    out = ""
    if outcome == "fail" and isinstance(result.get("fix"), dict):
        out = f'<div class="fix">{esc(text_of(result["fix"], "text"))}</div>'
        alts = [text_of(f, "text") for f in list_of(result, "alternative_fixes")]
        if any(alts):
            out += '<ul class="alt">' + "".join(f"<li>or {esc(a)}</li>" for a in alts if a) + "</ul>"
    elif outcome == "unknown":
        missing = [str(m) for m in list_of(result, "missing")]
        out = esc("missing " + ", ".join(missing)) if missing else esc(text_of(result, "message"))
    elif outcome == "not_applicable":
        out = esc(text_of(result, "message"))
    if shown == "waived":
        out += _waiver(result.get("waiver"))
    return out


def _result_row(r: dict[str, Any]) -> str:
    shown = status(r)
    outcome = text_of(r, "outcome")
    unit = text_of(r, "unit")
    required = with_unit(r.get("required"), unit)
    op = text_of(r, "op")
    if required and op and op != "==":
        required = f"{op} {required}"
    margin = r.get("margin")
    margin_text = (("+" if margin > 0 else "") + with_unit(margin, unit)) if is_number(margin) else ""
    under = f" ({LABEL.get(outcome, outcome)})" if shown != outcome else ""
    item = f' <span class="item">{esc(text_of(r, "item"))}</span>' if text_of(r, "item") else ""
    cites = [_citation(c) for c in list_of(r, "citation")]
    if len(cites) > 1:  # every result shows its first source; a failure shows them all
        opened = " open" if shown in ("fail", "waived") else ""
        cites[1:] = [f'<details class="more"{opened}><summary>{len(cites) - 1} more source(s)'
                     f"</summary>{''.join(cites[1:])}</details>"]
    return (f'<tr class="r-{esc(shown)}" data-rule="{esc(text_of(r, "rule"))}">'
            f'<td>{badge(shown)}<span class="sev">{esc(text_of(r, "severity"))}{esc(under)}</span></td>'
            f"<td><strong>{esc(text_of(r, 'title'))}</strong>{item}<br>"
            f'<code class="rule-id">{esc(text_of(r, "rule"))}</code>{"".join(cites)}</td>'
            f'<td class="num">{esc(with_unit(r.get("measured"), unit))}</td>'
            f'<td class="num">{esc(required)}</td><td class="num">{esc(margin_text)}</td>'
            f"<td>{_what(r, shown)}</td></tr>")


RESULT_COLUMNS = ('<colgroup><col class="w-outcome"><col class="w-rule"><col class="w-num">'
                  '<col class="w-num"><col class="w-num"><col class="w-what"></colgroup>')


def _results(rows: list[dict[str, Any]]) -> str:
    """The results grouped by domain in the packs' order, failures first within each."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(domain(text_of(r, "rule")), []).append(r)
    out = []
    for name, group in groups.items():
        group = sorted(group, key=lambda r: (ORDER.get(status(r), 5),
                                             SEVERITY.get(text_of(r, "severity"), 3)))
        out.append(f'<h3 class="domain">{esc(name.replace("_", " "))}</h3>' + table(
            ("outcome", "requirement and source", "measured", "required", "margin",
             "fix / missing / why"), list(map(_result_row, group)), "results", RESULT_COLUMNS))
    return "".join(out) if out else "<p>No rule was evaluated.</p>"


def _counts(summary: Any) -> str:
    if not isinstance(summary, dict):
        return ""
    keys = [k for k in SUMMARY_KEYS if k in summary] + sorted(set(summary) - set(SUMMARY_KEYS))
    return '<ul class="counts">' + "".join(
        f'<li class="c-{esc(k)}"><span class="n">{esc(num(summary[k]))}</span>'
        f"{esc('not applicable' if k == 'not_applicable' else LABEL.get(str(k), str(k)).lower())}"
        "</li>"
        for k in keys) + "</ul>"


def _pack_label(pack: Any) -> str:
    if isinstance(pack, dict):
        return f"{text_of(pack, 'id')} {text_of(pack, 'version')}".strip()
    return scalar(pack)


def _header(data: dict[str, Any], subject: dict[str, Any], name: str, kind: str = "Site") -> str:
    meta = [(f"{kind.lower()} file", text_of(subject, "file")), ("evaluated as of", text_of(data, "as_of")),
            ("ruleset hash", text_of(data, "ruleset_hash")),
            ("mcrules", text_of(data, "mcrules_version"))]
    dl = "".join(f"<dt>{esc(k)}</dt><dd>{f'<code>{esc(v)}</code>' if k == 'ruleset hash' else esc(v)}"
                 "</dd>" for k, v in meta if v)
    packs = []
    for p in dicts_of(data, "packs"):
        variants = ", ".join(map(str, list_of(p, "variants")))
        overrides = p["overrides"] if isinstance(p.get("overrides"), dict) else {}
        config = "; ".join(filter(None, [variants and f"variants: {variants}", ", ".join(
            f"{k} = {num(v)}" for k, v in sorted(overrides.items()))]))
        packs.append(f"<tr><td><code>{esc(text_of(p, 'id'))}</code></td>"
                     f"<td>{esc(text_of(p, 'version'))}</td><td>{esc(text_of(p, 'title'))}</td>"
                     f"<td>{esc(config)}</td><td><code>{esc(text_of(p, 'hash'))}</code></td></tr>")
    packs_table = table(("pack", "version", "title", "configured", "content hash"), packs, "packs")
    return (f'<header id="report-header"><h1>{esc(kind)} check: {esc(name)}</h1>'
            f'<dl class="meta">{dl}</dl>{packs_table}</header>')


def _summary(data: dict[str, Any]) -> str:
    summary = data["summary"] if isinstance(data.get("summary"), dict) else {}
    fails = summary.get("fail", 0)
    unknown = summary.get("unknown", 0)
    waived = summary.get("waived", 0)
    if is_number(fails) and fails:
        verdict = f'<p class="verdict bad">{esc(num(fails))} rule(s) fail.</p>'
    elif is_number(waived) and waived:  # a waived failure is still a failure, never "all well"
        many = "failure is" if waived == 1 else "failures are"
        verdict = (f'<p class="verdict waived">No rule fails without a waiver; {esc(num(waived))} '
                   f"{many} waived.</p>")
    elif is_number(unknown) and unknown:
        verdict = f'<p class="verdict">No rule fails; {esc(num(unknown))} cannot be told yet.</p>'
    else:
        verdict = '<p class="verdict good">No rule fails.</p>'
    warnings = "".join(f'<p class="warning">warning: {esc(w)}</p>' for w in list_of(data, "warnings"))
    return f'<section id="summary"><h2>Summary</h2>{verdict}{_counts(summary)}{warnings}</section>'


def _layout(data: dict[str, Any], name: str) -> str:
    layout = data.get("layout")
    if not isinstance(layout, dict):
        return ""
    svg = render_layout_svg(layout, name)
    if not svg:
        return ('<section id="layout"><h2>Layout</h2><p>The layout has no feature to draw.</p>'
                "</section>")
    crs, projection = text_of(layout, "crs"), text_of(layout, "projection")
    where = "Local metres, x east, y north" + (f"; from {crs}" if crs and crs != "local" else "") \
        + (f" ({projection})" if projection else "")
    if is_number(layout.get("area_m2")):
        where += f"; area {num(round(float(layout['area_m2']), 1))} m²"
    legend = "".join(f"<li>{swatch}{esc(label)}</li>" for label, swatch in legend_items(layout))
    rows = []
    # Failures first (a stable sort keeps the report's order within each group): among forty
    # measured pairs, the two that break a rule are what the planner looks for.
    for m in sorted(dicts_of(layout, "measurements"), key=lambda m: m.get("ok") is not False):
        ok = m.get("ok")
        verdict = "fail" if ok is False else "pass" if ok is True else "unknown"
        distance = m.get("distance_m")
        rows.append(f'<tr class="m-{verdict}"><td><code>{esc(text_of(m, "rule"))}</code></td>'
                    f"<td>{esc(text_of(m, 'from'))}</td><td>{esc(text_of(m, 'to'))}</td>"
                    f'<td class="num">{esc(distance_text(distance, m.get("limit_m")))}'
                    f'</td><td class="num">{esc(with_unit(m.get("limit_m"), "m"))}</td>'
                    f"<td>{badge(verdict)}</td></tr>")
    measured = table(("rule", "from", "to", "distance", "limit", "outcome"), rows, "measurements")
    n_bad = len(failing_pairs(layout))
    lead = f"<p>{n_bad} distance(s) break a rule; the features involved are drawn in red.</p>" \
        if n_bad else "<p>No measured distance breaks its rule.</p>"
    return (f'<section id="layout"><h2>Layout</h2>{lead}<figure id="layout-map">{svg}'
            f'<figcaption>{esc(where)}.<ul class="legend">{legend}</ul></figcaption></figure>'
            f"{measured}</section>")


def _derived(data: dict[str, Any]) -> str:
    """Values, decisions and the next questions to ask, when the packs have any."""
    out = []
    values = [f"<tr><td><strong>{esc(text_of(v, 'title'))}</strong><br><code>"
              f"{esc(text_of(v, 'value'))}</code></td><td class=\"num\">"
              f"{esc(with_unit(v.get('result'), text_of(v, 'unit')) or '?')}</td>"
              f"<td>{esc(', '.join(map(str, list_of(v, 'missing'))))}</td></tr>"
              for v in dicts_of(data, "values")]
    if values:
        out.append('<section id="values"><h2>Values</h2>'
                   f'{table(("value", "result", "missing"), values)}</section>')
    decisions = dicts_of(data, "decisions")
    if decisions:
        items = []
        for d in decisions:
            why = "".join(f"<li>because {esc(r)}</li>" for r in list_of(d, "reasons"))
            why += "".join(f"<li>must {esc(o)}</li>" for o in list_of(d, "obligations"))
            items.append(f"<li><code>{esc(text_of(d, 'decision_table'))}</code>: "
                         f"{esc(text_of(d, 'message'))}{f'<ul>{why}</ul>' if why else ''}</li>")
        out.append(f'<section id="decisions"><h2>Decisions</h2><ul>{"".join(items)}</ul></section>')
    questions = dicts_of(data, "next_questions")
    if questions:
        out.append('<section id="next-questions"><h2>Next questions to ask</h2><p>Answering these '
                   "would settle the unknown verdicts, the most settling first.</p><ol>" + "".join(
                       f"<li><code>{esc(text_of(q, 'input'))}</code> settles "
                       f"{len(list_of(q, 'settles'))}: "
                       f"{esc(', '.join(map(str, list_of(q, 'settles'))))}</li>"
                       for q in questions) + "</ol></section>")
    return "".join(out)


def _pack_sections(data: dict[str, Any]) -> str:
    """One section per pack when the report compares packs (`by_pack`), else one for all."""
    by_pack = dicts_of(data, "by_pack")
    if not by_pack:
        packs = ", ".join(_pack_label(p) for p in list_of(data, "packs"))
        return (f'<section id="results" class="pack-results"><h2>Results</h2>'
                f"<p>Under {esc(packs or 'the packs given')}.</p>"
                f"{_results(dicts_of(data, 'results'))}</section>")
    out = []
    for i, entry in enumerate(by_pack):
        label = _pack_label(entry.get("pack"))
        out.append(f'<section id="results-{i + 1}" class="pack-results">'
                   f"<h2>Results under {esc(label)}</h2>{_counts(entry.get('summary'))}"
                   f"{_results(dicts_of(entry, 'results'))}</section>")
    return "".join(out)


def render_html_dict(data: dict[str, Any]) -> str:
    """The page for a JSON report (as `render_json` writes it); the same report gives the same
    bytes, and every string from the report is escaped."""
    subject = data.get("site")
    if not isinstance(subject, dict):
        subject = next((v for k, v in data.items() if isinstance(v, dict) and "name" in v
                        and k not in ("layout", "summary")), {})
    ref = data["subject"] if isinstance(data.get("subject"), dict) else {}
    kind = (text_of(ref, "kind") or "site").replace("_", " ").capitalize()
    name = text_of(subject, "name") or text_of(ref, "id") or text_of(subject, "file") or "site"
    columns = [_pack_label(e.get("pack")).split(" ")[0] for e in dicts_of(data, "by_pack")] \
        or [text_of(p, "id") for p in dicts_of(data, "packs")]
    comparison = render_comparison(data, columns, badge)
    body = (_header(data, subject, name, kind) + _summary(data) + _layout(data, name) + comparison
            + _pack_sections(data) + _derived(data))
    footer = (f"<footer>mcrules {esc(text_of(data, 'mcrules_version'))}; ruleset "
              f"{esc(text_of(data, 'ruleset_hash')[:16])}. This page loads nothing and runs no "
              "script.</footer>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(kind)} check: {esc(name)}</title><style>{CSS}</style></head>"
            f"<body><main>{body}{footer}</main></body></html>\n")


def render_html(report: Report) -> str:
    """The page for a report."""
    return render_html_dict(report.as_dict())
