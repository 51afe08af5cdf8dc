"""Decision tables in a pack: named inputs, rows of cells, outputs with reasons and obligations.

A table in a rule file::

    decisions:
      - id: household.support
        title: Support offered to the household
        hit_policy: first                 # unique | first | priority | collect
        on_unknown: most_restrictive      # unknown (default) | most_restrictive | <an output>
        inputs:
          children: any(members where age < 18)
          size: count(members)
        outputs: [priority, standard, none]    # highest priority (most restrictive) first
        rows:
          - when: {children: true, size: ">= 5"}
            decision: priority
            reasons: [a large household with children]
            obligations: [visit within a week]
            citations: [...]
          - decision: standard               # no `when`: every input is `-`
        default: {decision: none, reasons: [no row applies]}   # optional: when no row matches
        citations: [...]

A cell is `-` (any value), `true`/`false`, a label or a list of labels, or for numbers, levels
and dates a comparison (`">= 5"`, `"< high"`, `">= 2026-01-01"`, `"< max_wait"`) or a list of
comparisons that must all hold (`[">= 1", "< 5"]`). Cells become IR like any rule condition, so
both evaluators decide rows with the same three-valued logic. A `unique` table is checked here,
exhaustively over the cells' boundaries: two rows that can both match, or a combination of
inputs no row matches (without a `default`), is a load error naming the rows and the inputs.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mcrules.errors import INVALID_PACK, TABLE_GAP, TABLE_OVERLAP, ExpressionError
from mcrules.located import LocatedDict, LocatedList
from mcrules.rules.context import FileContext, citations
from mcrules.rules.expr import Scope, parse_expression
from mcrules.rules.ir import (
    Cell,
    Compare,
    Const,
    DateConst,
    DecisionInput,
    DecisionRow,
    DecisionTable,
    Expr,
    FieldRef,
    Logic,
    Member,
    OrdinalConst,
    Parameter,
    ParamRef,
    Scale,
)
from mcrules.rules.schema import Schema

if TYPE_CHECKING:
    from mcrules.rules.rule_files import PackEnv

TABLE_KEYS = {"id", "title", "description", "hit_policy", "on_unknown", "inputs", "outputs",
              "rows", "default", "citations"}
ROW_KEYS = {"when", "decision", "reasons", "obligations", "citations"}
HIT_POLICIES = ("unique", "first", "priority", "collect")
MAX_COMBINATIONS = 200_000
_OPS = (">=", "<=", "==", "!=", ">", "<")


def load_table(ctx: FileContext, node: LocatedDict, schema: Schema, env: PackEnv) -> DecisionTable:
    """Parse and check one decision table."""
    did = ctx.text(node, "id")
    outputs: tuple[str, ...] = env.decision_outputs[did]
    policy = ctx.text(node, "hit_policy", did, "unique")
    if policy not in HIT_POLICIES:
        raise ctx.error(f"hit_policy must be one of {', '.join(HIT_POLICIES)}", node,
                        "hit_policy", did)
    on_unknown = ctx.text(node, "on_unknown", did, "unknown")
    if on_unknown not in ("unknown", "most_restrictive", *outputs):
        raise ctx.error("on_unknown must be unknown, most_restrictive or one of the outputs "
                        f"({', '.join(outputs)})", node, "on_unknown", did)
    raw_inputs = node.get("inputs")
    if not isinstance(raw_inputs, LocatedDict) or not raw_inputs:
        raise ctx.error("`inputs` must map each input's name to an expression", node, "inputs", did)
    scope = env.scope(schema)
    inputs: list[DecisionInput] = []
    for name, text in raw_inputs.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ctx.error(f"input name {name!r} must be a plain name", raw_inputs, name, did)
        expr = ctx.expr(raw_inputs, name, scope, f"{did}.{name}")
        if expr.type not in ("number", "bool", "ordinal", "date") and not (
                isinstance(expr, FieldRef) and expr.spec.kind == "enum"):
            raise ctx.error(f"input {name} must be a number, a condition, a level, a date or a "
                            "choice", raw_inputs, name, did)
        inputs.append(DecisionInput(name, expr, str(text)))
    cell_scope = dataclasses.replace(scope, definitions={**scope.definitions,
                                                         **{i.name: i.expr for i in inputs}})
    rows_node = node.get("rows")
    if not isinstance(rows_node, LocatedList) or not rows_node:
        raise ctx.error("`rows` must be a non-empty list", node, "rows", did)
    rows = tuple(_row(ctx, r, n, inputs, outputs, cell_scope, env, did)
                 for n, r in enumerate(rows_node, start=1))
    default = None
    if node.get("default") is not None:
        d = ctx.mapping(node["default"], "default", ROW_KEYS - {"when"}, ("decision",), did)
        default = _row(ctx, d, 0, inputs, outputs, cell_scope, env, did)
    table = DecisionTable(
        id=did, title=ctx.text(node, "title"), subject=schema.subject, inputs=tuple(inputs),
        rows=rows, outputs=outputs, hit_policy=policy, on_unknown=on_unknown,  # type: ignore[arg-type]
        citations=citations(ctx, node.get("citations"), env.documents, did, node, "citations"),
        default=default, description=ctx.text(node, "description"),
        source=f"{ctx.file}:{node.line}")
    if policy == "unique":
        found = check_unique(table, env.params)
        if found:
            code, problem = found
            raise ctx.error(f"decision table {did} (hit policy unique): {problem}", node,
                            "rows", did, code)
    return table


def _row(ctx: FileContext, node: Any, number: int, inputs: Sequence[DecisionInput],
         outputs: Sequence[str], scope: Scope, env: PackEnv, did: str) -> DecisionRow:
    where = f"{did} row {number}" if number else f"{did} default"
    node = ctx.mapping(node, "row", ROW_KEYS, ("decision",), where)
    decision = ctx.text(node, "decision", where)
    if decision not in outputs:
        raise ctx.error(f"decision {decision!r} is not one of the outputs ({', '.join(outputs)})",
                        node, "decision", where)
    when = node.get("when") or LocatedDict()
    if not isinstance(when, LocatedDict):
        raise ctx.error("`when` must map input names to cells", node, "when", where)
    names = [i.name for i in inputs]
    for key in when:
        if key not in names:
            raise ctx.error(f"`when` names no input {key!r} (inputs: {', '.join(names)})",
                            when, key, where)
    cells = []
    for inp in inputs:
        raw = when.get(inp.name, "-")
        try:
            cells.append(_cell(inp, raw, scope, env.params))
        except ExpressionError as exc:
            raise ctx.error(f"cell {inp.name}: {exc.message}", when, inp.name, where) from None
    conds = [c.condition for c in cells if c.condition is not None]
    condition: Expr = Const(True) if not conds else conds[0] if len(conds) == 1 \
        else Logic("and", tuple(conds))
    texts = {}
    for key in ("reasons", "obligations"):
        got = node.get(key) or []
        if not isinstance(got, list) or not all(isinstance(t, str) for t in got):
            raise ctx.error(f"`{key}` must be a list of texts", node, key, where)
        texts[key] = tuple(got)
    cites = citations(ctx, node["citations"], env.documents, where, node, "citations") \
        if node.get("citations") is not None else ()
    return DecisionRow(number, tuple(cells), condition, decision, texts["reasons"],
                       texts["obligations"], cites, node.line)


def _cell(inp: DecisionInput, raw: Any, scope: Scope, params: Mapping[str, Parameter]) -> Cell:
    """One cell as IR and as the set or interval the unique check reasons about."""
    name, kind = inp.name, inp.expr.type
    if raw is None or raw == "-":
        return Cell(name, "-")
    if kind == "bool":
        if not isinstance(raw, bool):
            raise ExpressionError("expected true, false or -")
        return Cell(name, str(raw).lower(), parse_expression(f"{name} == {raw}", scope), (raw,))
    parts = list(raw) if isinstance(raw, list) else [raw]
    if not parts or not all(isinstance(p, str | int | float) and not isinstance(p, bool)
                            for p in parts):
        raise ExpressionError("expected -, a value, a comparison such as '>= 5', or a list")
    texts = [str(p).strip() for p in parts]
    comparisons = [t.startswith(_OPS) for t in texts]
    text = ", ".join(texts)
    if kind in ("number", "date") or (kind == "ordinal" and all(comparisons)):
        if not all(comparisons):
            if kind == "number" and len(texts) == 1:
                texts = [f"== {texts[0]}"]
            else:
                raise ExpressionError("expected comparisons such as '>= 5' or ['>= 1', '< 5']")
        conds = [parse_expression(f"{name} {_quoted(t, kind)}", scope) for t in texts]
        low, low_closed, high, high_closed = None, True, None, True
        for c in conds:
            assert isinstance(c, Compare)
            bound = _constant(c.right, params)
            if c.op in (">", ">="):
                if low is None or bound > low or (bound == low and c.op == ">"):
                    low, low_closed = bound, c.op == ">="
            elif c.op in ("<", "<="):
                if high is None or bound < high or (bound == high and c.op == "<"):
                    high, high_closed = bound, c.op == "<="
            elif c.op == "==":
                low = high = bound
            else:
                raise ExpressionError("`!=` is not a cell; list the values that match instead")
        cond = conds[0] if len(conds) == 1 else Logic("and", tuple(conds))
        return Cell(name, text, cond, (), low, low_closed, high, high_closed)
    if any(comparisons):
        raise ExpressionError("mix of labels and comparisons; write one or the other")
    listed = ", ".join(repr(t) for t in texts)
    cond = parse_expression(f"{name} in [{listed}]", scope)
    if kind == "ordinal":
        values: tuple[float | str | bool, ...] = tuple(
            float(inp.expr.scale.index(t)) for t in texts)
    else:
        values = tuple(texts)
    if isinstance(cond, Member) or kind == "ordinal":
        return Cell(name, text, cond, values)
    raise ExpressionError(f"cannot use {text} as a cell")  # pragma: no cover


def _quoted(test: str, kind: str) -> str:
    """`>= high` -> `>= 'high'` for levels and dates; numbers and parameters stay as written."""
    op = next(o for o in _OPS if test.startswith(o))
    rest = test[len(op):].strip()
    if kind in ("ordinal", "date") and not rest.startswith(("'", '"')):
        rest = repr(rest)
    return f"{op} {rest}"


def _constant(expr: Expr, params: Mapping[str, Parameter]) -> float:
    if isinstance(expr, Scale):
        return expr.factor * _constant(expr.arg, params)
    if isinstance(expr, Const) and isinstance(expr.value, float):
        return expr.value
    if isinstance(expr, OrdinalConst):
        return expr.rank
    if isinstance(expr, DateConst):
        return expr.day
    if isinstance(expr, ParamRef):
        return params[expr.name].value
    raise ExpressionError("a cell compares with a number, a level, a date or a parameter")


# -- the unique check ------------------------------------------------------------------------

def _samples(table: DecisionTable, index: int) -> list[Any]:
    """One value of input `index` per region its cells' boundaries cut the domain into."""
    inp = table.inputs[index]
    kind = inp.expr.type
    if kind == "bool":
        return [True, False]
    if kind == "ordinal":
        return [float(i) for i in range(len(inp.expr.scale))]
    if kind == "text":
        assert isinstance(inp.expr, FieldRef)
        return list(inp.expr.spec.choices)
    bounds = sorted({b for row in table.rows for b in (row.cells[index].low,
                                                        row.cells[index].high) if b is not None})
    if not bounds:
        return [0.0]
    if isinstance(inp.expr, FieldRef) and inp.expr.spec.integer:
        # A whole number: the integers next to each boundary reach every region that has one.
        out = sorted({float(v) for b in bounds
                      for v in (math.floor(b) - 1, math.floor(b), math.ceil(b), math.ceil(b) + 1)})
        return [v for v in out if v >= 0] or [0.0]
    out = [bounds[0] - 1.0]
    for a, b in itertools.pairwise(bounds):
        out += [a, (a + b) / 2]
    out.append(bounds[-1])
    out.append(bounds[-1] + 1.0)
    if _never_negative(inp.expr):
        out = [v for v in out if v >= 0] or [0.0]
    return out


def _never_negative(expr: Expr) -> bool:
    if isinstance(expr, FieldRef):
        return expr.spec.kind == "number" and (expr.spec.integer or not expr.name.startswith("value:"))
    return False


def contains(cell: Cell, value: Any) -> bool:
    """Whether a cell matches one input value (the static view of its condition)."""
    if cell.condition is None:
        return True
    if cell.values:
        return value in cell.values
    if cell.low is not None and (value < cell.low or (value == cell.low and not cell.low_closed)):
        return False
    return not (cell.high is not None and (value > cell.high
                                           or (value == cell.high and not cell.high_closed)))


def _describe(table: DecisionTable, combo: Sequence[Any]) -> str:
    parts = []
    for inp, v in zip(table.inputs, combo, strict=True):
        if inp.expr.type == "ordinal":
            v = inp.expr.scale[int(v)]
        elif isinstance(v, float) and v == int(v):
            v = int(v)
        parts.append(f"{inp.name} = {str(v).lower() if isinstance(v, bool) else v}")
    return ", ".join(parts)


def check_unique(table: DecisionTable, params: Mapping[str, Parameter]) -> tuple[str, str] | None:
    """The first overlap or gap of a `unique` table: its lint code and what it is, in words; None
    when it has neither."""
    samples = [_samples(table, i) for i in range(len(table.inputs))]
    total = 1
    for s in samples:
        total *= len(s)
    if total > MAX_COMBINATIONS:
        return INVALID_PACK, (f"{total} combinations of inputs are too many to check (at most "
                f"{MAX_COMBINATIONS}); split the table or use hit policy first")
    for combo in itertools.product(*samples):
        hits = [row.number for row in table.rows
                if all(contains(c, v) for c, v in zip(row.cells, combo, strict=True))]
        if len(hits) > 1:
            return TABLE_OVERLAP, f"rows {hits[0]} and {hits[1]} overlap, e.g. when {_describe(table, combo)}"
        if not hits and table.default is None:
            return TABLE_GAP, (f"no row matches when {_describe(table, combo)} (a gap; add a row or "
                               "a default)")
    return None
