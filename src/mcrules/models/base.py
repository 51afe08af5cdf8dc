"""The one base of every input model, and the strict scalar types it requires.

Only YAML/JSON `true`/`false` are booleans, only numbers are numbers, and a date is `YYYY-MM-DD`
text: pydantic's lax mode reads `"y"`, `"t"` and `1` as true, `"3"` as 3, `true` as 1 and a Unix
timestamp as a date, and each of those has turned a refusal into a permit (a consent `given: "y"`,
`informed_decision: "t"`). Why this mechanism and not another:

- ``ConfigDict(strict=True)`` cannot be used: in python mode (our YAML and JSON are parsed to
  Python first) it also refuses an enum member written as its string and a date written as ISO
  text, the only ways a file can write them.
- A validator per field is what we must not rely on: one forgotten field is a silent permit.

So the strict types are declared here once (`Flag`, `Number`, `Day`; whole numbers and
quantities are the field kinds of `mcrules.models.fields`, which refuse booleans and text
themselves), and `InputModel` refuses, when a model is complete, any field whose annotation holds
a bare ``bool``, ``int``, ``float`` or ``date`` anywhere (inside ``Optional``, a list, a union)
or a nested model that is not an `InputModel`. A new lax field cannot slip in: the package fails
to import, naming the field and the type to use. The table of what each kind of value must look
like is in docs/limits.md ("What a value must look like").
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from typing import Annotated, Any, ClassVar

from pydantic import AllowInfNan, BaseModel, ConfigDict, GetCoreSchemaHandler, Strict
from pydantic_core import core_schema

from mcrules.limits import excerpt
from mcrules.models.declarations import VALIDATORS_FLAG
from mcrules.models.fields import FieldKind

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class IsoDate:
    """``Annotated[dt.date, IsoDate()]``: a calendar date written ``YYYY-MM-DD`` (or a `date`
    object, from the API). A number is refused, not read as a Unix timestamp; so is a date and
    time, whose day depends on a time zone the file does not say."""

    def __get_pydantic_core_schema__(self, source: Any,
                                     handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(_iso_day, handler(source))


def _iso_day(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        raise ValueError(f"expected a date (YYYY-MM-DD), got a date and time {excerpt(value)}")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DAY.fullmatch(value.strip()):
        return value.strip()
    raise ValueError(f"expected a date as YYYY-MM-DD, got {excerpt(value)}")


#: `true` or `false`: not "y", "t", "true" or 1.
Flag = Annotated[bool, Strict()]
#: A finite number (an integer is one): not "3", not true.
Number = Annotated[float, Strict(), AllowInfNan(False)]
#: A calendar date, ``YYYY-MM-DD``: not an integer (a Unix timestamp), not a date and time.
Day = Annotated[dt.date, IsoDate()]

_LAX: dict[type, str] = {bool: "Flag", int: "Annotated[int, Whole(...)]", float: "Number or a "
                         "Quantity", dt.date: "Day", dt.datetime: "Day"}
_MARKS = (FieldKind, IsoDate)


def _strict_mark(meta: Any) -> bool:
    return isinstance(meta, _MARKS) or (isinstance(meta, Strict) and meta.strict)


def lax_part(annotation: Any, metadata: list[Any]) -> str | None:
    """What in a field's annotation is read laxly (a bare `bool`, `int`, `float`, `date`, or a
    nested model that is not an InputModel), or None. `metadata` applies to `annotation` itself:
    a strict mark accepts the scalar it wraps, never the members of a union or list below it."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        inner, *more = typing.get_args(annotation)
        return lax_part(inner, [*metadata, *more])
    if annotation in _LAX:
        if any(_strict_mark(m) for m in metadata):
            return None
        return f"a bare {annotation.__name__} (use {_LAX[annotation]})"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) \
            and not issubclass(annotation, InputModel):
        return f"the model {annotation.__name__}, which is not an InputModel"
    if origin is not None or isinstance(annotation, types.UnionType):
        for arg in typing.get_args(annotation):
            found = lax_part(arg, [])
            if found is not None:
                return found
    return None


class InputModel(BaseModel):
    """Every model a file, a row or an API caller fills: unknown keys are errors (a typo such as
    `toilet:` is caught, never silently ignored), text is trimmed, instances are immutable, and no
    field reads a value laxly (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)
    #: Whether the model runs validators of its own (bulk then asks pydantic instead of numpy).
    #: Found from the model's decorators unless the class says; saying False with one is an error.
    runs_validators: ClassVar[bool] = False

    @classmethod
    def __pydantic_on_complete__(cls) -> None:
        super().__pydantic_on_complete__()
        for name, info in cls.model_fields.items():
            found = lax_part(info.annotation, list(info.metadata))
            if found is not None:
                raise TypeError(f"{cls.__module__}.{cls.__name__}.{name} would read values "
                                f"laxly: it holds {found}")
        decorators = cls.__pydantic_decorators__
        has = bool(decorators.validators or decorators.field_validators
                   or decorators.model_validators or decorators.root_validators)
        if VALIDATORS_FLAG not in cls.__dict__:
            cls.runs_validators = has
        elif has and not cls.runs_validators:
            raise TypeError(f"{cls.__module__}.{cls.__name__} runs validators but says "
                            f"{VALIDATORS_FLAG} = False")
