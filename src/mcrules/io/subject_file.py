"""Read a site file (YAML or JSON) into a validated Site, with errors that name field and line."""

from __future__ import annotations

import copy
import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from mcrules.errors import InputError, Problem
from mcrules.located import line_of, load_document
from mcrules.models.site import Site


def read_site(path: str | Path, *, strict: bool = False) -> tuple[Site, list[str]]:
    """Read and validate a site file. Unknown keys are warnings, or errors when `strict`."""
    doc = load_document(path)
    return validate_site(doc, strict=strict, source=str(path))


def validate_site(data: Any, *, strict: bool = False,
                  source: str | None = None) -> tuple[Site, list[str]]:
    """Validate a site document; raise InputError listing every problem with its path and line."""
    if not isinstance(data, Mapping):
        kind = "empty" if data is None else type(data).__name__
        raise InputError(f"a site file must be a mapping of keys to values, got {kind}",
                         source=source)
    try:
        return Site.model_validate(data), []
    except ValidationError as exc:
        errors = exc.errors()
    unknown = [e for e in errors if e["type"] == "extra_forbidden"]
    others = [e for e in errors if e["type"] != "extra_forbidden"]
    warnings = [str(_problem(e, data)) for e in unknown]
    if others or strict:
        problems = [_problem(e, data) for e in (others + (unknown if strict else []))]
        problems.sort(key=lambda p: (p.line or 0, p.path))
        noun = "problem" if len(problems) == 1 else "problems"
        raise InputError(f"invalid site file: {len(problems)} {noun}", source=source,
                         problems=problems)
    cleaned = copy.deepcopy(dict(data))
    for e in unknown:
        _drop(cleaned, e["loc"])
    return Site.model_validate(cleaned), warnings


def _drop(data: Any, loc: tuple[Any, ...]) -> None:
    node = data
    for part in loc[:-1]:
        node = node[part]
    node.pop(loc[-1], None)


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class that holds the field at `loc`, to suggest names for a typo."""
    import typing

    from mcrules.facts import _strip_optional

    model: Any = Site
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        fields = getattr(model, "model_fields", None)
        info = fields.get(part) if isinstance(fields, dict) else None
        if info is None:
            return None
        tp = _strip_optional(info.annotation)
        if typing.get_origin(tp) is list:
            tp = _strip_optional(typing.get_args(tp)[0])
        model = tp
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _problem(error: Any, data: Any) -> Problem:
    loc = tuple(error["loc"])
    path = _path(loc)
    line = line_of(data, loc)
    kind, value = error["type"], error.get("input")
    shown = repr(value) if not isinstance(value, Mapping | list) else type(value).__name__
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        model = _model_at(loc)
        names = list(model.model_fields) if model else []
        close = difflib.get_close_matches(str(loc[-1]), names, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return Problem(path, f"unknown key '{loc[-1]}'{hint}", line)
    if kind == "value_error":
        msg = str(ctx.get("error") or error["msg"]).removeprefix("Value error, ")
        return Problem(path, msg, line)
    messages = {
        "int_parsing": f"expected a whole number, got {shown}",
        "int_type": f"expected a whole number, got {shown}",
        "int_from_float": f"expected a whole number, got {shown}",
        "float_parsing": f"expected a number, got {shown}",
        "float_type": f"expected a number, got {shown}",
        "bool_parsing": f"expected true or false, got {shown}",
        "bool_type": f"expected true or false, got {shown}",
        "string_type": f"expected text, got {shown}",
        "list_type": f"expected a list, got {shown}",
        "model_type": f"expected a mapping of keys to values, got {shown}",
        "model_attributes_type": f"expected a mapping of keys to values, got {shown}",
        "dict_type": f"expected a mapping of keys to values, got {shown}",
        "missing": "is required",
        "greater_than_equal": f"must be {ctx.get('ge')} or more, got {shown}",
        "less_than_equal": f"must be {ctx.get('le')} or less, got {shown}",
        "string_too_short": "must not be empty",
    }
    if kind == "enum":
        choices = [c.strip(" '") for c in str(ctx.get("expected", "")).replace(" or ", ", ")
                   .split(",")]
        close = difflib.get_close_matches(str(value), choices, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f" (allowed: {', '.join(choices)})"
        return Problem(path, f"unknown value {shown}{hint}", line)
    return Problem(path, messages.get(kind, f"{error['msg']} (got {shown})"), line)
