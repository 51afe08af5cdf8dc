"""Read a subject's file (YAML or JSON) into its validated model, with errors that name field and line.

One reader serves every subject: the messages ("invalid site file: 2 problems", "unknown key
'toilet'; did you mean 'toilets'?") depend only on the subject's name and its model.
"""

from __future__ import annotations

import copy
import difflib
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from mcrules.errors import FieldError, InputError, Problem
from mcrules.facts import _strip_optional
from mcrules.limits import excerpt
from mcrules.located import line_of, load_document
from mcrules.source import display_name

if TYPE_CHECKING:  # only the declaration's fields are read: no need to load the pack loader
    from mcrules.subjects import Subject

M = TypeVar("M", bound=BaseModel)
_HINT_CHARS = 100  # "did you mean" only for names this short: difflib's cost grows with length


def read_subject(path: str | Path, subject: Subject[M], *,
                 strict: bool = False) -> tuple[M, list[str]]:
    """Read and validate a file of `subject`. Unknown keys are warnings, or errors when `strict`."""
    doc = load_document(path)
    return validate_subject(doc, subject, strict=strict, source=display_name(path))


def validate_subject(data: Any, subject: Subject[M], *, strict: bool = False,
                     source: str | None = None) -> tuple[M, list[str]]:
    """Validate a document of `subject`; raise InputError listing every problem with path and line."""
    return validate_model(data, subject.model, noun=subject.noun, strict=strict, source=source)


def validate_model(data: Any, model: type[M], *, noun: str, strict: bool = False,
                   source: str | None = None) -> tuple[M, list[str]]:
    """Validate a document against `model`, naming it `noun` in messages ("invalid site file").

    For callers that hold a model rather than a subject (the bulk converter's exact fallback).
    """
    if not isinstance(data, Mapping):
        kind = "empty" if data is None else type(data).__name__
        raise InputError(f"a {noun} file must be a mapping of keys to values, got {kind}",
                         source=source)
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        errors = exc.errors()
    # An unknown key that reads as a field left out, whose default would then stand in for the
    # value meant (`valance: negative` beside no `valence`: a positive capacity, a lower risk), is
    # an error even when unknown keys are only warnings: dropping it changes the verdict.
    unknown = [e for e in errors if e["type"] == "extra_forbidden"
               and _defaulted_twin(e, data, model) is None]
    others = [e for e in errors if e not in unknown]
    warnings = [str(_problem(e, data, model)) for e in unknown]
    if others or strict:
        problems = [_problem(e, data, model) for e in (others + (unknown if strict else []))]
        problems.sort(key=lambda p: (p.line or 0, p.path))
        counted = "problem" if len(problems) == 1 else "problems"
        raise InputError(f"invalid {noun} file: {len(problems)} {counted}", source=source,
                         problems=problems)
    cleaned = copy.deepcopy(dict(data))
    for e in unknown:
        _drop(cleaned, e["loc"])
    # Without the unknown keys, checks across fields run that the first pass never reached; their
    # errors must be reported like any other, not escape as a ValidationError.
    obj, _ = validate_model(cleaned, model, noun=noun, strict=strict, source=source)
    return obj, warnings


def _close_name(key: str, model: type[BaseModel] | None) -> str | None:
    """The field of `model` that `key` is most likely a misspelling of, or None."""
    names = list(model.model_fields) if model else []
    close = difflib.get_close_matches(key, names, n=1) if len(key) <= _HINT_CHARS else []
    return close[0] if close else None


def _defaulted_twin(error: Any, data: Any, root: type[BaseModel]) -> str | None:
    """For an unknown key: the field it most likely misspells when that field is left out of the
    same mapping and has a default other than None (so dropping the key would apply the default
    instead of the value meant); None otherwise."""
    loc = tuple(error["loc"])
    model = _model_at(root, loc)
    twin = _close_name(str(loc[-1]), model)
    if model is None or twin is None:
        return None
    info = model.model_fields[twin]
    if info.is_required() or (info.default_factory is None and info.default is None):
        return None
    node: Any = data
    for part in loc[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return twin if isinstance(node, Mapping) and twin not in node else None


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


def _model_at(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class that holds the field at `loc`, to suggest names for a typo."""
    model: Any = root
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


def _problem(error: Any, data: Any, root: type[BaseModel]) -> Problem:
    loc = tuple(error["loc"])
    ctx = error.get("ctx") or {}
    if isinstance(ctx.get("error"), FieldError):  # a cross-field check naming its own field
        loc += ctx["error"].loc
    path = _path(loc)
    line = line_of(data, loc)
    kind, value = error["type"], error.get("input")
    # A container is named by its shape: its class (LocatedDict, from the YAML reader) means
    # nothing to the person who wrote the file.
    shown = "a mapping" if isinstance(value, Mapping) else "a list" \
        if isinstance(value, list) else excerpt(value)
    if kind == "extra_forbidden":
        close = _close_name(str(loc[-1]), _model_at(root, loc))
        hint = f"; did you mean '{close}'?" if close else ""
        twin = _defaulted_twin(error, data, root)
        if twin is not None:
            hint += f" (left out, `{twin}` takes its default, which the file may not mean)"
        return Problem(path, f"unknown key {excerpt(str(loc[-1]))}{hint}", line)
    if kind == "value_error":
        msg = str(ctx.get("error") or error["msg"]).removeprefix("Value error, ")
        if isinstance(ctx.get("error"), FieldError):
            msg = ctx["error"].message
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
        near = difflib.get_close_matches(str(value), choices, n=1) \
            if len(str(value)) <= _HINT_CHARS else []
        hint = f"; did you mean '{near[0]}'?" if near else f" (allowed: {', '.join(choices)})"
        return Problem(path, f"unknown value {shown}{hint}", line)
    return Problem(path, messages.get(kind, f"{error['msg']} (got {shown})"), line)
