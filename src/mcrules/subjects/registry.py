"""The subjects known to this process, by name.

Domain packages declare their subject and register it on import. The ones shipped with mcrules
(`BUILTIN_DOMAINS`) are imported on the first lookup, so testing, bulk and the CLI see them without
importing a domain package themselves, and without an import cycle: this module imports them only
when called, never while `mcrules.subjects` itself is being imported.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mcrules.errors import McrulesError
from mcrules.subjects.subject import Subject

BUILTIN_DOMAINS = ("mcrules.site", "mcrules.assessment", "mcrules.sharing", "mcrules.casework",
                   "mcrules.eligibility")

_SUBJECTS: dict[str, Subject[Any]] = {}
_PARTS: dict[str, list[Part]] = {}
_builtins_loaded = False


@dataclass(frozen=True)
class Part:
    """A domain's attachment to the reports of a subject (a case's `assessment`, its
    `eligibility`): `key` names it in the report, `applies(pack)` says which of the configured
    packs it reads, and `make` is a "module:function" taking `(report, document, context, packs)`
    (only the packs it applies to) and returning the attachment. A string, not a callable, so a
    domain declares its part without importing the layers that make it. `schema` is the
    "module:Model" (a pydantic model) describing the attachment's JSON, so the report's JSON
    Schema (`mcrules schema`) types the part; empty: an object of any keys."""

    subject: str
    key: str
    applies: Callable[[Any], bool]
    make: str
    schema: str = ""


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


def register_part(part: Part) -> Part:
    """Attach `part` to every report of its subject whose packs it applies to; the same part
    again is a no-op, another part under the same key is an error."""
    parts = _PARTS.setdefault(part.subject, [])
    for have in parts:
        if have.key == part.key:
            if have.make != part.make:
                raise McrulesError(f"subject {part.subject!r} already has a part {part.key!r}")
            return have
    parts.append(part)
    return part


def parts_of(name: str) -> tuple[Part, ...]:
    """The parts attached to reports of the subject `name`, in registration order."""
    _load_builtins()
    return tuple(_PARTS.get(name, ()))


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
