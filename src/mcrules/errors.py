"""The exception hierarchy: every error mcrules raises on purpose carries where it happened."""

from __future__ import annotations


class McrulesError(Exception):
    """Base of all mcrules errors. `path` names the field (``toilets.female``) or file position."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class FieldError(ValueError):
    """Raised by a model's cross-field check to name the field at fault, relative to the model.

    pydantic locates a model validator's error at the model itself; readers append `loc` so the
    message names `vulnerabilities[0].threat` and its line, not the whole document.
    """

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        dotted = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in loc).lstrip(".")
        super().__init__(f"{dotted}: {message}")  # what pydantic shows a direct caller
        self.loc = loc
        self.message = message


class UnitError(McrulesError):
    """A quantity could not be parsed, or has the wrong dimension."""


class InputError(McrulesError):
    """An input document (a site file, a row) is invalid. `problems` lists every issue found."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        problems: list[Problem] | None = None,
        source: str | None = None,
    ) -> None:
        super().__init__(message, path=path)
        self.problems = problems or []
        self.source = source

    def __str__(self) -> str:
        head = f"{self.source}: {self.message}" if self.source else self.message
        if not self.problems:
            return head if not self.path else f"{head} (at {self.path})"
        return head + "\n" + "\n".join(f"  - {p}" for p in self.problems)


class Problem:
    """One located problem in an input: the field path, what was wrong, and the line if known."""

    __slots__ = ("line", "message", "path")

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = path
        self.message = message
        self.line = line

    def __str__(self) -> str:
        where = f"{self.path or '<root>'}"
        if self.line is not None:
            where += f" (line {self.line})"
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {"path": self.path, "message": self.message, "line": self.line}


class RuleLoadError(McrulesError):
    """A rule pack is malformed: names the file and line."""

    def __init__(self, message: str, *, file: str, line: int | None = None, path: str | None = None):
        super().__init__(message, path=path)
        self.file = file
        self.line = line

    def __str__(self) -> str:
        loc = self.file if self.line is None else f"{self.file}:{self.line}"
        where = f" [{self.path}]" if self.path else ""
        return f"{loc}:{where} {self.message}"


class ExpressionError(McrulesError):
    """A rule expression is outside the grammar, names an unknown field, or mixes dimensions."""


class PackNotFoundError(McrulesError):
    """No pack with that id or path exists."""
