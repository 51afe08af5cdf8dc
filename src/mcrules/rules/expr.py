"""The rule expression grammar: a whitelisted subset parsed into typed IR with units checked.

Python's own parser tokenises the text (it executes nothing); every node outside the whitelist is
refused, names must be declared fields, parameters or definitions, and units are inferred so that
litres are never compared with square metres. The result is IR, never code.

Grammar, informally::

    expr    := expr ('and' | 'or') expr | 'not' expr | cmp
    cmp     := arith (('<'|'<='|'>'|'>='|'=='|'!=') arith)?
             | STRING ('in' | 'not in') SETFIELD | ENUMFIELD ('in' | 'not in') '[' STRING, ... ']'
             | ENUMFIELD ('==' | '!=') STRING
    arith   := arith ('+'|'-'|'*'|'/') arith | '-' arith | NUMBER | 'True' | 'False'
             | NAME ('.' NAME)* | FUNC '(' arith, ... ')'      FUNC := ceil | floor | min | max | abs
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mcrules.errors import ExpressionError
from mcrules.rules.ir import (
    Arith,
    Call,
    Compare,
    Const,
    Expr,
    FieldRef,
    Logic,
    Member,
    Neg,
    Not,
    Parameter,
    ParamRef,
    Scale,
)
from mcrules.rules.schema import Collection, Schema
from mcrules.units import conversion_factor, format_unit, ureg
from mcrules.units.registry import describe_dimension

DIMENSIONLESS = ureg.dimensionless
_CMP = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
_ARITH = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
FUNCTIONS = ("ceil", "floor", "min", "max", "abs")


@dataclass
class Scope:
    """What names mean while parsing one expression."""

    schema: Schema
    params: Mapping[str, Parameter]
    definitions: Mapping[str, Expr] = field(default_factory=dict)
    item: Collection | None = None
    used_params: set[str] = field(default_factory=set)

    def known_names(self) -> list[str]:
        names = [*self.schema.fields, *self.params, *self.definitions]
        if self.item is not None:
            names += [f"item.{n}" for n in self.item.fields]
        return names


def parse_expression(text: str, scope: Scope) -> Expr:
    """Parse `text` into typed IR, or raise ExpressionError saying what is wrong and where."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("expected a non-empty expression")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error at column {exc.offset}: {exc.msg}") from None
    return _Parser(scope, text).node(tree.body)


def _unit_text(unit: Any) -> str:
    return format_unit(unit) or "a plain number"


class _Parser:
    def __init__(self, scope: Scope, text: str) -> None:
        self.scope = scope
        self.text = text

    def fail(self, node: ast.AST, message: str) -> ExpressionError:
        col = getattr(node, "col_offset", None)
        where = f" (column {col + 1})" if col is not None else ""
        return ExpressionError(f"{message}{where} in `{self.text.strip()}`")

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
            raise self.fail(node, f"`{ast.unparse(node)}` is a {out.type}, a condition is needed")
        return out

    def number(self, node: ast.AST) -> Expr:
        out = self.node(node)
        if out.type != "number":
            raise self.fail(node, f"`{ast.unparse(node)}` is a {out.type}, a number is needed")
        return out

    def arith(self, node: ast.BinOp) -> Expr:
        op = _ARITH.get(type(node.op))
        if op is None:
            raise self.fail(node, f"operator `{ast.unparse(node)}` is not allowed; use + - * /")
        left, right = self.number(node.left), self.number(node.right)
        lu, ru = _unit(left), _unit(right)
        if op in "+-":
            right = self.unify(node, left, right)
            return Arith(op, left, right, _unit(left))  # type: ignore[arg-type]
        unit = lu * ru if op == "*" else lu / ru
        return Arith(op, left, right, unit)  # type: ignore[arg-type]

    def call(self, node: ast.Call) -> Expr:
        fn = node.func.id if isinstance(node.func, ast.Name) else None
        if fn not in FUNCTIONS or node.keywords:
            raise self.fail(node, f"function `{ast.unparse(node.func)}` is not allowed; "
                                  f"use one of {', '.join(FUNCTIONS)}")
        args = [self.number(a) for a in node.args]
        if fn in ("ceil", "floor", "abs") and len(args) != 1:
            raise self.fail(node, f"{fn}() takes one argument")
        if fn in ("min", "max") and len(args) < 2:
            raise self.fail(node, f"{fn}() takes two or more arguments")
        if fn in ("ceil", "floor"):
            arg = self.to_dimensionless(node, args[0])
            return Call(fn, (arg,), DIMENSIONLESS)  # type: ignore[arg-type]
        if fn == "abs":
            return Call("abs", (args[0],), _unit(args[0]))
        first = args[0]
        rest = [self.unify(node, first, a) for a in args[1:]]
        return Call(fn, (first, *rest), _unit(first))  # type: ignore[arg-type]

    def to_dimensionless(self, node: ast.AST, arg: Expr) -> Expr:
        unit = _unit(arg)
        if unit == DIMENSIONLESS:
            return arg
        if (1 * unit).dimensionality != DIMENSIONLESS.dimensionality:
            raise self.fail(node, f"`{ast.unparse(node)}` needs a plain number but its argument is "
                                  f"in {_unit_text(unit)}; divide by a parameter with that unit")
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
                                  "write the threshold as a parameter with its unit")
        if (1 * lu).dimensionality != (1 * ru).dimensionality:
            raise self.fail(node, f"cannot combine {_describe(lu)} with {_describe(ru)}")
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
        if left.type == "text" or right.type == "text":
            return self.enum_equality(node, left, right, sym)
        if left.type != right.type:
            raise self.fail(node, f"cannot compare a {left.type} with a {right.type}")
        if left.type == "bool":
            if sym not in ("==", "!="):
                raise self.fail(node, "conditions can only be compared with == or !=")
            return Compare(sym, left, right)  # type: ignore[arg-type]
        return Compare(sym, left, self.unify(node, left, right))  # type: ignore[arg-type]

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


def _describe(unit: Any) -> str:
    dim, text = describe_dimension(unit), format_unit(unit)
    return f"{dim} ({text})" if text and not dim.startswith("[") else (text or dim)


def _field_unit(spec: Any) -> Any:
    from mcrules.units import parse_unit

    return parse_unit(spec.unit) if spec.kind == "number" else None


def _unit(expr: Expr) -> Any:
    return getattr(expr, "unit", None) or DIMENSIONLESS
