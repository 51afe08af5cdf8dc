"""The subjects known to this process, by name.

Domain packages declare their subject and register it on import. The ones shipped with mcrules
(`BUILTIN_DOMAINS`) are imported on the first lookup, so testing, bulk and the CLI see them without
importing a domain package themselves, and without an import cycle: this module imports them only
when called, never while `mcrules.subjects` itself is being imported.
"""

from __future__ import annotations

import difflib
import importlib
from typing import Any

from mcrules.errors import McrulesError
from mcrules.subjects.subject import Subject

BUILTIN_DOMAINS = ("mcrules.site", "mcrules.assessment", "mcrules.sharing", "mcrules.casework")

_SUBJECTS: dict[str, Subject[Any]] = {}
_builtins_loaded = False


class UnknownSubjectError(McrulesError):
    """No subject of that name is registered."""


def register(subject: Subject[Any]) -> Subject[Any]:
    """Make `subject` known by its name; registering the same declaration again is a no-op."""
    have = _SUBJECTS.get(subject.name)
    if have is not None and have != subject:
        raise McrulesError(f"subject {subject.name!r} is already registered with model "
                           f"{have.model.__module__}.{have.model.__qualname__}")
    _SUBJECTS[subject.name] = subject
    return subject


def _load_builtins() -> None:
    global _builtins_loaded
    if _builtins_loaded:
        return
    _builtins_loaded = True  # set first: a domain package may look subjects up while importing
    for module in BUILTIN_DOMAINS:
        importlib.import_module(module)


def get(name: str) -> Subject[Any]:
    """The subject called `name`; UnknownSubjectError naming the close ones if there is none."""
    _load_builtins()
    found = _SUBJECTS.get(name)
    if found is not None:
        return found
    close = difflib.get_close_matches(name, list(_SUBJECTS), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    known = ", ".join(sorted(_SUBJECTS)) or "none"
    raise UnknownSubjectError(f"no subject {name!r}{hint} (known: {known})")


def all_subjects() -> tuple[Subject[Any], ...]:
    """Every registered subject, by name."""
    _load_builtins()
    return tuple(_SUBJECTS[n] for n in sorted(_SUBJECTS))
