"""A reader that stops reading (`mcrules rules list | head -1`) is not a bug: the command exits
141 (128 + SIGPIPE, as a shell reports it) with nothing on stderr, neither "internal error" (exit
3, as on main for a report written to stdout) nor Python's "Exception ignored" at exit."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

RIVERSIDE = str(ROOT / "examples" / "riverside-centre.yaml")
CLI = [sys.executable, "-m", "mcrules.cli.main"]


@pytest.mark.parametrize("args", [
    ["rules", "list"],  # a rich table
    ["casework", "respond", "--help"],  # a subcommand's help, printed while parsing
    ["--help"],  # the top-level help, outside every command
    ["check-site", RIVERSIDE, "--format", "json"],  # bytes written to stdout directly
    ["check-site", RIVERSIDE, "--format", "markdown"],
])
def test_a_pipe_closed_before_the_first_write_ends_the_command_quietly(args: list[str]) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the command writes anything
    try:
        proc = subprocess.run([*CLI, *args], stdout=write, stderr=subprocess.PIPE, text=True,
                              timeout=120)
    finally:
        os.close(write)
    assert (proc.returncode, proc.stderr) == (141, "")

