"""One semantics, two evaluators: the scalar and columnar paths agree on every rule of every pack.

Hypothesis generates batches of sites with missing fields, zeros and exact boundary values; the
outcome, measured and required values and the deciding item must be identical, for every shipped
pack and every one of its variants.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mcrules import Pack, check_site, load_site_pack
from mcrules.engine.columnar import ColumnarEvaluator
from mcrules.engine.columns import batch_from_facts
from mcrules.engine.outcomes import CODE_TO_OUTCOME, Code, Outcome
from mcrules.site import SITE, site_facts, site_schema
from mcrules.subjects import load_subject_pack, pack_subjects
from mcrules.testing import discover_packs
from tests.conftest import ROOT, site
from tests.strategies import sites


def _configurations() -> list[tuple[str, Pack]]:
    """Every shipped site pack and variant (the case pack has its own: test_assessment_laws)."""
    out = []
    for folder in discover_packs(ROOT / "rules"):
        if pack_subjects(load_subject_pack(folder)) != (SITE,):
            continue
        base = load_site_pack(folder)
        out.append((base.id, base))
        out += [(f"{base.id}+{v}", load_site_pack(folder, variants=[v])) for v in base.variants]
    return out


CONFIGS = _configurations()


def _same(a: float | bool | None, b: float) -> bool:
    if a is None:
        return math.isnan(b)
    return float(a) == b or (math.isnan(b) and isinstance(a, float) and math.isnan(a))


def assert_agree(pack: Pack, docs: list[dict[str, Any]]) -> None:
    validated = [site(**d) for d in docs]
    batch = batch_from_facts([site_facts(s) for s in validated], site_schema())
    columnar = ColumnarEvaluator(pack).evaluate(batch)
    for row, s in enumerate(validated):
        for r in check_site(s, pack).results:
            rid = r.rule.id
            got = CODE_TO_OUTCOME[Code(int(columnar.codes[rid][row]))]
            assert got is r.outcome, (rid, row, docs[row], r.message)
            if r.outcome in (Outcome.PASS, Outcome.FAIL):
                assert _same(r.measured, float(columnar.measured[rid][row])), (rid, row)
                assert _same(r.required, float(columnar.required[rid][row])), (rid, row)
            if r.rule.each is not None:
                assert r.item == columnar.items[rid][row], (rid, row)
            assert r.unit == columnar.units[rid]


@pytest.mark.parametrize(("name", "pack"), CONFIGS, ids=[c[0] for c in CONFIGS])
@settings(max_examples=25, deadline=None)
@given(docs=st.lists(sites(), min_size=1, max_size=12))
def test_scalar_and_columnar_agree_on_every_rule(name: str, pack: Pack,
                                                  docs: list[dict[str, Any]]) -> None:
    assert_agree(pack, docs)


def test_they_agree_on_an_empty_batch_and_on_empty_sites() -> None:
    pack = load_site_pack("mct-2023")
    assert_agree(pack, [{}, {}])
    empty = ColumnarEvaluator(pack).evaluate(batch_from_facts([], site_schema()))
    assert all(len(c) == 0 for c in empty.codes.values())


def test_they_agree_at_the_exact_boundaries() -> None:
    pack = load_site_pack("mct-2023")
    docs = [{"population": {"female": f, "male": m}, "toilets": {"female": t, "male": t},
             "showers": {"female": t, "male": t}, "water_supply": w,
             "provides_accommodation": True, "covered_living_area": 3.5 * (f + m),
             "total_site_area": 30 * (f + m) - d}
            for f, m, t, w, d in [(20, 20, 1, 800, 0), (21, 19, 1, 799.99, 0.01),
                                   (0, 0, 0, 0, 0), (40, 41, 2, 1620, 1)]]
    assert_agree(pack, docs)
