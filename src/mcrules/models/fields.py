"""Field kinds shared by the input models, each declared once with both of its conversions.

A kind holds the scalar conversion pydantic calls for one value and the array conversion bulk
calls for a column side by side, with the facts both need (canonical unit, whole or not, bounds,
examples), so the two cannot drift and bulk never reads them out of pydantic. numpy is imported
only when an array conversion runs: reading one site file must not need it.
"""

from __future__ import annotations

import re
import types
import typing
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, NamedTuple

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.fields import FieldInfo
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from mcrules.errors import UnitError
from mcrules.limits import MAX_NUMBER_DIGITS, excerpt, number_digits_ok
from mcrules.units import parse_unit, to_canonical
from mcrules.units.registry import describe_dimension

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]
    BoolArray = npt.NDArray[np.bool_]

UNIT_KEY = "x-unit"
# A number then a unit: text that is only a number is refused (`Quantity.scalar`), so the unit
# must begin with something that cannot continue the number.
_QUANTITY_PATTERN = r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*[^\d\s.,eE+-].*$"
#: Text that holds a number and no unit (thousands may be grouped: 12,000).
_BARE_NUMBER = re.compile(r"\s*[-+]?(\d[\d,_]*(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*")
_INT_EXACT = 2.0**53  # beyond this a float64 cannot tell pydantic's integer limits apart


class ArrayConversion(NamedTuple):
    """A column converted: values (NaN where missing or bad), where it is bad, and where the
    array conversion cannot decide and the scalar conversion must be asked (rare)."""

    values: FloatArray
    bad: BoolArray
    unsure: BoolArray


class FieldKind(ABC):
    """A kind of number field: ``Annotated[float, Quantity("L/day")]``, ``Annotated[int, Whole()]``.

    `unit` is the canonical unit values are held in, `integer` whether they are whole numbers,
    `minimum`/`maximum` the inclusive bounds, and `reads_units` whether text may carry a unit.
    """

    unit: str
    integer: bool
    minimum: float | None
    maximum: float | None
    reads_units: bool
    examples: list[Any]

    @abstractmethod
    def scalar_schema(self) -> core_schema.CoreSchema:
        """The scalar conversion: the pydantic core schema that validates one value."""

    @abstractmethod
    def array(self, numbers: FloatArray, given: BoolArray,
              factor: float | FloatArray = 1.0) -> ArrayConversion:
        """The array conversion: numbers in units of `factor` × `unit`, as the scalar one reads them.

        `given` marks the entries that hold a value at all; NaN elsewhere means missing.
        """

    def out_of_bounds(self, values: FloatArray, given: BoolArray) -> BoolArray:
        """Given entries that are not finite or lie outside the kind's bounds."""
        import numpy as np

        with np.errstate(invalid="ignore"):
            bad = given & ~np.isfinite(values)
            if self.minimum is not None:
                bad |= given & (values < self.minimum)
            if self.maximum is not None:
                bad |= given & (values > self.maximum)
        return bad

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return self.scalar_schema()


class Quantity(FieldKind):
    """``Annotated[float, Quantity("L/day")]``: a non-negative quantity in `unit`.

    Input is a number (taken in `unit`) or a string with any pint unit of the same dimension
    ("12 m^3/day", "3000 gal/day"); the model stores a plain float in `unit`, rounded to twelve
    significant digits as `mcrules.units.convert` rounds. Text without a unit ("20") is refused:
    text is where a unit is written, and a number the file quoted is a number of unknown type.
    """

    integer = False
    reads_units = True

    def __init__(self, unit: str, examples: list[Any] | None = None,
                 maximum: float | None = None) -> None:
        self.unit = unit
        self.minimum = 0.0
        self.maximum = maximum
        self.dimension = describe_dimension(parse_unit(unit))
        self.examples = examples or []

    def scalar(self, value: Any) -> float:
        """One input value in `unit`, or ValueError in the words a site file's reader shows."""
        if isinstance(value, str) and _BARE_NUMBER.fullmatch(value):
            raise ValueError(f"expected a number, or text with its unit such as '{value.strip()} "
                             f"{self.unit}', got the text {excerpt(value)}")
        try:
            out = to_canonical(value, self.unit)
        except UnitError as exc:
            raise ValueError(exc.message) from None
        if out < 0:
            raise ValueError(f"must not be negative, got {value!r}")
        if self.maximum is not None and out > self.maximum:
            raise ValueError(f"must be at most {self.maximum:g} {self.unit}, got {value!r}")
        return out

    def scalar_schema(self) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            self.scalar, serialization=core_schema.plain_serializer_function_ser_schema(float)
        )

    def array(self, numbers: FloatArray, given: BoolArray,
              factor: float | FloatArray = 1.0) -> ArrayConversion:
        import numpy as np

        from mcrules.models.rounding import round12

        values = round12(numbers * factor)
        bad = self.out_of_bounds(values, given)
        return ArrayConversion(np.where(bad, np.nan, values), bad, np.zeros_like(bad))

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


class Whole(FieldKind):
    """``Annotated[int, Whole("person")]``: a whole number of `unit`, at least `minimum`.

    The scalar conversion is pydantic's own integer validation (so its words, "expected a whole
    number", "must be 0 or more", stay those of a site file), after refusing booleans and text:
    `true` is not 1 toilet, and "3" is text. A number with a zero fraction (3.0) is whole.
    """

    integer = True
    reads_units = False

    def __init__(self, unit: str = "dimensionless", *, minimum: int | None = 0,
                 maximum: int | None = None, examples: list[Any] | None = None) -> None:
        self.unit = unit
        self.minimum = None if minimum is None else float(minimum)
        self.maximum = None if maximum is None else float(maximum)
        self._ge, self._le = minimum, maximum
        self.examples = examples or []

    def scalar_schema(self) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(
            _no_bool_nor_huge, core_schema.int_schema(ge=self._ge, le=self._le))

    def array(self, numbers: FloatArray, given: BoolArray,
              factor: float | FloatArray = 1.0) -> ArrayConversion:
        """Whole numbers within bounds; floats beyond 2**53 are left to pydantic (`unsure`).

        Integer columns cannot be unsure: any int64 is a whole number pydantic takes as it is.
        """
        import numpy as np

        values = numbers * factor
        with np.errstate(invalid="ignore"):
            whole = np.isfinite(values) & (values == np.floor(values))
            unsure = given & whole & (np.abs(values) >= _INT_EXACT)
        bad = (given & ~whole) | self.out_of_bounds(values, given)
        # pydantic makes -0.0 the integer 0, which reads back as 0.0
        return ArrayConversion(np.where(bad, np.nan, values + 0.0), bad, unsure)

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out = dict(handler(schema))
        if self.unit != "dimensionless":
            out[UNIT_KEY] = self.unit
        if self.examples:
            out["examples"] = self.examples
        return out


def _no_bool_nor_huge(value: Any) -> Any:
    """Before pydantic's integer validation: a boolean is not 1 toilet, text is not a number, and
    a number of more than `MAX_NUMBER_DIGITS` digits is refused before anything converts it to a
    float."""
    if isinstance(value, bool | str | bytes):
        raise ValueError(f"expected a whole number, got {excerpt(value)}")
    if isinstance(value, int) and value.bit_length() > 64 and not number_digits_ok(
            str(value) if value.bit_length() < 200 else "9" * 61):
        raise ValueError(f"a number has at most {MAX_NUMBER_DIGITS} digits, got {excerpt(value)}")
    return value


def field_kind(info: FieldInfo) -> FieldKind | None:
    """The kind a model field declares, looking inside `Optional[Annotated[...]]`."""
    return _kind_in(list(info.metadata), info.annotation)


def field_unit(info: FieldInfo) -> str | None:
    """The canonical unit a model field declares, if it declares a kind."""
    kind = field_kind(info)
    return kind.unit if kind is not None else None


def _kind_in(metadata: list[Any], annotation: Any) -> FieldKind | None:
    for meta in metadata:
        if isinstance(meta, FieldKind):
            return meta
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        args = typing.get_args(annotation)
        return _kind_in(list(annotation.__metadata__), args[0])
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _kind_in([], arg)
            if found is not None:
                return found
    return None
