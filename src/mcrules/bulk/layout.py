"""What the bulk converter must know about an input model, read from what the model declares.

The rule `Schema` says what a rule may read; converting raw rows needs more: each number field's
declared kind (`mcrules.models.fields`: unit, bounds, its array conversion), defaults, declared
domain defaults, required item fields, and which models say they run validators. Nothing here
reads pydantic's internals: a field added or tightened in the model is converted by the kind it
declares, and anything without a declaration bulk can mirror (a number without a kind, an unknown
constraint, a model that runs validators) is marked so the converter asks pydantic instead.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal, Union

import annotated_types
from pydantic import BaseModel, Strict
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from mcrules.models.declarations import DefaultWhenSiblingGiven, runs_validators, sibling_defaults
from mcrules.models.fields import FieldKind
from mcrules.rules.schema import FieldSpec, Schema

LeafKind = Literal["number", "bool", "enum", "set", "text", "opaque"]

# Model settings whose effect the vectorised paths reproduce (or that do not change validation).
_KNOWN_CONFIG = {"extra", "str_strip_whitespace", "frozen", "title", "json_schema_extra",
                 "protected_namespaces", "populate_by_name"}


@dataclass(frozen=True)
class Leaf:
    """One input field converted to one column (or one column per token, for sets).

    `path` is the dotted input path (``toilets.female``; for an item field, its name within the
    item); `attrs` is the attribute chain that reads the validated value back from the model.
    `number` leaves carry their declared `FieldKind`, which converts them. `opaque` leaves
    carry no declaration the converter can mirror: every distinct value goes through pydantic,
    which is exact and slower.
    """

    path: str
    attrs: tuple[str, ...]
    spec: FieldSpec
    kind: LeafKind
    number: FieldKind | None = None
    min_length: int = 0
    strip: bool = False
    required: bool = False
    default: Any = None


@dataclass(frozen=True)
class Group:
    """A nested model (``toilets``): present when given, even empty, which decides its defaults.

    `validators` is true when the model says it runs validators (`runs_validators`); the
    converter then re-runs the model on each distinct combination of its converted values, so
    their effect is exact. `defaults` are its fields' declared domain defaults, by field name.
    """

    path: str
    model: type[BaseModel]
    leaves: tuple[str, ...]
    validators: bool
    defaults: dict[str, DefaultWhenSiblingGiven]


@dataclass(frozen=True)
class ItemsLayout:
    """A list of nested models (``sanitation``): one item table, per-item leaves, a label field."""

    path: str
    model: type[BaseModel]
    leaves: dict[str, Leaf]
    label: str
    defaults: dict[str, DefaultWhenSiblingGiven] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class Layout:
    """The whole input model. `row_reason` is set when only whole-row validation is exact."""

    model: type[BaseModel]
    leaves: dict[str, Leaf]
    groups: dict[str, Group]
    collections: dict[str, ItemsLayout]
    row_reason: str | None = None
    defaults: dict[str, DefaultWhenSiblingGiven] = dataclasses.field(default_factory=dict)

    def known_prefix(self, path: str) -> bool:
        """Whether `path` names something of the model (a leaf, group or collection)."""
        return path in self.leaves or path in self.groups or path in self.collections


@dataclass
class _Unwrapped:
    base: Any
    metadata: list[Any]
    optional: bool


def _unwrap(tp: Any, metadata: list[Any]) -> _Unwrapped:
    """Peel `Optional[...]` and `Annotated[...]`, collecting constraints from every layer."""
    out = _Unwrapped(tp, [], False)
    pending = list(metadata)
    while True:
        origin = typing.get_origin(out.base)
        if origin is typing.Annotated:
            args = typing.get_args(out.base)
            out.base = args[0]
            pending.extend(args[1:])
        elif origin in (Union, types.UnionType):
            members = [a for a in typing.get_args(out.base) if a is not type(None)]
            if len(members) != 1:
                break
            out.optional = True
            out.base = members[0]
        else:
            break
    for meta in pending:
        if isinstance(meta, FieldInfo):
            out.metadata.extend(meta.metadata)
        else:
            out.metadata.append(meta)
    return out


def _leaf(path: str, attrs: tuple[str, ...], info: FieldInfo, spec: FieldSpec,
          strip: bool) -> Leaf:
    u = _unwrap(info.annotation, list(info.metadata))
    required = info.is_required()
    default = None if info.default is PydanticUndefined else info.default
    opaque = info.default_factory is not None
    min_length = 0
    number: FieldKind | None = None
    for meta in u.metadata:
        if isinstance(meta, FieldKind) and number is None:
            number = meta
        elif isinstance(meta, DefaultWhenSiblingGiven):
            continue  # applied to the columns by the converter, as `facts` applies it
        elif isinstance(meta, Strict):
            continue  # a yes/no column takes only booleans; anything else asks the model
        elif isinstance(meta, annotated_types.MinLen):
            min_length = int(meta.min_length)
        else:
            opaque = True
    base = u.base
    kind: LeafKind
    if number is not None:
        if min_length or base not in (int, float) or spec.kind != "number":
            opaque = True
        return Leaf(path, attrs, spec, "opaque" if opaque else "number", number=number,
                    required=required, default=default)
    if base is bool:
        kind = "bool"
    elif base is str:
        kind = "text"
    elif isinstance(base, type) and issubclass(base, Enum):
        kind = "enum"
        opaque = opaque or not all(isinstance(m.value, str) for m in base)
    elif typing.get_origin(base) is list:
        inner = _unwrap(typing.get_args(base)[0], [])
        kind = "set"
        opaque = opaque or bool(inner.metadata) or inner.optional or not (
            isinstance(inner.base, type) and issubclass(inner.base, Enum)
            and all(isinstance(m.value, str) for m in inner.base))
    else:
        kind = "opaque"  # numbers without a declared kind among them: pydantic decides
    if kind != "text" and min_length:
        opaque = True
    if (kind == "set") != (spec.kind == "set"):
        opaque = True
    return Leaf(path, attrs, spec, "opaque" if opaque else kind, min_length=min_length,
                strip=strip and kind == "text", required=required, default=default)


def _config_problem(model: type[BaseModel]) -> str | None:
    config = dict(model.model_config)
    unknown = sorted(set(config) - _KNOWN_CONFIG)
    if unknown:
        return f"{model.__name__} sets {', '.join(unknown)}"
    if config.get("extra") != "forbid":
        return f"{model.__name__} does not forbid unknown keys"
    if any(info.alias or info.validation_alias for info in model.model_fields.values()):
        return f"{model.__name__} uses aliases"
    return None


_LAYOUTS: dict[tuple[type[BaseModel], int], tuple[Schema, Layout]] = {}


def layout_for(model: type[BaseModel], schema: Schema) -> Layout:
    """The converter's view of `model`, checked against the rule schema derived from it."""
    hit = _LAYOUTS.get((model, id(schema)))
    if hit is not None and hit[0] is schema:
        return hit[1]
    layout = _build(model, schema)
    _LAYOUTS[(model, id(schema))] = (schema, layout)
    return layout


def _build(model: type[BaseModel], schema: Schema) -> Layout:
    leaves: dict[str, Leaf] = {}
    groups: dict[str, Group] = {}
    collections: dict[str, ItemsLayout] = {}
    reasons: list[str] = []
    if runs_validators(model):
        reasons.append(f"{model.__name__} runs validators")

    def walk(m: type[BaseModel], prefix: str, attrs: tuple[str, ...]) -> list[str]:
        problem = _config_problem(m)
        if problem:
            reasons.append(problem)
        strip = bool(m.model_config.get("str_strip_whitespace"))
        mine: list[str] = []
        for name, info in m.model_fields.items():
            path = prefix + name
            u = _unwrap(info.annotation, list(info.metadata))
            base = u.base
            if isinstance(base, type) and issubclass(base, BaseModel):
                if info.is_required() or info.default is not None:
                    reasons.append(f"{path} is a required or defaulted nested model")
                sub = walk(base, path + ".", (*attrs, name))
                groups[path] = Group(path, base, tuple(sub), runs_validators(base),
                                     sibling_defaults(base))
                mine.extend(sub)
                continue
            list_of = _unwrap(typing.get_args(base)[0], []).base \
                if typing.get_origin(base) is list else None
            if isinstance(list_of, type) and issubclass(list_of, BaseModel):
                if prefix:
                    reasons.append(f"{path}: a list of models inside a nested model")
                    continue
                collections[path] = _items(path, list_of, schema, reasons)
                continue
            spec = schema.fields.get(path)
            if spec is None:
                reasons.append(f"{path} is not in the rule schema")
                continue
            leaf = _leaf(path, (*attrs, name), info, spec, strip)
            if leaf.required and prefix:
                reasons.append(f"{path} is required inside a nested model")
            leaves[path] = leaf
            mine.append(path)
        return mine

    walk(model, "", ())
    for gpath, group in groups.items():
        reasons.extend(_defaults_problems(gpath, group.defaults, leaves, gpath + "."))
    reasons.extend(_defaults_problems(model.__name__, sibling_defaults(model), leaves, ""))
    missing = set(schema.fields) - set(leaves)
    if missing:
        reasons.append(f"schema fields without an input: {', '.join(sorted(missing))}")
    return Layout(model, leaves, groups, collections, "; ".join(reasons) or None,
                  sibling_defaults(model))


def _defaults_problems(where: str, defaults: dict[str, DefaultWhenSiblingGiven],
                       leaves: dict[str, Leaf], prefix: str) -> list[str]:
    """Declared defaults the converter cannot apply to columns: they need whole-row validation.

    The field must be a number or yes/no column and its siblings columns of one value per row.
    """
    out = []
    for name, default in defaults.items():
        own = leaves.get(prefix + name)
        if own is None or own.spec.kind not in ("number", "bool"):
            out.append(f"{where}.{name} declares a default on a field that is not a number or yes/no")
        for sibling in default.siblings:
            leaf = leaves.get(prefix + sibling)
            if leaf is None or leaf.spec.kind not in ("number", "bool", "enum"):
                out.append(f"{where}.{name} declares a default on a sibling that is not a value")
    return out


def _items(path: str, model: type[BaseModel], schema: Schema, reasons: list[str]) -> ItemsLayout:
    coll = schema.collections.get(path)
    if coll is None:
        reasons.append(f"collection {path} is not in the rule schema")
        return ItemsLayout(path, model, {}, "")
    if runs_validators(model):
        reasons.append(f"{model.__name__} runs validators")
    problem = _config_problem(model)
    if problem:
        reasons.append(problem)
    strip = bool(model.model_config.get("str_strip_whitespace"))
    leaves: dict[str, Leaf] = {}
    for name, info in model.model_fields.items():
        spec = coll.fields.get(name)
        u = _unwrap(info.annotation, list(info.metadata))
        if spec is None or (isinstance(u.base, type) and issubclass(u.base, BaseModel)):
            reasons.append(f"{path}.{name} is not a plain field of the rule schema")
            continue
        leaves[name] = _leaf(name, (name,), info, spec, strip)
    reasons.extend(_defaults_problems(path, sibling_defaults(model), leaves, ""))
    return ItemsLayout(path, model, leaves, coll.label, sibling_defaults(model))


DOCUMENT_ROWS = "its facts are derived from the whole document"


def document_layout(model: type[BaseModel]) -> Layout:
    """The converter's view of a document model whose facts are derived from it (a sharing
    request): the document is not the facts, so no field becomes a column of its own; the
    layout only says how a row's cells nest into a document (nested models, lists of models) and
    how a flat table's text cell is typed (a list, a yes/no, a number), and every row is then
    validated whole by the model, exactly as a file of it."""
    hit = _DOCUMENTS.get(model)
    if hit is None:
        leaves: dict[str, Leaf] = {}
        groups: dict[str, Group] = {}
        collections: dict[str, ItemsLayout] = {}
        _document_walk(model, "", (), leaves, groups, collections)
        hit = _DOCUMENTS[model] = Layout(model, leaves, groups, collections, DOCUMENT_ROWS)
    return hit


_DOCUMENTS: dict[type[BaseModel], Layout] = {}


def _document_walk(model: type[BaseModel], prefix: str, attrs: tuple[str, ...],
                   leaves: dict[str, Leaf], groups: dict[str, Group],
                   collections: dict[str, ItemsLayout]) -> list[str]:
    mine: list[str] = []
    for name, info in model.model_fields.items():
        path = prefix + name
        base = _unwrap(info.annotation, list(info.metadata)).base
        if isinstance(base, type) and issubclass(base, BaseModel):
            sub = _document_walk(base, path + ".", (*attrs, name), leaves, groups, collections)
            groups[path] = Group(path, base, tuple(sub), False, {})
            mine.extend(sub)
            continue
        inner = _unwrap(typing.get_args(base)[0], []).base \
            if typing.get_origin(base) is list else None
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            collections[path] = ItemsLayout(path, inner, {
                n: Leaf(n, (n,), _document_spec(n, i.annotation), "opaque")
                for n, i in inner.model_fields.items()}, "")
            continue
        leaves[path] = Leaf(path, (*attrs, name), _document_spec(path, info.annotation),
                            "opaque", required=info.is_required())
        mine.append(path)
    return mine


def _document_spec(path: str, annotation: Any) -> FieldSpec:
    """How a text cell of this field is typed: a list, a yes/no, a number, or text as it is."""
    base = _unwrap(annotation, []).base
    if typing.get_origin(base) is list:
        return FieldSpec(path, "set")
    if base is bool:
        return FieldSpec(path, "bool")
    if base in (int, float):
        return FieldSpec(path, "number")
    return FieldSpec(path, "text")
