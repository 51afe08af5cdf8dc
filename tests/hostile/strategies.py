"""Hostile documents for every input kind: valid-looking ones generated from the JSON Schemas in
`schemas/` (hypothesis-jsonschema), then mutated the way hostile but realistic input is: deep
nesting, huge numbers, odd unit strings, wrong types, markup and control characters, bad bytes."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from tests.conftest import ROOT

SCHEMAS = ROOT / "schemas"

HUGE_NUMBERS: list[Any] = [10**400, -(10**30), 2**63, 2**64 + 1, 1e308, -1e308, 1e-320, -0.0,
                           float("inf"), float("-inf"), float("nan")]
ODD_NUMBER_TEXT = ["1" + "0" * 400, "1e999", "-1e999", "nan", "inf", "0x1F", "010", "1:20",
                   "1_000", "1,2", "½", "٣", "1e-400", "+-1", ""]
ODD_UNITS = ["12 L/day/0", "12 (L/day", "12 " + "(" * 300 + "L" + ")" * 300, "12 L/day)",
             "1,2 m^3/day", "0.5 radian", "12 m^3/day^", "12 m**999999", "12 L/day/day/day",
             "12 " + "m" * 2000, "12 " + "m*" * 500 + "m", "1e999 m^2", "12 degC", "12 %",
             "12 L/person/day", "12 ft^2", "12 US_gallon/day", "12 m^3/day; rm -rf /",
             "12 kelvin/0.0", "12 1/0", "12 (((", "12 m^(1/0)", "12 L/(day*0)", "12 ∞"]
MARKUP = ["[/]", "[link=http://evil.example]x[/link]", "[bold]", ":thumbs_up:", "\x1b[31mred",
          "\x1b]8;;http://evil\x07x", "\u202eevil", "a\x00b", "\ud800", "tab\there", "new\nline",
          "'quote", '"dq', "\\", "{{template}}", "${HOME}", "%s%s%n"]
WRONG_TYPES: list[Any] = [None, True, False, [], {}, [1, 2], {"a": 1}, "", " ", "yes", "no",
                          "on", "null", "~", 0, -1, 1.5]


@dataclass(frozen=True)
class Deep:
    """A list or mapping nested `depth` levels. Kept as this marker until written out: json and
    deepcopy recurse, and whether they hit the recursion limit would depend on the stack depth
    of the moment, which makes data generation flaky."""

    depth: int
    kind: str

    def text(self) -> str:
        opening, closing = ("[", "]") if self.kind == "list" else ('{"a": ', "}")
        return opening * self.depth + "1" + closing * self.depth

    def value(self) -> Any:
        value: Any = 1
        for _ in range(self.depth):
            value = [value] if self.kind == "list" else {"a": value}
        return value


def dumps(value: Any) -> str:
    """JSON text of a document, `Deep` markers written out in full."""
    deeps: dict[str, Deep] = {}

    def placeholder(obj: object) -> str:
        if not isinstance(obj, Deep):
            raise TypeError(type(obj).__name__)
        key = f"@@deep{len(deeps)}@@"
        deeps[key] = obj
        return key

    text = json.dumps(value, ensure_ascii=False, allow_nan=True, default=placeholder)
    for key, d in deeps.items():
        text = text.replace(f'"{key}"', d.text())
    return text


def materialized(doc: Any) -> Any:
    """A document with `Deep` markers made real nested values (for the API)."""
    if isinstance(doc, Deep):
        return doc.value()
    if isinstance(doc, dict):
        return {k: materialized(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [materialized(v) for v in doc]
    return doc


hostile_leaf = st.one_of(
    st.sampled_from(HUGE_NUMBERS), st.sampled_from(ODD_NUMBER_TEXT), st.sampled_from(ODD_UNITS),
    st.sampled_from(MARKUP),
    # a fresh copy each time: documents are mutated in place, shared lists must not be
    st.sampled_from(range(len(WRONG_TYPES))).map(lambda i: copy.deepcopy(WRONG_TYPES[i])),
    st.builds(Deep, st.sampled_from([50, 300, 1200, 5000]), st.sampled_from(["list", "map"])),
    st.text(max_size=30), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
)


@cache
def schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / f"{name}.schema.json").read_text())


@cache
def documents(name: str) -> st.SearchStrategy[dict[str, Any]]:
    """Documents the schema accepts (what a careful user writes)."""
    return from_schema(schema(name))


def _paths(doc: Any) -> list[tuple[Any, ...]]:
    """Every place in a document, shallow ones only (a mutation may have nested 1200 deep)."""
    out: list[tuple[Any, ...]] = []
    stack: list[tuple[tuple[Any, ...], Any]] = [((), doc)]
    while stack:
        prefix, value = stack.pop()
        out.append(prefix)
        if len(prefix) >= 6:
            continue
        if isinstance(value, dict):
            stack.extend(((*prefix, k), v) for k, v in reversed(list(value.items())))
        elif isinstance(value, list):
            stack.extend(((*prefix, i), v) for i, v in reversed(list(enumerate(value))))
    return out


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return doc


@st.composite
def mutated(draw: st.DrawFn, name: str = "site", *, keys: bool = True) -> Any:
    """A schema-valid document with one to three places replaced by hostile values, and perhaps
    an unknown or hostile key added (`keys=False` keeps the key set: bulk headers)."""
    doc: Any = draw(documents(name))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        doc = _set(doc, path, draw(hostile_leaf))
        if not isinstance(doc, dict):
            return doc  # the whole document replaced: a scalar, a list, a deep nest
    if keys and draw(st.booleans()):
        doc[draw(st.sampled_from(["[/]", "unknown_key", "Beds", "beds ", "a.b", "__row_error__",
                                  "toilets.female", "\x1b[2J"]))] = draw(hostile_leaf)
    return doc


def to_json(doc: Any) -> bytes:
    """JSON a user could write: huge ints as digits; NaN and infinities as bare words."""
    return dumps(doc).encode("utf-8", "surrogatepass")


@st.composite
def site_file(draw: st.DrawFn, name: str = "site") -> tuple[str, bytes]:
    """(suffix, bytes) of a hostile file of a subject (`schemas/NAME.schema.json`): YAML or JSON,
    perhaps with bad bytes spliced in."""
    doc = draw(st.one_of(documents(name), mutated(name)))
    data = to_json(doc)
    suffix = draw(st.sampled_from([".yaml", ".json"]))
    if draw(st.integers(0, 4)) == 0:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\xff", b"\x00", b"\xe9", b"\xef\xbb\xbf",
                                                 b"&a", b"*a", b"!!python/object:os.system",
                                                 b"\t", b"\r"])) + data[at:]
    return suffix, data
