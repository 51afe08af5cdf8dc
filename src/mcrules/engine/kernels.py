"""The columnar evaluator's array kernels: the rows a rule runs over (`Env`) and the numpy
operations the compiled rules call, each bound to `engine/semantics.py` (tolerance, NaN for a
division by zero) so that the columnar path decides exactly as the scalar one.

Hot loops see only float64 arrays: no pint, no pydantic, no Python per row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from mcrules.engine import semantics as sem
from mcrules.engine.columns import FloatArray
from mcrules.engine.outcomes import Code

CodeArray = npt.NDArray[np.uint8]
BoolArray = npt.NDArray[np.bool_]
Value = Any  # a float64 array, a bool array, or a Python scalar that broadcasts

TOL = sem.TOL
NA, PASS, UNKNOWN, FAIL = (np.uint8(c) for c in (Code.NOT_APPLICABLE, Code.PASS, Code.UNKNOWN,
                                                Code.FAIL))


class Env:
    """The rows one rule is evaluated over: a slice of the batch's columns (views, never copies),
    a per-slice cache of missing-value masks, and memoised shared subexpressions."""

    __slots__ = ("_gathered", "_missing", "base", "columns", "memo", "n", "parent", "start", "stop")

    def __init__(self, n: int, columns: Mapping[str, FloatArray], base: Env | None = None,
                 parent: npt.NDArray[np.intp] | None = None, start: int = 0,
                 stop: int | None = None) -> None:
        self.n = n
        self.columns = columns
        self.base = base
        self.parent = parent
        self.start = start
        self.stop = stop
        self._missing: dict[str, BoolArray | None] = {}
        self._gathered: dict[str, FloatArray] = {}
        self.memo: dict[int, Value] = {}

    def column(self, key: str) -> FloatArray:
        got = self._gathered.get(key)
        if got is not None:
            return got
        col = self.columns.get(key)
        if col is not None:
            got = col if self.stop is None else col[self.start:self.stop]
        elif self.base is not None and self.parent is not None:
            got = self.base.column(key)[self.parent]
        else:
            raise KeyError(f"the batch has no column {key!r}")
        self._gathered[key] = got
        return got

    def missing(self, key: str) -> BoolArray | None:
        """A mask of rows where `key` is missing, or None when no row is (the common case)."""
        if key in self._missing:
            return self._missing[key]
        col = self.column(key)
        # Inputs are finite, so the sum is NaN exactly when a value is missing: one pass, no mask.
        mask: BoolArray | None = np.isnan(col) if np.isnan(np.add.reduce(col)) else None
        self._missing[key] = mask
        return mask


def ranked_on(x: Value, numbers: FloatArray) -> Value:
    """The number a rank scale gives each ordinal (held 0-based); NaN, an unknown, stays NaN."""
    a = np.asarray(x, dtype=np.float64)
    unknown = np.isnan(a)
    out = np.where(unknown, sem.NAN, numbers[np.where(unknown, 0, a).astype(np.intp)])
    return out if np.ndim(x) else float(out)


def divide(a: Value, b: Value) -> Value:
    if np.ndim(b) == 0:
        if b == 0:
            return np.full(np.shape(a), sem.NAN) if np.ndim(a) else sem.NAN
        return a / b
    a_arr = np.broadcast_to(np.asarray(a, dtype=np.float64), np.shape(b))
    out = np.full(np.shape(b), sem.NAN)
    np.divide(a_arr, b, out=out, where=b != 0)
    return out


def ceil_general(x: Value) -> Value:
    return np.ceil(x - TOL * np.abs(x))


def ceil_nonneg(x: Value) -> Value:
    # x >= 0: abs(x) is x, so these are the general form's float operations.
    out = x * TOL
    np.subtract(x, out, out=out)
    return np.ceil(out, out=out) if isinstance(out, np.ndarray) else np.ceil(out)


def floor_tolerant(x: Value) -> Value:
    return np.floor(x + TOL * np.abs(x))


def cmp_general(op: str, a: Value, b: Value) -> Value:
    tol = TOL * np.maximum(np.abs(a), np.abs(b))
    if op == ">=":
        return a >= b - tol
    if op == ">":
        return a > b + tol
    if op == "<=":
        return a <= b + tol
    if op == "<":
        return a < b - tol
    close = np.abs(a - b) <= tol
    return close if op == "==" else ~close


def cmp_nonneg(op: str, a: Value, b: Value) -> Value:
    # With a, b >= 0, max(|a|, |b|) is b exactly where the general form can differ from a plain
    # comparison for >= and <, and a for > and <=; so these are the same float operations.
    if op in (">=", "<"):
        t = b * TOL
        t = np.subtract(b, t, out=t) if isinstance(t, np.ndarray) else b - t
        return a >= t if op == ">=" else a < t
    if op in (">", "<="):
        t = a * TOL
        t = np.add(b, t, out=t) if isinstance(t, np.ndarray) else b + t
        return a > t if op == ">" else a <= t
    return cmp_general(op, a, b)


def mark_undefined(codes: CodeArray, side: Value) -> None:
    """Unknown where a side is NaN (a division by zero); one pass when there is none."""
    if np.ndim(side) == 0:
        if side != side:
            codes[...] = UNKNOWN
    elif np.isnan(np.add.reduce(side)):
        np.copyto(codes, UNKNOWN, where=np.isnan(side))


def as_bool(v: Value, n: int) -> BoolArray:
    arr = np.asarray(v, dtype=np.bool_)
    return np.broadcast_to(arr, (n,)) if arr.ndim == 0 else arr


def any_missing(env: Env, keys: tuple[str, ...]) -> BoolArray | None:
    """Rows where any of `keys` is missing, or None when no row is."""
    mask: BoolArray | None = None
    for key in keys:
        mask = or_masks(mask, env.missing(key))
    return mask


def or_masks(a: BoolArray | None, b: BoolArray | None) -> BoolArray | None:
    if a is None:
        return b
    return a if b is None else a | b


def known(v: Value, m: BoolArray | None, n: int) -> FloatArray:
    """A three-valued result as a float column: NaN where unknown (bools as 1.0/0.0)."""
    col = np.array(np.broadcast_to(np.asarray(v, dtype=np.float64), (n,)))
    if m is not None:
        col[m] = sem.NAN
    return col
