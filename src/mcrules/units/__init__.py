"""The one pint registry, quantity parsing at the edge, and canonical units per dimension.

Hot loops never see pint: inputs are converted once, here, to floats in a field's canonical unit.
"""

from mcrules.units.registry import (
    CANONICAL_UNITS,
    Unit,
    canonical_unit_for,
    conversion_factor,
    convert,
    format_unit,
    parse_quantity,
    parse_unit,
    strict_conversion_factor,
    to_canonical,
    ureg,
)

__all__ = [
    "CANONICAL_UNITS",
    "Unit",
    "canonical_unit_for",
    "conversion_factor",
    "convert",
    "format_unit",
    "parse_quantity",
    "parse_unit",
    "strict_conversion_factor",
    "to_canonical",
    "ureg",
]
