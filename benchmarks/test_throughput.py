"""Throughput of mcrules against the numpy ceiling and peer engines, on the same rules and data.

Every engine's failure counts are first checked equal to the numpy reference's on the data it is
timed on, so a ratio never compares engines that disagree. Run with `make bench`.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest

import mcrules
from benchmarks.ceiling import RULE_IDS, numpy_failures, python_failures
from benchmarks.full_pack import full_batch
from benchmarks.peers import peer_durable, peer_ruleengine, peer_zen
from benchmarks.synthetic import make_sites, to_flat_records, to_records
from mcrules.engine.columnar import ColumnarEvaluator
from mcrules.engine.columns import ColumnBatch
from mcrules.engine.outcomes import Code
from mcrules.engine.scalar import ScalarEvaluator
from mcrules.site import site_schema

COLUMNAR_ROWS = int(os.environ.get("MCRULES_BENCH_ROWS", 1_000_000))
SCALAR_ROWS = int(os.environ.get("MCRULES_BENCH_SCALAR_ROWS", 20_000))
PEER_ROWS = int(os.environ.get("MCRULES_BENCH_PEER_ROWS", 5_000))

# The five numeric rules as mcrules ids; toilets and showers are one rule per gender in mcrules.
FIVE = {
    "toilets": ("mct.wash.toilets.female", "mct.wash.toilets.male"),
    "showers": ("mct.wash.showers.female", "mct.wash.showers.male"),
    "water": ("mct.wash.water_per_person",),
    "living_area": ("mct.shelter.living_area_per_person",),
    "site_area": ("mct.site.total_area_per_person",),
}
FIVE_IDS = [rid for ids in FIVE.values() for rid in ids]


@pytest.fixture(scope="module")
def pack() -> mcrules.Pack:
    # The per-gender ratios apply to every site here, as the numpy ceiling and the peers encode
    # them: mct-2023 2023.2.0 scopes them to accommodation by default, this variant everywhere.
    return mcrules.load_site_pack("mct-2023", variants=["separated-everywhere"])


@pytest.fixture(scope="module")
def big() -> dict[str, Any]:
    return make_sites(COLUMNAR_ROWS, seed=0)


@pytest.fixture(scope="module")
def small() -> dict[str, Any]:
    return make_sites(max(SCALAR_ROWS, PEER_ROWS), seed=1)


def _site_counts(codes: dict[str, Any]) -> dict[str, int]:
    fail = np.uint8(Code.FAIL)
    return {name: int(np.logical_or.reduce([codes[r] == fail for r in ids]).sum())
            for name, ids in FIVE.items()}


def _facts(flat: list[dict[str, Any]]) -> list[dict[str, Any]]:
    schema = site_schema()
    base: dict[str, Any] = dict.fromkeys(schema.fields) | dict.fromkeys(schema.collections)
    return [base | r for r in flat]


def _best(benchmark: Any) -> float:
    """The fastest round: the least disturbed by whatever else the machine is doing."""
    return float(benchmark.stats.stats.min)


def test_numpy_ceiling(benchmark: Any, big: dict[str, Any], recorder: Any) -> None:
    benchmark.pedantic(numpy_failures, args=(big,), rounds=7, warmup_rounds=1)
    recorder("numpy ceiling, 5 rules", COLUMNAR_ROWS, _best(benchmark),
             notes="hand-written, in place, no per-rule outcomes")


def test_mcrules_columnar_five_rules(benchmark: Any, pack: mcrules.Pack, big: dict[str, Any],
                                     recorder: Any) -> None:
    batch = ColumnBatch(COLUMNAR_ROWS, {k: np.asarray(v, dtype=np.float64) for k, v in big.items()})
    ev = ColumnarEvaluator(pack, FIVE_IDS)
    result = ev.evaluate(batch)
    reference = numpy_failures(big)
    assert _site_counts(result.codes) == {k: reference[k] for k in RULE_IDS}
    for rid, key in zip(FIVE_IDS[:4], ("toilets.female", "toilets.male", "showers.female",
                                        "showers.male"), strict=True):
        assert int((result.codes[rid] == Code.FAIL).sum()) == reference[key]
    benchmark.pedantic(ev.evaluate, args=(batch,), rounds=7, warmup_rounds=1)
    recorder("mcrules columnar, 5 rules", COLUMNAR_ROWS, _best(benchmark),
             notes="7 rule ids (per gender), four outcome codes each")


def test_mcrules_columnar_full_pack(benchmark: Any, pack: mcrules.Pack, big: dict[str, Any],
                                    recorder: Any) -> None:
    batch = full_batch(big, site_schema())
    ev = ColumnarEvaluator(pack)
    benchmark.pedantic(ev.evaluate, args=(batch,), rounds=3, warmup_rounds=1)
    recorder("mcrules columnar, full pack", COLUMNAR_ROWS, _best(benchmark),
             notes=f"{len(pack.rules)} rules incl. 2 latrines per site")


def test_mcrules_scalar_five_rules(benchmark: Any, pack: mcrules.Pack, small: dict[str, Any],
                                   recorder: Any) -> None:
    facts = _facts(to_flat_records(small))[:SCALAR_ROWS]
    ev = ScalarEvaluator(pack, FIVE_IDS)
    results = [ev.evaluate(f) for f in facts]
    counts = {name: sum(any(r.rule.id in ids and r.outcome.value == "fail" for r in site)
                        for site in results) for name, ids in FIVE.items()}
    reference = numpy_failures({k: v[:SCALAR_ROWS] for k, v in small.items()})
    assert counts == {k: reference[k] for k in RULE_IDS}
    assert all(r.fix is not None for site in results for r in site if r.outcome.value == "fail")

    def run() -> None:
        for f in facts:
            ev.evaluate(f)
    benchmark.pedantic(run, rounds=5, warmup_rounds=1)
    recorder("mcrules scalar + explanations, 5 rules", SCALAR_ROWS, _best(benchmark),
             notes="one site at a time; measured, required, margin, citation, smallest fix")


def test_mcrules_scalar_full_pack(benchmark: Any, pack: mcrules.Pack, small: dict[str, Any],
                                  recorder: Any) -> None:
    facts = _facts(to_flat_records(small))[:SCALAR_ROWS]
    ev = ScalarEvaluator(pack)

    def run() -> None:
        for f in facts:
            ev.evaluate(f)
    benchmark.pedantic(run, rounds=3, warmup_rounds=1)
    recorder("mcrules scalar + explanations, full pack", SCALAR_ROWS, _best(benchmark),
             notes=f"{len(pack.rules)} rules; fields the data lacks are unknown")


def test_python_loop(benchmark: Any, small: dict[str, Any], recorder: Any) -> None:
    records = to_records(small)[:SCALAR_ROWS]
    benchmark.pedantic(python_failures, args=(records,), rounds=5, warmup_rounds=1)
    recorder("hand-written Python loop", SCALAR_ROWS, _best(benchmark),
             notes="failure counts only, no explanations")


def _peer(benchmark: Any, recorder: Any, module: Any, name: str, small: dict[str, Any],
          build: Any = None, notes: str = "") -> None:
    if not module.available():
        pytest.skip(f"{name} is not installed (make bench installs it)")
    records = to_records(small)[:PEER_ROWS]
    engine = (build or module.build)()
    reference = numpy_failures({k: v[:PEER_ROWS] for k, v in small.items()})
    assert module.count_failures(engine, records) == {k: reference[k] for k in RULE_IDS}
    benchmark.pedantic(module.count_failures, args=(engine, records), rounds=3, warmup_rounds=1)
    recorder(name, PEER_ROWS, _best(benchmark), notes=notes)


def test_peer_zen_static_loader(benchmark: Any, small: dict[str, Any], recorder: Any) -> None:
    _peer(benchmark, recorder, peer_zen, "zen-engine (static loader)", small,
          notes="ZenEngine.evaluate(key, record): its fastest Python path, verdicts only")


def test_peer_zen_decision_api(benchmark: Any, small: dict[str, Any], recorder: Any) -> None:
    def build() -> Any:
        import zen

        return _DecisionEngine(zen.ZenEngine().create_decision(peer_zen.decision_graph()))
    _peer(benchmark, recorder, _ZenDecisionModule, "zen-engine (decision API)", small, build,
          notes="create_decision(graph).evaluate(record), as its README shows")


def test_peer_rule_engine(benchmark: Any, small: dict[str, Any], recorder: Any) -> None:
    _peer(benchmark, recorder, peer_ruleengine, "rule-engine", small,
          notes="one Rule per rule, matches only")


def test_peer_durable_rules(benchmark: Any, small: dict[str, Any], recorder: Any) -> None:
    _peer(benchmark, recorder, peer_durable, "durable-rules (assert/retract)", small,
          notes="every rule evaluated per fact")


class _DecisionEngine:
    def __init__(self, decision: Any) -> None:
        self.decision = decision


class _ZenDecisionModule:
    """zen-engine through its decision object instead of the engine's static loader."""

    available = staticmethod(peer_zen.available)

    @staticmethod
    def count_failures(engine: _DecisionEngine, records: list[dict[str, Any]]) -> dict[str, int]:
        counts = dict.fromkeys(RULE_IDS, 0)
        for record in records:
            fails = engine.decision.evaluate(record)["result"]["fail"]
            for rule_id in RULE_IDS:
                counts[rule_id] += bool(fails[rule_id])
        return counts
