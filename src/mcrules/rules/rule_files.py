"""A pack's rule files: the rules, values and decision tables each declares about one subject,
parsed against what the whole pack may name (`PackEnv`), with fixes and disagreements checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from mcrules.errors import DUPLICATE_ID, UNIT_MISMATCH, VALUE_CYCLE, ExpressionError, UnitError
from mcrules.located import LocatedDict, LocatedList
from mcrules.rules.context import NAME, RULE_ID, FileContext, citations
from mcrules.rules.decisions import TABLE_KEYS
from mcrules.rules.discovery import read_pack_file
from mcrules.rules.expr import Scope, parse_expression
from mcrules.rules.ir import (
    Aggregate,
    Disagreement,
    Document,
    Expr,
    FieldRef,
    Lever,
    Parameter,
    Rule,
    Severity,
    ValueDecl,
    field_keys,
)
from mcrules.rules.pack import TITLE_FIELD, Pack
from mcrules.rules.schema import Collection, Schema
from mcrules.units import conversion_factor, parse_unit

RULE_KEYS = {"id", "title", "severity", "description", "tags", "each", "applies_if", "check",
             "unit", "fix", "citations", "disagreements", "effective_from", "effective_to",
             "requirement"}
FILE_KEYS = {"subject", "rules", "values", "decisions", "description"}
VALUE_KEYS = {"id", "title", "expression", "unit", "description", "citations"}


def subject_schema(ctx: FileContext, schemas: Mapping[str, Schema], subject: str, node: Any,
            path: str | None) -> Schema:
    schema = schemas.get(subject)
    if schema is None:
        raise ctx.error(f"unknown subject {subject!r} (known: {', '.join(sorted(schemas))})",
                        node, "subject", path)
    return schema


class PackEnv:
    """What every expression of one pack may name, shared while the pack loads: values are parsed
    on first use (so a value may read a value declared after it, and a cycle is caught with the
    names of both), and each aggregate is recorded once for the whole pack."""

    def __init__(self, schemas: Mapping[str, Schema], params: Mapping[str, Parameter],
                 definitions: Mapping[str, Expr], documents: Mapping[str, Document],
                 required: list[Pack] | None = None) -> None:
        self.schemas = schemas
        self.params = params
        self.definitions = definitions
        self.documents = documents
        required = required or []
        self.rule_ids: set[str] = {r.id for q in required for r in q.rules}
        self.decision_outputs: dict[str, tuple[str, ...]] = {
            d.id: d.outputs for q in required for d in q.decisions}
        self.aggregates: dict[str, Aggregate] = {k: a for q in required
                                                 for k, a in q.aggregates.items()}
        self.value_nodes: dict[str, tuple[FileContext, Schema, LocatedDict]] = {}
        self.decision_nodes: list[tuple[FileContext, Schema, LocatedDict]] = []
        # A required pack's values resolve by id like this pack's own, already parsed.
        self.imported_values: dict[str, ValueDecl] = {v.id: v for q in required for v in q.values}
        self._values: dict[str, ValueDecl] = {}
        self._parsing: list[str] = []

    def read_file(self, file: Path) -> tuple[FileContext, Schema, LocatedDict]:
        """Read one rule file and note the ids it declares, before any expression is parsed."""
        ctx = FileContext(file)
        doc = ctx.mapping(read_pack_file(file), file.name, FILE_KEYS, ("subject",))
        schema = subject_schema(ctx, self.schemas, ctx.text(doc, "subject"), doc, None)
        if not any(doc.get(k) is not None for k in ("rules", "values", "decisions")):
            raise ctx.error("a rule file needs `rules`, `values` or `decisions`", doc)
        for key in ("rules", "values", "decisions"):
            if doc.get(key) is not None and not isinstance(doc[key], LocatedList):
                raise ctx.error(f"`{key}` must be a list", doc, key)
        for node in doc.get("rules") or ():
            if isinstance(node, LocatedDict) and isinstance(node.get("id"), str):
                self.rule_ids.add(node["id"])
        for node in doc.get("values") or ():
            node = ctx.mapping(node, "value", VALUE_KEYS, ("id", "title", "expression", "citations"))
            vid = ctx.text(node, "id")
            if not NAME.match(vid) or "." not in vid:
                raise ctx.error(f"value id {vid!r} must be dotted lower case, like risk.score",
                                node, "id")
            if vid in self.value_nodes or vid in self.params or vid in schema.fields \
                    or vid in self.definitions or vid in self.imported_values:
                raise ctx.error(f"value id {vid!r} is declared twice or shadows a field, "
                                "parameter or definition", node, "id", vid, DUPLICATE_ID)
            self.value_nodes[vid] = (ctx, schema, node)
        for node in doc.get("decisions") or ():
            node = ctx.mapping(node, "decision table", TABLE_KEYS,
                               ("id", "title", "inputs", "outputs", "rows", "citations"))
            did = ctx.text(node, "id")
            if did in self.decision_outputs:
                raise ctx.error(f"duplicate decision table id {did!r}", node, "id", did,
                                DUPLICATE_ID)
            outputs = node.get("outputs")
            if not isinstance(outputs, LocatedList) or not outputs or \
                    not all(isinstance(o, str) for o in outputs) or len(set(outputs)) != len(outputs):
                raise ctx.error("`outputs` must list the possible decisions, each once, highest "
                                "priority (most restrictive) first", node, "outputs", did)
            self.decision_outputs[did] = tuple(outputs)
            self.decision_nodes.append((ctx, schema, node))
        return ctx, schema, doc

    def scope(self, schema: Schema, item: Collection | None = None) -> Scope:
        def resolve(name: str) -> ValueDecl | None:
            if name not in self.value_nodes and name not in self.imported_values:
                return None
            value = self.imported_values.get(name) or self.value(name)
            if value.subject != schema.subject:
                raise ExpressionError(f"value {name!r} is about a {value.subject}, not a "
                                      f"{schema.subject}")
            return value
        return Scope(schema, self.params, self.definitions, item, set(), resolve,
                     (*self.value_nodes, *self.imported_values), frozenset(self.rule_ids),
                     self.decision_outputs,
                     self.aggregates)

    def value(self, name: str) -> ValueDecl:
        """The value `name`, parsed now if it was not yet; a cycle is an error naming it."""
        got = self._values.get(name)
        if got is not None:
            return got
        if name in self._parsing:
            chain = [*self._parsing[self._parsing.index(name):], name]
            raise ExpressionError(f"values depend on each other in a cycle: {' -> '.join(chain)}",
                                  code=VALUE_CYCLE)
        ctx, schema, node = self.value_nodes[name]
        self._parsing.append(name)
        try:
            scope = self.scope(schema)
            expr = ctx.expr(node, "expression", scope, name)
        finally:
            self._parsing.pop()
        if expr.type == "text" and not isinstance(expr, FieldRef):
            raise ctx.error("a value must be a number, a condition, a level or a date",
                            node, "expression", name)
        display = None
        if node.get("unit") is not None:
            if expr.type != "number":
                raise ctx.error("`unit` is for a value that is a number", node, "unit", name)
            try:
                display = parse_unit(ctx.text(node, "unit"))
                conversion_factor(expr.unit, display)  # type: ignore[attr-defined]
            except UnitError as exc:
                raise ctx.error(f"`unit`: {exc.message}", node, "unit", name,
                                UNIT_MISMATCH) from None
        value = ValueDecl(name, ctx.text(node, "title"), schema.subject, expr,
                          citations(ctx, node.get("citations"), self.documents, name, node,
                                     "citations"),
                          ctx.text(node, "description"), display, f"{ctx.file}:{node.line}",
                          ctx.text(node, "expression"))
        self._values[name] = value
        return value


def rule_file(ctx: FileContext, schema: Schema, doc: LocatedDict, env: PackEnv) -> list[Rule]:
    return [_rule(ctx, node, schema, env) for node in doc.get("rules") or ()]


def _rule(ctx: FileContext, node: Any, schema: Schema, env: PackEnv) -> Rule:
    params, documents = env.params, env.documents
    node = ctx.mapping(node, "rule", RULE_KEYS, ("id", "title", "severity", "check", "citations"))
    rid = ctx.text(node, "id")
    if not RULE_ID.match(rid):
        raise ctx.error(f"rule id {rid!r} must be dotted lower case, like mct.wash.toilets.female",
                        node, "id")
    try:
        severity = Severity(ctx.text(node, "severity", rid))
    except ValueError:
        raise ctx.error("severity must be error, warning or info", node, "severity", rid) from None

    each = node.get("each")
    item = None
    if each is not None:
        item = schema.collections.get(str(each))
        if item is None:
            raise ctx.error(f"`each: {each}` is not a list of {schema.subject} (known: "
                            f"{', '.join(schema.collections) or 'none'})", node, "each", rid)
    scope = env.scope(schema, item)
    applies = ctx.expr(node, "applies_if", scope, rid) if node.get("applies_if") else None
    if applies is not None and applies.type != "bool":
        raise ctx.error("`applies_if` must be a condition", node, "applies_if", rid)
    check = ctx.expr(node, "check", scope, rid)
    if check.type != "bool":
        raise ctx.error("`check` must be a condition (a comparison or a yes/no field)",
                        node, "check", rid)

    requirement = ctx.text(node, "requirement")
    if requirement and not RULE_ID.match(requirement):
        raise ctx.error(f"requirement {requirement!r} must be dotted lower case, like "
                        "water.quantity_per_person", node, "requirement", rid)
    title = ctx.text(node, "title")
    for m in TITLE_FIELD.finditer(title):
        if m.group(1) not in params:
            raise ctx.error(f"title names unknown parameter {{{m.group(1)}}}", node, "title", rid)
    rule = Rule(
        id=rid, title=title, severity=severity, subject=schema.subject,
        title_template=title if TITLE_FIELD.search(title) else "",
        check=check, citations=citations(ctx, node.get("citations"), documents, rid, node,
                                          "citations"),
        applies_if=applies, each=str(each) if each is not None else None,
        description=ctx.text(node, "description"),
        tags=tuple(str(t) for t in (node.get("tags") or ())),
        effective_from=ctx.date(node, "effective_from", rid),
        effective_to=ctx.date(node, "effective_to", rid),
        source=f"{ctx.file}:{node.line}", check_text=ctx.text(node, "check"),
        applies_if_text=ctx.text(node, "applies_if"), params=tuple(sorted(scope.used_params)),
        requirement=requirement,
    )
    display = None
    if node.get("unit") is not None:
        cmp = rule.comparison
        if cmp is None:
            raise ctx.error("`unit` needs a check that compares two numbers", node, "unit", rid)
        try:
            display = parse_unit(ctx.text(node, "unit"))
            conversion_factor(cmp.left.unit, display)  # type: ignore[attr-defined]
        except UnitError as exc:
            raise ctx.error(f"`unit`: {exc.message}", node, "unit", rid, UNIT_MISMATCH) from None
    levers = _levers(ctx, node, rule, scope)
    disagreements = _disagreements(ctx, node, rid)
    return replace(rule, display_unit=display, levers=levers, disagreements=disagreements)


def _levers(ctx: FileContext, node: LocatedDict, rule: Rule, scope: Scope) -> tuple[Lever, ...]:
    raw = node.get("fix")
    if raw is None:
        raise ctx.error("needs `fix`: how a failing site can comply (a list of {field, direction, "
                        "text} or {text})", node, "check", rule.id)
    if not isinstance(raw, LocatedList):
        raise ctx.error("`fix` must be a list", node, "fix", rule.id)
    used = set(field_keys(rule.check))
    out = []
    for entry in raw:
        e = ctx.mapping(entry, "fix", {"field", "direction", "text"}, ("text",), rule.id)
        text = ctx.text(e, "text")
        if "field" not in e:
            out.append(Lever(None, "set_true", text))
            continue
        try:
            ref = parse_expression(ctx.text(e, "field"), scope)
        except ExpressionError as exc:
            raise ctx.error(f"`field`: {exc.message}", e, "field", rule.id) from None
        if not isinstance(ref, FieldRef) or ref.spec.kind != "number":
            raise ctx.error("a fix `field` must be a numeric field", e, "field", rule.id)
        if ref.key not in used:
            raise ctx.error(f"fix field `{ref.key}` does not appear in the check, so changing it "
                            "cannot flip the verdict", e, "field", rule.id)
        direction = ctx.text(e, "direction")
        if direction not in ("increase", "decrease"):
            raise ctx.error("`direction` must be increase or decrease", e, "direction", rule.id)
        if "{delta}" not in text:
            raise ctx.error("a fix `text` with a field must contain {delta}", e, "text", rule.id)
        out.append(Lever(ref, direction, text))  # type: ignore[arg-type]
    return tuple(out)


def _disagreements(ctx: FileContext, node: LocatedDict, rid: str) -> tuple[Disagreement, ...]:
    raw = node.get("disagreements")
    if raw is None:
        return ()
    if not isinstance(raw, LocatedList):
        raise ctx.error("`disagreements` must be a list", node, "disagreements", rid)
    out = []
    for entry in raw:
        e = ctx.mapping(entry, "disagreement", {"topic", "default", "alternative", "variant"},
                        ("topic", "default", "alternative"), rid)
        out.append(Disagreement(ctx.text(e, "topic"), ctx.text(e, "default"),
                                ctx.text(e, "alternative"), ctx.text(e, "variant")))
    return tuple(out)
