"""What a model declares beyond its field kinds: domain defaults, and whether it runs validators.

A domain default ("listing gendered toilets without `shared` means none are shared") is a
declaration on the field, read by the one place that derives scalar facts and by the one place
bulk fills columns, each calling its half of the same object. Models stay immutable: the default
is applied where facts are made, never by a validator that rewrites the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]
    BoolArray = npt.NDArray[np.bool_]

#: The class attribute a model sets to True when it runs validators of its own (pydantic
#: ``@model_validator``/``@field_validator``): bulk then asks pydantic instead of using numpy.
VALIDATORS_FLAG = "runs_validators"


def runs_validators(model: type[BaseModel]) -> bool:
    """Whether `model` says it runs validators; a model that does not say is assumed to (safe)."""
    return bool(getattr(model, VALIDATORS_FLAG, True))


@dataclass(frozen=True)
class DefaultWhenSiblingGiven:
    """``Annotated[Count | None, DefaultWhenSiblingGiven(("female", "male"), 0)]``.

    A missing value is `value` when any of `siblings` (fields of the same model) is given: listing
    some units says the unlisted kind has none. When every sibling is missing too, the value stays
    missing, so an empty mapping says nothing and rules on it stay unknown.
    """

    siblings: tuple[str, ...]
    value: float

    def apply_scalar(self, own: Any, siblings: Mapping[str, Any]) -> Any:
        """One model's value of the field, given its siblings' values (None where missing)."""
        if own is None and any(siblings.get(s) is not None for s in self.siblings):
            return self.value
        return own

    def apply_array(self, own: FloatArray, siblings: Mapping[str, FloatArray],
                    rows: BoolArray) -> None:
        """The same over a column, in place: `rows` are where the model is given and valid."""
        import numpy as np

        said = np.zeros(own.shape, dtype=np.bool_)
        for name in self.siblings:
            said |= ~np.isnan(siblings[name])
        own[rows & np.isnan(own) & said] = self.value


@cache
def sibling_defaults(model: type[BaseModel]) -> dict[str, DefaultWhenSiblingGiven]:
    """The fields of `model` that declare a default depending on their siblings."""
    out: dict[str, DefaultWhenSiblingGiven] = {}
    for name, info in model.model_fields.items():
        for meta in info.metadata:
            if isinstance(meta, DefaultWhenSiblingGiven):
                unknown = set(meta.siblings) - set(model.model_fields)
                if unknown:
                    raise TypeError(f"{model.__name__}.{name}: no sibling {sorted(unknown)}")
                out[name] = meta
    return out
