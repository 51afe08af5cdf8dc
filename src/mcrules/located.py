"""YAML and JSON documents that remember the line each key came from, for errors that say where.

A foundation module like `errors`: every layer may use it, and it imports nothing of mcrules but
`errors`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import yaml

from mcrules.errors import InputError, Problem


class LocatedDict(dict[str, Any]):
    """A dict that also maps each key to the 1-based line it was written on."""

    lines: dict[str, int]
    line: int | None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = {}
        self.line = None


class LocatedList(list[Any]):
    """A list that also knows the 1-based line of each element."""

    lines: list[int]
    line: int | None

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.lines = []
        self.line = None


class _Loader(yaml.SafeLoader):
    """Safe YAML (no tags that build objects) that records line numbers."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LocatedDict:
    out = LocatedDict()
    out.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool) or key is None:
            raise yaml.constructor.ConstructorError(
                None, None, f"unsupported key {key!r}", key_node.start_mark)
        key = str(key)
        if key in out:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LocatedList:
    out = LocatedList(loader.construct_object(child, deep=True) for child in node.value)
    out.lines = [child.start_mark.line + 1 for child in node.value]
    out.line = node.start_mark.line + 1
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
# Keep dates as text: a site or rule file should not change meaning with YAML's implicit typing.
_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def loads_yaml(text: str, source: str = "<string>") -> Any:
    """Parse YAML text with line numbers; a syntax error becomes an InputError naming the line."""
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or str(exc)
        raise InputError(
            "malformed YAML", source=source, problems=[Problem("", what, line)]
        ) from None
    except yaml.YAMLError as exc:
        raise InputError("malformed YAML", source=source, problems=[Problem("", str(exc))]) from None


def loads_json(data: str | bytes, source: str = "<string>") -> Any:
    """Parse JSON (orjson); a syntax error becomes an InputError with the position."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        line = getattr(exc, "lineno", None)
        raise InputError("malformed JSON", source=source,
                         problems=[Problem("", exc.args[0] if exc.args else str(exc), line)]
                         ) from None


def load_document(path: str | Path) -> Any:
    """Read a YAML or JSON file (by extension; YAML otherwise) with line numbers where possible."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", source=str(p)) from None
    if p.suffix.lower() == ".json":
        return loads_json(raw, str(p))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", source=str(p)) from None
    return loads_yaml(text, str(p))


def line_of(doc: Any, path: tuple[str | int, ...]) -> int | None:
    """The line of the value at `path` inside a located document, or of its closest parent."""
    node, line = doc, getattr(doc, "line", None)
    for part in path:
        if isinstance(node, LocatedDict) and isinstance(part, str) and part in node:
            line = node.lines.get(part, line)
            node = node[part]
        elif isinstance(node, LocatedList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.lines[part]
            node = node[part]
        else:
            break
    return line
