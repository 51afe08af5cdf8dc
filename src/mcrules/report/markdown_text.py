"""Untrusted text made literal in Markdown: the one escaping every Markdown report uses.

A site's name, a latrine's id, a case id, a reason filled from a request: each was written by
someone else, and a Markdown report is pasted into wikis, pull requests and e-mail that render
HTML. So every such string goes through `md_text` (Markdown and HTML characters escaped, one
line) or, inside backticks, `md_code` (a code span the text cannot close). `<img src=x
onerror=…>` is then shown, never rendered.
"""

from __future__ import annotations

import html
import re

from mcrules.printable import printable

# Backslash first in the class is irrelevant to `sub`: each character is escaped once.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|&!~])")


def md_text(text: object) -> str:
    """`text` as literal Markdown on one line: control characters shown as escapes, newlines as
    spaces, and every character Markdown or HTML would act on (`< > & [ ] * _ # | \\` …)
    backslash-escaped."""
    line = printable(str(text).replace("\r\n", " ").replace("\n", " ").replace("\r", " "))
    return _MD_SPECIAL.sub(r"\\\1", line)


def md_code(text: object, *, cell: bool = False) -> str:
    """`text` as a Markdown code span (backticks included): inside one, nothing is markup, and a
    fence longer than any run of backticks in the text means the text cannot close it. `cell`:
    the span is in a table row, where a `|` would end the cell even inside backticks (GFM), so
    it is written `\\|`."""
    line = printable(str(text).replace("\n", " ").replace("\r", " "))
    if cell:
        line = line.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", line)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if longest or line.startswith(" ") or line.endswith(" ") else ""
    return f"{fence}{pad}{line}{pad}{fence}"


def md_html(text: object) -> str:
    """`text` inside raw HTML in a Markdown report (`<summary>`), where Markdown escapes do not
    apply: HTML-escaped, one line."""
    return html.escape(printable(str(text).replace("\n", " ")), quote=True)
