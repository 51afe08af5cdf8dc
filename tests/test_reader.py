"""The one reader (`mcrules.source`): a path or `-`, bounded before parsing, devices refused and
FIFOs read; `load_document("-")` picks JSON or YAML by content. No test names a system path: the
device case is decided on a stat mode."""

from __future__ import annotations

import contextlib
import io
import os
import stat
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mcrules.cli.main import app
from mcrules.errors import InputError
from mcrules.limits import MAX_DOCUMENT_BYTES
from mcrules.located import LocatedDict, load_document
from mcrules.source import STDIN_NAME, check_input, read_input, refusal


class Endless(io.RawIOBase):
    """A stream that never ends (a `yes` piped in), counting the bytes it gave."""

    def __init__(self) -> None:
        self.given = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = len(buffer)
        buffer[:n] = b"a" * n
        self.given += n
        return n


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def test_the_decision_on_a_mode() -> None:
    assert refusal(stat.S_IFREG | 0o644) is None
    assert refusal(stat.S_IFIFO | 0o644) is None
    assert "FIFO" in (refusal(stat.S_IFIFO | 0o644, fifo=False) or "")
    assert "character device" in (refusal(stat.S_IFCHR | 0o666) or "")  # /dev/zero, a terminal
    assert "socket" in (refusal(stat.S_IFSOCK | 0o777) or "")
    assert "folder" in (refusal(stat.S_IFDIR | 0o755) or "")
    assert refusal(stat.S_IFBLK | 0o660) is not None


def test_a_folder_and_a_missing_file_are_refused_naming_the_path(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="folder") as info:
        read_input(tmp_path)
    assert info.value.source == str(tmp_path)
    with pytest.raises(InputError, match="no such file") as info:
        read_input(tmp_path / "gone.yaml")
    assert info.value.source == str(tmp_path / "gone.yaml")


def test_a_socket_is_refused(unix_socket: Path) -> None:
    with pytest.raises(InputError, match="socket"):
        load_document(unix_socket)


def test_a_fifo_is_read(tmp_path: Path) -> None:
    fifo = tmp_path / "site.yaml"
    os.mkfifo(fifo)

    def write() -> None:
        with open(fifo, "wb") as f:
            f.write(b"name: piped\n")

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    try:
        doc = load_document(fifo)
    finally:
        thread.join(timeout=10)
        with contextlib.suppress(OSError):  # a writer still waiting is released
            os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
    assert doc == {"name": "piped"} and isinstance(doc, LocatedDict)


def test_a_file_past_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as f:
        f.truncate(MAX_DOCUMENT_BYTES + 1)
    with pytest.raises(InputError, match=f"at most {MAX_DOCUMENT_BYTES:,} bytes"):
        read_input(big)
    small = tmp_path / "small.yaml"
    small.write_bytes(b"x" * 100)
    with pytest.raises(InputError, match="at most 10 bytes"):
        read_input(small, limit=10)


def test_standard_input_is_read_for_the_limit_plus_one_byte_never_to_its_end() -> None:
    endless = Endless()
    with pytest.raises(InputError, match=f"standard input is at most {MAX_DOCUMENT_BYTES:,}") \
            as info:
        read_input("-", stdin=io.BufferedReader(endless, buffer_size=4096))
    assert info.value.source == STDIN_NAME
    assert endless.given <= MAX_DOCUMENT_BYTES + 1 + 4096
    assert read_input("-", stdin=io.BytesIO(b"name: x\n")) == (b"name: x\n", STDIN_NAME)


def test_load_document_reads_json_from_standard_input_by_its_first_character(
        monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, b'  \n{"name": "a", "name": "b"}')
    with pytest.raises(InputError, match="JSON") as info:  # JSON's own rules: no duplicate key
        load_document("-")
    assert info.value.source == STDIN_NAME
    _stdin(monkeypatch, b'[1, 2]')
    assert load_document("-") == [1, 2]


def test_load_document_reads_yaml_from_standard_input_with_lines(
        monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, b"# a site\nname: x\nresidents: 010\n")
    doc = load_document("-")
    assert doc == {"name": "x", "residents": 10}
    assert doc.lines == {"name": 2, "residents": 3}


def test_the_cli_reads_a_site_from_standard_input_and_names_it() -> None:
    runner = CliRunner()
    bad = runner.invoke(app, ["check-site", "-"], input="name: 5\n")
    assert bad.exit_code == 2 and STDIN_NAME in bad.output
    ok = runner.invoke(app, ["check-site", "-", "--format", "json"], input='{"name": "x"}')
    assert ok.exit_code in (0, 1) and ok.output.lstrip().startswith("{")


def test_a_table_refuses_standard_input_and_a_fifo_clearly(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    from mcrules.io.tables import TableSource

    with pytest.raises(InputError, match="standard input") as info:
        TableSource("-")
    assert info.value.source == STDIN_NAME
    fifo = tmp_path / "rows.csv"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="FIFO"):  # refused before it is opened: no hang
        TableSource(fifo)
    folder = tmp_path / "dir.csv"
    folder.mkdir()
    with pytest.raises(InputError, match="folder"):
        TableSource(folder)


def test_check_input_follows_a_link(tmp_path: Path) -> None:
    target = tmp_path / "t.yaml"
    target.write_bytes(b"a: 1\n")
    link = tmp_path / "l.yaml"
    link.symlink_to(target)
    assert stat.S_ISREG(check_input(link).st_mode)
    assert load_document(link) == {"a": 1}
