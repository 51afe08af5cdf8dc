"""The five rules as a durable_rules ruleset (PyPI ``durable-rules``, import ``durable.lang``).

Each record is asserted as a fact with a fresh ``id`` and retracted straight after: a fact
is matched against every rule, whereas a posted event is consumed by the first rule that
takes it. Each rule's action records the id of the fact it fired on.

Notes on the DSL, which shape the conditions:

* A condition's left side must be a field, and there is no ``ceil``. For whole-number
  counts ``t < ceil(p / 20)`` is exactly ``20·t < p`` (for an integer t, ``t < ceil(x)``
  holds iff ``t < x``), written as ``p > t * 20``.
* Ratios are compared multiplied out (``water < total * 20`` for ``water / total < 20``,
  same truth value for total > 0). ``m.a + m.b`` on a right side serialises a raw DSL
  object and fails; the sum is built from ``avalue('$m', path)`` references instead.
* ``|`` is expanded into alternatives that fire separately, so a site occupied by both
  genders, or failing for both, fires the same rule twice. Actions therefore collect fact
  ids in a set rather than incrementing a counter.
* Comparisons are exact doubles; on the generated data no value lies within the
  reference's 1e-9 tolerance of a threshold without being exactly on it.
* The C extension builds and imports on CPython 3.11 (durable-rules 2.0.28). If it ever
  does not, ``available()`` returns False and the benchmarks skip this peer.
* ``durable.lang`` keeps module-level state: rulesets registered by name on one global
  host that starts polling threads. ``build()`` instead registers a uniquely named ruleset
  on a private host without those threads, so each build is independent and every action
  runs synchronously inside ``assert_fact``.
"""

from __future__ import annotations

import contextlib
import itertools
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from benchmarks.ceiling import RULE_IDS


def available() -> bool:
    """True when durable-rules and its C extension import."""
    try:
        import durable.engine
        import durable.lang  # noqa: F401
    except Exception:  # ImportError, or the C extension failing to load
        return False
    return True


@dataclass
class DurableEngine:
    """A private durable host holding one compiled ruleset, and the ids each rule fired on."""

    name: str
    host: Any
    not_handled: type[Exception]
    fired: dict[str, set[int]] = field(default_factory=dict)
    ids: Iterator[int] = field(default_factory=itertools.count)


def _conditions() -> dict[str, Any]:
    """Each rule's failure condition in the durable DSL, per rule id."""
    from durable.lang import avalue, m

    def field_ref(path: str) -> Any:
        return avalue("$m", path)

    def total_times(factor: float) -> Any:
        return (field_ref("population.female") + field_ref("population.male")) * factor

    occupied = (m.population.female > 0) | (m.population.male > 0)

    def short(facility: str) -> Any:
        # 20 * have < people  <=>  have < ceil(people / 20), for whole-number counts.
        female = (m.population.female > 0) & (m.population.female > getattr(m, facility).female * 20)
        male = (m.population.male > 0) & (m.population.male > getattr(m, facility).male * 20)
        return female | male

    return {
        "toilets": short("toilets"),
        "showers": short("showers"),
        "water": occupied & (m.water_supply < total_times(20)),
        "living_area": (m.provides_accommodation == True)  # noqa: E712 (DSL operator)
        & occupied
        & (m.covered_living_area < total_times(3.5)),
        "site_area": occupied & (m.total_site_area < total_times(30)),
    }


def build() -> DurableEngine:
    """Define and register a uniquely named ruleset on a fresh, thread-free host."""
    from durable import engine as durable_engine
    from durable import lang

    class _SyncHost(durable_engine.Host):  # type: ignore[misc]
        """A host that does not start durable's background dispatch and timer threads."""

        def _run(self) -> None:
            return None

    name = f"mcrules_bench_{uuid.uuid4().hex}"
    fired: dict[str, set[int]] = {rule_id: set() for rule_id in RULE_IDS}

    def recorder(ids: set[int]) -> Callable[[Any], None]:
        def action(c: Any) -> None:
            ids.add(c.m.id)

        return action

    conditions = _conditions()
    definition = lang.ruleset(name)
    try:
        with definition:
            for rule_id in RULE_IDS:
                lang.when_all(conditions[rule_id])(recorder(fired[rule_id]))
    finally:
        # lang.ruleset() also queues itself for the global host; keep it off that host.
        lang._rulesets.pop(name, None)
    ruleset_name, ruleset_definition = definition.define()
    host = _SyncHost()
    host.register_rulesets({ruleset_name: ruleset_definition})
    return DurableEngine(
        name=name,
        host=host,
        not_handled=durable_engine.MessageNotHandledException,
        fired=fired,
    )


def count_failures(engine: DurableEngine, records: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Assert then retract each record as a fact; count the distinct facts each rule fired on."""
    for seen in engine.fired.values():
        seen.clear()
    host = engine.host
    name = engine.name
    not_handled = engine.not_handled
    ids = engine.ids  # never reset: ids stay unique across calls on one engine
    for record in records:
        fact = {**record, "id": next(ids)}
        with contextlib.suppress(not_handled):  # a fact matching no rule raises it
            host.assert_fact(name, fact)
        host.retract_fact(name, fact)
    return {rule_id: len(engine.fired[rule_id]) for rule_id in RULE_IDS}
