"""How a decision table's hit policy turns row matches into a decision: once, for both evaluators.

Each row's condition is true, false or unknown (three-valued, like any rule condition). Then:

- `unique`: the true row (a unique table has at most one, checked at load), else unknown if any
  row is unknown, else no match;
- `first`: the first true row, unless an unknown row comes before it (it might match first);
- `priority`: of the true rows, the one whose output comes first in `outputs`, unless an unknown
  row has a higher-priority output;
- `collect`: every true row's output, in row order, unless any row is unknown.

No match falls to the table's `default` row when it has one. An unknown decision yields what the
table's `on_unknown` says: `unknown` (no decision, the missing inputs named), `most_restrictive`
(the highest-priority output among those still possible: fails closed), or a named output.

`decide` works on one subject; `engine.decide_columns` does the same on many with numpy; a
differential test holds them equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mcrules.rules.ir import DecisionTable

DECIDED, UNKNOWN, NO_MATCH = 0, 1, 2
STATUS_WORDS = ("decided", "unknown", "no_match")
MAX_ROWS = 63  # matched rows travel as bits of a uint64; bit 0 is the default row


@dataclass(frozen=True)
class Decided:
    """A table's answer on one subject, before it is dressed with reasons."""

    status: int
    outputs: tuple[int, ...]   # indexes into table.outputs (one, except for collect)
    rows: tuple[int, ...]      # matched row numbers; 0 is the default row
    fallback: bool = False     # `outputs` is what on_unknown yields, not a match


def _possible(table: DecisionTable, states: Sequence[bool | None]) -> set[int]:
    """Outputs an unknown decision could still turn out to be."""
    out_of = {o: i for i, o in enumerate(table.outputs)}
    rows = table.rows
    possible: set[int] = set()
    if table.hit_policy == "first":
        for row, s in zip(rows, states, strict=True):
            if s is None:
                possible.add(out_of[row.output])
            elif s:
                possible.add(out_of[row.output])
                return possible
    else:
        possible |= {out_of[r.output] for r, s in zip(rows, states, strict=True) if s is not False}
    if table.default is not None and True not in states:
        possible.add(out_of[table.default.output])
    return possible


def decide(table: DecisionTable, states: Sequence[bool | None]) -> Decided:
    """Apply the hit policy to one subject's row states (True, False or None for unknown)."""
    out_of = {o: i for i, o in enumerate(table.outputs)}
    rows = table.rows
    policy = table.hit_policy
    true_rows = [r for r, s in zip(rows, states, strict=True) if s is True]
    unknown_rows = [r for r, s in zip(rows, states, strict=True) if s is None]
    status = DECIDED
    chosen: list[int] = []
    if policy == "first":
        for row, s in zip(rows, states, strict=True):
            if s is None:
                status = UNKNOWN
                break
            if s:
                chosen = [row.number]
                break
    elif policy == "unique":
        if true_rows:
            chosen = [true_rows[0].number]
        elif unknown_rows:
            status = UNKNOWN
    elif policy == "priority":
        if true_rows:
            best = min(out_of[r.output] for r in true_rows)
            if any(out_of[r.output] < best for r in unknown_rows):
                status = UNKNOWN
            else:
                chosen = [r.number for r in true_rows if out_of[r.output] == best]
        elif unknown_rows:
            status = UNKNOWN
    else:  # collect
        if unknown_rows:
            status = UNKNOWN
        else:
            chosen = [r.number for r in true_rows]
    if status == UNKNOWN:
        if table.on_unknown == "unknown":
            return Decided(UNKNOWN, (), ())
        if table.on_unknown == "most_restrictive":
            return Decided(UNKNOWN, (min(_possible(table, states)),), (), True)
        return Decided(UNKNOWN, (out_of[table.on_unknown],), (), True)
    if not chosen:
        if table.default is not None:
            return Decided(DECIDED, (out_of[table.default.output],), (0,))
        return Decided(NO_MATCH, (), ())
    by_number = {r.number: r for r in rows}
    outputs: list[int] = []
    for n in chosen:
        o = out_of[by_number[n].output]
        if o not in outputs:
            outputs.append(o)
    return Decided(DECIDED, tuple(outputs) if policy == "collect" else (outputs[0],), tuple(chosen))
