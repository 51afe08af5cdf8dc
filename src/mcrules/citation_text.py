"""The one text rendering of a citation's reference: who published what, where in it.

A citation reaches a renderer as `Citation.as_dict()` (a report's JSON) or as the `Citation`
itself (whose `reference()` calls this), so the function reads a mapping. It sits below every
layer because the report renderers, which may not import `rules`, share it with the CLI and the IR.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

UNVERIFIED = " [not verified against the document]"


def field_text(citation: Mapping[str, Any], key: str) -> str:
    """A field of the citation as text; empty when it is absent or empty."""
    value = citation.get(key)
    return str(value) if value else ""


def reference(citation: Mapping[str, Any], *, document: bool = True, publisher: bool = True,
              unverified: bool = True,
              text: Callable[[Mapping[str, Any], str], str] = field_text) -> str:
    """`IOM, Migrant Centres Toolkit Training Manual (2023), Yellow module, Facilitator Note 3.4.3`.

    The renderings differ only in what they leave out, each where the rest of its line says it:
    `document=False` drops the title (a line under a heading that names the document) and then puts
    the edition beside the publisher (`IOM 2023, Yellow module, ...`), or drops it too when
    `publisher=False` as well (`Yellow module, Facilitator Note 3.4.3`); `unverified=False` leaves
    the "not verified" flag to the caller (HTML shows it as its own element). `text` reads a field
    (HTML passes its own, which tolerates a report of another shape).
    """
    edition = text(citation, "edition")
    who = text(citation, "publisher") if publisher else ""
    if document:
        title = text(citation, "document")
        head = [who, title + (f" ({edition})" if edition else "")]
    elif publisher:
        head = [f"{who} {edition}".strip()]
    else:
        head = []
    module = text(citation, "module")
    parts = [*head, f"{module} module" if module else "", text(citation, "section"),
             text(citation, "note")]
    out = ", ".join(p for p in parts if p)
    return out + UNVERIFIED if unverified and not citation.get("verified", True) else out
