"""The typed intermediate representation of rules: what both evaluators are compiled from.

Nodes are immutable and carry their inferred unit, so the evaluators only ever see plain floats,
booleans and strings; unit conversions are explicit `Scale` nodes inserted at load time.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from mcrules.citation_text import reference as citation_reference
from mcrules.rules.schema import FieldSpec
from mcrules.units import conversion_factor, format_unit

ValueType = Literal["number", "bool", "text", "ordinal", "date"]
# The derived facts a pack computes before its rules read them: keys start with these prefixes.
VALUE_PREFIX, OUTCOME_PREFIX, AGGREGATE_PREFIX, DECISION_PREFIX = "value:", "outcome:", "agg:", \
    "decision:"
AS_OF_KEY = "as_of"
OUTCOME_CHOICES = ("pass", "fail", "not_applicable")


class Severity(StrEnum):
    """From the source's verb: shall/must → error; should/recommended → warning; may/can → info."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Expr:
    """Base of expression nodes. `type` is number/bool/text; `unit` is a pint unit for numbers."""

    @property
    def type(self) -> ValueType:  # pragma: no cover - overridden
        raise NotImplementedError

    @property
    def scale(self) -> tuple[str, ...]:
        """For an ordinal value, its labels from lowest to highest; else empty."""
        return ()

    def children(self) -> tuple[Expr, ...]:
        """The sub-expressions, in evaluation order: what `walk` descends into."""
        return ()


@dataclass(frozen=True)
class Const(Expr):
    value: float | bool | str
    unit: Any = None

    @property
    def type(self) -> ValueType:
        if isinstance(self.value, bool):
            return "bool"
        return "text" if isinstance(self.value, str) else "number"


@dataclass(frozen=True)
class OrdinalConst(Expr):
    """A label of an ordinal scale (`'high'` compared with a severity), held as its 0-based rank."""

    rank: float
    labels: tuple[str, ...]

    @property
    def type(self) -> ValueType:
        return "ordinal"

    @property
    def scale(self) -> tuple[str, ...]:
        return self.labels


@dataclass(frozen=True)
class DateConst(Expr):
    """A calendar date (`date('2026-03-14')`), held as its proleptic Gregorian day number."""

    day: float

    @property
    def type(self) -> ValueType:
        return "date"


_KIND_TYPES: dict[str, ValueType] = {"number": "number", "bool": "bool", "ordinal": "ordinal",
                                     "date": "date"}


@dataclass(frozen=True)
class FieldRef(Expr):
    """A field of the subject, or of the current item (`scope == "item"`) in a per-item rule."""

    name: str
    spec: FieldSpec
    scope: Literal["subject", "item"] = "subject"
    unit: Any = None

    @property
    def type(self) -> ValueType:
        return _KIND_TYPES.get(self.spec.kind, "text")

    @property
    def scale(self) -> tuple[str, ...]:
        return self.spec.choices if self.spec.kind == "ordinal" else ()

    @property
    def key(self) -> str:
        """The name the evaluators look the value up by."""
        return f"item.{self.name}" if self.scope == "item" else self.name


@dataclass(frozen=True)
class Derived(FieldRef):
    """A fact the pack computes before its rules read it: a value, another rule's outcome, an
    aggregate over a collection, a decision, or the evaluation date. Read like a field, so both
    evaluators' missing-value logic applies unchanged; `name` is its key (`value:risk.score`)."""

    text: str = ""  # how the rule wrote it, for explanations


@dataclass(frozen=True)
class ParamRef(Expr):
    """A named, cited threshold; its value is bound when the pack is compiled."""

    name: str
    unit: Any = None

    @property
    def type(self) -> ValueType:
        return "number"


@dataclass(frozen=True)
class Member(Expr):
    """`'token' in field` for a set field, or `field in ['a', 'b']` for an enum field."""

    field: FieldRef
    tokens: tuple[str, ...]
    negate: bool = False

    @property
    def type(self) -> ValueType:
        return "bool"

    def children(self) -> tuple[Expr, ...]:
        return (self.field,)


@dataclass(frozen=True)
class Arith(Expr):
    op: Literal["+", "-", "*", "/"]
    left: Expr
    right: Expr
    unit: Any = None
    date: bool = False  # a date moved by a duration in days: the result is a date

    @property
    def type(self) -> ValueType:
        return "date" if self.date else "number"

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)


@dataclass(frozen=True)
class Neg(Expr):
    arg: Expr
    unit: Any = None

    @property
    def type(self) -> ValueType:
        return "number"

    def children(self) -> tuple[Expr, ...]:
        return (self.arg,)


@dataclass(frozen=True)
class Scale(Expr):
    """Multiply by a constant unit-conversion factor, inserted by unit inference."""

    factor: float
    arg: Expr
    unit: Any = None

    @property
    def type(self) -> ValueType:
        return "number"

    def children(self) -> tuple[Expr, ...]:
        return (self.arg,)


@dataclass(frozen=True)
class Call(Expr):
    """A built-in function. `min`/`max` of ordinals or dates keep that type; `rank` is an
    ordinal's 1-based position on its scale, or with more arguments (`rank(x, severity_rank)`,
    parsed to x then one ParamRef per level, lowest first) the number the scale parameter gives
    x's level; `days_between(a, b)` is b - a in days."""

    fn: Literal["ceil", "floor", "min", "max", "abs", "rank", "days_between"]
    args: tuple[Expr, ...]
    unit: Any = None

    @property
    def type(self) -> ValueType:
        if self.fn in ("min", "max"):
            return self.args[0].type
        return "number"

    @property
    def scale(self) -> tuple[str, ...]:
        return self.args[0].scale if self.fn in ("min", "max") else ()

    def children(self) -> tuple[Expr, ...]:
        return self.args


@dataclass(frozen=True)
class Band(Expr):
    """`band(x, [c1, c2], ['low', 'medium', 'high'])`: the label of the interval x falls in;
    below c1 is the first label, from c1 up to c2 the second, from c2 up the last."""

    arg: Expr
    cuts: tuple[Expr, ...]
    labels: tuple[str, ...]

    @property
    def type(self) -> ValueType:
        return "ordinal"

    @property
    def scale(self) -> tuple[str, ...]:
        return self.labels

    def children(self) -> tuple[Expr, ...]:
        return (self.arg, *self.cuts)


@dataclass(frozen=True)
class Compare(Expr):
    op: Literal["<", "<=", ">", ">=", "==", "!="]
    left: Expr
    right: Expr

    @property
    def type(self) -> ValueType:
        return "bool"

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)


@dataclass(frozen=True)
class Logic(Expr):
    op: Literal["and", "or"]
    args: tuple[Expr, ...]

    @property
    def type(self) -> ValueType:
        return "bool"

    def children(self) -> tuple[Expr, ...]:
        return self.args


@dataclass(frozen=True)
class Not(Expr):
    arg: Expr

    @property
    def type(self) -> ValueType:
        return "bool"

    def children(self) -> tuple[Expr, ...]:
        return (self.arg,)


def walk(expr: Expr) -> list[Expr]:
    """Every node of `expr`, depth first."""
    out: list[Expr] = [expr]
    for child in expr.children():
        out.extend(walk(child))
    return out


def derived_keys(expr: Expr | None) -> tuple[str, ...]:
    """The derived facts (values, outcomes, aggregates, decisions, as_of) an expression reads."""
    if expr is None:
        return ()
    seen: dict[str, None] = {}
    for node in walk(expr):
        if isinstance(node, Derived):
            seen.setdefault(node.key, None)
    return tuple(seen)


def field_keys(expr: Expr | None) -> tuple[str, ...]:
    """The field keys an expression reads, in first-use order, without repeats."""
    if expr is None:
        return ()
    seen: dict[str, None] = {}
    for node in walk(expr):
        if isinstance(node, FieldRef):
            seen.setdefault(node.key, None)
    return tuple(seen)


@dataclass(frozen=True)
class Document:
    """A cited source document."""

    id: str
    title: str
    publisher: str = ""
    edition: str = ""
    url: str = ""


@dataclass(frozen=True)
class Citation:
    """Where a rule or number comes from: document, module, section or note, and the quote."""

    document: Document
    quote: str
    module: str = ""
    section: str = ""
    note: str = ""
    verified: bool = True

    def reference(self) -> str:
        """`IOM, Migrant Centres Toolkit Training Manual (2023), Yellow module, Facilitator Note 3.4.3`."""
        return citation_reference(self.as_dict())

    def as_dict(self) -> dict[str, Any]:
        return {
            "document": self.document.title,
            "publisher": self.document.publisher,
            "edition": self.document.edition,
            "module": self.module,
            "section": self.section,
            "note": self.note,
            "quote": self.quote,
            "verified": self.verified,
        }


@dataclass(frozen=True)
class Bound:
    """One end of a parameter's valid range, in the parameter's unit: a value outside it is an
    error wherever it comes from (pack file, variant, `--set`), never a silent nonsense verdict."""

    value: float
    exclusive: bool = False

    def admits(self, value: float, upper: bool) -> bool:
        """Whether `value` lies on the valid side of this bound (`upper` for a maximum)."""
        if upper:
            return value < self.value if self.exclusive else value <= self.value
        return value > self.value if self.exclusive else value >= self.value

    def describe(self, unit: Any, upper: bool) -> str:
        """`> 0 person`, `<= 168 h/week`: the condition a valid value meets, for messages."""
        op = ("<" if upper else ">") + ("" if self.exclusive else "=")
        return f"{op} {self.value:g} {format_unit(unit)}".rstrip()


@dataclass(frozen=True)
class Parameter:
    """A named threshold with its unit and citation; packs and users may override its value.

    A rank scale (a parameter file with `scale:`) is one Parameter per level, named
    `<scale>.<level>` and carrying `scale` and `label`, so a variant, an overlay and `--set`
    reach each number as they reach any parameter; `rank(x, scale)` reads them in level order.

    `value` is the value in force; `dated_values` (ascending, OpenFisca-style) is the schedule it
    was chosen from by date, empty for an undated parameter or once a variant or `--set` fixed it.
    """

    name: str
    value: float
    unit: Any
    unit_text: str
    description: str = ""
    citations: tuple[Citation, ...] = ()
    minimum: Bound | None = None
    maximum: Bound | None = None
    dated_values: tuple[tuple[dt.date, float], ...] = ()
    scale: str = ""   # for one number of a rank scale (`severity_rank.high`): the scale's name
    label: str = ""   # ... and the level it ranks (`high`)

    def bound_violation(self, value: float) -> str | None:
        """What `value` breaks (NaN, an infinity, or a bound), or None if it is a valid value."""
        if not math.isfinite(value):
            return "must be a finite number"
        for bound, upper, what in ((self.minimum, False, "minimum"),
                                   (self.maximum, True, "maximum")):
            if bound is not None and not bound.admits(value, upper):
                return f"must be {bound.describe(self.unit, upper)} (its {what})"
        return None

    def value_on(self, on: dt.date) -> float | None:
        """The dated value in force on `on` (the latest whose date is <= `on`); None if `on` is
        before the first date. An undated parameter's value is in force on every date."""
        if not self.dated_values:
            return self.value
        since = self.in_force_since(on)
        return None if since is None else dict(self.dated_values)[since]

    def in_force_since(self, on: dt.date) -> dt.date | None:
        """The date of the dated value in force on `on`; None if undated or before the first."""
        chosen = None
        for start, _ in self.dated_values:
            if start > on:
                break
            chosen = start
        return chosen

    def text(self, value: float | None = None) -> str:
        """`20 L/person/day`: `value` (default: the value in force) with the parameter's unit."""
        shown = self.value if value is None else value
        return f"{shown:g} {format_unit(self.unit)}".strip()

    def bounds_text(self) -> str:
        """`> 0 person and <= 168 h/week`, or empty when the parameter declares no bounds."""
        parts = [b.describe(self.unit, upper) for b, upper in ((self.minimum, False),
                                                               (self.maximum, True)) if b]
        return " and ".join(parts)


@dataclass(frozen=True)
class Lever:
    """An input whose change can flip a failing verdict: the counterfactual searches along it."""

    field: FieldRef | None
    direction: Literal["increase", "decrease", "set_true"]
    text: str


@dataclass(frozen=True)
class Disagreement:
    """Where sources or modules differ about this rule, and which variant selects the other reading."""

    topic: str
    default: str
    alternative: str
    variant: str = ""


@dataclass(frozen=True)
class Rule:
    """One requirement, compiled from YAML: applicability, check, levers, provenance."""

    id: str
    title: str
    severity: Severity
    subject: str
    check: Expr
    citations: tuple[Citation, ...]
    applies_if: Expr | None = None
    each: str | None = None
    display_unit: Any = None
    levers: tuple[Lever, ...] = ()
    disagreements: tuple[Disagreement, ...] = ()
    description: str = ""
    tags: tuple[str, ...] = ()
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    source: str = ""
    check_text: str = ""
    applies_if_text: str = ""
    params: tuple[str, ...] = field(default=())
    title_template: str = ""
    requirement: str = ""
    """The shared requirement this rule encodes (`water.quantity_per_person`), so that a
    comparison of packs can line up rules whose ids differ; empty when it has no counterpart."""

    @property
    def comparison(self) -> Compare | None:
        """The top-level comparison that gives measured and required values, if the check is one
        (of numbers, ordinal levels or dates)."""
        if isinstance(self.check, Compare) and self.check.left.type in ("number", "ordinal", "date"):
            return self.check
        return None

    def display_scale(self) -> tuple[float, str]:
        """The factor from the compared values' unit to the unit results are shown in, and that
        unit's text: what both evaluators apply to measured and required values."""
        cmp = self.comparison
        if cmp is None or cmp.left.type != "number":
            return 1.0, ""
        left_unit = cmp.left.unit  # type: ignore[attr-defined]
        display = self.display_unit if self.display_unit is not None else left_unit
        return conversion_factor(left_unit, display), format_unit(display)

    def in_force(self, on: dt.date) -> bool:
        """Whether the rule is effective on `on` (from inclusive, to exclusive)."""
        if self.effective_from is not None and on < self.effective_from:
            return False
        return not (self.effective_to is not None and on >= self.effective_to)


AggregateFn = Literal["count", "sum", "min", "max", "any", "all"]


@dataclass(frozen=True)
class Aggregate:
    """`count(threats where severity >= 'high')`, `max(threats.severity)`, `any(members where
    age < 18)`: a reduction over one collection, computed before the rules that read it.

    Three-valued: a missing collection, or an item whose filter or value is missing, makes the
    result missing, except that `any` is true once a known item is, and `all` false once a known
    item is not. `min`/`max` of no item is `default` when given, else missing.
    """

    key: str
    fn: AggregateFn
    collection: str
    arg: Expr | None = None       # the item value (sum/min/max) or condition (any/all)
    where: Expr | None = None     # the item filter
    default: Expr | None = None   # min/max of no item
    text: str = ""


@dataclass(frozen=True)
class ValueDecl:
    """A named, typed, cited derived output of a pack (a score, a band, a count)."""

    id: str
    title: str
    subject: str
    expr: Expr
    citations: tuple[Citation, ...]
    description: str = ""
    display_unit: Any = None
    source: str = ""
    expr_text: str = ""

    @property
    def key(self) -> str:
        return VALUE_PREFIX + self.id

    @property
    def type(self) -> ValueType:
        return self.expr.type

    @property
    def scale(self) -> tuple[str, ...]:
        return self.expr.scale

    def display_scale(self) -> tuple[float, str]:
        """The factor from the value's unit to the unit it is shown in, and that unit's text
        (1 and "" for anything but a number): what reports and bulk output both apply."""
        unit = getattr(self.expr, "unit", None) if self.type == "number" else None
        if unit is None:
            return 1.0, ""
        display = self.display_unit if self.display_unit is not None else unit
        return conversion_factor(unit, display), format_unit(display)


HitPolicy = Literal["unique", "first", "priority", "collect"]


@dataclass(frozen=True)
class Cell:
    """One input's test in one row of a decision table: `-` (any value), a set of labels or
    yes/no, or an interval of numbers or dates (bounds are constants, already in the input's
    unit). `condition` is the same test as IR over the input's expression."""

    input: str
    text: str
    condition: Expr | None = None  # None for `-`
    values: tuple[float | str | bool, ...] = ()   # labels (enum, as text; ordinal, as rank) or bools
    low: float | None = None
    low_closed: bool = True
    high: float | None = None
    high_closed: bool = True


@dataclass(frozen=True)
class DecisionRow:
    """A row of a decision table: its cells, and what it decides with its reasons."""

    number: int          # 1-based, as a reviewer counts them
    cells: tuple[Cell, ...]
    condition: Expr      # the cells joined with `and` (a constant True for a row of `-`)
    output: str
    reasons: tuple[str, ...] = ()
    obligations: tuple[str, ...] = ()
    citations: tuple[Citation, ...] = ()
    line: int | None = None


@dataclass(frozen=True)
class DecisionInput:
    name: str
    expr: Expr
    text: str


@dataclass(frozen=True)
class DecisionTable:
    """A DMN-like table: named inputs, rows of cells, one output per row, a hit policy.

    `outputs` lists the possible decisions from highest priority (most restrictive) to lowest:
    the `priority` policy picks the first, and `on_unknown: most_restrictive` fails closed to it.
    """

    id: str
    title: str
    subject: str
    inputs: tuple[DecisionInput, ...]
    rows: tuple[DecisionRow, ...]
    outputs: tuple[str, ...]
    hit_policy: HitPolicy
    on_unknown: str            # "unknown", "most_restrictive", or one of `outputs`
    citations: tuple[Citation, ...]
    default: DecisionRow | None = None   # used when no row matches
    description: str = ""
    source: str = ""

    @property
    def key(self) -> str:
        return DECISION_PREFIX + self.id


def node_classes() -> tuple[type[Expr], ...]:
    """Every expression node class: the subclasses of `Expr`, transitively, in the order they were
    defined. Derived, not listed, so that a new node cannot be left out of the tables each
    evaluator and the explainer are held to (tests/test_dispatch.py)."""
    out: list[type[Expr]] = []
    todo = list(Expr.__subclasses__())
    while todo:
        cls = todo.pop(0)
        if cls not in out:
            out.append(cls)
            todo.extend(cls.__subclasses__())
    return tuple(out)


NODE_CLASSES: tuple[type[Expr], ...] = node_classes()
"""Every expression node class: each evaluator and the explainer has one handler per class.
Computed last in this module, so every node class defined here is in it."""
