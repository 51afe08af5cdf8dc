"""The rule expression grammar: a whitelisted subset parsed into typed IR with units checked.

Python's own parser tokenises the text (it executes nothing); every node outside the whitelist is
refused, names must be declared fields, parameters or definitions, and units are inferred so that
litres are never compared with square metres. The result is IR, never code.

Grammar, informally::

    expr    := expr ('and' | 'or') expr | 'not' expr | cmp
    cmp     := arith (('<'|'<='|'>'|'>='|'=='|'!=') arith)?
             | STRING ('in' | 'not in') SETFIELD | ENUMFIELD ('in' | 'not in') '[' STRING, ... ']'
             | ENUMFIELD ('==' | '!=') STRING | ORDINAL ('<'|...|'==') STRING | DATE ('<'|...) DATE
    arith   := arith ('+'|'-'|'*'|'/') arith | '-' arith | NUMBER | 'True' | 'False'
             | NAME ('.' NAME)* | FUNC '(' arith, ... ')' | AGG '(' COLLECTION [ITEMEXPR] [where COND] ')'
             | 'as_of' | "date('2026-03-14')" | "outcome('rule.id')" | "decision('table.id')"
             | band '(' arith ',' '[' arith, ... ']' ',' '[' STRING, ... ']' ')'
    FUNC    := ceil | floor | min | max | abs | rank | days_between
             (`rank(severity)` is the level's 1-based position; `rank(severity, severity_rank)`
             the number the rank scale parameter severity_rank gives it)
    AGG     := count | sum | min | max | any | all     (`sum(members.income)` is short for
                                                        `sum(members, income)`)

Names resolve to definitions, parameters, values, then fields; inside an aggregate, bare names are
the collection's item fields first. `where` is a keyword: `count(threats where severity >= 'high')`.
"""

from __future__ import annotations

import ast
import datetime as dt
import difflib
import io
import tokenize
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mcrules.errors import UNIT_MISMATCH, ExpressionError
from mcrules.limits import MAX_EXPRESSION_CHARS, MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_NODES
from mcrules.rules.ir import (
    AGGREGATE_PREFIX,
    AS_OF_KEY,
    DECISION_PREFIX,
    OUTCOME_CHOICES,
    OUTCOME_PREFIX,
    Aggregate,
    Arith,
    Band,
    Call,
    Compare,
    Const,
    DateConst,
    Derived,
    Expr,
    FieldRef,
    Logic,
    Member,
    Neg,
    Not,
    OrdinalConst,
    Parameter,
    ParamRef,
    Scale,
    ValueDecl,
)
from mcrules.rules.schema import Collection, FieldSpec, Schema
from mcrules.units import conversion_factor, format_unit, ureg
from mcrules.units.registry import describe_dimension

DIMENSIONLESS = ureg.dimensionless
_CMP = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
_ARITH = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
FUNCTIONS = ("ceil", "floor", "min", "max", "abs", "rank", "days_between", "band", "date",
             "outcome", "decision", "count", "sum", "any", "all")
AGGREGATES = ("count", "sum", "min", "max", "any", "all")
RESERVED = ("as_of", "where", "item")
DAY = ureg.day


@dataclass
class Scope:
    """What names mean while parsing one expression.

    `values` resolves a value's name to its declaration (parsing it on first use, which is where
    cycles are caught); `rule_ids` and `decisions` are the ids `outcome()` and `decision()` may
    name; `aggregates` collects every aggregate the pack's expressions use, by key, so each is
    computed once per subject.
    """

    schema: Schema
    params: Mapping[str, Parameter]
    definitions: Mapping[str, Expr] = field(default_factory=dict)
    item: Collection | None = None
    used_params: set[str] = field(default_factory=set)
    values: Callable[[str], ValueDecl | None] | None = None
    value_names: tuple[str, ...] = ()
    rule_ids: frozenset[str] = frozenset()
    decisions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    aggregates: dict[str, Aggregate] = field(default_factory=dict)
    agg_item: Collection | None = None  # inside an aggregate: its collection

    def known_names(self) -> list[str]:
        names = [*self.schema.fields, *self.params, *self.definitions, *self.value_names]
        if self.item is not None:
            names += [f"item.{n}" for n in self.item.fields]
        if self.agg_item is not None:
            names += list(self.agg_item.fields)
        return names


def parse_expression(text: str, scope: Scope) -> Expr:
    """Parse `text` into typed IR, or raise ExpressionError saying what is wrong and where."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("expected a non-empty expression")
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ExpressionError(f"an expression is at most {MAX_EXPRESSION_CHARS:,} characters, "
                              f"got {len(text):,}")
    source = _where_as_keyword(text.strip())
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error at column {exc.offset}: {exc.msg}") from None
    except (RecursionError, MemoryError, ValueError):
        # Python's own parser on 2,000 characters nested too deep ("too many nested parentheses")
        raise ExpressionError(f"nested more than {MAX_EXPRESSION_DEPTH} operators deep") from None
    _check_size(tree.body)
    return _Parser(scope, text).node(tree.body)


def _check_size(root: ast.AST) -> None:
    """Refuse a tree of more than `MAX_EXPRESSION_NODES` nodes or `MAX_EXPRESSION_DEPTH` levels,
    walked without recursion before the (recursive) parser sees it."""
    stack: list[tuple[ast.AST, int]] = [(root, 1)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_EXPRESSION_NODES:
            raise ExpressionError(f"an expression has at most {MAX_EXPRESSION_NODES} terms and "
                                  "operators")
        if depth > MAX_EXPRESSION_DEPTH:
            raise ExpressionError(f"an expression nests at most {MAX_EXPRESSION_DEPTH} operators "
                                  "deep")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node)
                     if not isinstance(child, ast.expr_context | ast.operator | ast.boolop
                                       | ast.cmpop | ast.unaryop))


def _where_as_keyword(text: str) -> str:
    """`count(threats where x)` -> `count(threats, where=x)`: the `where` of an aggregate becomes
    a keyword argument, found by Python's tokenizer so that a quoted 'where' is left alone."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return text  # ast.parse reports the error
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    out, last = [], 0
    for tok in tokens:
        if tok.type == tokenize.NAME and tok.string == "where":
            begin = starts[tok.start[0] - 1] + tok.start[1]
            out += [text[last:begin], ", where="]
            last = begin + len("where")
    out.append(text[last:])
    return "".join(out)


def _unit_text(unit: Any) -> str:
    return format_unit(unit) or "a plain number"


class _Parser:
    def __init__(self, scope: Scope, text: str) -> None:
        self.scope = scope
        self.text = text

    def fail(self, node: ast.AST, message: str, code: str | None = None) -> ExpressionError:
        col = getattr(node, "col_offset", None)
        where = f" (column {col + 1})" if col is not None else ""
        return ExpressionError(f"{message}{where} in `{self.text.strip()}`", code=code)

    # -- names -------------------------------------------------------------------------------
    def dotted(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute):
            base = self.dotted(node.value)
            return None if base is None else f"{base}.{node.attr}"
        return None

    def resolve(self, name: str, node: ast.AST) -> Expr:
        sc = self.scope
        if sc.agg_item is not None:
            spec = sc.agg_item.fields.get(name[5:] if name.startswith("item.") else name)
            if spec is not None:
                return FieldRef(spec.name, spec, "item", _field_unit(spec))
            if name.startswith("item."):
                raise self.fail(node, f"unknown field `{name}` of {sc.agg_item.name}"
                                      f"{self.hint(name)}")
        if name == AS_OF_KEY:
            return Derived(AS_OF_KEY, FieldSpec(AS_OF_KEY, "date", unit="day"), text=AS_OF_KEY)
        if name.startswith("item."):
            if sc.item is None:
                raise self.fail(node, f"`{name}` is only allowed in a rule with `each:`")
            spec = sc.item.fields.get(name[5:])
            if spec is None:
                raise self.fail(node, f"unknown field `{name}` of {sc.item.name}{self.hint(name)}")
            return FieldRef(name[5:], spec, "item", _field_unit(spec))
        if name in sc.definitions:
            return sc.definitions[name]
        if name in sc.params:
            sc.used_params.add(name)
            return ParamRef(name, sc.params[name].unit)
        value = sc.values(name) if sc.values is not None else None
        if value is not None:
            return _value_ref(value)
        spec = sc.schema.fields.get(name)
        if spec is None:
            raise self.fail(node, f"unknown name `{name}`{self.hint(name)}")
        return FieldRef(name, spec, "subject", _field_unit(spec))

    def hint(self, name: str) -> str:
        close = difflib.get_close_matches(name, self.scope.known_names(), n=3, cutoff=0.6)
        return f"; did you mean {', '.join(f'`{c}`' for c in close)}?" if close else ""

    # -- nodes -------------------------------------------------------------------------------
    def node(self, node: ast.AST) -> Expr:
        if isinstance(node, ast.BoolOp):
            args = tuple(self.boolean(v) for v in node.values)
            return Logic("and", args) if isinstance(node.op, ast.And) else Logic("or", args)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                return Not(self.boolean(node.operand))
            if isinstance(node.op, ast.USub):
                arg = self.number(node.operand)
                if isinstance(arg, Const) and isinstance(arg.value, float):
                    return Const(-arg.value, arg.unit)
                return Neg(arg, arg.unit)  # type: ignore[attr-defined]
            raise self.fail(node, "only `not` and unary `-` are allowed")
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.BinOp):
            return self.arith(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool):
                return Const(value)
            if isinstance(value, int | float):
                return Const(float(value), DIMENSIONLESS)
            if isinstance(value, str):
                return Const(value)
            raise self.fail(node, f"constant {value!r} is not allowed")
        name = self.dotted(node)
        if name is not None:
            return self.resolve(name, node)
        raise self.fail(node, f"`{ast.unparse(node)}` is not part of the rule grammar")

    def boolean(self, node: ast.AST) -> Expr:
        out = self.node(node)
        if out.type != "bool":
            raise self.fail(node, f"`{ast.unparse(node)}` is {_describe_type(out)}, a condition is "
                                  "needed")
        return out

    def number(self, node: ast.AST) -> Expr:
        out = self.node(node)
        if out.type != "number":
            raise self.fail(node, f"`{ast.unparse(node)}` is {_describe_type(out)}, a number is needed")
        return out

    def arith(self, node: ast.BinOp) -> Expr:
        op = _ARITH.get(type(node.op))
        if op is None:
            raise self.fail(node, f"operator `{ast.unparse(node)}` is not allowed; use + - * /")
        left, right = self.node(node.left), self.node(node.right)
        if left.type == "date" or right.type == "date":
            return self.date_arith(node, op, left, right)
        left, right = self.number_of(node.left, left), self.number_of(node.right, right)
        lu, ru = _unit(left), _unit(right)
        if op in "+-":
            right = self.unify(node, left, right)
            return Arith(op, left, right, _unit(left))  # type: ignore[arg-type]
        unit = lu * ru if op == "*" else lu / ru
        return Arith(op, left, right, unit)  # type: ignore[arg-type]

    def date_arith(self, node: ast.BinOp, op: str, left: Expr, right: Expr) -> Expr:
        """date - date is a duration in days; date ± duration is a date; nothing else is."""
        if op == "-" and left.type == "date" and right.type == "date":
            return Arith("-", left, right, DAY)
        if op in "+-" and left.type == "date" and right.type == "number":
            return Arith(op, left, self.in_days(node.right, right), DAY, date=True)  # type: ignore[arg-type]
        if op == "+" and right.type == "date" and left.type == "number":
            return Arith("+", right, self.in_days(node.left, left), DAY, date=True)
        raise self.fail(node, "a date can only be moved by a duration (date + 30 day) or "
                              "subtracted from another date")

    def in_days(self, node: ast.AST, value: Expr) -> Expr:
        unit = _unit(value)
        if unit == DIMENSIONLESS or (1 * unit).dimensionality != (1 * DAY).dimensionality:
            raise self.fail(node, f"`{ast.unparse(node)}` must be a duration with a time unit "
                                  "(a parameter such as `30 day`)", UNIT_MISMATCH)
        return value if unit == DAY else Scale(conversion_factor(unit, DAY), value, DAY)

    def call(self, node: ast.Call) -> Expr:
        fn = node.func.id if isinstance(node.func, ast.Name) else None
        if fn not in FUNCTIONS:
            raise self.fail(node, f"function `{ast.unparse(node.func)}` is not allowed; "
                                  f"use one of {', '.join(FUNCTIONS)}")
        assert fn is not None
        if fn in AGGREGATES and self.is_aggregate(node):
            return self.aggregate(node, fn)
        keywords = {k.arg for k in node.keywords}
        if keywords:
            raise self.fail(node, f"{fn}() takes no keyword argument `{sorted(map(str, keywords))[0]}`"
                                  " (only aggregates over a collection take `where` and `default`)")
        if fn in ("date", "outcome", "decision"):
            return self.literal_call(node, fn)
        if fn == "band":
            return self.band(node)
        if fn in ("count", "sum", "any", "all"):
            raise self.fail(node, f"{fn}() needs a collection first, e.g. "
                                  f"{fn}({next(iter(self.scope.schema.collections), 'items')} ...)")
        if fn == "rank":
            return self.rank(node)
        args = [self.node(a) for a in node.args]
        if fn == "days_between":
            if len(args) != 2 or any(a.type != "date" for a in args):
                raise self.fail(node, "days_between() takes two dates: days_between(from, to)")
            return Call("days_between", (args[0], args[1]), DAY)
        if fn in ("ceil", "floor", "abs") and len(args) != 1:
            raise self.fail(node, f"{fn}() takes one argument")
        if fn in ("min", "max") and len(args) < 2:
            raise self.fail(node, f"{fn}() takes two or more arguments, or one collection path "
                                  f"such as {fn}(threats.severity)")
        if fn in ("min", "max"):
            first = args[0]
            if first.type in ("ordinal", "date"):
                for a, n in zip(args[1:], node.args[1:], strict=True):
                    self.same_type(n, first, a)
                coerced = tuple(self.coerce(node.args[i], first, a) for i, a in enumerate(args))
                return Call(fn, coerced, None)  # type: ignore[arg-type]
            args = [self.number_of(node.args[i], a) for i, a in enumerate(args)]
            rest = [self.unify(node, first, a) for a in args[1:]]
            return Call(fn, (first, *rest), _unit(first))  # type: ignore[arg-type]
        args = [self.number_of(node.args[i], a) for i, a in enumerate(args)]
        if fn in ("ceil", "floor"):
            arg = self.to_dimensionless(node, args[0])
            return Call(fn, (arg,), DIMENSIONLESS)  # type: ignore[arg-type]
        return Call("abs", (args[0],), _unit(args[0]))

    def rank(self, node: ast.Call) -> Expr:
        """`rank(x)`: x's 1-based position on its scale. `rank(x, scale)`: the number the rank
        scale parameter `scale` gives x's level; the scale must rank every level of x's scale,
        in x's order, and nothing else, so a scale written for another enumeration is refused."""
        usage = ("rank() takes one ordinal value and optionally a scale parameter: "
                 "rank(severity) or rank(severity, severity_rank)")
        if not 1 <= len(node.args) <= 2:
            raise self.fail(node, usage)
        arg = self.node(node.args[0])
        if arg.type != "ordinal":
            raise self.fail(node, usage)
        if len(node.args) == 1:
            return Call("rank", (arg,), DIMENSIONLESS)
        name = self.dotted(node.args[1]) or ast.unparse(node.args[1])
        levels = [p for p in self.scope.params.values() if p.scale == name]
        if not levels:
            scales = sorted({p.scale for p in self.scope.params.values() if p.scale})
            raise self.fail(node, f"`{name}` is not a scale parameter (a parameter file with "
                                  f"`scale:`); known scales: {', '.join(scales) or 'none'}")
        labels = tuple(p.label for p in levels)
        if labels != arg.scale:
            missing = [lab for lab in arg.scale if lab not in labels]
            extra = [lab for lab in labels if lab not in arg.scale]
            detail = "; ".join(part for part in (
                f"it has no number for {', '.join(missing)}" if missing else "",
                f"{', '.join(extra)} is not a level of it" if extra else "",
                "" if missing or extra else "its levels are in another order") if part)
            raise self.fail(node, f"scale {name} ranks {' < '.join(labels)}, but "
                                  f"`{ast.unparse(node.args[0])}` is a level of "
                                  f"{' < '.join(arg.scale)}: {detail}")
        self.scope.used_params.update(p.name for p in levels)
        refs = tuple(ParamRef(p.name, p.unit) for p in levels)
        return Call("rank", (arg, *refs), levels[0].unit)

    def number_of(self, node: ast.AST, out: Expr) -> Expr:
        if out.type != "number":
            raise self.fail(node, f"`{ast.unparse(node)}` is {_describe_type(out)}, a number is needed")
        return out

    def same_type(self, node: ast.AST, first: Expr, other: Expr) -> None:
        if other.type == "text" and isinstance(other, Const):
            return
        if other.type != first.type or (first.type == "ordinal" and other.scale != first.scale):
            raise self.fail(node, f"cannot combine {_describe_type(first)} with "
                                  f"{_describe_type(other)}", UNIT_MISMATCH)

    def coerce(self, node: ast.AST, like: Expr, value: Expr) -> Expr:
        """A quoted label or date written where an ordinal or a date is expected becomes one."""
        if not (isinstance(value, Const) and isinstance(value.value, str)):
            return value
        if like.type == "ordinal":
            return self.label(node, like.scale, value.value)
        if like.type == "date":
            return DateConst(self.day(node, value.value))
        return value

    def label(self, node: ast.AST, scale: tuple[str, ...], text: str) -> OrdinalConst:
        if text not in scale:
            close = difflib.get_close_matches(text, scale, n=2)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise self.fail(node, f"{text!r} is not a level of the scale {' < '.join(scale)}{hint}")
        return OrdinalConst(float(scale.index(text)), scale)

    def day(self, node: ast.AST, text: str) -> float:
        try:
            return float(dt.date.fromisoformat(text).toordinal())
        except ValueError:
            raise self.fail(node, f"{text!r} is not a date like 2026-03-14") from None

    def literal_call(self, node: ast.Call, fn: str) -> Expr:
        if len(node.args) != 1 or not (isinstance(node.args[0], ast.Constant)
                                       and isinstance(node.args[0].value, str)):
            raise self.fail(node, f"{fn}() takes one quoted text, e.g. {fn}('...')")
        text = str(node.args[0].value)
        sc = self.scope
        if fn == "date":
            return DateConst(self.day(node, text))
        if fn == "outcome":
            if text not in sc.rule_ids:
                close = difflib.get_close_matches(text, sorted(sc.rule_ids), n=3)
                hint = f"; did you mean {', '.join(close)}?" if close else ""
                raise self.fail(node, f"outcome() names no rule of this pack: {text!r}{hint}")
            key = OUTCOME_PREFIX + text
            return Derived(key, FieldSpec(key, "enum", choices=OUTCOME_CHOICES),
                           text=f"outcome('{text}')")
        outputs = sc.decisions.get(text)
        if outputs is None:
            raise self.fail(node, f"decision() names no decision table of this pack: {text!r} "
                                  f"(known: {', '.join(sorted(sc.decisions)) or 'none'})")
        key = DECISION_PREFIX + text
        return Derived(key, FieldSpec(key, "enum", choices=outputs), text=f"decision('{text}')")

    def band(self, node: ast.Call) -> Expr:
        if len(node.args) != 3 or not isinstance(node.args[1], ast.List | ast.Tuple) \
                or not isinstance(node.args[2], ast.List | ast.Tuple):
            raise self.fail(node, "band() takes a number, a list of cut points and a list of "
                                  "labels: band(score, [2, 6], ['low', 'medium', 'high'])")
        arg = self.number(node.args[0])
        cut_nodes = node.args[1].elts
        cuts = tuple(self.unify(node, arg, self.number(c)) for c in cut_nodes)
        for c, n in zip(cuts, cut_nodes, strict=True):
            inner = c.arg if isinstance(c, Scale) else c
            if not isinstance(inner, Const | ParamRef):
                raise self.fail(n, "a cut point must be a number or a parameter")
        label_nodes = node.args[2].elts
        if not all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in label_nodes):
            raise self.fail(node, "band() labels must be quoted texts")
        labels = tuple(str(e.value) for e in label_nodes)  # type: ignore[attr-defined]
        if len(labels) != len(cuts) + 1 or len(set(labels)) != len(labels) or not cuts:
            raise self.fail(node, f"band() needs one label more than cut points, all different "
                                  f"(got {len(cuts)} cut points and {len(labels)} labels)")
        values = [c.value for c in cuts if isinstance(c, Const)]
        if values != sorted(values):
            raise self.fail(node, "band() cut points must be in ascending order")
        return Band(arg, cuts, labels)

    # -- aggregates --------------------------------------------------------------------------
    def collection_of(self, node: ast.AST) -> tuple[Collection, str | None] | None:
        """(collection, item field) when `node` names a collection or a field of its items."""
        name = self.dotted(node)
        if name is None:
            return None
        colls = self.scope.schema.collections
        if name in colls:
            return colls[name], None
        for cname in sorted(colls, key=len, reverse=True):
            if name.startswith(cname + "."):
                return colls[cname], name[len(cname) + 1:]
        return None

    def is_aggregate(self, node: ast.Call) -> bool:
        if not node.args:
            return False
        return self.collection_of(node.args[0]) is not None or \
            any(k.arg in ("where", "default") for k in node.keywords)

    def aggregate(self, node: ast.Call, fn: str) -> Expr:
        sc = self.scope
        if sc.agg_item is not None:
            raise self.fail(node, "an aggregate cannot be nested inside another aggregate's "
                                  "item expression; name the inner one as a value")
        found = self.collection_of(node.args[0])
        if found is None:
            raise self.fail(node, f"{fn}() needs a collection first (known: "
                                  f"{', '.join(sc.schema.collections) or 'none'})")
        coll, item_field = found
        if item_field is not None and item_field not in coll.fields:
            raise self.fail(node, f"unknown field `{item_field}` of {coll.name}"
                                  f"{_hint(item_field, list(coll.fields))}")
        kw = {str(k.arg): k.value for k in node.keywords}
        unknown = sorted(k for k in kw if k not in ("where", "default"))
        if unknown:
            raise self.fail(node, f"{fn}() takes no keyword `{unknown[0]}`; use `where` or `default`")
        inner = Scope(sc.schema, sc.params, sc.definitions, None, sc.used_params, sc.values,
                      sc.value_names, sc.rule_ids, sc.decisions, sc.aggregates, coll)
        sub = _Parser(inner, self.text)
        extra = node.args[1:]
        if len(extra) > 1 or (extra and item_field is not None):
            raise self.fail(node, f"{fn}() takes a collection and one item expression, e.g. "
                                  f"{fn}({coll.name}, <expression>) or {fn}({coll.name}.<field>)")
        arg_node: ast.AST | None = extra[0] if extra else None
        arg: Expr | None
        if item_field is not None:
            spec = coll.fields[item_field]
            arg = FieldRef(item_field, spec, "item", _field_unit(spec))
        else:
            arg = sub.node(arg_node) if arg_node is not None else None
        where = sub.boolean(kw["where"]) if "where" in kw else None
        default = None
        if fn == "count":
            if arg is not None:
                raise self.fail(node, "count() counts items: count(members) or "
                                      "count(members where age < 18)")
            unit: Any = DIMENSIONLESS
            out_spec = FieldSpec("", "number", integer=True)
        elif fn in ("any", "all"):
            if arg is None and where is not None:
                arg, where = where, None
            if arg is None or arg.type != "bool":
                raise self.fail(node, f"{fn}() needs a condition on the items: "
                                      f"{fn}({coll.name} where <condition>)")
            unit, out_spec = None, FieldSpec("", "bool")
        else:
            if arg is None:
                raise self.fail(node, f"{fn}() needs an item value: {fn}({coll.name}.<field>)")
            allowed = ("number",) if fn == "sum" else ("number", "ordinal", "date")
            if arg.type not in allowed:
                raise self.fail(node, f"{fn}() of {_describe_type(arg)} is not defined")
            unit = _unit(arg) if arg.type == "number" else None
            kind = arg.type
            out_spec = FieldSpec("", kind, choices=arg.scale,
                                 unit="day" if kind == "date" else "dimensionless")
            if "default" in kw:
                if fn == "sum":
                    raise self.fail(node, "sum() of no item is 0; it takes no default")
                default = self.coerce(kw["default"], arg, self.node(kw["default"]))
                if default.type != arg.type or (arg.type == "ordinal"
                                                and default.scale != arg.scale):
                    raise self.fail(node, f"the default of {fn}() must be {_describe_type(arg)}")
                if arg.type == "number":
                    default = self.unify(node, arg, default)
        if "default" in kw and default is None:
            raise self.fail(node, f"{fn}() takes no default (only min and max do)")
        text = ast.unparse(node).replace(", where=", " where ")
        key = AGGREGATE_PREFIX + text
        agg = Aggregate(key, fn, coll.name, arg, where, default, text)  # type: ignore[arg-type]
        known = sc.aggregates.get(key)
        if known is not None and known != agg:
            raise self.fail(node, f"`{text}` means two different things in this pack")
        sc.aggregates[key] = agg
        spec = FieldSpec(key, out_spec.kind, out_spec.unit, out_spec.integer, out_spec.choices)
        return Derived(key, spec, "subject", unit, text=text)

    def to_dimensionless(self, node: ast.AST, arg: Expr) -> Expr:
        unit = _unit(arg)
        if unit == DIMENSIONLESS:
            return arg
        if (1 * unit).dimensionality != DIMENSIONLESS.dimensionality:
            raise self.fail(node, f"`{ast.unparse(node)}` needs a plain number but its argument is "
                                  f"in {_unit_text(unit)}; divide by a parameter with that unit",
                            UNIT_MISMATCH)
        return Scale(conversion_factor(unit, DIMENSIONLESS), arg, DIMENSIONLESS)

    def unify(self, node: ast.AST, left: Expr, right: Expr) -> Expr:
        """Return `right` expressed in `left`'s unit, or raise if their dimensions differ."""
        lu, ru = _unit(left), _unit(right)
        if lu == ru:
            return right
        if isinstance(right, Const) and right.value == 0.0:
            return Const(0.0, lu)
        if isinstance(left, Const) and left.value == 0.0:
            return right
        bare = (isinstance(right, Const) and ru == DIMENSIONLESS) or (
            isinstance(left, Const) and lu == DIMENSIONLESS)
        if bare:
            raise self.fail(node, f"a bare number is compared with a value in "
                                  f"{_unit_text(lu if ru == DIMENSIONLESS else ru)}; "
                                  "write the threshold as a parameter with its unit", UNIT_MISMATCH)
        if (1 * lu).dimensionality != (1 * ru).dimensionality:
            raise self.fail(node, f"cannot combine {_describe(lu)} with {_describe(ru)}",
                            UNIT_MISMATCH)
        return Scale(conversion_factor(ru, lu), right, lu)

    def compare(self, node: ast.Compare) -> Expr:
        if len(node.ops) != 1:
            raise self.fail(node, "chained comparisons are not allowed; join them with `and`")
        op, lnode, rnode = node.ops[0], node.left, node.comparators[0]
        if isinstance(op, ast.In | ast.NotIn):
            return self.membership(node, lnode, rnode, negate=isinstance(op, ast.NotIn))
        sym = _CMP.get(type(op))
        if sym is None:
            raise self.fail(node, f"comparison `{ast.unparse(node)}` is not allowed")
        left, right = self.node(lnode), self.node(rnode)
        if left.type in ("ordinal", "date") or right.type in ("ordinal", "date"):
            return self.ordered_compare(node, sym, left, right)
        if left.type == "text" or right.type == "text":
            return self.enum_equality(node, left, right, sym)
        if left.type != right.type:
            raise self.fail(node, f"cannot compare a {left.type} with a {right.type}")
        if left.type == "bool":
            if sym not in ("==", "!="):
                raise self.fail(node, "conditions can only be compared with == or !=")
            return Compare(sym, left, right)  # type: ignore[arg-type]
        return Compare(sym, left, self.unify(node, left, right))  # type: ignore[arg-type]

    def ordered_compare(self, node: ast.AST, sym: str, left: Expr, right: Expr) -> Expr:
        """Ordinal levels compare by rank on one scale, dates by day; a quoted label or ISO date
        on either side is read as one."""
        typed = left if left.type in ("ordinal", "date") else right
        left, right = self.coerce(node, typed, left), self.coerce(node, typed, right)
        self.same_type(node, typed, left)
        self.same_type(node, typed, right)
        return Compare(sym, left, right)  # type: ignore[arg-type]

    def enum_equality(self, node: ast.AST, left: Expr, right: Expr, sym: str) -> Expr:
        if sym not in ("==", "!="):
            raise self.fail(node, "text can only be compared with == or !=")
        ref, const = (left, right) if isinstance(left, FieldRef) else (right, left)
        if not (isinstance(ref, FieldRef) and ref.spec.kind == "enum" and isinstance(const, Const)
                and isinstance(const.value, str)):
            raise self.fail(node, "compare an enum field with a quoted value, e.g. setting == 'camp'")
        self.check_tokens(node, ref, (const.value,))
        return Member(ref, (const.value,), negate=sym == "!=")

    def membership(self, node: ast.AST, lnode: ast.AST, rnode: ast.AST, *, negate: bool) -> Expr:
        if isinstance(lnode, ast.Constant) and isinstance(lnode.value, str):
            ref = self.node(rnode)
            if not (isinstance(ref, FieldRef) and ref.spec.kind == "set"):
                raise self.fail(node, f"`{ast.unparse(rnode)}` is not a list field")
            self.check_tokens(node, ref, (lnode.value,))
            return Member(ref, (lnode.value,), negate)
        ref = self.node(lnode)
        if ref.type == "ordinal" and isinstance(rnode, ast.List | ast.Tuple) and rnode.elts:
            parts = [Compare("==", ref, self.coerce(node, ref, self.node(e))) for e in rnode.elts]
            for part in parts:
                self.same_type(node, ref, part.right)
            either: Expr = parts[0] if len(parts) == 1 else Logic("or", tuple(parts))
            return Not(either) if negate else either
        if not (isinstance(ref, FieldRef) and ref.spec.kind == "enum"):
            raise self.fail(node, "use `'value' in list_field` or `enum_field in ['a', 'b']`")
        if not isinstance(rnode, ast.List | ast.Tuple) or not all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in rnode.elts):
            raise self.fail(node, "the right side of `in` must be a list of quoted values")
        tokens = tuple(str(e.value) for e in rnode.elts)  # type: ignore[attr-defined]
        self.check_tokens(node, ref, tokens)
        return Member(ref, tokens, negate)

    def check_tokens(self, node: ast.AST, ref: FieldRef, tokens: tuple[str, ...]) -> None:
        for token in tokens:
            if token not in ref.spec.choices:
                close = difflib.get_close_matches(token, ref.spec.choices, n=2)
                hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
                raise self.fail(node, f"{token!r} is not a value of `{ref.key}`{hint} "
                                      f"(allowed: {', '.join(ref.spec.choices)})")


def _value_ref(value: ValueDecl) -> Derived:
    """How a rule reads a value: like a field of its type, under the value's key."""
    kind = value.type if value.type != "text" else "enum"
    unit = value.expr.unit if value.type == "number" else None  # type: ignore[attr-defined]
    choices = value.scale
    if kind == "enum" and isinstance(value.expr, FieldRef):
        choices = value.expr.spec.choices
    spec = FieldSpec(value.key, kind, choices=choices)
    return Derived(value.key, spec, "subject", unit or (DIMENSIONLESS if kind == "number" else None),
                   text=value.id)


def _describe_type(expr: Expr) -> str:
    if expr.type == "ordinal":
        return f"a level of {' < '.join(expr.scale)}"
    return {"date": "a date", "bool": "a condition", "text": "text"}.get(expr.type, "a number")


def _hint(name: str, names: list[str]) -> str:
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    return f"; did you mean {', '.join(f'`{c}`' for c in close)}?" if close else ""


def _describe(unit: Any) -> str:
    dim, text = describe_dimension(unit), format_unit(unit)
    return f"{dim} ({text})" if text and not dim.startswith("[") else (text or dim)


def _field_unit(spec: Any) -> Any:
    from mcrules.units import parse_unit

    return parse_unit(spec.unit) if spec.kind == "number" else None


def _unit(expr: Expr) -> Any:
    return getattr(expr, "unit", None) or DIMENSIONLESS

