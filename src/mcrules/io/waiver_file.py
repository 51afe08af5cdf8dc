"""Read a waiver file (YAML or JSON) into its validated model, remembering where each field is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcrules.io.subject_file import validate_model
from mcrules.located import line_of, load_document
from mcrules.models.waiver import Waiver, WaiverFile
from mcrules.source import display_name

_FIELDS = ("", *Waiver.model_fields, "scope.site", "scope.from", "scope.until")


def read_waivers(path: str | Path) -> WaiverFile:
    """The waivers of `path`, validated strictly (an unknown key is an error: a waiver is an
    audit record); InputError naming every problem with its path and line."""
    return validate_waivers(load_document(path), source=display_name(path))


def validate_waivers(doc: Any, source: str | None = None) -> WaiverFile:
    """A parsed waiver document validated strictly, each field remembering its line."""
    waivers, _ = validate_model(doc, WaiverFile, noun="waiver", strict=True, source=source)
    lines: dict[tuple[int, str], int] = {}
    for i in range(len(waivers.waivers)):
        for name in _FIELDS:
            loc: tuple[str | int, ...] = ("waivers", i, *name.split(".")) if name \
                else ("waivers", i)
            line = line_of(doc, loc)
            if line is not None:
                lines[(i, name)] = line
    return waivers.located(source or "<waivers>", lines)
