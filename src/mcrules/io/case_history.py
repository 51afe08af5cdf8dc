"""Read a case history (YAML or JSON) into a validated CaseHistory, bounded like every file, with
errors that name the field path (`events[7].to.type`) and line. Unknown keys are errors: a typo
must not drop a fact a guard reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcrules.io.subject_file import validate_model
from mcrules.located import load_document
from mcrules.models.casework import CaseHistory
from mcrules.source import display_name


def read_case_history(path: str | Path) -> CaseHistory:
    """Read and validate a case-history file."""
    return validate_case_history(load_document(path), source=display_name(path))


def validate_case_history(data: Any, source: str | None = None) -> CaseHistory:
    """Validate a case-history document; InputError listing every problem with path and line.
    Also the reader of a sharing request's `history` (`Extra.reader`), so `share` and
    `casework check` refuse a history with the same words."""
    history, _ = validate_model(data, CaseHistory, noun="case history", strict=True, source=source)
    return history
