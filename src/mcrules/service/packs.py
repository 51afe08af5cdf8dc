"""The packs a service serves: loaded and compiled once, at start-up, and the only ones a request
may name.

A request names a pack by id or `id@version` (`rules.pin`), never by a folder: the server's
file system is not the caller's to choose. Each served pack is handed to `mcrules.evaluate` as
its folder, the very reference evaluate's pack cache was warmed with here, so a request loads
nothing and gets the same packs, configured the same way, as `mcrules check` would.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcrules.errors import McrulesError
from mcrules.rules.loader import available_packs
from mcrules.rules.pack import Pack
from mcrules.rules.pin import PackRef, find_pinned
from mcrules.subjects import Subject, get, load_subject_pack


class NotServed(McrulesError):
    """A pack or a declaration this service does not have (HTTP 404)."""


@dataclass(frozen=True)
class ServedPack:
    """One pack as served: the folder evaluate gets, and the pack loaded unconfigured."""

    folder: Path
    pack: Pack

    def as_dict(self) -> dict[str, Any]:
        p = self.pack
        return {"id": p.id, "version": p.version, "hash": p.content_hash, "title": p.title,
                "effective_from": p.effective_from.isoformat() if p.effective_from else None,
                "effective_to": p.effective_to.isoformat() if p.effective_to else None,
                "subjects": list(p.subjects)}


class ServedPacks:
    """The packs named at start-up (`mcrules serve --pack`, ids, `id@version` or folders, each
    pinned as on the CLI), or every installed pack; McrulesError when one does not load or two
    have the same id."""

    def __init__(self, refs: Sequence[str | Path] | None = None) -> None:
        chosen: Sequence[str | Path] = list(refs) if refs else available_packs()
        self._by_id: dict[str, ServedPack] = {}
        for ref in chosen:
            _, found = find_pinned(ref)
            pack = load_subject_pack(ref)  # every subject's schema; refuses a wrong version
            folder = found.resolve()
            have = self._by_id.get(pack.id)
            if have is not None:
                raise McrulesError(f"two packs have the id {pack.id}: {have.folder} and "
                                   f"{folder}", path="--pack")
            for name in pack.subjects:  # what evaluate loads per request, compiled now
                load_subject_pack(folder, (get(name),))
            self._by_id[pack.id] = ServedPack(folder, pack)

    def __iter__(self) -> Any:
        return iter(sorted(self._by_id.values(), key=lambda s: s.pack.id))

    def get(self, pack_id: str) -> ServedPack:
        """The served pack `pack_id`; NotServed naming the served ones."""
        found = self._by_id.get(pack_id)
        if found is None:
            raise NotServed(f"no pack {pack_id!r} is served here (served: "
                            f"{', '.join(sorted(self._by_id)) or 'none'})", path="pack")
        return found

    def resolve(self, text: str) -> Path:
        """The folder of the served pack a request's `pack` (`id` or `id@version`) names:
        McrulesError when it is malformed, NotServed when no served pack is that one."""
        ref = PackRef.parse(text)
        served = self.get(ref.id)
        if ref.version is not None and ref.version != served.pack.version:
            raise NotServed(f"reference {text!r} asks for version {ref.version}, but this "
                            f"service serves {served.pack.id} {served.pack.version}",
                            path="pack")
        return served.folder

    def default_for(self, subject: Subject[Any]) -> Path:
        """The folder of `subject`'s default pack; NotServed when it is not served."""
        return self.get(subject.default_pack).folder
