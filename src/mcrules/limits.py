"""The documented limits on untrusted text (files, rows, packs, `--set`), and the checks that hold them.

A foundation module like `errors` and `located`: every layer may use it, and it imports nothing of
mcrules but `errors`. Each limit is far above what a real site file, survey row or rule pack holds,
and low enough that refusing the worst input past it takes milliseconds; docs/limits.md lists them
with the measured worst cases. Past a limit the reader raises an error naming the field and the
limit, never a library's exception.
"""

from __future__ import annotations

from typing import Any

from mcrules.errors import InputError

#: bytes in one site, case or request file, and in one pack file
MAX_DOCUMENT_BYTES = 1_048_576
#: bytes in one JSON Lines row (longer rows are rejects, not a failed run)
MAX_ROW_BYTES = 1_048_576
#: mappings and lists nested in one document or row
MAX_DEPTH = 32
#: values in one document once YAML aliases are expanded (an alias bomb stops here)
MAX_NODES = 20_000
#: characters in one text value or key
MAX_STRING_CHARS = 10_000
#: digits in one written number (a count of 400 digits is refused, not overflowed). Every float a
#: program writes in its shortest form fits: 17 significant digits after up to 4 leading zeros
#: (`0.00020344665075222674`, 22 digits; smaller numbers switch to an exponent), so a CSV that
#: Python, pandas or a spreadsheet wrote is never refused for its precision.
MAX_NUMBER_DIGITS = 32
#: characters in one quantity or unit text (`12 m^3/day`), from a file, a row or `--set`
MAX_QUANTITY_CHARS = 100
#: parentheses nested in one unit text
MAX_UNIT_PARENS = 4
#: characters in one rule expression in a pack
MAX_EXPRESSION_CHARS = 2_000
#: syntax nodes in one rule expression
MAX_EXPRESSION_NODES = 400
#: operators and calls nested in one rule expression
MAX_EXPRESSION_DEPTH = 50

#: bytes in one layout file (`layout: site.geojson`): GeoJSON spells every vertex out
MAX_LAYOUT_BYTES = 8_388_608
#: values in one layout file (a vertex is three: its list and two numbers)
MAX_LAYOUT_NODES = 400_000
#: features in one layout, inline or in a file
MAX_LAYOUT_FEATURES = 5_000
#: metres across a layout: a site is a few hundred metres; past this a coordinate is in another
#: system or misplaced, and the local projection would no longer hold distances to the centimetre
MAX_LAYOUT_EXTENT_M = 50_000.0

#: bytes in one source text `mcrules lint --sources` searches for quotes (a whole manual)
MAX_SOURCE_TEXT_BYTES = 16_777_216

#: how much of a bad value an error message shows
EXCERPT_CHARS = 40


def excerpt(value: Any, limit: int = EXCERPT_CHARS) -> str:
    """`repr` of `value` cut to about `limit` characters, so an error never echoes a whole input."""
    if isinstance(value, str | bytes) and len(value) > limit:
        head = value[:limit]
        return f"{head!r}… ({len(value)} {'characters' if isinstance(value, str) else 'bytes'})"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 70:
        return f"a number of {len(str(abs(value)))} digits" if value.bit_length() < 14_000 \
            else "a number of more than 4000 digits"
    text = repr(value)
    return text if len(text) <= limit + 10 else text[:limit] + "…"


def check_size(data: str | bytes, source: str | None, *, limit: int = MAX_DOCUMENT_BYTES,
               what: str = "a file") -> None:
    """InputError when `data` is longer than `limit` bytes (characters for text: each is a byte
    or more, so the text is at least that many bytes)."""
    if len(data) > limit:
        raise InputError(f"{what} is at most {limit:,} bytes, got {len(data):,}", source=source)


def depth_and_size(doc: Any, max_nodes: int = MAX_NODES) -> tuple[int, int]:
    """The nesting depth and the number of values of a parsed document, walked without recursion.

    Stops early past the limits, so a shared-reference bomb costs at most `max_nodes` steps.
    """
    stack: list[tuple[Any, int]] = [(doc, 1)]
    deepest, count = 0, 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if depth > deepest:
            deepest = depth
        if deepest > MAX_DEPTH or count > max_nodes:
            break
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return deepest, count


def check_structure(doc: Any, source: str | None) -> None:
    """InputError when a parsed document is nested deeper than `MAX_DEPTH` or holds more than
    `MAX_NODES` values."""
    depth, count = depth_and_size(doc)
    if depth > MAX_DEPTH:
        raise InputError(f"nested more than {MAX_DEPTH} levels deep", source=source)
    if count > MAX_NODES:
        raise InputError(f"holds more than {MAX_NODES:,} values", source=source)


def number_digits_ok(text: str) -> bool:
    """Whether a written number has at most `MAX_NUMBER_DIGITS` digits (leading zeros count)."""
    return sum(c.isdigit() for c in text) <= MAX_NUMBER_DIGITS
