"""The columnar input layout: every field a float64 array, NaN where the value is missing.

One representation for every kind keeps the evaluator simple and its missing-value rule exact:

- number fields: the value in the field's canonical unit (``toilets.female``, ``water_supply``);
- bool fields: 1.0 / 0.0;
- enum fields: the index of the value in `FieldSpec.choices`, as a float;
- set fields: one column per allowed token, ``spaces[child_friendly_space]``: 1.0 if listed, 0.0 if
  the list is given without it, NaN for every token when the list is missing;
- collections (``sanitation``): an `ItemTable` with one row per item, the parent row index, the
  item fields under ``item.<field>`` keys in the same layout, and per parent row whether the list
  was given at all (`present`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from mcrules.rules.schema import FieldSpec, Schema

FloatArray = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.intp]
NAN = float("nan")


def set_key(name: str, token: str) -> str:
    """The column of one token of a set field: ``spaces[infirmary]``."""
    return f"{name}[{token}]"


def column_keys(spec: FieldSpec, prefix: str = "") -> list[str]:
    """The columns a field occupies."""
    name = prefix + spec.name
    if spec.kind == "set":
        return [set_key(name, t) for t in spec.choices]
    if spec.kind == "text":
        return []
    return [name]


@dataclass
class ItemTable:
    """The items of one collection for a batch of parent rows."""

    present: FloatArray            # per parent row: 1.0 if the list was given (maybe empty), else NaN
    parent: IndexArray             # per item: its parent row
    columns: dict[str, FloatArray]  # per item: "item.<field>" columns
    labels: list[str | None] = field(default_factory=list)  # per item: its label (id)
    _label_array: npt.NDArray[np.object_] | None = field(default=None, repr=False, compare=False)

    def label_array(self) -> npt.NDArray[np.object_]:
        """The labels as an object array, built once per table for vectorised look-ups."""
        if self._label_array is None:
            self._label_array = np.asarray(self.labels, dtype=object)
        return self._label_array


@dataclass
class ColumnBatch:
    """A batch of subjects, column by column."""

    n: int
    columns: dict[str, FloatArray]
    collections: dict[str, ItemTable] = field(default_factory=dict)


def _encode(spec: FieldSpec, value: Any) -> float:
    if value is None:
        return NAN
    if spec.kind == "bool":
        return 1.0 if value else 0.0
    if spec.kind == "enum":
        return float(spec.choices.index(value))
    return float(value)


def batch_from_facts(facts: Sequence[Mapping[str, Any]], schema: Schema) -> ColumnBatch:
    """Build a batch from flat facts (see `mcrules.facts`); the reference the bulk readers match."""
    n = len(facts)
    columns: dict[str, FloatArray] = {}
    for spec in schema.fields.values():
        if spec.kind == "text":
            continue
        if spec.kind == "set":
            for token in spec.choices:
                columns[set_key(spec.name, token)] = np.array(
                    [NAN if f[spec.name] is None else float(token in f[spec.name]) for f in facts],
                    dtype=np.float64)
        else:
            columns[spec.name] = np.array([_encode(spec, f[spec.name]) for f in facts],
                                          dtype=np.float64)
    collections = {}
    for name, coll in schema.collections.items():
        present = np.array([NAN if f[name] is None else 1.0 for f in facts], dtype=np.float64)
        parents: list[int] = []
        items: list[Mapping[str, Any]] = []
        for row, f in enumerate(facts):
            for item in f[name] or ():
                parents.append(row)
                items.append(item)
        item_cols: dict[str, FloatArray] = {}
        for spec in coll.fields.values():
            key = f"item.{spec.name}"
            if spec.kind == "set":
                for token in spec.choices:
                    item_cols[set_key(key, token)] = np.array(
                        [NAN if it[key] is None else float(token in it[key]) for it in items],
                        dtype=np.float64)
            elif spec.kind != "text":
                item_cols[key] = np.array([_encode(spec, it[key]) for it in items], dtype=np.float64)
        labels = [it.get("item.__label__") for it in items]
        collections[name] = ItemTable(present, np.array(parents, dtype=np.intp), item_cols, labels)
    return ColumnBatch(n, columns, collections)
