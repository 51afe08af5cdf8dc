"""Convert one input column into the columnar layout, vectorised where the column is plain.

Each field kind has fast paths for the Arrow types real files carry (numbers for counts and
quantities, text for units and enums, lists of text for sets); anything else, and every value a
fast path cannot decide with certainty, goes to `Exact`, the scalar validator, once per distinct
value. Number fields are converted by the array conversion their declared kind holds next to
its scalar one (`mcrules.models.fields`); this module only reads Arrow columns into the numbers
and unit factors that conversion takes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from mcrules.bulk.exact import Encoded, Exact, Problem
from mcrules.bulk.layout import ItemsLayout, Leaf
from mcrules.errors import UnitError
from mcrules.limits import MAX_NUMBER_DIGITS, MAX_QUANTITY_CHARS
from mcrules.located import plain_scalar
from mcrules.models.fields import FieldKind
from mcrules.units import conversion_factor, parse_unit, to_canonical

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
# An Arrow array, or plain Python values (JSON decoded); pyarrow is untyped, hence Any.
Column: TypeAlias = Any

NAN = float("nan")
# The scalar path's quantity grammar (`mcrules.units.registry.parse_quantity`), for strings of
# printable ASCII without commas, where Python's and RE2's \s and \d cannot differ.
_PLAIN_ASCII = r"^[ -+\--~]*$"
_QUANTITY = (r"^ *(?P<num>[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?) *"
             r"(?P<unit>.*?) *$")
_DIGITS = r"^[0-9]{1,15}(?:\.0{0,5})?$"  # "12.000" is the float 12.0, a whole number
_DECIMAL = r"^[0-9]{1,15}(?:\.[0-9]{1,15})?$"
_CLEAN_TEXT = r"^[!-~](?:[ -~]*[!-~])?$"
_PRINTABLE = r"^[ -~]*$"


@dataclass
class LeafValues:
    """One field over a batch: encoded values (NaN where missing or invalid), validity, problems.

    `values` holds number, bool and enum fields; `matrix` set fields (one column per choice);
    `texts` text fields, as an Arrow string array. `given` is where the input had a value at
    all, `bad` where it was invalid, with the scalar path's problems per bad row.
    """

    given: BoolArray
    bad: BoolArray
    values: FloatArray | None = None
    matrix: FloatArray | None = None
    texts: Column | None = None
    problems: dict[int, list[Problem]] = field(default_factory=dict)


def _floats(arr: pa.Array) -> tuple[FloatArray, BoolArray]:
    """A numeric or boolean Arrow array as float64 (NaN at nulls) and its validity."""
    given = np.asarray(arr.is_valid())
    if pa.types.is_boolean(arr.type):
        arr = pc.cast(arr, pa.uint8())
    values = arr.to_numpy(zero_copy_only=False)
    values = np.asarray(values, dtype=np.float64)
    if not given.all():
        values = values.copy()
        values[~given] = NAN
    return values, given


def _distinct(col: Column) -> tuple[list[Any], IntArray]:
    """The distinct non-null values of a column and, per row, the index of its value (-1: null)."""
    if isinstance(col, pa.Array):
        try:
            enc = col if pa.types.is_dictionary(col.type) else pc.dictionary_encode(col)
        except pa.ArrowNotImplementedError:
            col = col.to_pylist()
        else:
            indices = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False)
            return enc.dictionary.to_pylist(), np.asarray(indices, dtype=np.int64)
    index: dict[Any, int] = {}
    uniq: list[Any] = []
    inverse = np.full(len(col), -1, dtype=np.int64)
    from mcrules.bulk.exact import memo_key

    v: Any
    for i, v in enumerate(col):
        if v is None:
            continue
        try:
            key = memo_key(v)
            j = index.get(key)
        except TypeError:
            key, j = None, None
        if j is None:
            j = len(uniq)
            uniq.append(v)
            if key is not None:
                index[key] = j
        inverse[i] = j
    return uniq, inverse


def _raw(col: Column, i: int) -> Any:
    return col[i] if isinstance(col, list) else col[i].as_py()


def _without_views(col: pa.Array) -> pa.Array:
    """String views (polars writes them) as large strings, which every compute kernel takes."""
    t = col.type
    if pa.types.is_string_view(t):
        return col.cast(pa.large_string())
    if pa.types.is_dictionary(t) and pa.types.is_string_view(t.value_type):
        return col.cast(pa.dictionary(t.index_type, pa.large_string()))
    if pa.types.is_list(t) and pa.types.is_string_view(t.value_type):
        return col.cast(pa.list_(pa.large_string()))
    if pa.types.is_large_list(t) and pa.types.is_string_view(t.value_type):
        return col.cast(pa.large_list(pa.large_string()))
    return col


def _is_text(t: pa.DataType) -> bool:
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t)
                or pa.types.is_string_view(t))


def _is_number(t: pa.DataType) -> bool:
    return bool(pa.types.is_integer(t) or pa.types.is_floating(t))


class LeafConverter:
    """Converts columns of one field (top level, or an item field of a collection)."""

    def __init__(self, leaf: Leaf, exact: Exact, items: ItemsLayout | None = None) -> None:
        self.leaf = leaf
        self.exact = exact
        self.items = items
        self._unit_factors: dict[str, float | None] = {}
        # A flat table's text cell in a yes/no or number field is typed as YAML types it.
        self._typed_cells = leaf.spec.kind in ("bool", "number")

    def _value(self, value: Any, cells: bool) -> Any:
        """A raw value as the model is given it: a flat table's text cell typed (`1` a number,
        `true` a boolean), anything else as it is."""
        if cells and self._typed_cells and isinstance(value, str):
            return plain_scalar(value)
        return value

    @property
    def number(self) -> FieldKind:
        """The declared kind of a number leaf, which converts its values."""
        assert self.leaf.number is not None
        return self.leaf.number

    def _ask(self, value: Any, index: int) -> tuple[Encoded, list[Problem]]:
        return self.exact.leaf(self.leaf, value, self.items, index)

    def convert(self, col: Column | None, n: int, item_index: IntArray | None = None,
                cells: bool = True) -> LeafValues:
        """The field over `n` rows; `col` None means the input has no such column.

        `cells`: the input is a flat table, where a list may be written in one text cell.
        """
        if col is None or (isinstance(col, pa.Array) and pa.types.is_null(col.type)):
            out = self._empty(n)
        else:
            if isinstance(col, pa.ChunkedArray):
                col = col.combine_chunks()
            if isinstance(col, pa.Array):
                col = _without_views(col)
            out = self._convert(col, n, cells)
            self._explain(out, col, item_index, cells)
        return out

    def _empty(self, n: int) -> LeafValues:
        out = LeafValues(np.zeros(n, dtype=np.bool_), np.zeros(n, dtype=np.bool_))
        kind = self.leaf.spec.kind
        if kind == "set":
            out.matrix = np.full((n, len(self.leaf.spec.choices)), NAN)
        elif kind == "text":
            out.texts = pa.nulls(n, pa.string())
        else:
            out.values = np.full(n, NAN)
        return out

    def _explain(self, out: LeafValues, col: Column, item_index: IntArray | None,
                 cells: bool) -> None:
        """Ask the scalar path why each bad row is bad, unless a fast path already knows."""
        for i in np.flatnonzero(out.bad).tolist():
            if i not in out.problems:
                index = int(item_index[i]) if item_index is not None else 0
                _, problems = self._ask(self._value(_raw(col, i), cells), index)
                out.problems[i] = problems or [(self.leaf.path, "invalid value")]

    # dispatch --------------------------------------------------------------------------------

    def _convert(self, col: Column, n: int, cells: bool) -> LeafValues:
        kind = self.leaf.kind
        if isinstance(col, pa.Array):
            t = col.type
            if kind == "number" and self.number.reads_units:
                if _is_number(t):
                    return self._quantity_numbers(col)
                if _is_text(t):
                    return self._quantity_text(col, cells)
            elif kind == "number" and self.number.integer:
                if pa.types.is_integer(t):  # a boolean column is asked: true is not 1 toilet
                    return self._whole_numbers(col)
                if pa.types.is_floating(t):
                    return self._float_column(col)
                if _is_text(t) and cells:  # typed text ("3" in JSON Lines) is asked: refused
                    return self._numeric_text(col)
            elif kind == "bool" and pa.types.is_boolean(t):
                values, given = _floats(col)
                return LeafValues(given, np.zeros(n, dtype=np.bool_), values=values)
            elif kind == "text" and _is_text(t):
                return self._text(col)
            elif kind == "set" and (pa.types.is_list(t) or pa.types.is_large_list(t)):
                vt = t.value_type
                if _is_text(vt) or (pa.types.is_dictionary(vt) and _is_text(vt.value_type)):
                    return self._set_lists(col)
            if kind == "set" and cells and _is_text(col.type):
                return self._set_text(col, n)
        return self._by_distinct(col, n, cells=cells)

    # generic: one scalar answer per distinct value -------------------------------------------

    def _by_distinct(self, col: Column, n: int,
                     parse: Callable[[Any], tuple[Any, str | None]] | None = None,
                     cells: bool = False) -> LeafValues:
        uniq, inverse = _distinct(col)
        answers: list[tuple[Encoded, list[Problem]]] = []
        for v in uniq:
            if parse is not None:
                parsed, error = parse(v)
                if error is not None:
                    answers.append((None, [(self.leaf.path, error)]))
                    continue
                v = parsed
            answers.append(self._ask(self._value(v, cells), 0))
        given = inverse >= 0
        bad_u = np.array([bool(p) for _, p in answers] + [False], dtype=np.bool_)
        bad = bad_u[inverse] & given
        out = LeafValues(given, bad)
        kind = self.leaf.spec.kind
        if kind == "set":
            choices = self.leaf.spec.choices
            rows = np.full((len(uniq) + 1, len(choices)), NAN)
            for j, (enc, problems) in enumerate(answers):
                if not problems and isinstance(enc, frozenset):
                    rows[j] = [1.0 if c in enc else 0.0 for c in choices]
            out.matrix = rows[inverse]
        elif kind == "text":
            texts = [None if p else (e if isinstance(e, str) else None) for e, p in answers]
            texts.append(None)
            out.texts = pa.array([texts[j] for j in inverse.tolist()], pa.string())
        else:
            vals = np.array([e if isinstance(e, float) and not p else NAN for e, p in answers]
                            + [NAN], dtype=np.float64)
            out.values = vals[inverse]
        if bad.any() and self.items is None:  # item paths need the item's index: see _explain
            for i in np.flatnonzero(bad).tolist():
                out.problems[i] = answers[inverse[i]][1]
        return out

    # quantities ------------------------------------------------------------------------------

    def _quantity_numbers(self, col: pa.Array) -> LeafValues:
        values, given = _floats(col)
        factor = self._factor("")
        assert factor is not None
        got = self.number.array(values, given, factor)
        return LeafValues(given, got.bad, values=got.values)

    def _factor(self, unit: str) -> float | None:
        """Canonical units per unit string, once per distinct unit; None if it is not one."""
        if unit in self._unit_factors:
            return self._unit_factors[unit]
        canonical = self.number.unit
        try:
            if unit:
                # The scalar path's own checks (parse, dimension) on this unit, then its factor.
                to_canonical(f"1 {unit}", canonical)
                factor: float | None = conversion_factor(parse_unit(unit), parse_unit(canonical))
            else:
                factor = conversion_factor(parse_unit(canonical), parse_unit(canonical))
        except UnitError:
            factor = None
        self._unit_factors[unit] = factor
        return factor

    def _quantity_text(self, col: pa.Array, cells: bool) -> LeafValues:
        """Text: a number and a unit, vectorised; a bare number only in a flat table's cell (where
        `20` is the number 20, as in YAML; in JSON Lines "20" is text, refused)."""
        enc = col if pa.types.is_dictionary(col.type) else pc.dictionary_encode(col)
        uniq = enc.dictionary
        inverse = np.asarray(enc.indices.fill_null(-1).to_numpy(zero_copy_only=False),
                             dtype=np.int64)
        d = len(uniq)
        # Longer than the scalar path's cap: asked, so both refuse it in the same words.
        plain = np.asarray(pc.and_(pc.match_substring_regex(uniq, _PLAIN_ASCII),
                                   pc.less_equal(pc.utf8_length(uniq), MAX_QUANTITY_CHARS))
                           .fill_null(False))
        parts = pc.extract_regex(uniq, _QUANTITY)
        matched = np.asarray(parts.is_valid()) & plain
        values = np.full(d + 1, NAN)
        bad = np.zeros(d + 1, dtype=np.bool_)
        bad[:d] = plain & ~matched
        if matched.any():
            use = pa.array(matched)
            num_text, unit_text = (pc.if_else(use, child, pa.scalar(None, child.type))
                                   for child in parts.flatten())
            nums = np.asarray(pc.cast(num_text, pa.float64()).fill_null(NAN)
                              .to_numpy(zero_copy_only=False), dtype=np.float64)
            units = unit_text.fill_null("")
            unit_enc = pc.dictionary_encode(units)
            factors = np.array([f if (f := self._factor(u)) is not None else NAN
                                for u in unit_enc.dictionary.to_pylist()], dtype=np.float64)
            per = factors[np.asarray(unit_enc.indices.to_numpy(zero_copy_only=False),
                                     dtype=np.int64)]
            bare = np.asarray(pc.equal(unit_text, "").fill_null(False))
            if cells:  # as YAML reads it: more digits than a number may have is text, refused
                digits = pc.count_substring_regex(uniq, "[0-9]").fill_null(0)
                bare &= np.asarray(pc.greater(digits, MAX_NUMBER_DIGITS)
                                   .to_numpy(zero_copy_only=False), dtype=np.bool_)
            ok = matched & ~np.isnan(per) & ~bare
            bad[:d] |= matched & (np.isnan(per) | bare)
            got = self.number.array(np.where(ok, nums, NAN), ok, np.where(ok, per, 1.0))
            values[:d] = got.values
            bad[:d] |= got.bad
        answers: dict[int, list[Problem]] = {}
        for j in np.flatnonzero(~plain).tolist():  # commas, tabs, non-ASCII: ask the scalar path
            enc_v, problems = self._ask(self._value(uniq[j].as_py(), cells), 0)
            if problems:
                bad[j] = True
                answers[j] = problems
            else:
                values[j] = enc_v if isinstance(enc_v, float) else NAN
        given = inverse >= 0
        bad[d] = False
        row_bad = bad[inverse] & given
        out = LeafValues(given, row_bad, values=np.where(bad, NAN, values)[inverse])
        if answers and self.items is None:
            for i in np.flatnonzero(row_bad).tolist():
                if inverse[i] in answers:
                    out.problems[i] = answers[inverse[i]]
        return out

    # counts and plain numbers ----------------------------------------------------------------

    def _whole_numbers(self, col: pa.Array) -> LeafValues:
        """Integer columns: only bounds can fail."""
        values, given = _floats(col)
        got = self.number.array(values, given)  # never unsure: every int64 is a whole number
        return LeafValues(given, got.bad, values=got.values)

    def _float_column(self, col: pa.Array) -> LeafValues:
        values, given = _floats(col)
        got = self.number.array(values, given)
        bad = got.bad.copy()
        # Beyond 2**53 pydantic's own integer limits decide: ask it (rare, and exact).
        for i in np.flatnonzero(got.unsure).tolist():
            _, problems = self._ask(float(values[i]), 0)
            bad[i] = bool(problems)
        return LeafValues(given, bad, values=np.where(bad, NAN, got.values))

    def _numeric_text(self, col: pa.Array) -> LeafValues:
        """A flat table's text cells of whole numbers: plain digits vectorised, the rest typed as
        YAML types them and asked."""
        pattern = _DIGITS if self.number.integer else _DECIMAL
        enc = col if pa.types.is_dictionary(col.type) else pc.dictionary_encode(col)
        uniq = enc.dictionary
        inverse = np.asarray(enc.indices.fill_null(-1).to_numpy(zero_copy_only=False),
                             dtype=np.int64)
        simple = np.asarray(pc.match_substring_regex(uniq, pattern).fill_null(False))
        values = np.full(len(uniq) + 1, NAN)
        bad = np.zeros(len(uniq) + 1, dtype=np.bool_)
        if simple.any():
            parsed = pc.cast(pc.if_else(pa.array(simple), uniq, pa.scalar("0", uniq.type)),
                             pa.float64())
            values[:-1] = np.where(simple, parsed.to_numpy(zero_copy_only=False), NAN)
        answers: dict[int, list[Problem]] = {}
        for j in np.flatnonzero(~simple).tolist():
            enc_v, problems = self._ask(self._value(uniq[j].as_py(), True), 0)
            if problems:
                bad[j] = True
                answers[j] = problems
            elif isinstance(enc_v, float):
                values[j] = enc_v
        bad |= self.number.out_of_bounds(values, np.append(simple, False))
        given = inverse >= 0
        row_bad = bad[inverse] & given
        out = LeafValues(given, row_bad, values=np.where(bad, NAN, values)[inverse])
        if self.items is None:
            for i in np.flatnonzero(row_bad).tolist():
                if inverse[i] in answers:
                    out.problems[i] = answers[inverse[i]]
        return out

    # text ------------------------------------------------------------------------------------

    def _text(self, col: pa.Array) -> LeafValues:
        if not pa.types.is_string(col.type):
            col = col.cast(pa.string())
        n = len(col)
        given = np.asarray(col.is_valid())
        clean = np.asarray(pc.match_substring_regex(col, _CLEAN_TEXT).fill_null(True))
        if self.leaf.min_length > 1:
            clean &= np.asarray(pc.greater_equal(pc.utf8_length(col), self.leaf.min_length)
                                .fill_null(True))
        if not self.leaf.strip and self.leaf.min_length == 0:
            clean[:] = True
        out = LeafValues(given, np.zeros(n, dtype=np.bool_), texts=col)
        if not clean.all():  # leading or trailing blanks, non-ASCII, too short: ask the scalar path
            texts: list[str | None] = col.to_pylist()
            for i in np.flatnonzero(~clean).tolist():
                enc, problems = self._ask(texts[i], 0)
                if problems:
                    out.bad[i] = True
                    texts[i] = None
                    if self.items is None:
                        out.problems[i] = problems
                else:
                    texts[i] = enc if isinstance(enc, str) else None
            out.texts = pa.array(texts, pa.string())
        return out

    # sets ------------------------------------------------------------------------------------

    def _set_text(self, col: pa.Array, n: int) -> LeafValues:
        """Lists written in one cell (`a;b`), split in Arrow once per distinct cell.

        Cells of printable ASCII that are not JSON are split on `;` and trimmed of spaces, as
        `list_cell` does (for such text Python's `strip` removes exactly the spaces); JSON cells
        and any other text go through `list_cell` and the scalar path.
        """
        choices = self.leaf.spec.choices
        enc = col if pa.types.is_dictionary(col.type) else pc.dictionary_encode(col)
        uniq = enc.dictionary
        inverse = np.asarray(enc.indices.fill_null(-1).to_numpy(zero_copy_only=False),
                             dtype=np.int64)
        d = len(uniq)
        plain = np.asarray(pc.and_(pc.match_substring_regex(uniq, _PRINTABLE),
                                   pc.invert(pc.match_substring_regex(uniq, r"^ *\[")))
                           .fill_null(False))
        parts = pc.split_pattern(uniq, ";")
        owner = np.asarray(pc.list_parent_indices(parts).to_numpy(zero_copy_only=False),
                           dtype=np.int64)
        tokens, token_inverse = _distinct(pc.ascii_trim(pc.list_flatten(parts), " "))
        lookup = {c: i for i, c in enumerate(choices)}
        # -1: not a choice (a bad cell); -2: an empty token, dropped as `list_cell` drops it.
        code = np.array([-2 if t == "" else lookup.get(t, -1) for t in tokens] + [-1],
                        dtype=np.int64)[token_inverse]
        matrix = np.zeros((d + 1, len(choices)))
        ok = code >= 0
        matrix[owner[ok], code[ok]] = 1.0
        bad = np.zeros(d + 1, dtype=np.bool_)
        bad[owner[code == -1]] = True
        bad[:d] &= plain
        answers: dict[int, list[Problem]] = {}
        for j in np.flatnonzero(~plain | bad[:d]).tolist():
            parsed, error = list_cell(uniq[j].as_py())
            if isinstance(parsed, list) and parsed and all(
                    isinstance(t, str) and t in lookup for t in parsed):
                matrix[j] = 0.0  # a JSON list of known names: valid, as pydantic would say
                matrix[j, [lookup[t] for t in parsed]] = 1.0
                bad[j] = False
                continue
            problems = [(self.leaf.path, error)] if error is not None else []
            if not problems:
                got, problems = self._ask(parsed, 0)
                if not problems and isinstance(got, frozenset):
                    matrix[j] = [1.0 if c in got else 0.0 for c in choices]
            bad[j] = bool(problems)
            answers[j] = problems
        matrix[bad] = NAN
        matrix[d] = NAN
        given = inverse >= 0
        out = LeafValues(given, bad[inverse] & given, matrix=matrix[inverse])
        for i in np.flatnonzero(out.bad).tolist():
            out.problems[i] = answers[int(inverse[i])]
        return out

    def _set_lists(self, col: pa.Array) -> LeafValues:
        n = len(col)
        choices = self.leaf.spec.choices
        given = np.asarray(col.is_valid())
        flat = pc.list_flatten(col)
        parent = np.asarray(pc.list_parent_indices(col).to_numpy(zero_copy_only=False),
                            dtype=np.int64)
        tokens, inverse = _distinct(flat)
        lookup = {c: i for i, c in enumerate(choices)}
        token_index = np.array([lookup.get(t, -1) if isinstance(t, str) else -1 for t in tokens]
                               + [-1], dtype=np.int64)
        idx = token_index[inverse]  # nulls (inverse -1) map to the sentinel -1: invalid
        matrix = np.zeros((n, len(choices)))
        ok = idx >= 0
        matrix[parent[ok], idx[ok]] = 1.0
        bad = np.zeros(n, dtype=np.bool_)
        bad[parent[~ok]] = True
        matrix[~given | bad] = NAN
        return LeafValues(given, bad, matrix=matrix)


def list_cell(text: Any) -> tuple[Any, str | None]:
    """A list written in one CSV cell: a JSON array, or names separated by semicolons."""
    if not isinstance(text, str):
        return text, None
    s = text.strip()
    if s.startswith("["):
        try:
            return orjson.loads(s), None
        except orjson.JSONDecodeError as exc:
            return None, f"invalid JSON list {text!r}: {exc}"
    return [t.strip() for t in s.split(";") if t.strip()], None


def collection_cell(text: Any) -> tuple[Any, str | None]:
    """A collection written in one cell: JSON text (CSV, or mixed-type JSON Lines keys)."""
    if not isinstance(text, str):
        return text, None
    try:
        return orjson.loads(text), None
    except orjson.JSONDecodeError as exc:
        return None, f"invalid JSON {text!r}: {exc}"


def python_column(values: Sequence[Any]) -> Column:
    """Decoded Python values as an Arrow array when they are plain values of one kind."""
    from mcrules.io.tables import scalar_array

    arr = scalar_array(values)
    return arr if arr is not None else list(values)

