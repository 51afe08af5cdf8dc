"""Untrusted text and report numbers made safe and stable for HTML and SVG.

Every string in a report (a site's name, a latrine's id, a pack's quote) was written by someone
else, so it goes through `esc` before it reaches markup; every number goes through `num` or
`coord` so the same report gives the same bytes.
"""

from __future__ import annotations

import html
import math
from typing import Any, TypeGuard

from mcrules.engine.outcomes import format_number
from mcrules.printable import printable


def esc(value: object) -> str:
    """`value` as HTML text or an attribute value: markup characters and quotes escaped, control
    and bidirectional-override characters shown as escapes (as in the terminal report)."""
    return html.escape(printable(str(value)), quote=True)


def is_number(value: object) -> TypeGuard[int | float]:
    """A finite JSON number (a bool is not one)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def num(value: object) -> str:
    """A measured, required or counted value as people read it: 7, 3.5, yes, a label."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if is_number(value):
        return format_number(float(value))
    return str(value)


def with_unit(value: object, unit: object) -> str:
    text = num(value)
    return f"{text} {unit}" if text and unit and is_number(value) else text


def coord(value: float) -> str:
    """A drawing coordinate with two decimals and never `-0.00`: stable bytes, sub-pixel exact."""
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def scalar(value: Any) -> str:
    """`value` as text when it is a string, number or bool, else empty."""
    return "" if value is None or isinstance(value, dict | list) else num(value)


def text_of(mapping: Any, key: str) -> str:
    """`mapping[key]` as text when it is a string or number, else empty: reports from other
    versions may lack a key or hold another shape, and a renderer never raises on that."""
    return scalar(mapping.get(key)) if isinstance(mapping, dict) else ""


def list_of(mapping: Any, key: str) -> list[Any]:
    value = mapping.get(key) if isinstance(mapping, dict) else None
    return value if isinstance(value, list) else []


def dicts_of(mapping: Any, key: str) -> list[dict[str, Any]]:
    """The objects of the list `mapping[key]`; anything else in it is left out."""
    return [v for v in list_of(mapping, key) if isinstance(v, dict)]


def table(headers: tuple[str, ...], rows: list[str], cls: str = "", head: str = "") -> str:
    """A table with these (trusted) column headers over rows already rendered; none when no row.
    `head` goes before the header row (a colgroup)."""
    if not rows:
        return ""
    ths = "".join(f"<th>{h}</th>" for h in headers)
    attr = f' class="{cls}"' if cls else ""
    return (f"<table{attr}>{head}<thead><tr>{ths}</tr></thead><tbody>{''.join(rows)}</tbody>"
            "</table>")
