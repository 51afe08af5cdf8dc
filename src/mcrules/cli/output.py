"""Where a command's report goes: standard output, or a file named by `--out`.

A file is written whole or not at all (a temporary file beside it, then renamed), so a full disk
or a killed run never leaves half a report where the last good one was; a path that cannot be
written is invalid input (exit 2) with the reason, never a traceback.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from mcrules.errors import McrulesError


def plain_text(render: Callable[[Console], None], width: int = 120) -> bytes:
    """What a renderer prints to a terminal, as plain text for a file: no colour, no escape
    code, a fixed width so the same report gives the same bytes."""
    buffer = io.StringIO()
    render(Console(file=buffer, width=width, color_system=None, force_terminal=False,
                   highlight=False, soft_wrap=False, emoji=False))
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines()).encode()


def emit(data: bytes, out: Path | None, *, inputs: tuple[Path, ...] = (),
         option: str = "--out", private: bool = False) -> None:
    """Write `data` to `out`, or to standard output when it is None. `inputs` are the files the
    command read: `--out` naming one of them is refused rather than overwriting it. `option`
    names the flag in messages (`--output`, `--junit`). `private`: readable by the owner only
    (an aggregate audit names the small cells; other users of the machine must not read it)."""
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    where = f"{option} {out}"
    if out.is_dir():
        raise McrulesError("is a folder; name a file to write", path=where)
    with contextlib.suppress(OSError):
        if any(out.resolve() == i.resolve() for i in inputs):
            raise McrulesError("is an input of this command; name another file", path=where)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        # as an ordinary new file, not mkstemp's 0600, unless it is private
        os.chmod(tmp, 0o600 if private else 0o666 & ~umask)
        os.replace(tmp, out)
        tmp = None
    except OSError as exc:
        raise McrulesError(f"cannot write: {exc.strerror or exc}", path=where) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def append(data: bytes, path: Path, *, option: str) -> None:
    """Append `data` to `path` (a log of decision records); a path that cannot be written is
    invalid input naming `option`, never a traceback."""
    if path.is_dir():
        raise McrulesError("is a folder; name a file to append to", path=f"{option} {path}")
    try:
        with path.open("ab") as f:
            f.write(data)
    except OSError as exc:
        raise McrulesError(f"cannot write: {exc.strerror or exc}", path=f"{option} {path}") \
            from None
