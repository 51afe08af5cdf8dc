"""`mcrules diff --base REF_OR_DIR --head REF_OR_DIR --corpus FILES`: what a rule change does
to a corpus of sites, cases or sharing requests, in Markdown for a review comment or JSON for
machines."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from mcrules.cli import console
from mcrules.cli.check_options import format_option
from mcrules.cli.console import EXIT_FAIL, EXIT_OK
from mcrules.cli.output import emit
from mcrules.cli.pack_options import AsOfOpt, parse_as_of
from mcrules.errors import McrulesError

DIFF_FORMATS = ("markdown", "json")


def diff_cmd(
    base: Annotated[str, typer.Option("--base", help="Folder of packs, or a git ref (main, "
                                      "origin/main, a commit) of the repository.")],
    head: Annotated[str, typer.Option("--head", help="Folder of packs, or a git ref.")],
    corpus: Annotated[list[str], typer.Option(
        "--corpus", help="A corpus file (CSV, JSONL, Parquet), or SUBJECT=FILE (e.g. "
        "sharing_request=requests.jsonl); repeatable.")],
    repo: Annotated[Path, typer.Option(
        "--repo", help="The git repository that refs are read from.")] = Path("."),
    packs_path: Annotated[str, typer.Option(
        "--packs-path", help="Where the packs sit inside the repository.")] = "rules",
    fmt: Annotated[str, format_option(DIFF_FORMATS, "markdown")] = "markdown",
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the report here instead of standard output.")] = None,
    fail_on: Annotated[list[str] | None, typer.Option(
        "--fail-on", help="Exit 1 when the change does this: fail-increase, unknown-increase, "
        "pass-to-fail, any-flip or rules-changed (repeatable).")] = None,
    examples: Annotated[int, typer.Option(
        "--examples", min=0, help="Flipped records to list per rule.")] = 10,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1)] = 65_536,
    workers: Annotated[int | None, typer.Option("--workers", min=1)] = None,
    as_of: AsOfOpt = None,
) -> None:
    """Evaluate the corpus under both versions of the packs and report the verdicts that flip."""
    import orjson

    from mcrules.bulk.diff import POLICIES, diff_folders
    from mcrules.bulk.revisions import materialise, repo_root
    from mcrules.report.diff import render_diff_markdown

    for policy in fail_on or []:
        if policy not in POLICIES:
            raise typer.BadParameter(f"{policy!r}: must be one of {', '.join(POLICIES)}",
                                     param_hint="--fail-on")
    date = parse_as_of(as_of)
    files: list[tuple[str | None, str]] = []
    for entry in corpus:
        name, sep, path = entry.partition("=")
        subject, path = (name, path) if sep and not Path(entry).exists() else (None, entry)
        if not Path(path).is_file():
            raise typer.BadParameter(f"no such file: {path}", param_hint="--corpus")
        files.append((subject, path))
    try:
        with tempfile.TemporaryDirectory(prefix="mcrules-diff-") as tmp:
            root = repo_root(repo)
            base_dir = materialise(base, root, Path(tmp) / "base", packs_path)
            head_dir = materialise(head, root, Path(tmp) / "head", packs_path)
            report = diff_folders(base_dir, head_dir, files, base_label=base, head_label=head,
                                  batch_size=batch_size, workers=workers, examples=examples,
                                  as_of=date)
    except McrulesError as exc:
        raise console.fail_input(exc) from None
    broken = report.violations(fail_on or [])
    if fmt == "json":
        doc = report.as_dict()
        doc["violations"] = broken
        data = orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY) + b"\n"
    else:
        data = render_diff_markdown(report.as_dict(), broken).encode()
    try:
        emit(data, output, option="--output")
    except McrulesError as exc:
        raise console.fail_input(exc) from None
    for line in broken:
        console.err.print(f"policy broken: {line}", markup=False)
    raise typer.Exit(EXIT_FAIL if broken else EXIT_OK)
