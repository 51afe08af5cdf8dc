"""Packs and subjects: load a pack against every subject's schema, and tell which subject it is about.

A pack names its subject in each rule file (`subject: site`), so the generic layers (testing, bulk)
learn the subject from the pack itself rather than assuming one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from mcrules.errors import McrulesError
from mcrules.rules.assembly import load_pack
from mcrules.rules.discovery import pack_folders
from mcrules.rules.pack import Pack
from mcrules.rules.pin import find_pinned
from mcrules.subjects.registry import all_subjects, get
from mcrules.subjects.subject import Subject


@lru_cache(maxsize=32)
def _load(folder: Path, stamp: tuple[tuple[str, int, int], ...],
          subjects: tuple[Subject[Any], ...]) -> Pack:
    return load_pack(folder, {s.name: s.schema() for s in subjects})


def _mtime(path: Path) -> tuple[str, int, int]:
    """When a pack file last changed, and its size: the cache key of a pack is every file's,
    so an edit is seen even when another file of the pack is newer. A dangling symlink (which
    the loader refuses, naming it) counts by the link itself rather than failing here."""
    try:
        info = path.stat()
    except OSError:
        try:
            info = path.lstat()
        except OSError:
            return (str(path), 0, 0)
    return (str(path), info.st_mtime_ns, info.st_size)


def load_subject_pack(
    ref: str | Path,
    subjects: Iterable[Subject[Any]] | None = None,
    *,
    variants: Iterable[str] = (),
    parameters: Mapping[str, str | float] | None = None,
    as_of: dt.date | None = None,
) -> Pack:
    """Load a pack whose rule files may be about any of `subjects` (default: every registered one),
    cached until one of its files changes, and configure it. `ref` is a pack id or folder,
    optionally pinned to a version (`mct-2023@2023.2.0`, see `rules.pin`): any other version
    is refused."""
    pin, found = find_pinned(ref)
    folder = found.resolve()
    # The packs it overlays or requires count too: a change to one of them reloads it.
    stamp = tuple(sorted(_mtime(p) for f in pack_folders(folder) for p in f.rglob("*.yaml")))
    chosen = tuple(all_subjects() if subjects is None else subjects)
    pack = _load(folder, stamp, chosen)
    pin.check(pack, found)
    return configured(pack, variants, parameters, as_of)


def configured(pack: Pack, variants: Iterable[str] = (),
               parameters: Mapping[str, str | float] | None = None,
               as_of: dt.date | None = None) -> Pack:
    """`pack.configure(variants, parameters, as_of)`, the same object for the same arguments
    while `pack` is, so the evaluators compiled for it (cached by identity) are reused: an app
    evaluating one case at a time compiles its packs once, not on every call."""
    variants = tuple(variants)
    try:
        # Keyed by each value's type too: True and 1 hash alike but are not the same value.
        key = tuple(sorted((str(k), type(k).__name__, type(v).__name__, v)
                           for k, v in (parameters or {}).items()))
        return _configured(pack, variants, key, as_of)
    except TypeError:  # an unhashable or unorderable value: configure says what is wrong
        return pack.configure(variants, parameters, as_of)


@lru_cache(maxsize=64)
def _configured(pack: Pack, variants: tuple[str, ...], key: tuple[Any, ...],
                as_of: dt.date | None) -> Pack:
    return pack.configure(variants, {k: v for k, _, _, v in key} or None, as_of)


def pack_subjects(pack: Pack) -> tuple[Subject[Any], ...]:
    """The subjects a pack's rules, values and decisions are about, in the order they first
    appear; when none is in force (an `as_of` before the pack), the subject whose default pack
    this is."""
    names = list(pack.subjects)
    if names:
        return tuple(get(n) for n in names)
    return tuple(s for s in all_subjects() if s.default_pack == pack.id)


def subject_of(pack: Pack, subject: str | Subject[Any] | None = None) -> Subject[Any]:
    """The one subject `pack` is evaluated on: `subject` when given (checked against the pack's
    rules, without the registry, so a Dask worker can use a declaration it was sent), else the
    pack's own; McrulesError when that is ambiguous or unknown."""
    if subject is not None:
        chosen = get(subject) if isinstance(subject, str) else subject
        others = sorted(set(pack.subjects) - {chosen.name})
        if others:
            raise McrulesError(f"pack {pack.id} has rules about {', '.join(others)}, "
                               f"not only {chosen.name}")
        return chosen
    found = pack_subjects(pack)
    if len(found) == 1:
        return found[0]
    if not found:
        raise McrulesError(f"pack {pack.id} has no rules in force, so its subject is unknown; "
                           "name the subject")
    raise McrulesError(f"pack {pack.id} has rules about several subjects "
                       f"({', '.join(s.name for s in found)}); name the one to evaluate")


def in_force_on(pack: Pack, on: dt.date) -> bool:
    """Whether anything of `pack` gives an answer on `on`: the pack is effective then, and so is
    one of its rules (rules carry their own dates), or it has values or decision tables (which
    are in force with the pack)."""
    return pack.in_force(on) and (any(r.in_force(on) for r in pack.rules)
                                  or bool(pack.values) or bool(pack.decisions))


def refuse_out_of_force(on: dt.date, packs: Sequence[Pack]) -> None:
    """McrulesError (path `as_of`) when none of `packs` (loaded without a date, so every rule
    keeps its dates) is in force on `on`, naming when they are: a date before (or after) every
    rule checks nothing, and "nothing fails" would read as compliant or as a decision."""
    if any(in_force_on(p, on) for p in packs):
        return
    dates = "; ".join(effective_dates(p) for p in packs)
    raise McrulesError(f"no rule is in force on {on.isoformat()}, so nothing would be checked "
                       f"({dates})", path="as_of")


def effective_dates(pack: Pack) -> str:
    """When a pack and its rules are in force, e.g. "mct-2023 is effective from 2023-01-01"."""
    def span(start: dt.date | None, end: dt.date | None) -> str:
        text = f"from {start.isoformat()}" if start else "from any date"
        return text + (f" until {end.isoformat()}" if end else "")

    text = f"{pack.id} is effective {span(pack.effective_from, pack.effective_to)}"
    starts = [max(d for d in (r.effective_from, pack.effective_from) if d is not None)
              if (r.effective_from or pack.effective_from) else None for r in pack.rules]
    if pack.rules and all(starts):
        first = min(d for d in starts if d is not None)
        if first != pack.effective_from:
            text += f", its first rule from {first.isoformat()}"
    return text
