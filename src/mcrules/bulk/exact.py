"""Answers from the scalar validator itself, for what the vectorised paths leave to it.

Unusual values (``"12,000 L/day"``, a boolean in a count, a value with a custom validator) and the
wording of every reject come from `mcrules.io.validate_model` (the subject file reader) on a minimal
document holding just that value, so bulk accepts exactly what a file of the subject accepts and
says why in the same words.
Answers are memoised per distinct value, so a column of a few repeated strings costs a few calls.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import Enum
from typing import Any

from pydantic import BaseModel

from mcrules.bulk.layout import ItemsLayout, Layout, Leaf
from mcrules.errors import InputError
from mcrules.facts import fact_value
from mcrules.io import validate_model

Problem = tuple[str, str]  # (field path, reason)
_ITEM_INDEX = re.compile(r"\[\d+\]")
Encoded = float | frozenset[str] | str | None

_MEMO_LIMIT = 200_000


def encode(leaf: Leaf, value: Any) -> Encoded:
    """A validated model value as the columnar layout holds it (see `mcrules.engine.columns`)."""
    if value is None:
        return None
    kind = leaf.spec.kind
    if kind == "set":
        return frozenset(str(v.value if isinstance(v, Enum) else v) for v in value)
    if kind == "text":
        return str(value)
    if kind == "enum":
        return float(leaf.spec.choices.index(str(value.value if isinstance(value, Enum)
                                                  else value)))
    if kind == "bool":
        return 1.0 if value else 0.0
    if kind in ("ordinal", "date"):
        return float(fact_value(value))  # a level's rank, a date's day number
    return float(value)


def nest(path: str, value: Any) -> dict[str, Any]:
    """``nest("toilets.female", 3)`` is ``{"toilets": {"female": 3}}``."""
    parts = path.split(".")
    doc: dict[str, Any] = {parts[-1]: value}
    for part in reversed(parts[:-1]):
        doc = {part: doc}
    return doc


def memo_key(value: Any) -> Any:
    """A hashable key that keeps 1, 1.0 and True apart (pydantic treats them differently)."""
    if isinstance(value, list | tuple):
        return ("list", tuple(memo_key(v) for v in value))
    if isinstance(value, Mapping):
        return ("dict", tuple(sorted((str(k), memo_key(v)) for k, v in value.items())))
    return (type(value).__name__, value)


def _dummy(leaf: Leaf) -> Any:
    """A valid value for a required item field, so a document can isolate another field."""
    if leaf.kind == "enum":
        return leaf.spec.choices[0]
    if leaf.kind == "text":
        return "x" * max(1, leaf.min_length)
    if leaf.kind == "bool":
        return False
    if leaf.kind == "set":
        return []
    minimum = leaf.number.minimum if leaf.number is not None else None
    return minimum if minimum is not None else 0


class Exact:
    """The scalar validator, asked one value (or one collection, or one row) at a time."""

    def __init__(self, layout: Layout, noun: str) -> None:
        self.layout = layout
        self.noun = noun  # the subject's name in messages, as its file reader words them
        self._memo: dict[Any, tuple[Encoded, list[Problem]]] = {}

    def _validate(self, doc: dict[str, Any], strict: bool = False) -> tuple[BaseModel | None,
                                                                             list[Problem],
                                                                             list[str]]:
        try:
            site, warnings = validate_model(doc, self.layout.model, noun=self.noun, strict=strict)
        except InputError as exc:
            problems = [(p.path, p.message) for p in exc.problems] or [("", exc.message)]
            return None, problems, []
        return site, [], warnings

    def _remember(self, key: Any, answer: tuple[Encoded, list[Problem]]) -> None:
        if len(self._memo) >= _MEMO_LIMIT:
            self._memo.clear()
        self._memo[key] = answer

    def leaf(self, leaf: Leaf, value: Any, items: ItemsLayout | None = None,
             index: int = 0) -> tuple[Encoded, list[Problem]]:
        """One field's value, encoded, or the problems the scalar path reports for it.

        For an item field (`items` given), paths name the item's real position `index`.
        """
        try:
            key = ("leaf", items.path if items else "", leaf.path, memo_key(value))
            hit = self._memo.get(key)
        except TypeError:  # an unhashable value inside: no memo
            key, hit = None, None
        if hit is None:
            hit = self._leaf(leaf, value, items)
            if key is not None:
                self._remember(key, hit)
        encoded, problems = hit
        if items is not None and problems:
            old, new = f"{items.path}[0]", f"{items.path}[{index}]"
            problems = [(p.replace(old, new, 1), m) for p, m in problems]
        return encoded, problems

    def _leaf(self, leaf: Leaf, value: Any, items: ItemsLayout | None) -> tuple[Encoded,
                                                                               list[Problem]]:
        if items is None:
            site, problems, _ = self._validate(nest(leaf.path, value))
            if site is None:
                return None, problems
            got: Any = site
            for attr in leaf.attrs:
                got = getattr(got, attr, None)
                if got is None:
                    break
            return encode(leaf, got), []
        item = {name: _dummy(other) for name, other in items.leaves.items()
                if other.required and name != leaf.path}
        if value is not None:
            item[leaf.path] = value
        site, problems, _ = self._validate({items.path: [item]})
        if site is None:
            return None, problems
        unit = getattr(site, items.path)[0]
        return encode(leaf, getattr(unit, leaf.attrs[0])), []

    def group_value(self, path: str, value: Any) -> list[Problem]:
        """Problems of a value given where a nested model is expected (``population: 5``)."""
        _, problems, _ = self._validate(nest(path, value))
        return problems

    def revalidate(self, path: str, values: dict[str, Any]) -> tuple[BaseModel | None,
                                                                     list[Problem]]:
        """Run a nested model (and its validators) on already converted values."""
        site, problems, _ = self._validate(nest(path, values))
        if site is None:
            return None, problems
        got: Any = site
        for part in path.split("."):
            got = getattr(got, part)
        return got, []

    def collection(self, items: ItemsLayout, value: Any, strict: bool = False,
                   warnings: list[str] | None = None) -> tuple[list[dict[str, Encoded]] | None,
                                                               list[Problem]]:
        """A whole list of items: per item the encoded fields and its label, or the problems.

        Warnings (unknown item keys) are added to `warnings` without item positions, as one
        warning per key rather than per item.
        """
        site, problems, found = self._validate({items.path: value}, strict=strict)
        if warnings is not None:
            warnings.extend(_ITEM_INDEX.sub("", w) for w in found)
        if site is None:
            return None, problems
        out: list[dict[str, Encoded]] = []
        for unit in getattr(site, items.path) or ():
            rec: dict[str, Encoded] = {name: encode(leaf, getattr(unit, leaf.attrs[0]))
                                       for name, leaf in items.leaves.items()}
            label = getattr(unit, items.label) if items.label else None
            rec["__label__"] = None if label is None else str(label)
            out.append(rec)
        return out, []

    def unknown_key(self, path: str, strict: bool) -> str:
        """The scalar path's words for an unknown key: a warning, or under `strict` a reason.

        Keys of collection items (``sanitation.colour``) are asked inside one item, and the
        warning names the key without the item's position.
        """
        head, _, rest = path.partition(".")
        items = self.layout.collections.get(head)
        if items is not None and rest:
            item = {name: _dummy(leaf) for name, leaf in items.leaves.items() if leaf.required}
            doc: dict[str, Any] = {head: [{**item, rest: None}]}
        else:
            doc = nest(path, None)
        _, problems, found = self._validate(doc, strict=strict)
        warnings = [_ITEM_INDEX.sub("", w) for w in found]
        if strict:
            for _path, message in problems:
                if message.startswith("unknown key"):
                    return message
        elif warnings:
            return warnings[0]
        last = path.rsplit(".", 1)[-1]
        return f"unknown key '{last}'" if strict else f"{path}: unknown key '{last}'"

    def row(self, doc: Any, strict: bool) -> tuple[BaseModel | None, list[Problem], list[str]]:
        """A whole row, as the scalar path reads a file of the subject."""
        return self._validate(doc, strict=strict)
