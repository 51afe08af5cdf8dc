"""The one front door: `evaluate(subject, data, ...)` for every subject, and what it is made of.

The CLI, the HTTP service, bulk and the YAML cases call this rather than a domain's own
function, so every subject is read, configured, dated and reported the same way. Names are
imported on first use, so a light module of this package (`api.errors`) can be imported by
`mcrules --help` without loading the engine (the clock is the base module `mcrules.clock`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = ["check", "evaluate", "read"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'mcrules.api' has no attribute {name!r}")
    value = getattr(importlib.import_module("mcrules.api.evaluate"), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from mcrules.api.evaluate import check, evaluate, read
