"""`mcrules aggregate INPUT --by sex,age_group`: a count table of case records (CSV, JSON Lines or
Parquet, streamed in batches) with small cells and their complements suppressed, and the audit.

The output (standard output or `--out`) is the release: cells and counts only. Why each cell is
suppressed goes to `--audit FILE`, never to the release.

Exit codes: 0 the table is protected; 1 the audit could not protect every primary cell (then no
release is written, in any format);
2 invalid input or arguments (a table larger than the cell limit among them).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer

from mcrules.cli import console
from mcrules.cli.check_options import format_option
from mcrules.cli.console import EXIT_FAIL, EXIT_OK
from mcrules.cli.pack_options import RulesetHashOpt, SetOpt, parse_sets, refuse_ruleset
from mcrules.errors import McrulesError

FORMATS = ("text", "json", "csv")
REJECTS_SHOWN = 5


def _same_file(a: Path, b: Path) -> bool:
    with contextlib.suppress(OSError):
        return a.resolve() == b.resolve()
    return a == b


def aggregate_cmd(
    input_path: Annotated[Path, typer.Argument(help="Case records: .csv, .jsonl or .parquet.",
                                               show_default=False)],
    by: Annotated[str, typer.Option("--by", help="Breakdowns, comma-separated: sex,age_group.")],
    fmt: Annotated[str, format_option(FORMATS)] = "text",
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Write the release to this file instead of standard output.",
        show_default=False)] = None,
    audit: Annotated[Path | None, typer.Option(
        "--audit", help="Write the audit (why each cell is suppressed, what an attacker can "
        "infer) to this JSON file. Never publish it.", show_default=False)] = None,
    pack: Annotated[str | None, typer.Option(
        "--pack", "-p", help="Data-sharing pack id or folder (default data-sharing-2023), "
        "optionally pinned: data-sharing-2023@2023.1.0.")] = None,
    set_: SetOpt = None,
    ruleset_hash: RulesetHashOpt = None,
) -> None:
    """Count case records by the breakdowns, safe to share: cells below k suppressed, audited."""
    from mcrules.cli.output import emit, plain_text
    from mcrules.io.tables import JSON_METADATA_KEY, ROW_ERROR_COLUMN, TableSource, is_row_error_field
    from mcrules.report.aggregate import (
        render_audit_json,
        render_release_csv,
        render_release_json,
        render_release_text,
    )
    from mcrules.sharing.aggregate import aggregate, thresholds
    from mcrules.sharing.decide import load_sharing_pack
    from mcrules.sharing.disclosure import CountAccumulator, DisclosureError

    if audit is not None and out is not None and _same_file(audit, out):
        raise typer.BadParameter("is the release's --out file: the audit is never the release",
                                 param_hint="--audit")
    if audit is not None and _same_file(audit, input_path):
        raise typer.BadParameter("is the input file; name another file", param_hint="--audit")
    names = [b.strip() for b in by.split(",")]
    try:
        chosen = load_sharing_pack(pack or "data-sharing-2023", parameters=parse_sets(set_ or []))
        refuse_ruleset([chosen], ruleset_hash)
        thresholds(chosen)   # a bad k is exit 2 before anything is read
        acc = CountAccumulator(names)
        source = TableSource(input_path)
        # A JSON Lines row is its own schema: a key first written after the first batch is a
        # column of the file all the same (rows before it lack the value and are skipped).
        seen: set[str] = set()
        file_columns: set[str] = set()
        for batch in source:
            schema = batch.schema
            errors = None
            columns = {}
            as_json = []
            for i, fld in enumerate(schema):
                if fld.name == ROW_ERROR_COLUMN and is_row_error_field(fld):
                    errors = batch.column(i).to_pylist()
                elif fld.name in acc.by:
                    if fld.name in columns:   # which of the two to count is anyone's guess
                        raise DisclosureError(f"the file has two columns named {fld.name!r} "
                                              "(a breakdown named twice): rename one",
                                              path="--by")
                    columns[fld.name] = batch.column(i).to_pylist()
                    if fld.metadata and fld.metadata.get(JSON_METADATA_KEY):
                        as_json.append(fld.name)
            seen.update(columns)
            file_columns.update(n for n in schema.names if n != ROW_ERROR_COLUMN)
            # a row the reader could not parse has no columns at all; a JSON Lines batch may
            # lack a key the file's later rows have
            if errors is not None or source.format == "jsonl":
                for name in acc.by:
                    columns.setdefault(name, [None] * batch.num_rows)
            acc.add_columns(columns, batch.num_rows, json_text=as_json, errors=errors,
                            names=[n for n in schema.names if n != ROW_ERROR_COLUMN])
        never = [b for b in acc.by if b not in seen]
        if never and file_columns:
            raise DisclosureError(f"no column {never[0]!r} to break down by (columns: "
                                  f"{', '.join(sorted(file_columns))})", path="--by")
        table = aggregate(acc, names, pack=chosen)
    except McrulesError as exc:
        raise console.fail_input(exc) from None
    _warn_uncounted(acc)
    release = table.release()
    data = render_release_json(release) if fmt == "json" else \
        render_release_csv(release) if fmt == "csv" else None
    try:
        if audit is not None:
            emit(render_audit_json(table.audit()), audit, inputs=(input_path,), option="--audit",
                 private=True)
        if not table.protected:
            # Fail closed: an unprotected table is never written where it could be published
            # (a JSON or CSV release, or --out, carries no verdict of its own).
            console.err.print("[bold red]error:[/] the audit could not protect every small cell: "
                              "no release was written"
                              + (" (see the --audit file)" if audit is not None else ""))
            raise typer.Exit(EXIT_FAIL)
        if data is None and out is None:
            render_release_text(release, console.out, protected=table.protected)
        else:
            emit(data if data is not None else
                 plain_text(lambda c: render_release_text(release, c, protected=table.protected)), out,
                 inputs=(input_path, *((audit,) if audit is not None else ())))
    except McrulesError as exc:
        raise console.fail_input(exc) from None
    raise typer.Exit(EXIT_OK if table.protected else EXIT_FAIL)


def _warn_uncounted(acc: object) -> None:
    """Rows not in the table, on standard error (never in the release): rejected rows with their
    row numbers, and how many had no value for a breakdown."""
    rejects = getattr(acc, "rejects", [])
    skipped = getattr(acc, "skipped", 0)
    if rejects:
        shown = "; ".join(f"row {r.row}: {r.reason}" for r in rejects[:REJECTS_SHOWN])
        more = f" (and {len(rejects) - REJECTS_SHOWN} more; see --audit)" \
            if len(rejects) > REJECTS_SHOWN else ""
        console.err.print(f"[bold yellow]warning:[/] {len(rejects)} row(s) rejected and not "
                          f"counted: {console.safe(shown)}{more}")
    if skipped:
        console.err.print(f"[bold yellow]warning:[/] {skipped} row(s) without a value for a "
                          "breakdown were not counted")
