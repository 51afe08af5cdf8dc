"""Read a site file (YAML or JSON) into a validated Site: the site subject's file reader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcrules.io.subject_file import validate_model
from mcrules.located import load_document
from mcrules.models.site import Site


def read_site(path: str | Path, *, strict: bool = False) -> tuple[Site, list[str]]:
    """Read and validate a site file. Unknown keys are warnings, or errors when `strict`."""
    doc = load_document(path)
    return validate_site(doc, strict=strict, source=str(path))


def validate_site(data: Any, *, strict: bool = False,
                  source: str | None = None) -> tuple[Site, list[str]]:
    """Validate a site document; raise InputError listing every problem with its path and line."""
    # The model directly, not the registry: reading one site file stays free of the engine.
    return validate_model(data, Site, noun="site", strict=strict, source=source)
