"""Runs the CLI in-process and fails on what a user must never see: a traceback, an exception
that escaped the command, or an exit code outside the documented ones (docs/exit-codes.md)."""

from __future__ import annotations

from dataclasses import dataclass

from typer.main import get_command
from typer.testing import CliRunner

from mcrules.cli.main import app

EXIT_CODES = {0, 1, 2}  # 3 is a bug: no input may produce it
runner = CliRunner()


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def mcrules(*args: str, env: dict[str, str] | None = None) -> Ran:
    """`mcrules ARGS`; asserts no traceback and an exit code other than 3."""
    result = runner.invoke(app, list(args), env={"COLUMNS": "120", "CI": "true", **(env or {})})
    exc = result.exception
    assert exc is None or isinstance(exc, SystemExit), f"mcrules {args}: {exc!r} escaped"
    ran = Ran(result.exit_code, result.stdout, result.stderr)
    assert "Traceback (most recent call last)" not in ran.output, ran.output[-3000:]
    assert ran.code in EXIT_CODES, f"mcrules {args}: exit {ran.code}\n{ran.output[-3000:]}"
    return ran


def command_names() -> set[str]:
    """Every command `mcrules --help` lists, sub-commands as "rules show"."""
    names: set[str] = set()

    def walk(cmd: object, prefix: str) -> None:
        for name, sub in getattr(cmd, "commands", {}).items():
            if getattr(sub, "commands", None):
                walk(sub, f"{prefix}{name} ")
            else:
                names.add(prefix + name)

    walk(get_command(app), "")
    return names
