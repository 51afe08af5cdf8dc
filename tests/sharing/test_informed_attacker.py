"""The informed attacker of docs/sharing.md, played by the test with a linear program of its own
(scipy's linprog over the interior cells; nothing from src/ but the release itself).

The attacker holds the release and knows the method, k and the protection width: so every
published cell and margin, that counts are non-negative, and, since zeros are published and never
suppressed, that every suppressed cell counts at least 1. For every primary cell (1 to k-1, which
the test knows from the data), the interval the attacker can narrow it to must be at least the
width wide.
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any
from unittest.mock import patch

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from mcrules.sharing import suppression
from mcrules.sharing.aggregate import aggregate
from mcrules.sharing.decide import load_sharing_pack

PACK = load_sharing_pack("data-sharing-2023")
K = 5
WIDTH = 5.0


def covers(cell: dict[str, Any], by: tuple[str, ...], key: tuple[str, ...]) -> bool:
    """Whether a release cell (null = summed over) counts the interior combination `key`."""
    return all(cell[b] is None or cell[b] == v for b, v in zip(by, key, strict=True))


def attacker_intervals(release: dict[str, Any], *, whole: bool = False
                       ) -> dict[tuple[Any, ...], tuple[float, float]]:
    """For each suppressed cell of the release, [min, max] of its count over every table of
    non-negative interior counts that matches every published cell, with every suppressed cell at
    least 1. `whole`: the attacker also knows counts are whole numbers, so rounds the minimum up
    and the maximum down."""
    by = tuple(release["by"])
    cells = release["cells"]
    cats = [sorted({c[b] for c in cells if c[b] is not None}) for b in by]
    interior = list(itertools.product(*cats))
    a_eq, b_eq, a_ub, b_ub = [], [], [], []
    for c in cells:
        row = [1.0 if covers(c, by, k) else 0.0 for k in interior]
        if c["suppressed"]:
            a_ub.append([-v for v in row])   # sum >= 1
            b_ub.append(-1.0)
        else:
            a_eq.append(row)
            b_eq.append(float(c["count"]))
    out = {}
    for c in cells:
        if not c["suppressed"]:
            continue
        obj = np.array([1.0 if covers(c, by, k) else 0.0 for k in interior])
        kw: dict[str, Any] = {"bounds": (0, None), "method": "highs"}
        if a_eq:
            kw |= {"A_eq": np.array(a_eq), "b_eq": np.array(b_eq)}
        if a_ub:
            kw |= {"A_ub": np.array(a_ub), "b_ub": np.array(b_ub)}
        lo = linprog(obj, **kw)
        hi = linprog(-obj, **kw)
        assert lo.status == 0, lo.message   # the true table is always a solution
        top = float("inf") if hi.status == 3 else -hi.fun
        if whole:
            out[tuple(c[b] for b in by)] = (float(np.ceil(lo.fun - 1e-6)),
                                            float(np.floor(top + 1e-6)))
        else:
            out[tuple(c[b] for b in by)] = (lo.fun, top)
    return out


def true_counts(counts: dict[tuple[str, ...], int], by: tuple[str, ...]) -> dict[tuple[Any, ...], int]:
    """Every cell's true count, margins (None) included."""
    cats = [sorted({k[i] for k in counts}) for i in range(len(by))]
    out: dict[tuple[Any, ...], int] = {}
    for key in itertools.product(*[[*c, None] for c in cats]):
        out[key] = sum(n for k, n in counts.items()
                       if all(m is None or m == v for m, v in zip(key, k, strict=True)))
    return out


def check_release(counts: dict[tuple[str, ...], int], by: tuple[str, ...], *, k: int = K,
                  width: float = WIDTH) -> None:
    rows = [dict(zip(by, key, strict=True)) for key, n in counts.items() for _ in range(n)]
    pack = PACK if (k, width) == (K, WIDTH) else load_sharing_pack(
        "data-sharing-2023", parameters={"min_cell_count": f"{k} person",
                                         "protection_width": f"{width:g} person"})
    table = aggregate(rows, by, pack=pack)
    assert table.protected
    release = table.release()
    truth = true_counts(counts, by)
    for c in release["cells"]:
        assert set(c) == {*by, "count", "suppressed"}
        key = tuple(c[b] for b in by)
        if not c["suppressed"]:
            assert c["count"] == truth[key]
            assert c["count"] == 0 or c["count"] >= k
    intervals = attacker_intervals(release, whole=True)
    for key, (lo, hi) in intervals.items():
        assert lo - 1e-6 <= truth[key] <= hi + 1e-6
        if 0 < truth[key] < k:   # a primary cell
            assert hi - lo >= width - 1e-6, (key, truth[key], lo, hi)


def tables(shape: tuple[int, ...], high: int) -> st.SearchStrategy[dict[tuple[str, ...], int]]:
    keys = list(itertools.product(*[[f"{chr(97 + d)}{i}" for i in range(n)]
                                    for d, n in enumerate(shape)]))
    return st.lists(st.integers(min_value=0, max_value=high), min_size=len(keys),
                    max_size=len(keys)).map(
        lambda ns: {k: n for k, n in zip(keys, ns, strict=True) if n} or {keys[0]: 1})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([(2, 2), (2, 3), (3, 3), (3, 4), (4, 5)]).flatmap(
    lambda shape: tables(shape, 12)))
def test_no_primary_cell_of_a_two_way_table_is_narrower_than_the_width(
        counts: dict[tuple[str, ...], int]) -> None:
    check_release(counts, ("sex", "group"))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([(2, 2, 2), (2, 2, 3), (2, 3, 3)]).flatmap(lambda shape: tables(shape, 9)))
def test_no_primary_cell_of_a_three_way_table_is_narrower_than_the_width(
        counts: dict[tuple[str, ...], int]) -> None:
    check_release(counts, ("sex", "age_group", "site"))


def test_a_large_three_way_table_by_the_heuristic_is_protected_too() -> None:
    rng = np.random.default_rng(7)
    keys = list(itertools.product([f"s{i}" for i in range(3)], [f"a{i}" for i in range(4)],
                                  [f"n{i}" for i in range(5)]))
    counts = {k: int(n) for k, n in zip(keys, rng.integers(0, 9, len(keys)), strict=True) if n}
    check_release(counts, ("sex", "age_group", "site"))


def test_zeros_published_mean_a_suppressed_cell_is_known_to_be_at_least_one() -> None:
    """A 2x2 table with a zero: the attacker's lower bound of 1 must not narrow the primary cell
    below the width (counting a suppressed cell from 0 overstates its interval)."""
    counts = {("a0", "b0"): 2, ("a0", "b1"): 7, ("a1", "b0"): 6, ("a1", "b1"): 0}
    check_release(counts, ("sex", "group"))
    counts = Counter({("a0", "b0"): 1, ("a0", "b1"): 5, ("a0", "b2"): 0,
                      ("a1", "b0"): 5, ("a1", "b1"): 0, ("a1", "b2"): 5})
    check_release(dict(counts), ("sex", "group"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([(3, 4), (4, 5), (2, 2, 3)]).flatmap(lambda shape: tables(shape, 10)),
       st.sampled_from([0, 1, 200]))
def test_the_heuristic_and_its_margin_fallback_protect_every_primary_cell(
        counts: dict[tuple[str, ...], int], lps: int) -> None:
    """Past the integer program's size (forced here), and past the heuristic's budget of linear
    programs (0 or 1 here), where a primary cell's margins are suppressed instead."""
    by = ("sex", "group", "site")[:len(next(iter(counts)))]
    with patch.object(suppression, "MILP_MAX_SIZE", 0), \
            patch.object(suppression, "HEURISTIC_MAX_LPS", lps):
        check_release(counts, by)


def fewest_complements_by_brute_force(counts: dict[tuple[str, ...], int],
                                      by: tuple[str, ...]) -> int:
    """The fewest complementary cells that protect every primary cell, trying every set of
    cells in order of size, each checked by the attacker's own program above."""
    truth = true_counts(counts, by)
    primary = {key for key, n in truth.items() if 0 < n < K}
    candidates = sorted((key for key, n in truth.items() if n >= K),
                        key=lambda key: tuple((v is None, v or "") for v in key))
    for size in range(len(candidates) + 1):
        for extra in itertools.combinations(candidates, size):
            hidden = primary | set(extra)
            release = {"by": list(by), "cells": [
                {**dict(zip(by, key, strict=True)), "count": None if key in hidden else n,
                 "suppressed": key in hidden} for key, n in truth.items()]}
            intervals = attacker_intervals(release)
            if all(intervals[key][1] - intervals[key][0] >= WIDTH - 1e-6 for key in primary):
                return size
    raise AssertionError("suppressing everything always protects")


def test_the_integer_program_needs_no_more_complements_than_brute_force_finds() -> None:
    rng = np.random.default_rng(11)
    checked = 0
    while checked < 3:
        keys = list(itertools.product(["a0", "a1"], ["b0", "b1", "b2"]))
        counts = {k: int(n) for k, n in zip(keys, rng.choice([0, 1, 3, 6, 8, 12], len(keys)),
                                            strict=True) if n}
        by = ("sex", "group")
        rows = [dict(zip(by, key, strict=True)) for key, n in counts.items() for _ in range(n)]
        table = aggregate(rows, by, pack=PACK)
        if table.method.get("method") != "optimal":
            continue
        checked += 1
        found = sum(c.suppressed and not c.primary for c in table.cells)
        assert found == fewest_complements_by_brute_force(counts, by)


def test_a_fractional_width_is_not_met_by_a_fractional_attacker_table() -> None:
    """Width 2.5 on a four-way table: the linear programs' tables move a cell by 2.5, so the LP
    interval of the cell counting 9 was [6.5, 9]; counts are whole, so the attacker has [7, 9]."""
    counts = {("a0", "b0", "c0", "d0"): 9, ("a0", "b0", "c0", "d1"): 1,
              ("a0", "b0", "c1", "d0"): 1, ("a0", "b0", "c1", "d1"): 6,
              ("a0", "b1", "c0", "d0"): 3, ("a0", "b1", "c0", "d1"): 1,
              ("a0", "b1", "c1", "d0"): 15, ("a0", "b1", "c1", "d1"): 1,
              ("a1", "b0", "c0", "d0"): 1, ("a1", "b0", "c0", "d1"): 3,
              ("a1", "b0", "c1", "d0"): 2, ("a1", "b0", "c1", "d1"): 4,
              ("a1", "b1", "c0", "d0"): 2, ("a1", "b1", "c0", "d1"): 3,
              ("a1", "b1", "c1", "d0"): 3, ("a1", "b1", "c1", "d1"): 4}
    with patch.object(suppression, "MILP_MAX_SIZE", 0), \
            patch.object(suppression, "HEURISTIC_MAX_LPS", 0):
        check_release(counts, ("sex", "group", "site", "nationality"), k=10, width=2.5)


def test_a_weak_margin_cell_past_the_heuristic_budget_is_opened_too() -> None:
    """A margin cell (a1, b0, all) = 6 + 0 + 1 still weak past the budget: suppressing the margins
    that cover it left it pinned by its published parts to exactly 7 (and the release was written
    with exit 1). Its parts must be opened, not only the cells above it."""
    counts = {("a0", "b0", "c0"): 3, ("a0", "b0", "c1"): 6, ("a0", "b0", "c2"): 6,
              ("a0", "b1", "c0"): 9, ("a0", "b1", "c1"): 2, ("a0", "b1", "c2"): 3,
              ("a0", "b2", "c0"): 2, ("a0", "b2", "c1"): 9, ("a0", "b2", "c2"): 2,
              ("a1", "b0", "c0"): 6, ("a1", "b0", "c2"): 1, ("a1", "b1", "c0"): 6,
              ("a1", "b1", "c1"): 4, ("a1", "b1", "c2"): 2, ("a1", "b2", "c0"): 6,
              ("a1", "b2", "c1"): 3, ("a1", "b2", "c2"): 1}
    with patch.object(suppression, "MILP_MAX_SIZE", 0), \
            patch.object(suppression, "HEURISTIC_MAX_LPS", 1):
        check_release(counts, ("sex", "group", "site"), k=10, width=1.0)


def sparse_tables(shape: tuple[int, ...], k: int) -> st.SearchStrategy[dict[tuple[str, ...], int]]:
    """Tables with many zeros, one non-zero cell, a whole row of small cells, or dense."""
    keys = list(itertools.product(*[[f"{chr(97 + d)}{i}" for i in range(n)]
                                    for d, n in enumerate(shape)]))
    small = st.integers(min_value=1, max_value=k - 1)
    many_zeros = st.lists(st.sampled_from([0, 0, 0, 1, 2, 12]), min_size=len(keys),
                          max_size=len(keys)).map(lambda ns: list(ns))
    one = st.tuples(st.integers(0, len(keys) - 1), st.integers(1, 15)).map(
        lambda t: [t[1] if i == t[0] else 0 for i in range(len(keys))])
    small_row = st.tuples(st.lists(small, min_size=shape[-1], max_size=shape[-1]),
                          st.lists(st.integers(k, k + 9), min_size=len(keys),
                                   max_size=len(keys))).map(lambda t: t[0] + t[1][len(t[0]):])
    dense = st.lists(st.sampled_from([0, 1, 2, 3, 4, 6, 9, 15]), min_size=len(keys),
                     max_size=len(keys))
    return st.one_of(many_zeros, one, small_row, dense).map(
        lambda ns: {key: n for key, n in zip(keys, ns, strict=True) if n} or {keys[0]: 1})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([(6,), (2, 3), (3, 3), (2, 2, 2), (2, 3, 3), (2, 2, 2, 2)]),
       st.sampled_from([2, 3, 5, 10]), st.sampled_from([1.0, 2.5, 5.0, 20.0, 1000.0]),
       st.sampled_from([(500, 200), (0, 200), (0, 1), (0, 0)]), st.data())
def test_any_k_width_shape_and_path_leaves_no_primary_cell_narrower_than_the_width(
        shape: tuple[int, ...], k: int, width: float, limits: tuple[int, int],
        data: st.DataObject) -> None:
    """k from 2, widths that are fractional or wider than every margin, one- to four-way tables
    with many zeros, one non-zero cell or a whole row of small cells, by the integer program, the
    heuristic, and past the heuristic's budget; the attacker knows counts are whole."""
    counts = data.draw(sparse_tables(shape, k))
    by = ("sex", "group", "site", "nationality")[:len(shape)]
    with patch.object(suppression, "MILP_MAX_SIZE", limits[0]), \
            patch.object(suppression, "HEURISTIC_MAX_LPS", limits[1]):
        check_release(counts, by, k=k, width=width)
