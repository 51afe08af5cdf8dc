"""Pinned packs: a reference `id@version` that refuses any other version of the pack, and the
ruleset hash that pins a whole set of packs.

Without a pin, upgrading mcrules silently changes the rules an app applies; with one, the
upgrade is refused until the app asks for the new version. Every place that takes a user's pack
reference (the CLI's `--pack`, `load_subject_pack` and the domain loaders built on it, the
public `load_pack`) parses it here, so the grammar is one piece of code:

- a reference naming an existing file or folder is that path, even with an `@` in it
  (`/tmp/x@y/pack` loads the folder): an existing path wins;
- otherwise a reference with an `@` is `ID@VERSION`: ID a pack id or folder, VERSION a plain
  version like `2023.2.0` (digits and dots, then optionally a `-`, `+` or `.` suffix of
  letters and digits, such as `1.0.0-rc1`); an empty side, a second `@`, whitespace or a control
  character, or a version of any other shape is refused, naming the reference;
- a reference without `@` is unchanged: an id on the search path, or a folder.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mcrules.rules.loader as loader
from mcrules.errors import McrulesError
from mcrules.rules.pack import Pack
from mcrules.rules.schema import Schema

MAX_REF = 4096
"""The longest pack reference parsed (a folder path may be long; longer is refused)."""
MAX_VERSION = 64
PLAIN_VERSION = re.compile(r"[0-9]+(?:\.[0-9]+)*(?:[-+.][A-Za-z0-9]+)*")
"""A plain version: `2023.2.0`, `1.0.0-rc1`, `2.0+local.3`. Matched only on at most
MAX_VERSION characters, after the length check (the pattern has no nested ambiguity either)."""
RULESET_HASH = re.compile(r"[0-9a-f]{64}")


def _shown(text: str) -> str:
    """A user's reference as a message quotes it: repr (so whitespace and control characters
    are visible), cut to a readable length."""
    return repr(text if len(text) <= 120 else text[:117] + "...")


@dataclass(frozen=True)
class PackRef:
    """A pack reference: `id` (a pack id on the search path, or a folder) and the `version` it
    is pinned to (None: any version)."""

    id: str
    version: str | None = None

    @classmethod
    def parse(cls, text: str) -> PackRef:
        """`ID@VERSION` or a plain `ID`; McrulesError naming `text` when it is malformed. Pure:
        it does not look at the file system (see `of` for the existing-path rule)."""
        if not isinstance(text, str):
            raise TypeError(f"a pack reference must be a string, got {type(text).__name__}")
        if len(text) > MAX_REF:
            raise McrulesError(f"reference {_shown(text)} is longer than {MAX_REF} "
                               "characters", path="pack")
        if not text:
            raise McrulesError("reference '' is empty; name a pack id like mct-2023",
                               path="pack")
        if any(c.isspace() or not c.isprintable() for c in text):
            raise McrulesError(f"reference {_shown(text)} contains whitespace or a "
                               "control character; write ID or ID@VERSION, like "
                               "mct-2023@2023.2.0", path="pack")
        if "@" not in text:
            return cls(text)
        ident, _, version = text.partition("@")
        if "@" in version:
            raise McrulesError(f"reference {_shown(text)} has more than one @; write "
                               "ID@VERSION, like mct-2023@2023.2.0", path="pack")
        if not ident:
            raise McrulesError(f"reference {_shown(text)} has no pack id before the @",
                               path="pack")
        if not version:
            raise McrulesError(f"reference {_shown(text)} has no version after the @",
                               path="pack")
        if len(version) > MAX_VERSION or not PLAIN_VERSION.fullmatch(version):
            raise McrulesError(f"reference {_shown(text)}: {_shown(version)} is not a "
                               "plain version like 2023.2.0", path="pack")
        return cls(ident, version)

    @classmethod
    def of(cls, ref: str | Path) -> PackRef:
        """The reference `ref` as given to a loader: a Path, a string without `@`, or one naming
        an existing file or folder is taken as it is (an existing path wins over a pin); any
        other string is parsed as `ID@VERSION`."""
        if isinstance(ref, Path):
            return cls(str(ref))
        if not isinstance(ref, str):
            raise TypeError(f"a pack reference must be a pack id or a folder, got "
                            f"{type(ref).__name__}")
        if "@" not in ref or _exists(ref):
            return cls(ref)  # unpinned: what it always was, whatever its characters
        return cls.parse(ref)

    def __str__(self) -> str:
        return self.id if self.version is None else f"{self.id}@{self.version}"

    def check(self, pack: Pack, folder: Path | None = None) -> None:
        """McrulesError unless `pack` (loaded from `folder`) is the version this reference asks
        for, naming the reference, both versions and where the pack was found."""
        if self.version is None or pack.version == self.version:
            return
        where = folder or pack.path
        raise McrulesError(
            f"reference {_shown(str(self))} asks for version {self.version}, but "
            f"{pack.id} {'at ' + str(where) + ' ' if where else ''}is version {pack.version}",
            path="pack")


def _exists(text: str) -> bool:
    try:
        return Path(text).exists()
    except (OSError, ValueError):  # a name too long, a NUL byte: not an existing path
        return False


def find_pinned(ref: str | Path) -> tuple[PackRef, Path]:
    """The reference `ref` parsed, and the folder of the pack it names (the version is checked
    once the pack is loaded: `PackRef.check`)."""
    pin = PackRef.of(ref)
    return pin, loader.find_pack(ref if pin.version is None else pin.id)


def load_pack(ref: str | Path, schemas: Mapping[str, Schema]) -> Pack:
    """Load and check the pack `ref` (an id on the search path, a folder, or either pinned as
    `ID@VERSION`): the public `mcrules.load_pack`, which is `rules.loader.load_pack` with the
    pin refused when the version differs."""
    pin, folder = find_pinned(ref)
    pack = loader.load_pack(folder, schemas)
    pin.check(pack, folder)
    return pack


def ruleset_hash_of(packs: Sequence[Any]) -> str:
    """One hash over every pack used, in order (each a Pack, or a report's PackInfo with a
    `hash`): equal hashes mean the same rules and numbers. What a report prints as
    `ruleset_hash` and `--ruleset-hash` pins."""
    joined = "\n".join(f"{p.id}@{p.version}:{getattr(p, 'content_hash', None) or p.hash}"
                       for p in packs)
    return hashlib.sha256(joined.encode()).hexdigest()


def parse_ruleset_hash(text: str) -> str:
    """A ruleset hash as a user gives it: the 64 hex digits a JSON report prints (upper case
    allowed); McrulesError otherwise, so a typo is not reported as "a different rule set"."""
    if not isinstance(text, str):
        raise TypeError(f"ruleset_hash must be a string, got {type(text).__name__}")
    value = text.lower()
    if not RULESET_HASH.fullmatch(value):
        raise McrulesError(f"expected the 64 hex digits a JSON report prints as ruleset_hash, "
                           f"got {_shown(text)}", path="ruleset_hash")
    return value


def check_ruleset_hash(packs: Sequence[Any], expected: str) -> None:
    """McrulesError unless `packs` (configured as they are evaluated) have the ruleset hash
    `expected`, naming the hash found and the packs it covers."""
    wanted = parse_ruleset_hash(expected)
    found = ruleset_hash_of(packs)
    if found != wanted:
        used = ", ".join(f"{p.id}@{p.version}" for p in packs) or "no packs"
        raise McrulesError(f"the packs' rule set ({used}) has hash {found}, not the "
                           f"{wanted} asked for", path="ruleset_hash")
