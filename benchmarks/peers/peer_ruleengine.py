"""The five rules as ``rule_engine.Rule`` objects (PyPI ``rule-engine``, import ``rule_engine``).

One Rule per rule id, each matching a site that fails it; every record is matched against
all five. rule-engine 5.x has a ``ceiling`` attribute on FLOAT values, so the sanitation
rules use ``(people / 20).ceiling`` as stated. Nested mappings are read with brackets:
5.x deprecates ``population.female`` on a mapping (it warns, and 6.0 drops it). Values are
coerced to ``decimal.Decimal`` and compared exactly; on the generated data no value lies
within the reference's 1e-9 tolerance of a threshold without being exactly on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from benchmarks.ceiling import RULE_IDS

_TOTAL = "(population['female'] + population['male'])"


def _short(facility: str, gender: str) -> str:
    return f"(population['{gender}'] > 0 and {facility}['{gender}'] < (population['{gender}'] / 20).ceiling)"


#: rule-engine expression for "this site fails the rule", per rule id.
FAIL_RULES: dict[str, str] = {
    "toilets": f"{_short('toilets', 'female')} or {_short('toilets', 'male')}",
    "showers": f"{_short('showers', 'female')} or {_short('showers', 'male')}",
    # "and" short-circuits, so an empty site never divides by zero.
    "water": f"{_TOTAL} > 0 and water_supply / {_TOTAL} < 20",
    "living_area": (f"provides_accommodation and {_TOTAL} > 0 and covered_living_area / {_TOTAL} < 3.5"),
    "site_area": f"{_TOTAL} > 0 and total_site_area / {_TOTAL} < 30",
}


def available() -> bool:
    """True when rule-engine imports."""
    try:
        import rule_engine  # noqa: F401
    except Exception:
        return False
    return True


def build() -> list[tuple[str, Any]]:
    """Parse each rule once; returns (rule id, Rule) pairs."""
    import rule_engine

    # Opt out of the deprecated dot lookup on mappings, so a slip is an error, not a warning.
    context = rule_engine.Context(mapping_attribute_lookup=False)
    return [(rule_id, rule_engine.Rule(FAIL_RULES[rule_id], context=context)) for rule_id in RULE_IDS]


def count_failures(engine: Any, records: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Match every rule against every record and count the matches per rule id."""
    rules: list[tuple[str, Any]] = engine
    counts = dict.fromkeys(RULE_IDS, 0)
    for record in records:
        for rule_id, rule in rules:
            if rule.matches(record):
                counts[rule_id] += 1
    return counts
