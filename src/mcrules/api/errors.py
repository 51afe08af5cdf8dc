"""An error as data: the one `{"error": {"code", "problems"}}` object every machine-readable
interface gives (the CLI under `--format json`, the HTTP service), made in one place so both
say the same thing about the same bad input."""

from __future__ import annotations

from typing import Any

from mcrules.errors import InputError, McrulesError, RuleLoadError

#: the exit code (docs/exit-codes.md) an error object carries: invalid input or arguments
INVALID = 2
#: the exit code of an internal error (a bug), reported in one line
INTERNAL = 3


def problem(path: str | None, line: int | None, message: str) -> dict[str, Any]:
    """One problem: the field `path` (null when the error is about no one field), the `line`
    (null when unknown) and the message."""
    return {"path": path or None, "line": line, "message": message}


def problems_of(exc: McrulesError) -> list[dict[str, Any]]:
    """An error of ours as a list of problems: one per located problem, the file it is about
    (when it came from one) at the head of each message."""
    if isinstance(exc, InputError):
        head = f"{exc.source}: " if exc.source else ""
        if exc.problems:
            return [problem(p.path, p.line, head + p.message) for p in exc.problems]
        return [problem(exc.path, None, head + exc.message)]
    if isinstance(exc, RuleLoadError):
        return [problem(exc.path, exc.line, f"{exc.file}: {exc.message}")]
    return [problem(exc.path, None, exc.message)]


def error_body(code: int, problems: list[dict[str, Any]]) -> dict[str, Any]:
    """`{"error": {"code": code, "problems": problems}}`."""
    return {"error": {"code": code, "problems": problems}}


def error_object(exc: BaseException) -> dict[str, Any]:
    """The error object of `exc`: an error of ours is invalid input (code 2) with its located
    problems; anything else is an internal error (code 3) in one line naming the exception's
    type only, since its text may quote internals or input."""
    if isinstance(exc, McrulesError):
        return error_body(INVALID, problems_of(exc))
    return error_body(INTERNAL, [problem(None, None, f"internal error ({type(exc).__name__}); "
                                         "this is a bug in mcrules: please report it")])
