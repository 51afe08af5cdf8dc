"""The four outcomes and the result record: explanations are data, renderers never recompute."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any

from mcrules.rules.ir import Citation, DecisionTable, Rule, Severity, ValueDecl


class Outcome(StrEnum):
    """What a rule says about one subject. Missing data is `unknown`, never `pass`."""

    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    UNKNOWN = "unknown"


class Code(IntEnum):
    """Outcome codes of the columnar path. Ordered so that the max over a rule's items is the
    rule's outcome: any failing latrine fails the site, else any unknown makes it unknown."""

    NOT_APPLICABLE = 0
    PASS = 1
    UNKNOWN = 2
    FAIL = 3


OP_WORDS = {">=": "at least", ">": "more than", "<=": "at most", "<": "less than",
            "==": "exactly", "!=": "anything but"}

CODE_TO_OUTCOME = {
    Code.NOT_APPLICABLE: Outcome.NOT_APPLICABLE,
    Code.PASS: Outcome.PASS,
    Code.UNKNOWN: Outcome.UNKNOWN,
    Code.FAIL: Outcome.FAIL,
}
OUTCOME_TO_CODE = {v: k for k, v in CODE_TO_OUTCOME.items()}


@dataclass(frozen=True, slots=True)
class Fix:
    """The smallest change along one input that flips a failing verdict."""

    text: str
    field: str | None = None
    change: float | None = None
    to: float | None = None
    unit: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "field": self.field, "change": self.change, "to": self.to,
                "unit": self.unit}


@dataclass(slots=True)
class Result:
    """One rule's verdict on one subject, with everything needed to explain it: plain data.
    Read-only by convention (not frozen: a frozen dataclass costs a third of the scalar path's
    time to build).

    `fixes` starts with the smallest change along the first lever of the rule that can flip it;
    the changes along its other levers follow when the evaluator was asked for alternatives
    (`check_site` and the reports ask; a bulk re-check does not).
    """

    rule: Rule
    outcome: Outcome
    measured: float | bool | None = None
    required: float | bool | None = None
    unit: str = ""
    margin: float | None = None
    op: str = ""
    missing: tuple[str, ...] = ()
    item: str | None = None
    fixes: tuple[Fix, ...] = ()
    reason: str = ""

    @property
    def severity(self) -> Severity:
        return self.rule.severity

    @property
    def citations(self) -> tuple[Citation, ...]:
        return self.rule.citations

    @property
    def fix(self) -> Fix | None:
        """The primary fix: the first lever the rule declares that can flip the verdict."""
        return self.fixes[0] if self.fixes else None

    @property
    def message(self) -> str:
        """One sentence a site planner can act on."""
        title = self.rule.title
        where = f" ({self.item})" if self.item else ""
        if self.outcome is Outcome.UNKNOWN:
            if self.missing:
                return f"{title}{where}: cannot tell, missing {', '.join(self.missing)}"
            return f"{title}{where}: cannot tell, {self.reason or 'undefined value'}"
        if self.outcome is Outcome.NOT_APPLICABLE:
            return f"{title}{where}: does not apply" + (f" ({self.reason})" if self.reason else "")
        if isinstance(self.measured, float) and isinstance(self.required, float):
            unit = f" {self.unit}" if self.unit else ""
            sense = "meets" if self.outcome is Outcome.PASS else "misses"
            need = OP_WORDS.get(self.op, self.op)
            kind = self.rule.comparison.left.type if self.rule.comparison else "number"
            if kind != "number":
                scale = self.rule.comparison.left.scale  # type: ignore[union-attr]
                measured, required = (show_value(v, kind, scale)
                                      for v in (self.measured, self.required))
                return f"{title}{where}: {sense} it, {measured} where {need} {required} is required"
            measured, required = format_pair(self.measured, self.required)
            return f"{title}{where}: {sense} it, {measured}{unit} where {need} {required}{unit} is required"
        verdict = "yes" if self.outcome is Outcome.PASS else "no"
        return f"{title}{where}: {verdict}"

    def as_dict(self) -> dict[str, Any]:
        """The JSON form: a public contract, see docs/output.md."""
        return {
            "rule": self.rule.id,
            "title": self.rule.title,
            "outcome": self.outcome.value,
            "severity": self.rule.severity.value,
            "measured": self.shown(self.measured),
            "required": self.shown(self.required),
            "unit": self.unit,
            "op": self.op,
            "margin": _json_number(self.margin),
            "item": self.item,
            "missing": list(self.missing),
            "message": self.message,
            "fix": self.fix.as_dict() if self.fix else None,
            "alternative_fixes": [f.as_dict() for f in self.fixes[1:]],
            "citation": [c.as_dict() for c in self.rule.citations],
        }


    def shown(self, value: float | bool | None) -> float | bool | str | None:
        """A measured or required value as people read it: numbers as numbers (rounded to 12
        significant figures), a level as its label and a date as ISO text."""
        cmp = self.rule.comparison
        if cmp is not None and cmp.left.type != "number" and isinstance(value, float) \
                and value == value:
            shown: str | None = show_value(value, cmp.left.type, cmp.left.scale)
            return shown
        return _json_number(value)


def show_value(value: Any, kind: str, scale: tuple[str, ...] = ()) -> Any:
    """A derived or compared value as people read it: a level's label, a date in ISO form."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if kind == "ordinal" and isinstance(value, float) and 0 <= value < len(scale):
        return scale[int(value)]
    if kind == "date" and isinstance(value, float):
        return dt.date.fromordinal(int(value)).isoformat()
    return value


@dataclass(frozen=True)
class ValueResult:
    """A derived value of a pack on one subject: what it is, or which inputs it is missing."""

    value: ValueDecl
    result: float | bool | str | None
    missing: tuple[str, ...] = ()
    reason: str = ""

    @property
    def known(self) -> bool:
        return self.result is not None

    @property
    def shown(self) -> Any:
        """The value as people read it (a label, an ISO date, a number in its display unit)."""
        v = self.result
        if isinstance(v, float) and self.value.type == "number":
            return v * self.factor
        return show_value(v, self.value.type, self.value.scale)

    @property
    def factor(self) -> float:
        return self.value.display_scale()[0]

    @property
    def unit(self) -> str:
        return self.value.display_scale()[1]

    @property
    def message(self) -> str:
        if self.result is None:
            why = f"missing {', '.join(self.missing)}" if self.missing else \
                (self.reason or "undefined value")
            return f"{self.value.title}: cannot tell, {why}"
        shown = self.shown
        text = format_number(shown) if isinstance(shown, float | bool) else str(shown)
        return f"{self.value.title}: {text}{' ' + self.unit if self.unit else ''}"

    def as_dict(self) -> dict[str, Any]:
        shown = self.shown
        return {
            "value": self.value.id,
            "title": self.value.title,
            "outcome": "known" if self.known else "unknown",
            "result": _json_number(shown) if isinstance(shown, float) else shown,
            "type": self.value.type,
            "unit": self.unit,
            "scale": list(self.value.scale),
            "missing": list(self.missing),
            "message": self.message,
            "citation": [c.as_dict() for c in self.value.citations],
        }


@dataclass(frozen=True)
class DecisionResult:
    """A decision table's answer on one subject: the decision, the rows that made it, their
    reasons, obligations and citations; for an unknown one the missing inputs, and whether the
    decision given is the table's fail-closed fallback rather than a match."""

    table: DecisionTable
    outcome: str                 # decided | unknown | no_match
    decision: str | tuple[str, ...] | None
    rows: tuple[int, ...] = ()
    reasons: tuple[str, ...] = ()
    obligations: tuple[str, ...] = ()
    citations: tuple[Citation, ...] = ()
    missing: tuple[str, ...] = ()
    fallback: bool = False

    @property
    def settled(self) -> bool:
        return self.outcome != "unknown"

    @property
    def message(self) -> str:
        title = self.table.title
        shown = ", ".join(self.decision) if isinstance(self.decision, tuple) else self.decision
        if self.outcome == "no_match":
            return f"{title}: no row applies"
        if self.outcome == "unknown":
            why = f"missing {', '.join(self.missing)}" if self.missing else "undefined input"
            if self.fallback:
                return f"{title}: {shown} until known ({why})"
            return f"{title}: cannot tell, {why}"
        return f"{title}: {shown}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "decision_table": self.table.id,
            "title": self.table.title,
            "outcome": self.outcome,
            "decision": list(self.decision) if isinstance(self.decision, tuple) else self.decision,
            "fallback": self.fallback,
            "rows": list(self.rows),
            "reasons": list(self.reasons),
            "obligations": list(self.obligations),
            "missing": list(self.missing),
            "message": self.message,
            "citation": [c.as_dict() for c in self.citations],
        }


def format_number(value: float | bool | None) -> str:
    """Numbers as people read them: 7, 3.5, 12000, 0.333."""
    if value is None:
        return "?"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.4g}" if abs(value) >= 1e-3 else f"{value:.3g}"


def format_distance(distance: float, limit: float | None) -> str:
    """A distance in metres with one decimal, or as many more (up to millimetres) as keep it off
    its limit: 29.96 m against 30 m reads "29.96", never "30.0", beside a failure."""
    for digits in (1, 2, 3):
        text = f"{distance:.{digits}f}"
        if limit is None or float(text) != limit or distance == limit:
            return text
    return f"{distance:.3f}"


def format_pair(a: float, b: float) -> tuple[str, str]:
    """Two numbers with enough digits that different values never read the same (19.998 vs 20)."""
    fa, fb = format_number(a), format_number(b)
    digits = 5
    while fa == fb and a != b and digits <= 15:
        fa, fb = f"{a:.{digits}g}", f"{b:.{digits}g}"
        digits += 1
    return fa, fb


def _json_number(value: float | bool | None) -> float | bool | None:
    if isinstance(value, float) and value == int(value) and abs(value) < 1e15:
        return float(round(value, 12))
    if isinstance(value, float):
        return float(f"{value:.12g}")
    return value
