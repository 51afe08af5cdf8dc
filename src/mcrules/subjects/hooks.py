"""The hooks a declaration names as "module:attribute" (a subject's reader and checker, a part's
maker and JSON model), found when first needed.

A declaration names its hooks rather than holding them, so a domain declares what reads, checks
and describes its subject without importing the layers above it (io, the API) that do the work.
"""

from __future__ import annotations

import importlib
from typing import Any

from mcrules.errors import McrulesError


def resolve(target: Any) -> Any:
    """The object `target` names ("module:attribute"); `target` itself when it is not a name
    (a callable given directly). McrulesError naming the hook when there is no such object."""
    if not isinstance(target, str):
        return target
    module, sep, name = target.partition(":")
    if not sep or not module or not name:
        raise McrulesError(f"a hook is named \"module:attribute\", got {target!r}")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise McrulesError(f"no hook {target!r}: {exc}") from exc
