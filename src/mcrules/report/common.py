"""What every human-readable renderer shows the same way."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.text import Text

from mcrules.engine.outcomes import Outcome, Result, format_number
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
