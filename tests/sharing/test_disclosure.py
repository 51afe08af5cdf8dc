"""The disclosure guard from Python: small cells are suppressed with their complements, the release
says nothing about why, the pattern is optimal on small tables, and the work is bounded before it
starts (the informed attacker is played in test_informed_attacker.py)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

import numpy as np
import pytest

from mcrules import decide_sharing
from mcrules.sharing.aggregate import aggregate, sharing_request_for, thresholds
from mcrules.sharing.audit import Auditor
from mcrules.sharing.count_table import (
    MAX_TABLE_CELLS,
    CountAccumulator,
    DisclosureError,
    full_table,
)
from mcrules.sharing.decide import load_sharing_pack
from mcrules.sharing.disclosure import SafeTable
from mcrules.sharing.suppression import heuristic, optimal, primary_cells

K = 5
PACK = load_sharing_pack("data-sharing-2023")


def table_of(counts: dict[tuple[str, ...], int], by: tuple[str, ...]) -> SafeTable:
    rows = [dict(zip(by, key, strict=True)) for key, n in counts.items() for _ in range(n)]
    return aggregate(rows, by, pack=PACK)


EXAMPLE = {("female", "0-17"): 3, ("female", "18-59"): 40, ("female", "60+"): 7,
           ("male", "0-17"): 12, ("male", "18-59"): 55, ("male", "60+"): 2}


def test_cells_below_k_are_suppressed_with_complements_and_the_audit_protects_them() -> None:
    t = table_of(EXAMPLE, ("sex", "age_group"))
    by_key = {c.key: c for c in t.cells}
    assert by_key[("female", "0-17")].suppressed and by_key[("female", "0-17")].primary
    assert by_key[("male", "60+")].suppressed
    assert any(c.suppressed and not c.primary for c in t.cells)
    assert by_key[(None, None)].count == 119 and not by_key[(None, None)].suppressed
    assert t.protected and t.k == K
    # optimal: two primaries in different rows and columns need exactly two complements
    assert len(t.suppressed) == 4 and t.method["method"] == "optimal"


def test_the_release_never_says_why_a_cell_is_suppressed() -> None:
    release = table_of(EXAMPLE, ("sex", "age_group")).release()
    text = json.dumps(release)
    assert "primary" not in text and "complementary" not in text and "interval" not in text
    for cell in release["cells"]:
        assert set(cell) == {"sex", "age_group", "count", "suppressed"}
        assert isinstance(cell["suppressed"], bool)
        assert (cell["count"] is None) == cell["suppressed"]


def test_the_audit_gives_the_reasons_and_intervals_but_no_suppressed_count() -> None:
    t = table_of(EXAMPLE, ("sex", "age_group"))
    audit = t.audit()
    reasons = {(c["sex"], c["age_group"]): c["reason"] for c in audit["suppressed"]}
    assert reasons[("female", "0-17")] == "primary"
    assert sorted(reasons.values()).count("complementary") == 2
    assert all(c["interval"][1] is None or c["interval"][1] - c["interval"][0] >= 5
               for c in audit["suppressed"] if c["reason"] == "primary")
    assert "count" not in json.dumps(audit["suppressed"])


def test_a_suppressed_grand_total_is_never_published() -> None:
    t = table_of({("female",): 3}, ("sex",))
    release = t.release()
    assert all(c["suppressed"] and c["count"] is None for c in release["cells"])
    # nothing else in the release carries the number of records
    assert "rows_counted" not in release
    numbers = [v for v in json.loads(json.dumps(release)).values() if isinstance(v, int)]
    assert 3 not in numbers


def test_a_category_named_total_is_a_category_not_the_margin() -> None:
    counts = {("Total", "a"): 6, ("Total", "b"): 9, ("female", "a"): 7, ("female", "b"): 8}
    t = table_of(counts, ("sex", "site"))
    cells = t.release()["cells"]
    keys = [(c["sex"], c["site"]) for c in cells]
    assert len(keys) == len(set(keys)) == 9
    by_key = {(c["sex"], c["site"]): c["count"] for c in cells}
    assert by_key[("Total", None)] == 15 and by_key[(None, None)] == 30
    assert by_key[(None, "a")] == 13


def test_fourteen_breakdowns_of_ten_rows_are_refused_before_any_cross_product() -> None:
    by = [f"b{i}" for i in range(14)]
    acc = CountAccumulator(by)
    with pytest.raises(DisclosureError) as err:
        acc.add_columns({b: [f"v{r}" for r in range(10)] for b in by}, 10)
    assert err.value.path == "--by"
    assert "b0 (10)" in str(err.value) and "b13 (10)" in str(err.value)
    assert f"{MAX_TABLE_CELLS:,}" in str(err.value)


def test_the_table_limit_counts_margins() -> None:
    # 100 x 99 interior cells fit 10,000, but with margins they are 101 x 100 = 10,100
    acc = CountAccumulator(["a", "b"])
    with pytest.raises(DisclosureError):
        acc.add_columns({"a": [f"x{i}" for i in range(100)], "b": [f"y{i % 99}" for i in
                                                                   range(100)]}, 100)


def seventy_by_seventy() -> dict[tuple[str, ...], int]:
    rng = np.random.default_rng(70)
    keys = list(itertools.product([f"r{i:02}" for i in range(70)], [f"c{i:02}" for i in range(70)]))
    values = rng.choice([0, 1, 2, 3, 6, 9, 15, 30], size=len(keys),
                        p=[.3, .03, .02, .02, .2, .2, .13, .1])
    return {k: int(n) for k, n in zip(keys, values, strict=True) if n}


def test_a_seventy_by_seventy_audit_builds_each_model_once_and_solves_a_bounded_number() -> None:
    counts = seventy_by_seventy()
    t = table_of(counts, ("nationality", "site"))
    primaries = sum(c.primary for c in t.cells)
    assert t.protected and primaries > 0
    complements = len(t.suppressed) - primaries
    # the audit's program is rebuilt only when the suppressed cells change: once per heuristic
    # round, and at most twice per complement the clean-up tries to publish again
    assert t.method["audit_models_built"] <= 2 + t.method["rounds"] + 2 * complements
    # two solves per primary to find the weak ones, two per suppressed cell for the audit file,
    # one per heuristic round, and the clean-up's bounded re-checks
    assert t.method["lp_solves"] <= 4 * len(t.cells) + 2 * 2_000


def test_heuristic_and_optimal_agree_on_protection_and_optimal_is_never_worse() -> None:
    rng = np.random.default_rng(3)
    for _ in range(8):
        keys = list(itertools.product("abc", "wxyz"))
        counts = {k: int(n) for k, n in zip(keys, rng.integers(0, 10, len(keys)), strict=True)
                  if n}
        table = full_table(("r", "c"), counts)
        primary = primary_cells(table, K)
        if not primary:
            continue
        best, proven, _ = optimal(table, primary, 5.0)
        auditor = Auditor(table, primary)
        greedy, _ = heuristic(table, primary, 5.0, auditor, {})
        assert proven
        assert len(best) <= len(greedy)
        check = Auditor(table, best)
        assert all(check.protected(p, 5.0) for p in primary)


def test_k_must_be_a_whole_number_of_people() -> None:
    pack = load_sharing_pack("data-sharing-2023", parameters={"min_cell_count": "2.5 person"})
    with pytest.raises(DisclosureError) as err:
        thresholds(pack)
    assert err.value.path == "min_cell_count"


@pytest.mark.parametrize("by", [["sex", "sex"], ["sex", ""], [], ["count"], ["suppressed"],
                                ["margin"]])
def test_breakdowns_must_be_distinct_named_and_not_a_cell_key(by: list[str]) -> None:
    with pytest.raises(DisclosureError):
        CountAccumulator(by)


@pytest.mark.parametrize(("values", "expected"), [
    (["female", "female"], {("female",): 2}),
    ([1, "1", 1.0], {("1",): 3}),
    ([True, "true"], {("true",): 2}),
    (["1.0", 1.5], {("1.0",): 1, ("1.5",): 1}),
    ([dt.date(2026, 6, 1), "2026-06-01"], {("2026-06-01",): 2}),
])
def test_categories_are_typed_consistently(values: list[Any],
                                           expected: dict[tuple[str], int]) -> None:
    acc = CountAccumulator(["sex"])
    acc.add_columns({"sex": values}, len(values))
    assert dict(acc.counts) == expected


def test_json_text_values_are_decoded_before_they_become_categories() -> None:
    acc = CountAccumulator(["sex"])
    acc.add_columns({"sex": ['"female"', "1", '{"a": 1}']}, 3, json_text=["sex"])
    acc.add_columns({"sex": ["female"]}, 1)
    assert dict(acc.counts) == {("female",): 2, ("1",): 1}
    assert [r.row for r in acc.rejects] == [3]
    assert "got an object" in acc.rejects[0].reason


def test_an_unreadable_row_is_a_reject_with_its_number_not_a_missing_value() -> None:
    acc = CountAccumulator(["sex"])
    acc.add_columns({"sex": ["female", None, None]}, 3, errors=[None, "invalid JSON", None])
    assert acc.skipped == 1 and [(r.row, r.reason) for r in acc.rejects] == [(2, "invalid JSON")]


def test_a_count_of_unaccompanied_children_is_non_personal_sensitive_and_never_public() -> None:
    rows: list[dict[str, Any]] = [{"site": "S1", "unaccompanied": "yes"}] * 7 + \
        [{"site": "S1", "unaccompanied": "no"}] * 30
    t = aggregate(rows, ["site", "unaccompanied"], pack=PACK)
    assert t.data_class == "non_personal_sensitive"
    public = decide_sharing(sharing_request_for(t, {"type": "public"}, "annual report"))
    assert public.decision == "deny"
    with_form = decide_sharing(sharing_request_for(
        t, {"type": "un_agency"}, "protection monitoring",
        safeguards={"data_access_request_form": True}))
    assert with_form.decision == "permit_with_obligations"
