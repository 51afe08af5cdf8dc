"""`mcrules lint PATH...`: static checks of rule packs, as text, JSON or SARIF 2.1.0."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mcrules.cli import console
from mcrules.cli.check_options import format_option
from mcrules.cli.console import EXIT_FAIL, EXIT_OK
from mcrules.cli.output import emit
from mcrules.errors import McrulesError

LINT_FORMATS = ("text", "json", "sarif")


def lint_cmd(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Pack folders or folders of packs. Default: ./rules when it "
        "exists, else the installed packs.")] = None,
    fmt: Annotated[str, format_option(LINT_FORMATS)] = "text",
    sources: Annotated[Path | None, typer.Option(
        "--sources", help="Folder of source texts (*.txt): verified quotes must occur in one.")]
        = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the report here instead of standard output.")] = None,
) -> None:
    """Check packs statically; report every problem as `file:line: code: message`. Exit 1 on
    any error-level finding."""
    from mcrules import __version__
    from mcrules.report.lint import render_lint_json, render_sarif
    from mcrules.rules.lint import CODES, lint_pack
    from mcrules.subjects import all_subjects
    from mcrules.testing import default_pack_root, discover_packs

    if sources is not None and not sources.is_dir():
        raise typer.BadParameter(f"no such folder: {sources}", param_hint="--sources")
    targets = paths or [default_pack_root()]
    schemas = {s.name: s.schema() for s in all_subjects()}
    findings = []
    packs = 0
    for target in targets:
        if not target.exists():
            raise McrulesError(f"no such path: {target}")
        for folder in discover_packs(target):
            packs += 1
            findings += lint_pack(folder, schemas, sources)
    if not packs:
        raise McrulesError("no rule packs found")
    if fmt == "text":
        text = "".join(f"{f}\n" for f in findings)
        errors = sum(f.level == "error" for f in findings)
        text += (f"{packs} pack(s): {errors} error(s), {len(findings) - errors} warning(s)\n")
        data = text.encode()
    elif fmt == "json":
        data = render_lint_json(findings)
    else:
        data = render_sarif(findings, CODES.values(), version=__version__, root=Path.cwd())
    try:
        emit(data, output, option="--output")
    except McrulesError as exc:
        raise console.fail_input(exc) from None
    raise typer.Exit(EXIT_FAIL if any(f.level == "error" for f in findings) else EXIT_OK)
