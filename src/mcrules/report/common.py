"""What every human-readable renderer shows the same way."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.text import Text

from mcrules.engine.compare import NOT_IN_PACK, Comparison, PackVerdict
from mcrules.engine.outcomes import Outcome, Result, format_number
from mcrules.engine.report import Report
from mcrules.printable import printable

OUTCOME_LABEL = {
    Outcome.PASS: "pass",
    Outcome.FAIL: "FAIL",
    Outcome.NOT_APPLICABLE: "n/a",
    Outcome.UNKNOWN: "unknown",
}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
OUTCOME_ORDER = {Outcome.FAIL: 0, Outcome.UNKNOWN: 1, Outcome.PASS: 2, Outcome.NOT_APPLICABLE: 3}


def ordered(results: tuple[Result, ...]) -> list[Result]:
    """Failures first, most severe first; pack order within a group."""
    return sorted(results, key=lambda r: (OUTCOME_ORDER[r.outcome],
                                         SEVERITY_ORDER[r.severity.value]))


def value_text(value: float | bool | None, unit: str) -> str:
    if value is None:
        return ""
    text = format_number(value)
    return f"{text} {unit}" if unit and not isinstance(value, bool) else text


def what_text(r: Result) -> str:
    """The column that says what is missing, what the fix is, or why it does not apply."""
    if r.outcome is Outcome.FAIL and r.fix:
        return r.fix.text
    if r.outcome is Outcome.UNKNOWN:
        return ("missing " + ", ".join(r.missing)) if r.missing else r.reason
    if r.outcome is Outcome.NOT_APPLICABLE:
        return r.reason
    return ""


def safe(text: object) -> str:
    """User text (an id, a name, a pack's title) for a string with rich markup: tags escaped and
    control characters shown, so it prints as written."""
    return escape(printable(str(text)))


class SafeText(Text):
    """A rich Text whose every string, given or appended, has its control characters shown as
    escapes: renderers build lines from case files and packs written by someone else."""

    def __init__(self, text: str = "", *args: Any, **kwargs: Any) -> None:
        super().__init__(printable(text), *args, **kwargs)

    def append(self, text: str | Text, *args: Any, **kwargs: Any) -> SafeText:
        super().append(printable(text) if isinstance(text, str) else text, *args, **kwargs)
        return self


STATUS_LABEL = {"pass": "pass", "fail": "FAIL", "not_applicable": "n/a", "unknown": "unknown",
                "waived": "waived", NOT_IN_PACK: "-"}
STATUS_ORDER = {"fail": 0, "waived": 1, "unknown": 2, "pass": 3, "not_applicable": 4}


def heading(report: Report) -> tuple[str, str]:
    """What a report's title says it checked: the kind ("Site", "Case history") and the one
    checked (its name or id, else its file), as raw text for the renderer to make safe."""
    ref = report.subject_ref
    kind = str(ref.get("kind") or "site").replace("_", " ").capitalize()
    name = report.subject.get("name") or ref.get("id") or ref.get("file") or kind.lower()
    return kind, str(name)


def ordered_indices(report: Report) -> list[int]:
    """The results' indices failures first (waived ones after the others), most severe first;
    pack order within a group."""
    return sorted(range(len(report.results)),
                  key=lambda i: (STATUS_ORDER[report.statuses[i]],
                                 SEVERITY_ORDER[report.results[i].severity.value]))


def required_text(r: Result) -> str:
    """The required value with its operator: `>= 20 L/person/day`."""
    required = value_text(r.required, r.unit)
    if required and r.op and r.op != "==":
        required = f"{r.op} {required}"
    return required


def status_what(report: Report, index: int) -> str:
    """What to do about a result; for a waived failure, the waiver that covers it."""
    waiver = report.waiver_of(index)
    if waiver is None:
        return what_text(report.results[index])
    expires = waiver.fields.get("expires")
    return f"waived by {waiver.id}" + (f" (expires {expires})" if expires else "")


def waiver_lines(report: Report) -> list[str]:
    """One line per waiver: what it waives and on whose approval, with its mitigation; or why
    it was not applied."""
    out = []
    for w in report.waivers:
        f = w.fields
        if w.status == "applied":
            out.append(f"{w.id} waives {w.rule} (expires {f.get('expires')}), approved by "
                       f"{f.get('approved_by')}. Mitigation: {' '.join(str(f.get('mitigation')).split())}")
        else:
            out.append(f"{w.id} for {w.rule} is not applied: {w.reason}")
    return out


def verdict_text(v: PackVerdict) -> str:
    """One pack's cell of the side-by-side table: `FAIL >= 20 L/person/day`, `-` when absent."""
    if v.result is None:
        return STATUS_LABEL[NOT_IN_PACK]
    required = required_text(v.result) if v.result.outcome in (Outcome.PASS, Outcome.FAIL) else ""
    return f"{STATUS_LABEL[v.status]} {required}".strip()


def disagreements(report: Report) -> list[Comparison]:
    """The requirements on which the packs compared disagree, in report order."""
    return [c for c in report.comparison if c.disagree]


def side_by_side(report: Report, *, show_all: bool = True) -> list[Comparison]:
    """The rows of the side-by-side table: requirements that more than one pack has (a rule in
    one pack only is in the main table already); without `show_all`, only those where the packs
    disagree or one fails (unknowns are in the main table)."""
    rows = [c for c in report.comparison if sum(v.result is not None for v in c.verdicts) > 1]
    if show_all:
        return rows
    return [c for c in rows if c.disagree or any(v.status in ("fail", "waived")
                                                 for v in c.verdicts)]
