"""Field types shared by the input models: quantities with a unit, checked and converted at the edge."""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.fields import FieldInfo
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from mcrules.errors import UnitError
from mcrules.units import parse_unit, to_canonical
from mcrules.units.registry import describe_dimension

UNIT_KEY = "x-unit"
_QUANTITY_PATTERN = r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*\S.*$"


class Quantity:
    """Marker for ``Annotated[float, Quantity("L/day")]``: a non-negative quantity in `unit`.

    Input is a number (taken in `unit`) or a string with any pint unit of the same dimension
    ("12 m^3/day", "3000 gal/day"); the model stores a plain float in `unit`.
    """

    def __init__(self, unit: str, examples: list[Any] | None = None,
                 maximum: float | None = None) -> None:
        self.unit = unit
        self.maximum = maximum
        self.dimension = describe_dimension(parse_unit(unit))
        self.examples = examples or []

    def _convert(self, value: Any) -> float:
        try:
            out = to_canonical(value, self.unit)
        except UnitError as exc:
            raise ValueError(exc.message) from None
        if out < 0:
            raise ValueError(f"must not be negative, got {value!r}")
        if self.maximum is not None and out > self.maximum:
            raise ValueError(f"must be at most {self.maximum:g} {self.unit}, got {value!r}")
        return out

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            self._convert, serialization=core_schema.plain_serializer_function_ser_schema(float)
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out: dict[str, Any] = {
            "anyOf": [
                {"type": "number", "minimum": 0,
                 **({"maximum": self.maximum} if self.maximum is not None else {})},
                {"type": "string", "pattern": _QUANTITY_PATTERN},
            ],
            "description": f"Expected {self.dimension}; a bare number means {self.unit}.",
            UNIT_KEY: self.unit,
        }
        if self.examples:
            out["examples"] = self.examples
        return out


def field_unit(info: FieldInfo) -> str | None:
    """The canonical unit a model field declares, looking inside `Optional[Annotated[...]]`."""
    return _unit_in([*info.metadata, info], info.annotation)


def _unit_in(metadata: list[Any], annotation: Any) -> str | None:
    for meta in metadata:
        if isinstance(meta, Quantity):
            return meta.unit
        extra = getattr(meta, "json_schema_extra", None)
        if isinstance(extra, dict) and isinstance(extra.get(UNIT_KEY), str):
            return str(extra[UNIT_KEY])
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        args = typing.get_args(annotation)
        return _unit_in(list(annotation.__metadata__), args[0])
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _unit_in([], arg)
            if found:
                return found
    return None
