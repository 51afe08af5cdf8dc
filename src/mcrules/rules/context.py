"""Reading one pack file: located errors, typed fields and citations, shared by every loader."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mcrules.errors import (
    EMPTY_QUOTE,
    MISSING_CITATION,
    UNKNOWN_FIELD,
    ExpressionError,
    RuleLoadError,
)
from mcrules.located import LocatedDict, LocatedList
from mcrules.rules.expr import Scope, parse_expression
from mcrules.rules.ir import Citation, Document, Expr

RULE_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")  # a rule id: dotted, two parts at least
NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")  # a parameter, value or definition name
CITATION_KEYS = {"document", "module", "section", "note", "quote", "verified"}


class FileContext:
    """Error reporting for one pack file: every error names the file and the line."""

    def __init__(self, file: Path) -> None:
        self.file = str(file)

    def error(self, message: str, node: Any = None, key: str | None = None,
              path: str | None = None, code: str | None = None) -> RuleLoadError:
        line = None
        if isinstance(node, LocatedDict):
            line = node.lines.get(key, node.line) if key else node.line
        elif isinstance(node, LocatedList):
            line = node.line
        return RuleLoadError(message, file=self.file, line=line, path=path, code=code)

    def mapping(self, node: Any, what: str, allowed: set[str], required: tuple[str, ...] = (),
                path: str | None = None) -> LocatedDict:
        if not isinstance(node, LocatedDict):
            raise self.error(f"{what} must be a mapping", node, path=path)
        unknown = sorted(set(node) - allowed)
        if unknown:
            raise self.error(f"unknown key {unknown[0]!r} in {what} (allowed: "
                             f"{', '.join(sorted(allowed))})", node, unknown[0], path, UNKNOWN_FIELD)
        for key in required:
            if key not in node or node[key] in (None, ""):
                code = MISSING_CITATION if key == "citations" else \
                    EMPTY_QUOTE if key == "quote" and what.endswith("citation") else None
                raise self.error(f"{what} needs `{key}`", node, path=path, code=code)
        return node

    def text(self, node: LocatedDict, key: str, path: str | None = None, default: str = "") -> str:
        value = node.get(key, default)
        if value is None:
            return default
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise self.error(f"`{key}` must be text", node, key, path)
        return str(value)

    def date(self, node: LocatedDict, key: str, path: str | None = None) -> dt.date | None:
        value = node.get(key)
        if value is None:
            return None
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise self.error(f"`{key}` must be a date like 2023-01-01, got {value!r}",
                             node, key, path) from None

    def expr(self, node: LocatedDict, key: str, scope: Scope, path: str | None = None) -> Expr:
        try:
            return parse_expression(self.text(node, key, path), scope)
        except ExpressionError as exc:
            raise self.error(f"`{key}`: {exc.message}", node, key, path, exc.code) from None



def citations(ctx: FileContext, node: Any, documents: Mapping[str, Document], path: str,
               parent: Any, key: str) -> tuple[Citation, ...]:
    if not isinstance(node, LocatedList) or not node:
        raise ctx.error("needs `citations`: a list with at least one {document, quote, ...}",
                        parent, key, path, MISSING_CITATION)
    out = []
    for item in node:
        c = ctx.mapping(item, "citation", CITATION_KEYS, ("document", "quote"), path)
        doc_id = ctx.text(c, "document")
        if doc_id not in documents:
            raise ctx.error(f"citation names unknown document {doc_id!r}; declare it under "
                            "`documents:` in pack.yaml", c, "document", path)
        verified = c.get("verified", True)
        if not isinstance(verified, bool):
            raise ctx.error("`verified` must be true or false", c, "verified", path)
        out.append(Citation(documents[doc_id], ctx.text(c, "quote"), ctx.text(c, "module"),
                            ctx.text(c, "section"), ctx.text(c, "note"), verified))
    return tuple(out)
