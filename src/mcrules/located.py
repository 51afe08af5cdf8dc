"""YAML and JSON documents that remember the line each key came from, for errors that say where.

A foundation module like `errors`: every layer may use it, and it imports nothing of mcrules but
`errors`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, cast

import yaml

from mcrules.errors import DUPLICATE_ID, InputError, Problem
from mcrules.limits import (
    EXCERPT_CHARS,
    MAX_DEPTH,
    MAX_DOCUMENT_BYTES,
    MAX_NODES,
    MAX_NUMBER_DIGITS,
    MAX_STRING_CHARS,
    check_size,
    depth_and_size,
    excerpt,
    number_digits_ok,
)
from mcrules.source import is_stdin, read_input


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


try:  # libyaml scans and parses in C, several times faster; composing stays ours, in Python
    from yaml._yaml import CParser as _EventParser

    class _Events(_EventParser):
        """Events from libyaml, composed by PyYAML's Python composer (so the limits below hold)."""

        def __init__(self, stream: str) -> None:
            _EventParser.__init__(self, stream)

except ImportError:  # pragma: no cover - PyYAML built without libyaml
    class _Events(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):  # type: ignore[no-redef]
        """Events from PyYAML's pure-Python scanner and parser."""

        def __init__(self, stream: str) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)


class _Loader(_Events, yaml.composer.Composer, yaml.constructor.SafeConstructor,
              yaml.resolver.Resolver):
    """Safe YAML (no tags that build objects) that records line numbers and holds the limits.

    Composing counts, for every node, its depth and its size with aliases expanded, and refuses a
    node past `MAX_DEPTH` or the document past `MAX_NODES` values before going on: an alias bomb
    or a document nested a thousand deep is refused while it is read, never built.
    """

    # libyaml's parser would compose in C, past our checks: compose with PyYAML's composer.
    get_single_node = yaml.composer.Composer.get_single_node
    compose_document = yaml.composer.Composer.compose_document
    check_node = yaml.composer.Composer.check_node
    get_node = yaml.composer.Composer.get_node

    def __init__(self, stream: str) -> None:
        _Events.__init__(self, stream)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self._depth = 0
        self._total = 0  # values composed so far, aliases expanded
        self._path: list[str | int] = []
        self._sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (expanded size, height)

    def compose_node(self, parent: Any, index: Any) -> Any:
        part = _part(parent, index)
        if part is not None:
            self._path.append(part)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise self._limit(f"nested more than {MAX_DEPTH} levels deep")
            alias = self.check_event(yaml.AliasEvent)
            node = yaml.composer.Composer.compose_node(self, parent, index)
            size, height = self._measure(node)
            self._total += size if alias else 1
            if size > MAX_NODES or self._total > MAX_NODES:
                raise self._limit(f"holds more than {MAX_NODES:,} values once aliases are "
                                  "expanded", node)
            if self._depth - 1 + height > MAX_DEPTH:
                raise self._limit(f"nested more than {MAX_DEPTH} levels deep once aliases are "
                                  "expanded", node)
            return node
        finally:
            self._depth -= 1
            if part is not None:
                self._path.pop()

    def _measure(self, node: Any) -> tuple[int, int]:
        known = self._sizes.get(id(node))
        if known is not None:
            return known
        if isinstance(node, yaml.ScalarNode):
            if len(node.value) > MAX_STRING_CHARS:
                raise self._limit(f"a text value is at most {MAX_STRING_CHARS:,} characters, got "
                                  f"{len(node.value):,}", node)
            if node.tag in _NUMBER_TAGS and not number_digits_ok(node.value):
                raise self._limit(f"a number has at most {MAX_NUMBER_DIGITS} digits, got "
                                  f"{sum(c.isdigit() for c in node.value)}", node)
            out = (1, 0)
        else:
            children = ([c for pair in node.value for c in pair]
                        if isinstance(node, yaml.MappingNode) else node.value)
            measured = [self._sizes.get(id(c)) or self._measure(c) for c in children]
            out = (1 + sum(s for s, _ in measured), 1 + max((h for _, h in measured), default=0))
        self._sizes[id(node)] = out
        return out

    def _limit(self, message: str, node: Any = None) -> _LimitError:
        event: Any = None if node is not None else self.peek_event()
        mark = getattr(node if node is not None else event, "start_mark", None)
        return _LimitError(_dotted(self._path), message, None if mark is None else mark.line + 1)


class _DuplicateKey(yaml.constructor.ConstructorError):
    """A mapping names one key twice: in a pack, a duplicate id (lint code MCR008)."""


class _LimitError(Exception):
    """A limit passed while composing; becomes an InputError naming the path and line."""

    def __init__(self, path: str, message: str, line: int | None) -> None:
        super().__init__(message)
        self.problem = Problem(path, message, line)


def _part(parent: Any, index: Any) -> str | int | None:
    if isinstance(index, yaml.ScalarNode):
        return str(index.value[:EXCERPT_CHARS])
    if isinstance(index, int) and not isinstance(index, bool):
        return index
    return None


def _dotted(path: list[str | int], limit: int = 120) -> str:
    """`spaces[0].id`, cut in the middle past `limit` characters (a path 1000 deep is not shown)."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out if len(out) <= limit else f"{out[:limit // 2]}…{out[-limit // 2:]}"


_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LocatedDict:
    out = LocatedDict()
    out.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool) or key is None:
            raise yaml.constructor.ConstructorError(
                None, None, f"unsupported key {excerpt(key)}", key_node.start_mark)
        key = str(key)
        if key in out:
            raise _DuplicateKey(None, None, f"duplicate key {excerpt(key)}", key_node.start_mark)
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LocatedList:
    out = LocatedList(loader.construct_object(child, deep=True) for child in node.value)
    out.lines = [child.start_mark.line + 1 for child in node.value]
    out.line = node.start_mark.line + 1
    return out


# YAML 1.2's core schema, not PyYAML's YAML 1.1: `010` is ten (not eight), `1:20` is text (not
# eighty), `yes`/`no`/`on`/`off` are text (so never a count of 1 or a silent true), and dates stay
# text: a site or rule file should not change meaning with YAML 1.1's implicit typing.
_INT_12 = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT_12 = re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                       r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
_BOOL_12 = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_NULL_12 = re.compile(r"^(?:~|null|Null|NULL|)$")
_Loader.yaml_implicit_resolvers = {}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL_12, list("tTfF"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", _INT_12, list("-+0123456789"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_12, list("-+0123456789."))
_Loader.add_implicit_resolver("tag:yaml.org,2002:null", _NULL_12, ["~", "n", "N", ""])


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    text = node.value
    if not _INT_12.match(text):
        raise yaml.constructor.ConstructorError(
            None, None, f"expected a whole number, got {excerpt(text)}", node.start_mark)
    if not number_digits_ok(text):
        raise yaml.constructor.ConstructorError(
            None, None, f"a number has at most {MAX_NUMBER_DIGITS} digits, got "
            f"{sum(c.isdigit() for c in text)}", node.start_mark)
    return _int_of(text)


def _int_of(text: str) -> int:
    """A YAML 1.2 integer, `_INT_12` matched."""
    if text.startswith(("0o", "0x")):
        return int(text[2:], 8 if text[1] == "o" else 16)
    return int(text)


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> float:
    text = node.value
    if not _FLOAT_12.match(text):
        raise yaml.constructor.ConstructorError(
            None, None, f"expected a number, got {excerpt(text)}", node.start_mark)
    if not number_digits_ok(text):
        raise yaml.constructor.ConstructorError(
            None, None, f"a number has at most {MAX_NUMBER_DIGITS} digits, got "
            f"{sum(c.isdigit() for c in text)}", node.start_mark)
    return _float_of(text)


def _float_of(text: str) -> float:
    """A YAML 1.2 float, `_FLOAT_12` matched (`.inf`, `.nan` included)."""
    lowered = text.lower()
    if lowered.endswith("inf"):
        return float("-inf") if lowered.startswith("-") else float("inf")
    return float("nan") if lowered.endswith("nan") else float(text)


def _construct_bool(loader: _Loader, node: yaml.ScalarNode) -> bool:
    if not _BOOL_12.match(node.value):
        raise yaml.constructor.ConstructorError(
            None, None, f"expected true or false, got {excerpt(node.value)}", node.start_mark)
    return bool(node.value.lower() == "true")


def plain_scalar(text: str) -> str | bool | int | float:
    """What YAML reads from `text` written unquoted: `true`/`false` a boolean, `12` and `1.5e3`
    numbers, anything else (`yes`, `t`, `1,200`, `12 L`) the text itself.

    A cell of a CSV file has no type: it is read as a site file would read the same characters,
    so a cell `1` in a yes/no column is refused as `flag: 1` is, and `t` as `flag: t`. A number
    of more than `MAX_NUMBER_DIGITS` digits, which the YAML reader refuses, stays text (refused
    by every number field). Null words stay text too: only an empty cell is missing.
    """
    s = text.strip()
    if _BOOL_12.match(s):
        return s.lower() == "true"
    if not number_digits_ok(s):
        return text
    if _INT_12.match(s):
        return _int_of(s)
    return _float_of(s) if _FLOAT_12.match(s) else text


_add_constructor = cast(Any, _Loader).add_constructor  # the stubs know only PyYAML's own loaders
_add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
_add_constructor("tag:yaml.org,2002:int", _construct_int)
_add_constructor("tag:yaml.org,2002:float", _construct_float)
_add_constructor("tag:yaml.org,2002:bool", _construct_bool)


def loads_yaml(text: str, source: str = "<string>") -> Any:
    """Parse YAML text with line numbers, within the limits; a syntax error or a limit passed
    becomes an InputError naming the line (and the path, for a limit)."""
    check_size(text, source)
    try:
        loader = _Loader(text)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except _LimitError as exc:
        raise InputError("YAML past a limit", source=source, problems=[exc.problem]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or str(exc)
        raise InputError(
            "malformed YAML", source=source, problems=[Problem("", _bounded(what), line)],
            code=DUPLICATE_ID if isinstance(exc, _DuplicateKey) else None,
        ) from None
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        # Anything else a safe loader can raise on hostile text (an explicit `!!binary` tag that is
        # not base64, a `!!timestamp` that is no date), as one bounded line.
        raise InputError("malformed YAML", source=source,
                         problems=[Problem("", _bounded(str(exc) or type(exc).__name__))]
                         ) from None


def _bounded(message: str, limit: int = 200) -> str:
    message = " ".join(message.split())
    return message if len(message) <= limit else message[:limit] + "…"


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _JsonProblem(f"duplicate key {excerpt(key)}")
        out[key] = value
    return out


def _json_int(text: str) -> int:
    if not number_digits_ok(text):
        raise _JsonProblem(f"a number has at most {MAX_NUMBER_DIGITS} digits, got "
                           f"{sum(c.isdigit() for c in text)}")
    return int(text)


def _json_float(text: str) -> float:
    if not number_digits_ok(text):
        raise _JsonProblem(f"a number has at most {MAX_NUMBER_DIGITS} digits, got "
                           f"{sum(c.isdigit() for c in text)}")
    return float(text)


def _json_constant(text: str) -> Any:
    raise _JsonProblem(f"{text} is not JSON (a number must be finite)")


class _JsonProblem(ValueError):
    """A limit or rule of ours broken by a JSON text, with the path when it is known."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.message = message
        self.path = path


def parse_json(data: str | bytes, *, max_nodes: int = MAX_NODES) -> Any:
    """Parse one JSON text strictly (duplicate keys, NaN, numbers past `MAX_NUMBER_DIGITS` and
    nesting past `MAX_DEPTH` refused); ValueError with a bounded message saying why not.

    The shared core of `loads_json` (a file) and of the JSON Lines reader (a row)."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"not UTF-8 text (byte {exc.start})") from None
    else:
        text = data
    try:
        doc = json.loads(text, object_pairs_hook=_json_object, parse_int=_json_int,
                         parse_float=_json_float, parse_constant=_json_constant)
    except _JsonProblem:
        raise
    except json.JSONDecodeError as exc:
        raise ValueError(f"{exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise ValueError(f"nested more than {MAX_DEPTH} levels deep") from None
    depth, count = depth_and_size(doc, max_nodes)
    if depth > MAX_DEPTH:
        raise _JsonProblem(f"nested more than {MAX_DEPTH} levels deep", _deep_path(doc))
    if count > max_nodes:
        raise ValueError(f"holds more than {max_nodes:,} values")
    long = _long_string(doc)
    if long is not None:
        raise ValueError(f"a text value is at most {MAX_STRING_CHARS:,} characters, got {long:,}")
    return doc


def _deep_path(doc: Any) -> str:
    """The path to a value nested more than `MAX_DEPTH` deep (`spaces[0][0]…`), for the error."""
    stack: list[tuple[Any, list[str | int]]] = [(doc, [])]
    while stack:
        node, path = stack.pop()
        if len(path) >= MAX_DEPTH:
            return _dotted(path)
        if isinstance(node, dict):
            stack.extend((v, [*path, str(k)[:EXCERPT_CHARS]]) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, [*path, i]) for i, v in enumerate(node))
    return ""


def _long_string(doc: Any) -> int | None:
    """The length of the first text value or key longer than `MAX_STRING_CHARS`, if any."""
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if len(node) > MAX_STRING_CHARS:
                return len(node)
        elif isinstance(node, dict):
            stack.extend(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return None


def loads_json(data: str | bytes, source: str = "<string>", *, limit: int = MAX_DOCUMENT_BYTES,
               max_nodes: int = MAX_NODES) -> Any:
    """Parse JSON within the limits, strictly (see `parse_json`); a syntax error or a limit
    passed becomes an InputError saying what and where. A layout file passes its own, larger
    `limit` (bytes) and `max_nodes`."""
    check_size(data, source, limit=limit)
    try:
        return parse_json(data, max_nodes=max_nodes)
    except _JsonProblem as exc:
        raise InputError("malformed JSON", source=source,
                         problems=[Problem(exc.path, exc.message)]) from None
    except ValueError as exc:
        raise InputError("malformed JSON", source=source, problems=[Problem("", str(exc))]
                         ) from None


def load_document(path: str | Path) -> Any:
    """Read a YAML or JSON document with line numbers where possible, through the one reader
    (`mcrules.source.read_input`: bounded, devices refused, `-` for standard input).

    A file is JSON by its extension (`.json`), YAML otherwise; standard input has no extension,
    so it is JSON when its first character after white space is `{` or `[`, YAML otherwise."""
    raw, name = read_input(path)
    if _is_json(path, raw):
        return loads_json(raw, name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", source=name) from None
    return loads_yaml(text, name)


def _is_json(path: str | Path, raw: bytes) -> bool:
    if is_stdin(path):
        return raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")
    return Path(path).suffix.lower() == ".json"


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
