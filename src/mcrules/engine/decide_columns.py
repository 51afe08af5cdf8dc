"""The hit policies of `engine.decide`, on many subjects at once with numpy (same semantics)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mcrules.engine.decide import DECIDED, NO_MATCH, UNKNOWN
from mcrules.rules.ir import DecisionTable

BoolArray = npt.NDArray[np.bool_]


@dataclass
class DecidedColumns:
    """A table's answers on many subjects: status codes, the output index (-1 for none; the
    first output for collect) and the matched rows as bits (bit 0 the default row)."""

    status: npt.NDArray[np.uint8]
    output: npt.NDArray[np.int16]
    rows: npt.NDArray[np.uint64]


def decide_columns(table: DecisionTable, true: Sequence[BoolArray],
                   unknown: Sequence[BoolArray], n: int) -> DecidedColumns:
    """`decide` on many subjects at once: `true[i]`/`unknown[i]` are row i's state masks."""
    out_of = {o: i for i, o in enumerate(table.outputs)}
    rows = table.rows
    policy = table.hit_policy
    status = np.full(n, DECIDED, dtype=np.uint8)
    output = np.full(n, -1, dtype=np.int16)
    bits = np.zeros(n, dtype=np.uint64)
    unk = np.zeros(n, dtype=np.bool_)
    if policy in ("first", "unique"):
        done = np.zeros(n, dtype=np.bool_)
        for row, t, u in zip(rows, true, unknown, strict=True):
            if policy == "first":
                unk |= ~done & u
                done |= u
            hit = ~done & t
            output[hit] = out_of[row.output]
            bits[hit] = np.uint64(1) << np.uint64(row.number)
            done |= hit
        if policy == "unique":
            any_unknown = np.zeros(n, dtype=np.bool_)
            for u in unknown:
                any_unknown |= u
            unk = ~done & any_unknown
    elif policy == "priority":
        best = np.full(n, len(table.outputs), dtype=np.int16)
        for row, t in zip(rows, true, strict=True):
            np.minimum(best, np.where(t, out_of[row.output], len(table.outputs)), out=best)
        for row, u in zip(rows, unknown, strict=True):
            unk |= u & (out_of[row.output] < best)
        found = best < len(table.outputs)
        output[found] = best[found]
        for row, t in zip(rows, true, strict=True):
            sel = t & found & (best == out_of[row.output])
            bits[sel] |= np.uint64(1) << np.uint64(row.number)
    else:  # collect
        for u in unknown:
            unk |= u
        for row, t in zip(rows[::-1], true[::-1], strict=True):
            output[t] = out_of[row.output]  # the first true row's output wins: row order
            bits[t] |= np.uint64(1) << np.uint64(row.number)
    output[unk] = -1
    bits[unk] = 0
    status[unk] = UNKNOWN
    none = ~unk & (bits == 0)
    if table.default is not None:
        output[none] = out_of[table.default.output]
        bits[none] = 1
    else:
        status[none] = NO_MATCH
    if table.on_unknown != "unknown" and unk.any():
        if table.on_unknown == "most_restrictive":
            output[unk] = _most_restrictive_columns(table, true, unknown, unk)[unk]
        else:
            output[unk] = out_of[table.on_unknown]
    return DecidedColumns(status, output, bits)


def _most_restrictive_columns(table: DecisionTable, true: Sequence[BoolArray],
                              unknown: Sequence[BoolArray], unk: BoolArray) -> npt.NDArray[np.int16]:
    """Per subject, the highest-priority output still possible (as `_possible`)."""
    out_of = {o: i for i, o in enumerate(table.outputs)}
    n = len(unk)
    worst = len(table.outputs)
    best = np.full(n, worst, dtype=np.int16)
    any_true = np.zeros(n, dtype=np.bool_)
    for t in true:
        any_true |= t
    if table.hit_policy == "first":
        stopped = np.zeros(n, dtype=np.bool_)
        for row, t, u in zip(table.rows, true, unknown, strict=True):
            live = ~stopped & (t | u)
            np.minimum(best, np.where(live, out_of[row.output], worst), out=best)
            stopped |= t
    else:
        for row, t, u in zip(table.rows, true, unknown, strict=True):
            np.minimum(best, np.where(t | u, out_of[row.output], worst), out=best)
    if table.default is not None:
        np.minimum(best, np.where(any_true, worst, out_of[table.default.output]), out=best)
    return best
