"""User text made safe for a terminal: control characters shown as escapes, never obeyed.

A latrine id or a pack title is written by someone else; printed raw, an escape sequence could
recolour, hide or rewrite what the reader sees. Below every layer (like `errors`), so that the
renderers and the CLI share it without loading the engine.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, the C1 block, and the bidirectional overrides that
# reorder what a terminal shows (U+202A..U+202E, U+2066..U+2069).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with each control character written as its escape (ESC as ``\\x1b``)."""
    return _CONTROL.sub(_escape, text)


def one_line(text: str) -> str:
    """`printable(text)` with newlines and tabs written as escapes too: for a table cell or a
    one-line message."""
    return printable(text).replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
