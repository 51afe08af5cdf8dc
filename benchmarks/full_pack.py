"""Synthetic sites with every field the mct-2023 pack reads, for full-pack figures.

The five numeric rules' columns come from `synthetic.make_sites`; the rest (yes/no fields, spaces,
services, staffing, latrines) are drawn here so that every rule of the pack has work to do.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from mcrules.engine.columns import ColumnBatch, ItemTable, set_key
from mcrules.rules.schema import Schema


def full_batch(cols: dict[str, npt.NDArray[Any]], schema: Schema, seed: int = 1) -> ColumnBatch:
    """A ColumnBatch over every schema field: the given numeric columns plus random others."""
    rng = np.random.default_rng(seed)
    n = len(next(iter(cols.values())))
    columns: dict[str, npt.NDArray[np.float64]] = {}
    for spec in schema.fields.values():
        if spec.name in cols:
            columns[spec.name] = np.asarray(cols[spec.name], dtype=np.float64)
        elif spec.kind == "bool":
            columns[spec.name] = (rng.random(n) < 0.8).astype(np.float64)
        elif spec.kind == "enum":
            columns[spec.name] = rng.integers(0, len(spec.choices), n).astype(np.float64)
        elif spec.kind == "set":
            for token in spec.choices:
                columns[set_key(spec.name, token)] = (rng.random(n) < 0.85).astype(np.float64)
        elif spec.kind == "number":
            if spec.name == "staffing.hours_per_week":
                columns[spec.name] = rng.choice([40.0, 120.0, 168.0], n)
            elif spec.name == "bedding_sets":
                columns[spec.name] = np.rint(cols["population.female"] + cols["population.male"]) + \
                    rng.integers(-5, 50, n)
                columns[spec.name] = np.maximum(columns[spec.name], 0.0)
            elif spec.name == "beds":
                columns[spec.name] = cols["population.female"] + cols["population.male"] + \
                    rng.integers(-3, 10, n)
                columns[spec.name] = np.maximum(columns[spec.name], 0.0)
            else:
                columns[spec.name] = np.zeros(n)
    collections = {}
    for name, coll in schema.collections.items():
        per_site = 2
        parent = np.repeat(np.arange(n, dtype=np.intp), per_site)
        m = len(parent)
        item_cols: dict[str, npt.NDArray[np.float64]] = {}
        for spec in coll.fields.values():
            key = f"item.{spec.name}"
            if spec.kind == "enum":
                item_cols[key] = rng.integers(0, len(spec.choices), m).astype(np.float64)
            elif spec.kind == "number":
                item_cols[key] = np.round(rng.uniform(0, 60, m), 2) if "distance" in spec.name \
                    else np.round(rng.uniform(0, 3, m), 2)
        labels: list[str | None] = [f"L{i % per_site + 1}" for i in range(m)]
        collections[name] = ItemTable(np.ones(n), parent, item_cols, labels)
    return ColumnBatch(n, columns, collections)
