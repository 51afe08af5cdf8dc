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


def attacker_intervals(release: dict[str, Any]) -> dict[tuple[Any, ...], tuple[float, float]]:
    """For each suppressed cell of the release, [min, max] of its count over every table of
    non-negative interior counts that matches every published cell, with every suppressed cell at
    least 1."""
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


def check_release(counts: dict[tuple[str, ...], int], by: tuple[str, ...]) -> None:
    rows = [dict(zip(by, key, strict=True)) for key, n in counts.items() for _ in range(n)]
    table = aggregate(rows, by, pack=PACK)
    release = table.release()
    truth = true_counts(counts, by)
    for c in release["cells"]:
        assert set(c) == {*by, "count", "suppressed"}
        key = tuple(c[b] for b in by)
        if not c["suppressed"]:
            assert c["count"] == truth[key]
            assert c["count"] == 0 or c["count"] >= K
    intervals = attacker_intervals(release)
    for key, (lo, hi) in intervals.items():
        assert lo - 1e-6 <= truth[key] <= hi + 1e-6
        if 0 < truth[key] < K:   # a primary cell
            assert hi - lo >= WIDTH - 1e-6, (key, truth[key], lo, hi)


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
