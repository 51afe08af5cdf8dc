"""The five rules as a GoRules ZEN decision (PyPI ``zen-engine``, import ``zen``).

One JDM graph, input -> expression node -> output, whose expression node sets a boolean
``fail.<rule id>`` per rule. Records are evaluated one at a time, as an app would call a
decision. ZEN computes in decimal arithmetic and has ``ceil``, so the rules are written
as stated, with plain comparisons: on the generated data no value lies within the
reference's 1e-9 tolerance of a threshold without being exactly on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from benchmarks.ceiling import RULE_IDS

DECISION_KEY = "site-rules"
_TOTAL = "(population.female + population.male)"


def _short(facility: str, gender: str) -> str:
    return f"(population.{gender} > 0 and {facility}.{gender} < ceil(population.{gender} / 20))"


#: ZEN expression for "this site fails the rule", per rule id.
FAIL_EXPRESSIONS: dict[str, str] = {
    "toilets": f"{_short('toilets', 'female')} or {_short('toilets', 'male')}",
    "showers": f"{_short('showers', 'female')} or {_short('showers', 'male')}",
    "water": f"{_TOTAL} > 0 and water_supply / {_TOTAL} < 20",
    "living_area": (
        f"provides_accommodation == true and {_TOTAL} > 0 and covered_living_area / {_TOTAL} < 3.5"
    ),
    "site_area": f"{_TOTAL} > 0 and total_site_area / {_TOTAL} < 30",
}


def decision_graph() -> dict[str, Any]:
    """The JDM document: input node, one expression node, output node."""

    def node(node_id: str, node_type: str, **extra: Any) -> dict[str, Any]:
        return {
            "id": node_id,
            "type": node_type,
            "name": node_id,
            "position": {"x": 0, "y": 0},
            **extra,
        }

    expressions = [
        {"id": f"expr-{rule_id}", "key": f"fail.{rule_id}", "value": text}
        for rule_id, text in FAIL_EXPRESSIONS.items()
    ]
    return {
        "contentType": "application/vnd.gorules.decision",
        "nodes": [
            node("site", "inputNode"),
            node("rules", "expressionNode", content={"expressions": expressions}),
            node("result", "outputNode"),
        ],
        "edges": [
            {"id": "site-rules", "type": "edge", "sourceId": "site", "targetId": "rules"},
            {"id": "rules-result", "type": "edge", "sourceId": "rules", "targetId": "result"},
        ],
    }


def available() -> bool:
    """True when zen-engine imports (its native module included)."""
    try:
        import zen  # noqa: F401
    except Exception:  # ImportError, or a native module built for another platform
        return False
    return True


def build() -> Any:
    """Load and compile the decision once; returns (engine, decision key).

    Evaluation goes through ``ZenEngine.evaluate(key, context)`` with a static loader. In
    zen-engine 2.1.3 that runs about 40k records/s here, while ``ZenDecision.evaluate`` (from
    ``create_decision`` or ``get_decision``) runs about 3-5k/s and a callable loader about
    10k/s, for the same graph and results.
    """
    import zen

    engine = zen.ZenEngine({"loader": {"type": "static", "content": {DECISION_KEY: decision_graph()}}})
    engine.get_decision(DECISION_KEY).validate()  # fail at build time, not on the first record
    return (engine, DECISION_KEY)


def count_failures(engine: Any, records: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Evaluate the decision on each record and count failures per rule id."""
    zen_engine, key = engine
    evaluate = zen_engine.evaluate
    counts = dict.fromkeys(RULE_IDS, 0)
    for record in records:
        failed = evaluate(key, record)["result"]["fail"]
        for rule_id in RULE_IDS:
            if failed[rule_id]:
                counts[rule_id] += 1
    return counts
