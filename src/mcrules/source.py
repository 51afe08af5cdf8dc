"""The one reader of input files: every site, case, request, history, waiver, layout, catalogue,
programme and pack file, and the path checks of every table, go through here.

A foundation module like `errors` and `limits`: every layer may use it, and it imports nothing of
mcrules but those two. Its rules (docs/limits.md):

- `-` is standard input, shown as `<stdin>` in messages;
- a regular file is read, and so is a FIFO (a named pipe another program writes into); a folder,
  a missing file, a character device (`/dev/zero`, a terminal: endless or interactive) and
  anything else (a socket) are refused before a byte is read, naming the path;
- at most `limit` bytes are read, *before* any parsing: a file whose size says more is refused at
  once, and a stream (stdin, a FIFO) is read for `limit + 1` bytes, never to its end, and refused
  when that one byte more arrives. The message names the limit.
"""

from __future__ import annotations

import os
import stat
import sys
from typing import BinaryIO

from mcrules.errors import InputError
from mcrules.limits import MAX_DOCUMENT_BYTES

#: the path that names standard input
STDIN = "-"
#: how standard input is named in messages and reports
STDIN_NAME = "<stdin>"


def is_stdin(path: str | os.PathLike[str]) -> bool:
    """Whether `path` names standard input (`-`)."""
    return os.fspath(path) == STDIN


def display_name(path: str | os.PathLike[str]) -> str:
    """How messages name an input: `<stdin>` for `-`, the path otherwise."""
    return STDIN_NAME if is_stdin(path) else os.fspath(path)


def refusal(mode: int, *, fifo: bool = True) -> str | None:
    """Why an input whose `stat` mode is `mode` is not read, or None when it is read.

    A decision on the mode alone, so the device case is tested without a real device. `fifo`:
    whether a FIFO is read (a table is not: it is opened more than once)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return None if fifo else ("is a FIFO; a table is opened more than once (its format is "
                                  "checked, then it is streamed): give a regular file")
    if stat.S_ISDIR(mode):
        return "is a folder; name a file to read"
    if stat.S_ISCHR(mode):
        return "is a character device, not a regular file (use - to read standard input)"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a regular file"
    return "is not a regular file"


def check_input(path: str | os.PathLike[str], *, fifo: bool = True) -> os.stat_result:
    """The `stat` of an input file (a symbolic link followed); InputError naming the path when it
    is missing or is not something read (see `refusal`)."""
    name = os.fspath(path)
    if "\x00" in name:  # the OS cannot name it; stat would raise ValueError
        raise InputError("a file name cannot hold a NUL character", source=repr(name)[:80])
    try:
        info = os.stat(name)
    except FileNotFoundError:
        raise InputError("no such file", source=name) from None
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or type(exc).__name__}",
                         source=name) from None
    why = refusal(info.st_mode, fifo=fifo)
    if why is not None:
        raise InputError(why, source=name)
    return info


def read_input(path: str | os.PathLike[str], *, limit: int = MAX_DOCUMENT_BYTES,
               stdin: BinaryIO | None = None) -> tuple[bytes, str]:
    """The bytes of an input (a file, a FIFO, or standard input for `-`) and the name to show for
    it; never more than `limit` bytes are read. `stdin`: the stream `-` reads (the process's
    standard input by default)."""
    name = display_name(path)
    if is_stdin(path):
        stream = stdin if stdin is not None else sys.stdin.buffer
        try:
            raw = stream.read(limit + 1)
        except OSError as exc:
            raise InputError(f"cannot read standard input: {exc.strerror or exc}",
                             source=name) from None
        return _bounded(raw, name, limit), name
    info = check_input(path)
    if info.st_size > limit:
        raise _too_long(name, limit, info.st_size)
    try:
        # O_NONBLOCK would make a FIFO with no writer read as empty: a FIFO waits for its writer
        fd = os.open(os.fspath(path), os.O_RDONLY | os.O_NOCTTY | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as f:
            why = refusal(os.fstat(f.fileno()).st_mode)
            if why is not None:  # swapped for a device between the check and the open
                raise InputError(why, source=name)
            raw = f.read(limit + 1)
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or type(exc).__name__}",
                         source=name) from None
    return _bounded(raw, name, limit), name


def _bounded(raw: bytes, name: str, limit: int) -> bytes:
    if len(raw) > limit:
        raise _too_long(name, limit, None)
    return raw


def _too_long(name: str, limit: int, size: int | None) -> InputError:
    got = f"got {size:,}" if size is not None else "got more"
    what = "standard input" if name == STDIN_NAME else "a file"
    return InputError(f"{what} is at most {limit:,} bytes, {got}",
                      source=name)
