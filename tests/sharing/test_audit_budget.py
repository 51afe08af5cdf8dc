"""The audit's work is bounded by a count (`AUDIT_WORK`), not a clock: a table that needs more is
refused, naming `--by`, and nothing is released."""

from __future__ import annotations

import itertools

import pytest

from mcrules.errors import McrulesError
from mcrules.sharing import audit
from mcrules.sharing.disclosure import protect


def _table() -> dict[tuple[str, ...], int]:
    keys = itertools.product(["a", "b", "c", "d"], ["x", "y", "z"])
    return {k: (1 if i % 3 == 0 else 40) for i, k in enumerate(keys)}


def test_a_table_past_the_work_bound_is_refused_not_half_audited(
        monkeypatch: pytest.MonkeyPatch) -> None:
    _, method = protect(["site", "sex"], _table(), 5, 5.0)
    assert 0 < method["work"] < audit.AUDIT_WORK
    monkeypatch.setattr(audit, "AUDIT_WORK", method["work"] // 2)
    with pytest.raises(McrulesError) as info:
        protect(["site", "sex"], _table(), 5, 5.0)
    assert "nothing is released" in str(info.value)
    assert info.value.path == ("by",) or "by" in str(info.value)


def test_the_work_counted_is_the_same_on_every_run() -> None:
    assert protect(["site", "sex"], _table(), 5, 5.0)[1]["work"] == \
        protect(["site", "sex"], _table(), 5, 5.0)[1]["work"]
