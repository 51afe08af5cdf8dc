"""The exception hierarchy: every error mcrules raises on purpose carries where it happened."""

from __future__ import annotations

# The lint codes (docs/lint.md) a mistake in a pack carries from where it is raised: `mcrules
# lint` reports a load error under its `code`, never by reading its message.
UNKNOWN_FIELD = "MCR001"
INVALID_PACK = "MCR002"
UNIT_MISMATCH = "MCR003"
MISSING_CITATION = "MCR004"
EMPTY_QUOTE = "MCR005"
DUPLICATE_ID = "MCR008"
OUT_OF_BOUNDS = "MCR009"
EFFECTIVE_DATES = "MCR010"
TABLE_OVERLAP = "MCR013"
TABLE_GAP = "MCR014"
VALUE_CYCLE = "MCR016"


class McrulesError(Exception):
    """Base of all mcrules errors. `path` names the field (``toilets.female``) or file position.

    `code` is the lint code of the mistake when one fits better than "the pack does not load"
    (a dimension mismatch, a value out of bounds, a duplicate key), set where it is raised, so
    that a RuleLoadError wrapping this error can carry it on; None when none is narrower.
    """

    def __init__(self, message: str, *, path: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.code = code

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
        code: str | None = None,
    ) -> None:
        super().__init__(message, path=path, code=code)
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
    """A rule pack is malformed: names the file and line, and `code`, the lint code `mcrules lint`
    reports it under (docs/lint.md), given where it is raised; INVALID_PACK when none is narrower."""

    code: str

    def __init__(self, message: str, *, file: str, line: int | None = None, path: str | None = None,
                 code: str | None = None):
        super().__init__(message, path=path, code=code or INVALID_PACK)
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
