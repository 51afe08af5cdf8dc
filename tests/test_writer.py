"""The one writer (`mcrules.io.sink`): a regular file is replaced atomically, a FIFO or a
character device is written through and stays what it was, a symbolic link stays a link, and a
socket, a folder or an input is refused with exit 2. No test names a system path: the device
case is decided on a stat mode."""

from __future__ import annotations

import contextlib
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mcrules.cli.main import app
from mcrules.errors import McrulesError
from mcrules.io.sink import Refused, Sink, append_file, how_to_write, write_file

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SITE = EXAMPLES / "transit-centre.yaml"


def _read_fifo(fifo: Path) -> tuple[threading.Thread, list[bytes]]:
    """A reader of `fifo` on a thread (opening a FIFO for writing waits for its reader)."""
    got: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as f:
            got.append(f.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread, got


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    yield path
    # a reader still waiting (the write never came) is released, so no thread hangs the run
    with contextlib.suppress(OSError):
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))


def test_the_decision_on_a_mode() -> None:
    assert how_to_write(None) == "replace"
    assert how_to_write(stat.S_IFREG | 0o644) == "replace"
    assert how_to_write(stat.S_IFIFO | 0o644) == "through"
    assert how_to_write(stat.S_IFCHR | 0o666) == "through"  # /dev/null, a terminal
    for mode, word in ((stat.S_IFSOCK | 0o777, "socket"), (stat.S_IFBLK | 0o660, "block"),
                       (stat.S_IFDIR | 0o755, "folder")):
        with pytest.raises(Refused, match=word):
            how_to_write(mode)


def test_a_regular_file_is_replaced_with_the_usual_permissions(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_bytes(b"old")
    write_file(b"new", target)
    assert target.read_bytes() == b"new"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    write_file(b"secret", target, private=True)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]  # no temporary left


def test_a_fifo_is_written_through_and_stays_a_fifo(fifo: Path) -> None:
    thread, got = _read_fifo(fifo)
    write_file(b"a report\n", fifo)
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert got == [b"a report\n"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert sorted(p.name for p in fifo.parent.iterdir()) == ["pipe"]


def test_the_cli_writes_a_report_through_a_fifo(fifo: Path) -> None:
    thread, got = _read_fifo(fifo)
    result = CliRunner().invoke(app, ["check-site", str(SITE), "--format", "json",
                                      "--out", str(fifo)])
    thread.join(timeout=10)
    assert result.exit_code in (0, 1), result.output
    assert got and got[0].startswith(b"{")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_symlink_stays_a_link_and_its_target_gets_the_report(tmp_path: Path) -> None:
    target = tmp_path / "real.md"
    target.write_bytes(b"old")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    write_file(b"new", link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes() == b"new"
    dangling = tmp_path / "dangling.md"
    dangling.symlink_to(tmp_path / "made.md")
    write_file(b"made", dangling)
    assert dangling.is_symlink() and (tmp_path / "made.md").read_bytes() == b"made"


def test_a_symlink_to_a_fifo_writes_through(tmp_path: Path, fifo: Path) -> None:
    link = tmp_path / "to-pipe"
    link.symlink_to(fifo)
    thread, got = _read_fifo(fifo)
    write_file(b"x", link)
    thread.join(timeout=10)
    assert got == [b"x"] and link.is_symlink() and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_socket_is_refused(unix_socket: Path) -> None:
    with pytest.raises(McrulesError, match="socket") as info:
        write_file(b"x", unix_socket, option="--junit")
    assert info.value.path == f"--junit {unix_socket}"
    with pytest.raises(McrulesError, match="socket"):
        append_file(b"x", unix_socket, option="--record")
    assert stat.S_ISSOCK(os.stat(unix_socket).st_mode)


def test_the_cli_refuses_a_socket_with_exit_2(unix_socket: Path) -> None:
    result = CliRunner().invoke(app, ["check-site", str(SITE), "--format", "json",
                                      "--out", str(unix_socket)])
    assert result.exit_code == 2
    assert "socket" in result.output and "--out" in result.output
    assert stat.S_ISSOCK(os.stat(unix_socket).st_mode)


def test_a_folder_and_an_input_are_refused(tmp_path: Path) -> None:
    with pytest.raises(McrulesError, match="folder"):
        write_file(b"x", tmp_path)
    source = tmp_path / "in.yaml"
    source.write_bytes(b"kept")
    link = tmp_path / "alias.yaml"
    link.symlink_to(source)
    with pytest.raises(McrulesError, match="input"):
        write_file(b"x", link, inputs=(source,))
    assert source.read_bytes() == b"kept"


def test_an_aborted_sink_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_bytes(b"last good")
    with pytest.raises(RuntimeError), Sink(target) as sink:
        sink.file.write(b"half")
        raise RuntimeError("killed")
    assert target.read_bytes() == b"last good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_append_goes_through_the_link_and_a_fifo(tmp_path: Path, fifo: Path) -> None:
    log = tmp_path / "log.jsonl"
    link = tmp_path / "log-link.jsonl"
    link.symlink_to(log)
    append_file(b"1\n", link, option="--record")
    append_file(b"2\n", link, option="--record")
    assert log.read_bytes() == b"1\n2\n" and link.is_symlink()
    thread, got = _read_fifo(fifo)
    append_file(b"3\n", fifo, option="--record")
    thread.join(timeout=10)
    assert got == [b"3\n"] and stat.S_ISFIFO(os.stat(fifo).st_mode)


@pytest.mark.parametrize("name", ["out.parquet", "out.csv", "out.jsonl"])
def test_a_table_is_streamed_through_a_fifo(tmp_path: Path, name: str) -> None:
    pa = pytest.importorskip("pyarrow")
    from mcrules.io.tables import TableWriter

    fifo = tmp_path / name
    os.mkfifo(fifo)
    schema = pa.schema([("a", pa.int64())])
    thread, got = _read_fifo(fifo)
    with TableWriter(fifo, schema) as writer:
        for start in (0, 2):
            writer.write(pa.record_batch([pa.array([start, start + 1])], schema=schema))
    thread.join(timeout=10)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert got and b"3" in got[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_a_table_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    from mcrules.io.tables import TableWriter

    target = tmp_path / "real.csv"
    target.write_bytes(b"old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    schema = pa.schema([("a", pa.int64())])
    with TableWriter(link, schema) as writer:
        writer.write(pa.record_batch([pa.array([7])], schema=schema))
    assert link.is_symlink() and b"7" in target.read_bytes()


def test_a_table_refuses_a_socket(unix_socket: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    from mcrules.errors import InputError
    from mcrules.io.tables import TableWriter

    sock = unix_socket.rename(unix_socket.with_suffix(".csv"))
    with pytest.raises(InputError, match="socket"):
        TableWriter(sock, pa.schema([("a", pa.int64())]))
    assert stat.S_ISSOCK(os.stat(sock).st_mode)


def test_schema_files_go_through_the_writer(tmp_path: Path, fifo: Path) -> None:
    folder = tmp_path / "schemas"
    folder.mkdir()
    (folder / "site.schema.json").symlink_to(tmp_path / "site-target.json")
    result = CliRunner().invoke(app, ["schema", "--out", str(folder)])
    assert result.exit_code == 0, result.output
    assert (folder / "site.schema.json").is_symlink()
    assert (tmp_path / "site-target.json").read_bytes().startswith(b"{")
