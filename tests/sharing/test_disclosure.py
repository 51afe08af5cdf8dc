"""The disclosure guard: small cells are suppressed, and no suppressed cell can be recomputed from
the published cells, margins and totals (the test recomputes them itself, two ways)."""

from __future__ import annotations

import itertools
import json
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog
from typer.testing import CliRunner

from mcrules.cli.main import app
from mcrules.sharing import decide_sharing
from mcrules.sharing.aggregate import aggregate, sharing_request_for
from mcrules.sharing.disclosure import TOTAL, SafeTable
from tests.conftest import ROOT

K = 5


def table_of(counts: dict[tuple[str, ...], int], by: tuple[str, ...]) -> SafeTable:
    rows = [dict(zip(by, key, strict=True)) for key, n in counts.items() for _ in range(n)]
    return aggregate(rows, by)


def interior_keys(t: SafeTable) -> list[tuple[str, ...]]:
    return [c.key for c in t.cells if TOTAL not in c.key]


def covers(margin: tuple[str, ...], key: tuple[str, ...]) -> bool:
    return all(m in (TOTAL, v) for m, v in zip(margin, key, strict=True))


def recompute_by_subtraction(t: SafeTable) -> dict[tuple[str, ...], float]:
    """What an attacker gets by arithmetic: a published margin with one suppressed part."""
    published = t.published()
    known: dict[tuple[str, ...], float] = dict(published)
    changed = True
    while changed:
        changed = False
        for margin in [c.key for c in t.cells if TOTAL in c.key]:
            if margin not in known:
                continue
            parts = [c.key for c in t.cells if c.key != margin and covers(margin, c.key)
                     and c.key.count(TOTAL) == margin.count(TOTAL) - 1]
            # only parts one level down partition a margin exactly when they differ in one place
            for dim in range(len(margin)):
                if margin[dim] != TOTAL:
                    continue
                row = [p for p in parts if all(p[i] == margin[i] for i in range(len(margin))
                                               if i != dim)]
                missing = [p for p in row if p not in known]
                if len(missing) == 1:
                    known[missing[0]] = known[margin] - sum(known[p] for p in row if p in known)
                    changed = True
    return {k: v for k, v in known.items() if k not in published}


def interval_by_lp(t: SafeTable, key: tuple[str, ...]) -> tuple[float, float]:
    """Min and max of a suppressed cell over all non-negative interior tables consistent with
    every published cell (an independent LP over all interior cells)."""
    inner = interior_keys(t)
    published = t.published()
    a, b = [], []
    for cell_key, value in published.items():
        a.append([1.0 if covers(cell_key, k) else 0.0 for k in inner])
        b.append(value)
    c = np.array([1.0 if covers(key, k) else 0.0 for k in inner])
    if not a:
        return 0.0, float("inf")  # nothing published: nothing to infer from
    lo = linprog(c, A_eq=np.array(a), b_eq=np.array(b, dtype=float), bounds=(0, None),
                 method="highs")
    hi = linprog(-c, A_eq=np.array(a), b_eq=np.array(b, dtype=float), bounds=(0, None),
                 method="highs")
    return lo.fun, (float("inf") if hi.status == 3 else -hi.fun)


EXAMPLE = {("female", "0-17"): 3, ("female", "18-59"): 40, ("female", "60+"): 7,
           ("male", "0-17"): 12, ("male", "18-59"): 55, ("male", "60+"): 2}


def test_cells_below_k_are_suppressed_with_complements_and_the_audit_protects_them() -> None:
    t = table_of(EXAMPLE, ("sex", "age_group"))
    by_key = {c.key: c for c in t.cells}
    assert by_key[("female", "0-17")].suppressed and by_key[("female", "0-17")].primary
    assert by_key[("male", "60+")].suppressed
    assert any(c.suppressed and not c.primary for c in t.cells)
    assert by_key[(TOTAL, TOTAL)].count == 119 and not by_key[(TOTAL, TOTAL)].suppressed
    assert t.protected and t.k == K


def test_suppressed_cells_cannot_be_recovered_from_the_published_margins() -> None:
    t = table_of(EXAMPLE, ("sex", "age_group"))
    assert recompute_by_subtraction(t) == {}
    for cell in t.suppressed:
        lo, hi = interval_by_lp(t, cell.key)
        assert lo <= cell.count <= hi
        assert hi - lo >= t.protection_width


small_tables = st.dictionaries(
    st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(["x", "y", "z", "w"])),
    st.integers(min_value=0, max_value=30), min_size=2, max_size=12)


@settings(max_examples=40, deadline=None)
@given(small_tables)
def test_no_suppressed_cell_of_any_table_is_recovered(counts: dict[tuple[str, str], int]) -> None:
    counts = {k: v for k, v in counts.items() if v > 0} or {("a", "x"): 1}
    t = table_of(counts, ("sex", "group"))
    published = t.published()
    assert all(not 0 < v < K for v in published.values())
    assert recompute_by_subtraction(t) == {}
    for cell in t.suppressed:
        lo, hi = interval_by_lp(t, cell.key)
        assert lo - 1e-6 <= cell.count <= hi + 1e-6
        assert hi - lo >= t.protection_width - 1e-6


def test_three_breakdowns_are_protected_too() -> None:
    counts = {key: n for key, n in zip(itertools.product("fm", ["0-17", "18+"], ["A", "B", "C"]),
                                       [1, 9, 6, 2, 30, 14, 7, 3, 22, 0, 5, 11], strict=True) if n}
    t = table_of(counts, ("sex", "age_group", "nationality"))
    assert t.protected
    for cell in t.suppressed:
        lo, hi = interval_by_lp(t, cell.key)
        assert hi - lo >= t.protection_width


def test_a_count_of_unaccompanied_children_is_non_personal_sensitive_and_never_public() -> None:
    rows: list[dict[str, Any]] = [{"site": "S1", "unaccompanied": "yes"}] * 7 + \
        [{"site": "S1", "unaccompanied": "no"}] * 30
    t = aggregate(rows, ["site", "unaccompanied"])
    assert t.data_class == "non_personal_sensitive"
    public = decide_sharing(sharing_request_for(t, {"type": "public"}, "annual report"))
    assert public.decision == "deny"
    with_form = decide_sharing(sharing_request_for(
        t, {"type": "un_agency"}, "protection monitoring",
        safeguards={"data_access_request_form": True}))
    assert with_form.decision == "permit_with_obligations"


def test_the_aggregate_command_streams_a_csv_and_prints_a_protected_table() -> None:
    result = CliRunner().invoke(app, ["aggregate", str(ROOT / "examples" / "sharing" / "arrivals.csv"),
                                      "--by", "sex,age_group", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["protected"] and doc["rows_counted"] == 200 and doc["k"] == 5
    assert all(c["count"] is None or c["count"] == 0 or c["count"] >= 5 for c in doc["cells"])
