"""The four outcomes and the result record: explanations are data, renderers never recompute."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any

from mcrules.rules.ir import Citation, Rule, Severity


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
    """One rule's verdict on one subject, with everything needed to explain it. Read-only by
    convention (not frozen: a frozen dataclass costs a third of the scalar path's time to build).

    `fix` (the smallest change along the rule's first lever that can flip it) is computed with
    the verdict; the alternatives along its other levers are computed when first asked for, since
    an app showing one verdict rarely needs them and a bulk re-check never does.
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
    primary: tuple[Fix, ...] = ()
    reason: str = ""
    alternatives_of: Callable[[], tuple[Fix, ...]] | None = field(default=None, repr=False,
                                                                 compare=False)
    _alternatives: tuple[Fix, ...] | None = field(default=None, repr=False, compare=False)

    @property
    def fixes(self) -> tuple[Fix, ...]:
        """Every fix: the primary one first, then one per other lever that can flip the verdict."""
        if self._alternatives is None:
            self._alternatives = self.alternatives_of() if self.alternatives_of else ()
        return self.primary + self._alternatives

    @property
    def severity(self) -> Severity:
        return self.rule.severity

    @property
    def citations(self) -> tuple[Citation, ...]:
        return self.rule.citations

    @property
    def fix(self) -> Fix | None:
        """The primary fix: the first lever the rule declares that can flip the verdict."""
        if self.primary:
            return self.primary[0]
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
            "measured": _json_number(self.measured),
            "required": _json_number(self.required),
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


def format_number(value: float | bool | None) -> str:
    """Numbers as people read them: 7, 3.5, 12000, 0.333."""
    if value is None:
        return "?"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.4g}" if abs(value) >= 1e-3 else f"{value:.3g}"


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
