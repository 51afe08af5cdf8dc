"""Adapters that run the five benchmark rules on peer rule engines.

Each module offers ``available()``, ``build()`` and ``count_failures(engine, records)``,
so a benchmark can skip a peer that is not installed, compile its rules once, and check
its counts against ``benchmarks.ceiling.numpy_failures``. Records are the nested dicts
from ``benchmarks.synthetic.to_records``.
"""

from benchmarks.ceiling import RULE_IDS

#: Peer adapter modules, ``benchmarks.peers.<name>``; prefixed so they never shadow the real packages.
PEER_NAMES: tuple[str, ...] = ("peer_zen", "peer_ruleengine", "peer_durable")

__all__ = ["PEER_NAMES", "RULE_IDS"]
