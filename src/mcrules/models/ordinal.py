"""Ordered enumerations: scales such as low < medium < high that rules compare with `<` and `max`."""

from __future__ import annotations

from enum import StrEnum


class OrdinalEnum(StrEnum):
    """An enumeration whose members are declared from lowest to highest.

    A model field of such a type is an `ordinal` field: rules compare it with its labels
    (`severity >= 'high'`), take `max`/`min` of it, and band numbers into such a scale.
    """

    @classmethod
    def labels(cls) -> tuple[str, ...]:
        return tuple(str(m.value) for m in cls)

    @property
    def rank(self) -> int:
        """0-based position on the scale: the lowest label is 0."""
        return list(type(self)).index(self)
