"""Where packs are: a pack id or folder to its folder (`find_pack`), every pack on the search path,
the folders a loaded pack depends on (what a cache must watch), and the one way a pack's own file
is opened (inside the pack folder, a regular file, read as a located YAML document).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from mcrules.errors import InputError, McrulesError, PackNotFoundError, RuleLoadError
from mcrules.limits import excerpt
from mcrules.located import load_document
from mcrules.rules.context import FileContext

MAX_OVERLAY_DEPTH = 4  # overlays and requires nested deeper than this are refused


def builtin_pack_dir() -> Path:
    """Where the packs shipped with mcrules live (inside the installed package)."""
    return Path(__file__).resolve().parent.parent / "packs"


def pack_search_path() -> list[Path]:
    """Folders searched for a pack id: $MCRULES_PACK_PATH (os.pathsep-separated), then built-ins."""
    extra = [Path(p) for p in os.environ.get("MCRULES_PACK_PATH", "").split(os.pathsep) if p]
    return [*extra, builtin_pack_dir()]


def find_pack(ref: str | Path) -> Path:
    """Resolve a pack id (`mct-2023`) or a folder path to the pack folder."""
    p = Path(ref)
    if _has_head(p):
        return p
    for base in pack_search_path():
        if _has_head(base / str(ref)):
            return base / str(ref)
    known = sorted({d.name for base in pack_search_path() if base.is_dir()
                    for d in base.iterdir() if (d / "pack.yaml").is_file()})
    raise PackNotFoundError(f"no pack {str(ref)[:80]!r}; known packs: {', '.join(known) or 'none'}")


def _has_head(folder: Path) -> bool:
    """Whether `folder` holds a `pack.yaml`; False for a name the OS refuses (too long, a NUL),
    so an untrusted pack reference is "no pack", never an OSError."""
    try:
        return (folder / "pack.yaml").is_file()
    except (OSError, ValueError):
        return False


def available_packs() -> list[Path]:
    """Every pack folder on the search path, first occurrence of each id."""
    seen: dict[str, Path] = {}
    for base in pack_search_path():
        if base.is_dir():
            for d in sorted(base.iterdir()):
                if (d / "pack.yaml").is_file():
                    seen.setdefault(d.name, d)
    return list(seen.values())


def pack_folders(ref: str | Path) -> tuple[Path, ...]:
    """The folder of pack `ref` and of every pack it overlays or requires, transitively: what a
    cache of the loaded pack must watch. Tolerant: an unreadable head lists just the folder (the
    load then reports the error)."""
    seen: dict[Path, None] = {}
    todo = [find_pack(ref).resolve()]
    while todo and len(seen) <= 4 * MAX_OVERLAY_DEPTH:
        folder = todo.pop()
        if folder in seen:
            continue
        seen[folder] = None
        head = folder / "pack.yaml"
        try:
            stamp = head.stat().st_mtime
        except OSError:
            continue
        for name in _head_refs(head, stamp):
            sibling = folder.parent / name
            try:
                todo.append((sibling if (sibling / "pack.yaml").is_file()
                             else find_pack(name)).resolve())
            except McrulesError:
                continue
    return tuple(seen)


@lru_cache(maxsize=64)
def _head_refs(head: Path, stamp: float) -> tuple[str, ...]:
    """The pack ids a pack.yaml names under `requires` and `overlays`, read once per version of
    the file; none when it does not parse."""
    try:
        doc = load_document(head)
    except McrulesError:
        return ()
    if not isinstance(doc, Mapping):
        return ()
    requires, base = doc.get("requires"), doc.get("overlays")
    names = [*(requires if isinstance(requires, list) else []), base]
    return tuple(n for n in names if isinstance(n, str))


def inside_pack(folder: Path, name: Any, ctx: FileContext, node: Any = None) -> Path:
    """The file `name` of a pack, refused unless it is a regular file inside the pack folder.

    A pack is shared between organisations, so it is untrusted: `rule_files` may not name an
    absolute path, climb out with `..`, or reach outside through a symlink, and a device such as
    /dev/zero is never opened. The error names the entry, never what the file holds.
    """
    def refuse(why: str) -> RuleLoadError:
        return ctx.error(f"pack file {excerpt(name)} {why}", node)

    if not isinstance(name, str) or not name.strip():
        raise refuse("must be a file name in the pack folder")
    relative = Path(name)
    if relative.is_absolute() or name.startswith(("/", "\\", "~")) or ":" in name:
        raise refuse("must be a path relative to the pack folder, not an absolute path")
    if ".." in relative.parts or "\\" in name:
        raise refuse("must stay inside the pack folder (no `..`)")
    if relative.suffix.lower() not in (".yaml", ".yml"):
        raise refuse("must be a YAML file (.yaml)")
    path = folder / relative
    try:
        root = folder.resolve(strict=True)
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):  # missing, or a symlink loop
        raise refuse("does not exist in the pack folder") from None
    if not real.is_relative_to(root):
        raise refuse("resolves outside the pack folder (a symlink?)")
    if not real.is_file():
        raise refuse("is not a regular file")
    return path


def read_pack_file(file: Path) -> Any:
    try:
        return load_document(file)
    except InputError as exc:
        line = exc.problems[0].line if exc.problems else None
        first = exc.problems[0] if exc.problems else None
        detail = exc.message if first is None else \
            f"{first.path}: {first.message}" if first.path else first.message
        raise RuleLoadError(f"{exc.message}: {detail}", file=str(file), line=line,
                            code=exc.code) from None
