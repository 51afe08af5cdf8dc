"""Turn a pydantic input model into the rule Schema and the flat facts the evaluators read.

Nested models become dotted fields (`population.female`), lists of enums become set fields,
lists of models become collections for per-item rules. One walk of the model class decides both,
so the schema rules compile against and the facts they read cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from enum import Enum
from functools import cache
from typing import Any, Union

from pydantic import BaseModel

from mcrules.models.declarations import sibling_defaults
from mcrules.models.fields import field_unit
from mcrules.models.ordinal import OrdinalEnum
from mcrules.rules.schema import Collection, FieldSpec, Schema

_LABEL = "__label__"


def _strip_optional(tp: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return _strip_optional(args[0])
    if origin is typing.Annotated:
        return _strip_optional(typing.get_args(tp)[0])
    return tp


def _specs(model: type[BaseModel], prefix: str = "") -> tuple[dict[str, FieldSpec],
                                                             dict[str, tuple[str, type[BaseModel]]]]:
    fields: dict[str, FieldSpec] = {}
    collections: dict[str, tuple[str, type[BaseModel]]] = {}
    for name, info in model.model_fields.items():
        key = prefix + name
        tp = _strip_optional(info.annotation)
        desc = info.description or ""
        origin = typing.get_origin(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            sub, subcoll = _specs(tp, key + ".")
            fields.update(sub)
            collections.update(subcoll)
        elif origin is list:
            (inner,) = typing.get_args(tp)
            inner = _strip_optional(inner)
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                collections[key] = (key, inner)
            elif isinstance(inner, type) and issubclass(inner, Enum):
                fields[key] = FieldSpec(key, "set", choices=tuple(str(m.value) for m in inner),
                                        description=desc)
            else:
                raise TypeError(f"unsupported list field {key}")
        elif isinstance(tp, type) and issubclass(tp, OrdinalEnum):
            fields[key] = FieldSpec(key, "ordinal", choices=tp.labels(), description=desc)
        elif isinstance(tp, type) and issubclass(tp, Enum):
            fields[key] = FieldSpec(key, "enum", choices=tuple(str(m.value) for m in tp),
                                    description=desc)
        elif tp is dt.date:
            fields[key] = FieldSpec(key, "date", unit="day", description=desc)
        elif tp is bool:
            fields[key] = FieldSpec(key, "bool", description=desc)
        elif tp is int:
            fields[key] = FieldSpec(key, "number", unit=field_unit(info) or "dimensionless",
                                    integer=True, description=desc)
        elif tp is float:
            fields[key] = FieldSpec(key, "number", unit=field_unit(info) or "dimensionless",
                                    description=desc)
        elif tp is str:
            fields[key] = FieldSpec(key, "text", description=desc)
        else:
            raise TypeError(f"unsupported field type for {key}: {tp!r}")
    return fields, collections


@cache
def schema_for(model: type[BaseModel], subject: str) -> Schema:
    """The rule Schema of a model class."""
    fields, colls = _specs(model)
    collections = {}
    for key, (_, item_model) in colls.items():
        item_fields, nested = _specs(item_model)
        if nested:
            raise TypeError(f"collections inside collections are not supported ({key})")
        collections[key] = Collection(key, item_fields,
                                      label="id" if "id" in item_fields else "",
                                      description=model.model_fields[key].description or "")
    return Schema(subject, fields, collections)


def facts_of(obj: BaseModel, subject: str) -> dict[str, Any]:
    """Flat facts of a validated model: every schema field present, None where missing.

    Numbers are floats in the canonical unit, enums are their string values, ordinals their 0-based
    rank and dates their day number (both floats, as in the columnar layout), list-of-enum fields
    are frozensets, collections are lists of per-item facts keyed `item.<field>`.
    """
    schema = schema_for(type(obj), subject)
    out: dict[str, Any] = dict.fromkeys(schema.fields)
    out.update(dict.fromkeys(schema.collections))
    _fill(obj, "", out, schema)
    return out


def _value(obj: BaseModel, name: str) -> Any:
    """A field's value as facts hold it: the model's, or the default its declaration gives.

    The one place the scalar path applies declared defaults; bulk applies the same declaration
    to columns (`mcrules.bulk.convert`).
    """
    value = getattr(obj, name)
    default = sibling_defaults(type(obj)).get(name)
    if default is not None:
        value = default.apply_scalar(value, {s: getattr(obj, s) for s in default.siblings})
    return value


def _fill(obj: BaseModel, prefix: str, out: dict[str, Any], schema: Schema) -> None:
    for name in type(obj).model_fields:
        key = prefix + name
        value = _value(obj, name)
        if value is None:
            continue
        if isinstance(value, BaseModel):
            _fill(value, key + ".", out, schema)
        elif key in schema.collections:
            coll = schema.collections[key]
            items = []
            for item in value:
                facts: dict[str, Any] = {f"item.{k}": None for k in coll.fields}
                for k in coll.fields:
                    facts[f"item.{k}"] = fact_value(_value(item, k))
                facts[f"item.{_LABEL}"] = getattr(item, coll.label) if coll.label else None
                items.append(facts)
            out[key] = items
        elif isinstance(value, list):
            out[key] = frozenset(str(v.value) if isinstance(v, Enum) else v for v in value)
        else:
            out[key] = fact_value(value)


def fact_value(value: Any) -> Any:
    """One validated model value as a fact (see `facts_of`): what every evaluator reads."""
    if isinstance(value, OrdinalEnum):
        return float(value.rank)
    if isinstance(value, dt.date):
        return float(value.toordinal())
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, int | float):
        return float(value)
    return value
