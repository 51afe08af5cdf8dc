"""Turn a record batch of raw site rows into the columnar layout, quarantining invalid rows.

The result for every valid row equals what the scalar path builds (`validate_site`, then
`site_facts`, then `batch_from_facts`): same unit conversion, same defaults and declared domain
defaults, same rejections. Plain numeric columns are converted with numpy by their field kind's
array conversion; whatever is not plain goes to the scalar validator once per distinct value (see
`values` and `exact`), and a model that says it runs validators is re-run by pydantic.

Input layouts: nested structs and lists (Parquet, JSON Lines) or dotted column names
(``population.female``); in flat tables (anything but JSON Lines) a list may also be one text cell
(``a;b`` or a JSON array), a collection a JSON text, and a text cell in a yes/no or number field
is typed as YAML types the same characters unquoted (`true`, `3`; `t` and `yes` stay text, and
are refused). JSON Lines values are typed already: "3" is text. A null value means the key is
absent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ValidationError

from mcrules.bulk.exact import Encoded, Exact, Problem, encode
from mcrules.bulk.layout import Group, ItemsLayout, Layout, Leaf, layout_for
from mcrules.bulk.values import (
    NAN,
    BoolArray,
    Column,
    FloatArray,
    LeafConverter,
    LeafValues,
    collection_cell,
    list_cell,
    python_column,
)
from mcrules.engine.columns import ColumnBatch, ItemTable, batch_from_facts, column_keys, set_key
from mcrules.facts import facts_of
from mcrules.io.tables import (
    FORMAT_METADATA_KEY,
    JSON_METADATA_KEY,
    ROW_ERROR_COLUMN,
    is_row_error_field,
    loads_json,
)
from mcrules.located import plain_scalar
from mcrules.rules.schema import Schema
from mcrules.subjects import UnknownSubjectError
from mcrules.subjects import get as get_subject

MAX_REASON = 500  # characters of a reject's reason: a 5 MB cell is not echoed into the rejects


def bounded(reason: str) -> str:
    """A reason cut to `MAX_REASON` characters, saying how much was left out."""
    if len(reason) <= MAX_REASON:
        return reason
    return f"{reason[:MAX_REASON]}... ({len(reason) - MAX_REASON:,} more characters)"


class Reject(NamedTuple):
    """An input row that was not evaluated: its 0-based row number, the field and why."""

    row: int
    field: str
    reason: str


@dataclass
class Converted:
    """One batch converted: the valid rows as columns, their input row numbers, the rejects."""

    columns: ColumnBatch
    rows: npt.NDArray[np.int64]
    rejects: list[Reject]
    warnings: list[str] = field(default_factory=list)
    texts: dict[str, pa.Array] = field(default_factory=dict)  # text fields: Arrow strings


@dataclass
class _Flat:
    """A batch's columns keyed by dotted path, and what was learnt while flattening it."""

    n: int
    cells: bool
    cols: dict[str, Column] = field(default_factory=dict)
    presence: dict[str, BoolArray] = field(default_factory=dict)
    problems: dict[int, list[Problem]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def flag(self, row: int, problems: Sequence[Problem]) -> None:
        self.problems.setdefault(row, []).extend(problems)


@dataclass
class _Items:
    """The items of one collection over a batch, before conversion: per row whether the list
    was given; per item its row, its position in the list, whether it is an object at all, and
    its values by key; and each row's raw value, for the scalar path's words."""

    given: BoolArray
    parent: npt.NDArray[np.intp]
    index: npt.NDArray[np.int64]
    ok: BoolArray
    children: dict[str, Column]
    raw: Callable[[int], Any]


def _arrow_items(col: pa.Array) -> _Items:
    """Items of an Arrow list of structs (Parquet, JSON Lines)."""
    given = np.asarray(col.is_valid())
    parent = np.asarray(pc.list_parent_indices(col).to_numpy(zero_copy_only=False),
                        dtype=np.intp)
    lengths = np.asarray(pc.list_value_length(col).fill_null(0).to_numpy(zero_copy_only=False),
                         dtype=np.int64)
    starts = np.cumsum(lengths) - lengths
    index = np.arange(parent.size, dtype=np.int64) - starts[parent]
    flat_items = pc.list_flatten(col)
    if pa.types.is_null(flat_items.type):
        return _Items(given, parent, index, np.zeros(parent.size, dtype=np.bool_), {},
                      lambda row: col[row].as_py())
    children = {f.name: c for f, c in zip(flat_items.type, flat_items.flatten(), strict=True)}
    return _Items(given, parent, index, np.asarray(flat_items.is_valid()), children,
                  lambda row: col[row].as_py())


class Converter:
    """Converts batches of one model's rows; compile once, reuse for every batch.

    Deterministic and free of per-run state that changes answers (only memos), so one converter
    per process serves any batch in any order: what a thread pool or Dask needs.
    """

    def __init__(self, schema: Schema, model: type[BaseModel] | None = None, *,
                 strict: bool = False, layout: Layout | None = None) -> None:
        # The model is the one the schema's subject declares, unless given; the layout is the
        # model's own unless given (a derived subject's rows nest into its document).
        if layout is None:
            _refuse_derived(schema.subject)
        model = get_subject(schema.subject).model if model is None else model
        self.schema = schema
        self.layout: Layout = layout_for(model, schema) if layout is None else layout
        self.strict = strict
        self.exact = Exact(self.layout, schema.subject.replace("_", " "))
        self._leaves = {p: LeafConverter(leaf, self.exact) for p, leaf in self.layout.leaves.items()}
        self._items = {c: {name: LeafConverter(leaf, self.exact, items)
                           for name, leaf in items.leaves.items()}
                       for c, items in self.layout.collections.items()}
        self._group_of: dict[str, str] = {}
        for gpath in sorted(self.layout.groups, key=len):
            for leaf_path in self.layout.groups[gpath].leaves:
                self._group_of[leaf_path] = gpath  # the innermost group wins (longest path last)

    # public ----------------------------------------------------------------------------------

    def convert(self, batch: pa.RecordBatch, row_offset: int = 0) -> Converted:
        """Convert one batch; row numbers in the result are `row_offset` plus the batch index."""
        flat = self._flat(batch)
        if self.layout.row_reason is not None:
            return self._by_rows(flat, row_offset)
        return self._vectorised(flat, row_offset)

    # flattening ------------------------------------------------------------------------------

    def _flat(self, batch: pa.RecordBatch) -> _Flat:
        metadata = batch.schema.metadata or {}
        flat = _Flat(batch.num_rows, cells=metadata.get(FORMAT_METADATA_KEY) != b"jsonl")
        self._flatten(batch, flat)
        return flat

    def _flatten(self, batch: pa.RecordBatch, flat: _Flat) -> None:
        for fld, arr in zip(batch.schema, batch.columns, strict=True):
            if fld.name == ROW_ERROR_COLUMN and is_row_error_field(fld):
                for i in np.flatnonzero(np.asarray(arr.is_valid())).tolist():
                    flat.flag(i, [("", str(arr[i].as_py()))])
                continue
            if fld.metadata and fld.metadata.get(JSON_METADATA_KEY):
                decoded = [None if s is None else loads_json(s) for s in arr.to_pylist()]
                self._add(fld.name, python_column(decoded), flat)
            else:
                self._add(fld.name, arr, flat)

    def _add(self, path: str, col: Column, flat: _Flat) -> None:
        if path in self.layout.groups:
            present = flat.presence.setdefault(path, np.zeros(flat.n, dtype=np.bool_))
            if isinstance(col, pa.Array):
                if pa.types.is_struct(col.type):
                    present |= np.asarray(col.is_valid())
                    for child_field, child in zip(col.type, col.flatten(), strict=True):
                        self._add(f"{path}.{child_field.name}", child, flat)
                    return
                if pa.types.is_null(col.type):
                    return
                col = col.to_pylist()
            children: dict[str, list[Any]] = {}
            for i, v in enumerate(col):
                if v is None:
                    continue
                if isinstance(v, dict):
                    present[i] = True
                    for k, cv in v.items():
                        children.setdefault(str(k), [None] * flat.n)[i] = cv
                else:
                    flat.flag(i, self.exact.group_value(path, v))
            for k, values in children.items():
                self._add(f"{path}.{k}", python_column(values), flat)
            return
        if path in flat.cols:
            # `a.b` and `a: {b: ...}` in one batch (JSON lines may differ): a row giving both is
            # rejected; every other row keeps the one it gave.
            first = flat.cols[path]
            reason = f"{path!r} is given twice (as a dotted name and inside a nested column)"
            for i in np.flatnonzero(_given(col) & _given(first)).tolist():
                flat.flag(i, [(path, reason)])
            a = first if isinstance(first, list) else first.to_pylist()
            b = col if isinstance(col, list) else col.to_pylist()
            flat.cols[path] = python_column([x if x is not None else y
                                             for x, y in zip(a, b, strict=True)])
            return
        flat.cols[path] = col

    # the vectorised path ---------------------------------------------------------------------

    def _vectorised(self, flat: _Flat, row_offset: int) -> Converted:
        n = flat.n
        cols = dict(flat.cols)
        values: dict[str, LeafValues] = {}
        for path, conv in self._leaves.items():
            lv = conv.convert(cols.pop(path, None), n, cells=flat.cells)
            values[path] = lv
            for i, problems in lv.problems.items():
                flat.flag(i, problems)
        present = self._group_presence(flat, values, cols)
        self._defaults_and_required(flat, values, present)
        for gpath, group in self.layout.groups.items():
            if group.validators:
                self._revalidate(group, values, present[gpath], flat)
        self._declared_defaults(flat, values, present)
        tables = {cpath: self._collection(items, cols.pop(cpath, None), flat)
                  for cpath, items in self.layout.collections.items()}
        self._unknown(cols, flat)
        return self._assemble(flat, values, tables, row_offset)

    def _group_presence(self, flat: _Flat, values: dict[str, LeafValues],
                        unknown: dict[str, Column]) -> dict[str, BoolArray]:
        """A nested model is given when its column is, or any key under it (known or not)."""
        n = flat.n
        out: dict[str, BoolArray] = {}
        for gpath in sorted(self.layout.groups, key=lambda p: -p.count(".")):
            mask = flat.presence.get(gpath, np.zeros(n, dtype=np.bool_)).copy()
            prefix = gpath + "."
            for leaf_path in self.layout.groups[gpath].leaves:
                mask |= values[leaf_path].given
            for path, col in unknown.items():
                if path.startswith(prefix):
                    mask |= _given(col)
            for sub, sub_mask in out.items():
                if sub.startswith(prefix):
                    mask |= sub_mask
            out[gpath] = mask
        return out

    def _defaults_and_required(self, flat: _Flat, values: dict[str, LeafValues],
                               present: dict[str, BoolArray]) -> None:
        everywhere = np.ones(flat.n, dtype=np.bool_)
        for path, leaf in self.layout.leaves.items():
            gpath = self._group_of.get(path)
            container = present[gpath] if gpath else everywhere
            lv = values[path]
            absent = container & ~lv.given
            if leaf.default is not None and absent.any():
                _fill(lv, absent, encode(leaf, leaf.default), leaf)
            elif leaf.required and absent.any():
                _, problems = self.exact.leaf(leaf, None)
                for i in np.flatnonzero(absent).tolist():
                    lv.bad[i] = True
                    flat.flag(i, problems)

    def _declared_defaults(self, flat: _Flat, values: dict[str, LeafValues],
                           present: dict[str, BoolArray]) -> None:
        """Each model's declared domain defaults, over the columns of the rows that give it.

        The array half of the declarations whose scalar half `mcrules.facts` applies; after
        validation, as facts are derived from a validated model.
        """
        ok = ~_bad_rows(flat)
        scopes = [("", self.layout.defaults, ok)]
        scopes += [(g + ".", group.defaults, present[g] & ok)
                   for g, group in self.layout.groups.items() if group.defaults]
        for prefix, defaults, rows in scopes:
            for name, default in defaults.items():
                own = values[prefix + name].values
                assert own is not None  # the layout checked: number and bool fields only
                default.apply_array(own, {s: _column(values[prefix + s])
                                          for s in default.siblings}, rows)

    def _revalidate(self, group: Group, values: dict[str, LeafValues], present: BoolArray,
                    flat: _Flat) -> None:
        """Re-run a model with validators on each distinct combination of its converted values.

        A validator may change any field (`Counts` makes `shared` 0 when a gender is given), so
        its effect is taken from pydantic itself: once per distinct combination, not per row.
        """
        rows = np.flatnonzero(present & ~_bad_rows(flat))
        if rows.size == 0:
            return
        leaves = [self.layout.leaves[p] for p in group.leaves]
        first, inverse = _distinct_rows([values[leaf.path] for leaf in leaves], rows)
        depth = group.path.count(".") + 1
        relative = [".".join(leaf.attrs[depth:]) for leaf in leaves]
        answers: list[dict[str, Encoded] | None] = []
        problems: list[list[Problem]] = []
        for j in first.tolist():
            row = int(rows[j])
            doc: dict[str, Any] = {}
            for leaf, rel in zip(leaves, relative, strict=True):
                raw = _model_input(leaf, values[leaf.path], row)
                if raw is not None:
                    _put(doc, rel, raw)
            got, found = self._run_group(group, doc, depth)
            answers.append(got)
            problems.append(found)
        bad_u = np.array([a is None for a in answers], dtype=np.bool_)
        bad_rows = rows[bad_u[inverse]]
        for row, k in zip(bad_rows.tolist(), inverse[bad_u[inverse]].tolist(), strict=True):
            flat.flag(row, problems[k])
        for leaf in leaves:
            lv = values[leaf.path]
            column = [None if a is None else a[leaf.path] for a in answers]
            if lv.matrix is not None:
                block = np.array([[1.0 if c in g else 0.0 for c in leaf.spec.choices]
                                  if isinstance(g, frozenset) else [NAN] * len(leaf.spec.choices)
                                  for g in column], dtype=np.float64)
                lv.matrix[rows] = block[inverse]
            elif lv.values is not None:
                vals = np.array([g if isinstance(g, float) else NAN for g in column],
                                dtype=np.float64)
                lv.values[rows] = vals[inverse]
            elif lv.texts is not None:
                texts = lv.texts.to_pylist()
                for row, k in zip(rows.tolist(), inverse.tolist(), strict=True):
                    g = column[k]
                    texts[row] = g if isinstance(g, str) else None
                lv.texts = pa.array(texts, pa.string())
            lv.bad[bad_rows] = True

    def _run_group(self, group: Group, doc: dict[str, Any],
                   depth: int) -> tuple[dict[str, Encoded] | None, list[Problem]]:
        try:
            model = group.model.model_validate(doc)
        except ValidationError:
            _, problems = self.exact.revalidate(group.path, doc)
            return None, problems
        out: dict[str, Encoded] = {}
        for leaf_path in group.leaves:
            leaf = self.layout.leaves[leaf_path]
            got: Any = model
            for attr in leaf.attrs[depth:]:
                got = getattr(got, attr, None) if got is not None else None
            out[leaf_path] = encode(leaf, got)
        return out, []

    # collections -----------------------------------------------------------------------------

    def _collection(self, items: ItemsLayout, col: Column | None, flat: _Flat) -> ItemTable:
        n = flat.n
        if col is None or (isinstance(col, pa.Array) and pa.types.is_null(col.type)):
            return self._item_table(items, np.full(n, NAN), np.zeros(0, dtype=np.intp), {}, [])
        if isinstance(col, pa.Array):
            t = col.type
            if (pa.types.is_list(t) or pa.types.is_large_list(t)) and (
                    pa.types.is_struct(t.value_type) or pa.types.is_null(t.value_type)):
                return self._convert_items(items, _arrow_items(col), flat)
        return self._convert_items(items, self._python_items(items, col, flat), flat)

    def _python_items(self, items: ItemsLayout, col: Column, flat: _Flat) -> _Items:
        """Lists of items as Python values (JSON text in a flat table's cell, or JSON Lines
        values of mixed types), split into one column per item key like Arrow structs."""
        values = col.to_pylist() if isinstance(col, pa.Array) else list(col)
        given = np.zeros(flat.n, dtype=np.bool_)
        parents: list[int] = []
        index: list[int] = []
        ok: list[bool] = []
        keyed: dict[str, dict[int, Any]] = {}
        for i, raw in enumerate(values):
            if raw is None:
                continue
            if flat.cells and isinstance(raw, str):
                raw, error = collection_cell(raw)
                if error is not None:
                    flat.flag(i, [(items.path, error)])
                    continue
                values[i] = raw
            if not isinstance(raw, list):
                _, problems = self.exact.collection(items, raw)
                flat.flag(i, problems or [(items.path, "expected a list")])
                continue
            given[i] = True
            for k, item in enumerate(raw):
                j = len(parents)
                parents.append(i)
                index.append(k)
                ok.append(isinstance(item, dict))
                if isinstance(item, dict):
                    for key, v in item.items():
                        keyed.setdefault(str(key), {})[j] = v
        m = len(parents)
        children: dict[str, Column] = {}
        for key, found in keyed.items():
            column: list[Any] = [None] * m
            for j, v in found.items():
                column[j] = v
            children[key] = python_column(column)
        return _Items(given, np.asarray(parents, dtype=np.intp),
                      np.asarray(index, dtype=np.int64), np.asarray(ok, dtype=np.bool_),
                      children, values.__getitem__)

    def _convert_items(self, items: ItemsLayout, its: _Items, flat: _Flat) -> ItemTable:
        """Item fields converted column by column; a row with any bad item is rejected."""
        m = its.parent.size
        present = np.where(its.given, 1.0, NAN)
        bad_item = ~its.ok
        children = dict(its.children)
        item_problems: dict[int, list[Problem]] = {}
        converted: dict[str, LeafValues] = {}
        for name, conv in self._items[items.path].items():
            # Items are typed data (JSON in a cell, Arrow structs), never text cells to type.
            lv = conv.convert(children.pop(name, None), m, item_index=its.index, cells=False)
            converted[name] = lv
            leaf = items.leaves[name]
            if leaf.required:
                missing = ~lv.given & its.ok
                for j in np.flatnonzero(missing).tolist():
                    _, problems = self.exact.leaf(leaf, None, items, int(its.index[j]))
                    item_problems.setdefault(j, []).extend(problems)
                lv.bad |= missing
            bad_item |= lv.bad
            for j, problems in lv.problems.items():
                item_problems.setdefault(j, []).extend(problems)
        for name, child in children.items():  # keys the item model does not have
            path = f"{items.path}.{name}"
            if not self.strict:
                flat.warnings.append(self.exact.unknown_key(path, strict=False))
                continue
            mask = _given(child)
            reason = self.exact.unknown_key(path, strict=True)
            for j in np.flatnonzero(mask).tolist():
                item_problems.setdefault(j, []).append(
                    (f"{items.path}[{int(its.index[j])}].{name}", reason))
            bad_item |= mask
        for name, default in items.defaults.items():  # as `_declared_defaults`, per item
            own = converted[name].values
            assert own is not None
            default.apply_array(own, {s: _column(converted[s]) for s in default.siblings},
                                its.ok & ~bad_item)
        by_row: dict[int, list[Problem]] = {}
        for j in np.flatnonzero(bad_item).tolist():
            by_row.setdefault(int(its.parent[j]), []).extend(item_problems.get(j, []))
        for row, listed in by_row.items():
            if not listed:  # items that are not objects: the scalar path's words for the list
                _, listed = self.exact.collection(items, its.raw(row))
            flat.flag(row, listed or [(items.path, "invalid item")])
        columns: dict[str, FloatArray] = {}
        for name, leaf in items.leaves.items():
            lv = converted[name]
            key = f"item.{name}"
            if leaf.spec.kind == "set" and lv.matrix is not None:
                for t, token in enumerate(leaf.spec.choices):
                    columns[set_key(key, token)] = lv.matrix[:, t]
            elif leaf.spec.kind != "text" and lv.values is not None:
                columns[key] = lv.values
        label_texts = converted[items.label].texts if items.label in converted else None
        labels: list[str | None] = label_texts.to_pylist() if label_texts is not None \
            else [None] * m
        return self._item_table(items, present, its.parent, columns, labels)

    def _item_table(self, items: ItemsLayout, present: FloatArray, parent: npt.NDArray[np.intp],
                    columns: dict[str, FloatArray], labels: list[str | None]) -> ItemTable:
        m = parent.size
        full: dict[str, FloatArray] = {}
        for leaf in items.leaves.values():
            for key in column_keys(leaf.spec, "item."):
                full[key] = columns.get(key, np.full(m, NAN))
        return ItemTable(present, parent, full, labels)

    # unknown keys ----------------------------------------------------------------------------

    def _unknown(self, cols: dict[str, Column], flat: _Flat) -> None:
        """Columns the model does not have: a warning each, or under `strict` a reject per row."""
        for path, col in cols.items():
            if not self.strict:
                flat.warnings.append(self.exact.unknown_key(path, strict=False))
                continue
            reason = self.exact.unknown_key(path, strict=True)
            for i in np.flatnonzero(_given(col)).tolist():
                flat.flag(i, [(path, reason)])

    # whole rows, for models the vectorised path cannot mirror --------------------------------

    def _by_rows(self, flat: _Flat, row_offset: int) -> Converted:
        documents = self._documents(flat)
        facts = [facts_of(doc, self.schema.subject) for _, doc in documents]
        return self._laid_out(flat, facts, [i for i, _ in documents], row_offset)

    def _documents(self, flat: _Flat) -> list[tuple[int, BaseModel]]:
        """Each row not already rejected, validated whole as a file of the model is, with its
        index in the batch; a row the model refuses is flagged with the model's words."""
        n = flat.n
        pylists = {p: (c if isinstance(c, list) else c.to_pylist()) for p, c in flat.cols.items()}
        documents: list[tuple[int, BaseModel]] = []
        seen: set[str] = set()
        warnings = flat.warnings
        for i in range(n):
            if i in flat.problems:
                continue
            doc: dict[str, Any] = {}
            for gpath, mask in flat.presence.items():
                if mask[i]:
                    _put(doc, gpath, {}, keep=True)
            for path, vals in pylists.items():
                v = vals[i]
                if v is None:
                    continue
                if flat.cells and isinstance(v, str):
                    v = self._cell(path, v)
                _put(doc, path, v)
            site, problems, row_warnings = self.exact.row(doc, self.strict)
            if site is None:
                flat.flag(i, problems)
                continue
            for w in row_warnings:
                if w not in seen:
                    seen.add(w)
                    warnings.append(w)
            documents.append((i, site))
        return documents

    def _laid_out(self, flat: _Flat, facts: list[dict[str, Any]], valid: list[int],
                  row_offset: int) -> Converted:
        """The facts of the valid rows (batch indices `valid`) as columns, with the rejects."""
        columns = batch_from_facts(facts, self.schema)
        texts = {p: pa.array([f[p] for f in facts], pa.string())
                 for p, spec in self.schema.fields.items() if spec.kind == "text"}
        rows = row_offset + np.asarray(valid, dtype=np.int64)
        return Converted(columns, rows, _rejects(flat, row_offset), flat.warnings, texts)

    def _cell(self, path: str, text: str) -> Any:
        if path in self.layout.collections:
            parsed, error = collection_cell(text)
            return text if error else parsed
        leaf = self.layout.leaves.get(path)
        if leaf is not None and leaf.spec.kind == "set":
            parsed, error = list_cell(text)
            return text if error else parsed
        if leaf is not None and leaf.spec.kind in ("bool", "number"):
            return plain_scalar(text)  # as `LeafConverter` types a cell: `true`, `3`
        return text

    # assembling ------------------------------------------------------------------------------

    def _assemble(self, flat: _Flat, values: dict[str, LeafValues],
                  tables: dict[str, ItemTable], row_offset: int) -> Converted:
        n = flat.n
        bad = _bad_rows(flat)
        keep = np.flatnonzero(~bad)
        everything = keep.size == n
        columns: dict[str, FloatArray] = {}
        texts: dict[str, pa.Array] = {}
        for path, spec in self.schema.fields.items():
            lv = values[path]
            if spec.kind == "text":
                t = lv.texts if lv.texts is not None else pa.nulls(n, pa.string())
                texts[path] = t if everything else t.take(pa.array(keep))
            elif spec.kind == "set":
                assert lv.matrix is not None
                for j, token in enumerate(spec.choices):
                    col = np.ascontiguousarray(lv.matrix[:, j])
                    columns[set_key(path, token)] = col if everything else col[keep]
            else:
                assert lv.values is not None
                columns[path] = lv.values if everything else lv.values[keep]
        collections: dict[str, ItemTable] = {}
        for cpath, table in tables.items():
            if everything:
                collections[cpath] = table
                continue
            new_index = np.full(n, -1, dtype=np.intp)
            new_index[keep] = np.arange(keep.size, dtype=np.intp)
            kept = ~bad[table.parent] if table.parent.size else np.zeros(0, dtype=np.bool_)
            which = np.flatnonzero(kept)
            collections[cpath] = ItemTable(
                table.present[keep], new_index[table.parent[kept]],
                {k: v[kept] for k, v in table.columns.items()},
                [table.labels[j] for j in which.tolist()] if table.labels else [])
        batch = ColumnBatch(int(keep.size), columns, collections)
        rows = row_offset + keep.astype(np.int64)
        return Converted(batch, rows, _rejects(flat, row_offset), flat.warnings, texts)


# helpers --------------------------------------------------------------------------------------


def _refuse_derived(name: str) -> None:
    """TypeError when `name` is a registered subject whose facts are derived: its rows are not
    its facts, and read as if they were, every row would be rejected as an internal error."""
    try:
        subject = get_subject(name)
    except UnknownSubjectError:
        return  # a schema of its own (a test's, a caller's): its rows are its facts
    if subject.derived:
        raise TypeError(f"subject {name} derives its facts from each document in a context: "
                        "convert its rows with mcrules.bulk.derived.converter_for(subject, "
                        "contexts)")


def _is_text(t: pa.DataType) -> bool:
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t)
                or pa.types.is_string_view(t))


def _given(col: Column) -> BoolArray:
    if isinstance(col, list):
        return np.array([v is not None for v in col], dtype=np.bool_)
    return np.asarray(col.is_valid(), dtype=np.bool_)


def _column(lv: LeafValues) -> FloatArray:
    """A field's values (number, bool and enum fields), as a declaration's siblings are read."""
    assert lv.values is not None  # the layout checked: siblings are such fields
    return lv.values


def _bad_rows(flat: _Flat) -> BoolArray:
    bad = np.zeros(flat.n, dtype=np.bool_)
    if flat.problems:
        bad[np.fromiter(flat.problems, dtype=np.int64)] = True
    return bad


def _rejects(flat: _Flat, row_offset: int) -> list[Reject]:
    out: list[Reject] = []
    for i in sorted(flat.problems):
        seen: set[Problem] = set()
        for path, reason in flat.problems[i]:
            if (path, reason) not in seen:
                seen.add((path, reason))
                out.append(Reject(row_offset + i, path[:MAX_REASON], bounded(reason)))
    return out


def _fill(lv: LeafValues, where: BoolArray, value: Encoded, leaf: Leaf) -> None:
    if lv.matrix is not None and isinstance(value, frozenset):
        lv.matrix[where] = [1.0 if c in value else 0.0 for c in leaf.spec.choices]
    elif lv.texts is not None:
        texts = lv.texts.to_pylist()
        for i in np.flatnonzero(where).tolist():
            texts[i] = value if isinstance(value, str) else None
        lv.texts = pa.array(texts, pa.string())
    elif lv.values is not None and isinstance(value, float):
        lv.values[where] = value


def _model_input(leaf: Leaf, lv: LeafValues, row: int) -> Any:
    """A converted value back as the model takes it (the count 3, the enum 'camp')."""
    kind = leaf.spec.kind
    if lv.matrix is not None:
        vec = lv.matrix[row]
        if np.isnan(vec).any():
            return None
        return [c for c, x in zip(leaf.spec.choices, vec.tolist(), strict=True) if x == 1.0]
    if lv.texts is not None:
        return lv.texts[row].as_py()
    assert lv.values is not None
    v = float(lv.values[row])
    if v != v:
        return None
    if kind == "enum":
        return leaf.spec.choices[int(v)]
    if kind == "bool":
        return v == 1.0
    if leaf.spec.integer:
        return int(v)
    return v


def _distinct_rows(columns: list[LeafValues], rows: npt.NDArray[np.intp]) -> tuple[
        npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """For the given rows of several fields: the first row of each distinct combination of
    values (by position in `rows`) and, per row, which combination it has."""
    parts: list[FloatArray] = []
    for lv in columns:
        if lv.matrix is not None:
            parts.append(lv.matrix[rows])
        elif lv.values is not None:
            parts.append(lv.values[rows, None])
        elif lv.texts is not None:
            codes = pc.dictionary_encode(lv.texts.take(pa.array(rows))).indices.fill_null(-1)
            parts.append(np.asarray(codes.to_numpy(zero_copy_only=False),
                                    dtype=np.float64)[:, None])
    keys = np.ascontiguousarray(np.hstack(parts))
    keys[np.isnan(keys)] = np.nan  # one bit pattern for every missing value
    void = keys.view(np.dtype((np.void, keys.dtype.itemsize * keys.shape[1]))).ravel()
    _, first, inverse = np.unique(void, return_index=True, return_inverse=True)
    return first, inverse.ravel()


def _put(doc: dict[str, Any], path: str, value: Any, keep: bool = False) -> None:
    """Set a dotted path in a nested dict; an existing dict is kept when `keep`."""
    parts = path.split(".")
    node = doc
    for part in parts[:-1]:
        nxt = node.get(part)
        if not isinstance(nxt, dict):
            nxt = node[part] = {}
        node = nxt
    if keep and isinstance(node.get(parts[-1]), dict):
        return
    node[parts[-1]] = value


def to_columns(batch: pa.RecordBatch, schema: Schema, row_offset: int = 0, *,
               strict: bool = False) -> tuple[ColumnBatch, npt.NDArray[np.int64], list[Reject]]:
    """Convert one batch of site rows: the valid rows as columns, their row numbers, rejects.

    A convenience over `Converter`, which should be built once when converting many batches.
    """
    got = Converter(schema, strict=strict).convert(batch, row_offset)
    return got.columns, got.rows, got.rejects

