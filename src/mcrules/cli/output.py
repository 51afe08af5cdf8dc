"""Where a command's report goes: standard output, or a file named by `--out`.

A file is written by the one writer, `mcrules.io.sink`: whole or not at all for a regular file,
through for a FIFO or a character device; a path that cannot be written is invalid input (exit 2)
with the reason, never a traceback.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path

from rich.console import Console


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
    (an aggregate audit names the small cells; other users of the machine must not read it).
    The file is written by `mcrules.io.sink` (atomic for a regular file, through for a FIFO or a
    device, never renamed over anything else)."""
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    from mcrules.io.sink import write_file  # mcrules.io loads pydantic: not for --help

    write_file(data, out, option=option, inputs=inputs, private=private)


def append(data: bytes, path: Path, *, option: str) -> None:
    """Append `data` to `path` (a log of decision records); a path that cannot be written is
    invalid input naming `option`, never a traceback."""
    from mcrules.io.sink import append_file

    append_file(data, path, option=option)
