"""The one writer of report files: every `--out`, `--output`, `--junit`, `--rejects`, bulk output,
schema file and decision-record log goes through here.

Where a report goes decides how it is written (docs/output.md):

- a new path or a regular file is written whole or not at all: a temporary file beside it, then
  renamed over it, so a full disk or a killed run never leaves half a report where the last good
  one was. The new file has the permissions of any new file (the umask), or the owner's only when
  it is private.
- a FIFO or a character device is written *through*: opened for writing and streamed into, never
  renamed over. Renaming a regular file over `/dev/null` as root replaces the system's
  `/dev/null`; a FIFO another program reads from would silently become a file nobody reads.
  Opening a FIFO waits for its reader, as any program writing to one does.
- anything else that exists (a socket, a block device, a door) is refused, and so is a folder.
- a symbolic link is followed: the rules above apply to what it points to, and the link itself
  stays a link (the temporary file is made beside the target, and renamed over the target).
- a path that is one of the command's inputs is refused rather than overwritten.

A refusal is invalid input (exit 2) naming the option and the path, never a traceback.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from types import TracebackType
from typing import IO, Literal

from mcrules.errors import McrulesError

#: how a target is written: renamed over (a new or regular file) or streamed into (FIFO, device)
How = Literal["replace", "through"]


class Refused(ValueError):
    """A target that must not be written, with the reason."""


def how_to_write(mode: int | None) -> How:
    """How a target whose `stat` mode is `mode` (None: it does not exist) is written; `Refused`
    with the reason when it must not be. A decision on the mode alone, so it is tested without
    touching a real device."""
    if mode is None or stat.S_ISREG(mode):
        return "replace"
    if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):
        return "through"
    if stat.S_ISDIR(mode):
        raise Refused("is a folder; name a file to write")
    kind = "a socket" if stat.S_ISSOCK(mode) else \
        "a block device" if stat.S_ISBLK(mode) else "not a regular file"
    raise Refused(f"is {kind}; name a regular file, a FIFO or a character device to write")


def _target(path: Path) -> tuple[Path, int | None]:
    """The path to write (a symbolic link followed to what it names) and its mode, or None."""
    real = Path(os.path.realpath(path))
    try:
        return real, os.stat(real).st_mode
    except FileNotFoundError:
        return real, None


class Sink:
    """An open report file: write to `file`, then `commit()` (or `abort()` to drop it).

    A regular target is written to `temp` (beside it) and renamed into place by `commit()`; a
    FIFO or device target is written through, and `temp` is None. Use as a context manager:
    leaving it normally commits, leaving it with an exception aborts.
    """

    def __init__(self, path: str | Path, *, option: str = "--out",
                 inputs: tuple[str | Path, ...] = (), private: bool = False,
                 temp: Path | None = None, drop_old: bool = False,
                 make_parents: bool = False) -> None:
        """`temp`: a fixed name for the temporary file (a bulk run's `.NAME.partial`, so a killed
        run's leftover is recognisable); by default a fresh hidden name beside the target.
        `drop_old`: remove an old regular file now, not when this one is complete (a bulk run
        that fails must not leave last run's results looking like this run's). `make_parents`:
        create the target's missing folders (a bulk output folder) instead of refusing."""
        self.where = f"{option} {path}"
        self.private = private
        real, mode = self._check(Path(path), inputs)
        self.path = real
        self.how = how_to_write(mode)
        self.temp: Path | None = None
        try:
            if self.how == "through":
                # O_NOCTTY: a terminal named as the target never becomes our controlling terminal
                fd = os.open(real, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC)
                actual = os.fstat(fd).st_mode
                if how_to_write(actual) != "through":  # replaced between stat and open
                    os.close(fd)
                    raise Refused("changed while it was opened; try again")
                self.file: IO[bytes] = os.fdopen(fd, "wb")
                return
            if make_parents:
                real.parent.mkdir(parents=True, exist_ok=True)
            if temp is None:
                fd, name = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp",
                                            dir=real.parent)
                self.temp = Path(name)
                self.file = os.fdopen(fd, "wb")
            else:
                self.temp = real.parent / temp.name
                self.file = self.temp.open("wb")
            if drop_old:
                real.unlink(missing_ok=True)
        except Refused as exc:
            raise McrulesError(str(exc), path=self.where) from None
        except OSError as exc:
            self._drop_temp()
            raise McrulesError(f"cannot write: {exc.strerror or exc}", path=self.where) from None

    def _check(self, path: Path, inputs: tuple[str | Path, ...]) -> tuple[Path, int | None]:
        try:
            real, mode = _target(path)
            how_to_write(mode)
        except Refused as exc:
            raise McrulesError(str(exc), path=self.where) from None
        except OSError as exc:  # a loop of links, a folder that cannot be searched
            raise McrulesError(f"cannot write: {exc.strerror or exc}", path=self.where) from None
        with contextlib.suppress(OSError):
            if any(real == Path(os.path.realpath(i)) for i in inputs if str(i) != "-"):
                raise McrulesError("is an input of this command; name another file",
                                   path=self.where)
        return real, mode

    def commit(self) -> None:
        """Finish the file: close it and, for a regular target, rename it into place."""
        try:
            self.file.close()
            if self.temp is not None:
                umask = os.umask(0)
                os.umask(umask)
                # as an ordinary new file, not mkstemp's 0600, unless it is private
                os.chmod(self.temp, 0o600 if self.private else 0o666 & ~umask)
                os.replace(self.temp, self.path)
                self.temp = None
        except OSError as exc:
            raise McrulesError(f"cannot write: {exc.strerror or exc}", path=self.where) from None
        finally:
            self._drop_temp()

    def abort(self) -> None:
        """Drop what was written (a write-through target keeps what it was already sent)."""
        try:
            with contextlib.suppress(OSError):
                self.file.close()
        finally:
            self._drop_temp()

    def _drop_temp(self) -> None:
        if self.temp is not None:
            with contextlib.suppress(OSError):
                self.temp.unlink()
            self.temp = None

    def __enter__(self) -> Sink:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


def write_file(data: bytes, path: str | Path, *, option: str = "--out",
               inputs: tuple[str | Path, ...] = (), private: bool = False) -> None:
    """Write `data` to `path` by the rules above; McrulesError naming `option` and the path when
    it cannot be written."""
    with Sink(path, option=option, inputs=inputs, private=private) as sink:
        try:
            sink.file.write(data)
        except OSError as exc:
            raise McrulesError(f"cannot write: {exc.strerror or exc}", path=sink.where) from None


def append_file(data: bytes, path: str | Path, *, option: str) -> None:
    """Append `data` to `path` (a log of decision records): a regular or new file is opened for
    appending, a FIFO or a character device written through, anything else refused."""
    where = f"{option} {path}"
    try:
        real, mode = _target(Path(path))
        how_to_write(mode)
        fd = os.open(real, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOCTTY | os.O_CLOEXEC,
                     0o666)
        with os.fdopen(fd, "ab") as f:
            how_to_write(os.fstat(f.fileno()).st_mode)
            f.write(data)
    except Refused as exc:
        raise McrulesError(str(exc), path=where) from None
    except OSError as exc:
        raise McrulesError(f"cannot write: {exc.strerror or exc}", path=where) from None
