"""Read a site file (YAML or JSON) into a validated Site: the site subject's file reader."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcrules.io.layout_file import read_layout, split_layout
from mcrules.io.subject_file import validate_model
from mcrules.located import load_document
from mcrules.models.layout import Layout
from mcrules.models.site import Site
from mcrules.source import display_name, is_stdin
from mcrules.subjects.subject import Read

_LAYOUT_IGNORED = ("layout: the file's layout is not applied by read_site; read it with "
                   "read_site_file and pass it to check_site(layout=...)")


@dataclass(frozen=True)
class SiteFile:
    """A site file as read: the Site, its layout when it carries one, and the warnings."""

    site: Site
    layout: Layout | None
    warnings: tuple[str, ...] = ()


def read_site_file(path: str | Path, *, strict: bool = False) -> SiteFile:
    """Read and validate a site file and its layout (`features:` or `layout: file.geojson`)."""
    doc = load_document(path)
    return validate_site_file(doc, strict=strict, source=display_name(path),
                              path=None if is_stdin(path) else Path(path))


def validate_site_file(data: Any, *, strict: bool = False, source: str | None = None,
                       path: Path | None = None) -> SiteFile:
    """Validate a site document and its layout; `path` anchors a `layout:` file reference."""
    rest, _ = split_layout(data)
    site, warnings = validate_model(rest, Site, noun="site", strict=strict, source=source)
    layout = read_layout(data, site_path=path, source=source)
    return SiteFile(site, layout, tuple(warnings))


def read_site_document(data: Any, *, strict: bool = False, source: str | None = None,
                       path: Path | None = None) -> Read[Site]:
    """The site subject's reader (`Subject.reader`): a site document and its layout, which the
    report measures (`extras["layout"]`)."""
    read = validate_site_file(data, strict=strict, source=source, path=path)
    return Read(read.site, {"layout": read.layout} if read.layout is not None else {},
                read.warnings)


def read_site(path: str | Path, *, strict: bool = False) -> tuple[Site, list[str]]:
    """Read and validate a site file. Unknown keys are warnings, or errors when `strict`.

    A layout in the file is validated but not measured here: `read_site_file` returns it."""
    read = read_site_file(path, strict=strict)
    return read.site, [*read.warnings, *([_LAYOUT_IGNORED] if read.layout else [])]


def validate_site(data: Any, *, strict: bool = False,
                  source: str | None = None) -> tuple[Site, list[str]]:
    """Validate a site document; raise InputError listing every problem with its path and line."""
    # The model directly, not the registry: reading one site file stays free of the engine.
    read = validate_site_file(data, strict=strict, source=source)
    return read.site, [*read.warnings, *([_LAYOUT_IGNORED] if read.layout else [])]
