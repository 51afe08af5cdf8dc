"""`mcrules` commands. No logic lives here: each command calls the API and renders its result.

Exit codes: 0 nothing fails; 1 a rule fails (with --strict, also when one is unknown);
2 invalid input, a bad pack, or a usage error.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer

from mcrules.cli import console
from mcrules.cli.aggregate_cmd import aggregate_cmd
from mcrules.cli.assess_cmd import assess_cmd
from mcrules.cli.bulk_cmd import bulk_cmd
from mcrules.cli.console import EXIT_FAIL, EXIT_INVALID, EXIT_OK
from mcrules.cli.pack_options import PackOpt, SetOpt, VariantOpt, load_packs, parse_sets
from mcrules.cli.share_cmd import share_cmd
from mcrules.errors import McrulesError, RuleLoadError

app = typer.Typer(
    name="mcrules",
    help="Check migrant-centre sites against cited rules from the IOM Migrant Centres Toolkit.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
rules_app = typer.Typer(help="List and explain the rules of a pack.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
app.command("bulk")(bulk_cmd)
app.command("share")(share_cmd)
app.command("aggregate")(aggregate_cmd)
app.command("assess")(assess_cmd)


@app.callback()
def _setup() -> None:
    """Bind the consoles to the streams and width in force when the command runs."""
    console.bind()


@app.command("check-site")
def check_site_cmd(
    file: Annotated[Path, typer.Argument(help="Site file, YAML or JSON.", show_default=False)],
    pack: PackOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text, json or markdown.")] = "text",
    strict: Annotated[bool, typer.Option(
        "--strict", help="Unknown outcomes fail (exit 1) and unknown keys are errors.")] = False,
    variant: VariantOpt = None,
    set_: SetOpt = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Only rules in force on this date (YYYY-MM-DD).")] = None,
    failures_only: Annotated[bool, typer.Option(
        "--failures-only", help="Text format: hide passes and rules that do not apply.")] = False,
) -> None:
    """Check a site layout against the pack's rules and say what to change."""
    from mcrules.io import read_site
    from mcrules.report import FORMATS, render_json, render_markdown, render_text
    from mcrules.site import check_site

    if fmt not in FORMATS:
        raise typer.BadParameter(f"must be one of {', '.join(FORMATS)}", param_hint="--format")
    date = None
    if as_of:
        try:
            date = dt.date.fromisoformat(as_of)
        except ValueError:
            raise typer.BadParameter("expected YYYY-MM-DD", param_hint="--as-of") from None
    params = parse_sets(set_ or [])
    try:
        site, warnings = read_site(file, strict=strict)
    except McrulesError as exc:
        raise console.fail_input(exc) from None
    packs = load_packs(pack, variant, params, date)
    report = check_site(site, packs, source=str(file), warnings=warnings, as_of=date)
    if fmt == "json":
        sys.stdout.buffer.write(render_json(report))
        sys.stdout.flush()
    elif fmt == "markdown":
        console.out.print(render_markdown(report), markup=False, end="")
    else:
        render_text(report, console.out, show_all=not failures_only)
    raise typer.Exit(EXIT_FAIL if report.failed(strict=strict) else EXIT_OK)


@rules_app.command("list")
def rules_list(pack: PackOpt = None) -> None:
    """List every rule: id, severity, title."""
    from rich.table import Table

    for p in load_packs(pack, any_subject=True):
        table = Table(title=f"{p.id} {p.version}: {p.title}", title_justify="left")
        table.add_column("rule")
        table.add_column("severity")
        table.add_column("title")
        for r in p.rules:
            table.add_row(r.id, r.severity.value, r.title)
        for v in p.values:
            table.add_row(v.id, "value", v.title)
        for d in p.decisions:
            table.add_row(d.id, "decision", d.title)
        console.out.print(table, markup=False)


@rules_app.command("show")
def rules_show(
    rule_id: Annotated[str, typer.Argument(help="Rule id, e.g. mct.wash.toilets.female.")],
    pack: PackOpt = None,
) -> None:
    """Show a rule, value or decision table: its check, parameters, sources, disagreements."""
    from mcrules.report.pack_text import show_decision, show_value

    packs = load_packs(pack, any_subject=True)
    for q in packs:
        if any(v.id == rule_id for v in q.values):
            show_value(q.value(rule_id), console.out)
            return
        if any(d.id == rule_id for d in q.decisions):
            show_decision(q.decision(rule_id), console.out)
            return
    p = next((p for p in packs if any(r.id == rule_id for r in p.rules)), packs[-1])
    try:
        rule = p.rule(rule_id)
    except McrulesError as exc:
        raise console.fail_input(exc) from None
    console.out.print(f"[bold]{rule.id}[/]  ({rule.severity.value})  {rule.title}")
    if rule.description:
        console.out.print(rule.description.strip(), markup=False)
    console.out.print()
    if rule.each:
        console.out.print(f"[bold]for each[/] {rule.each}", markup=True)
    if rule.applies_if_text:
        console.out.print("[bold]applies if[/] " + rule.applies_if_text.replace("[", "\\["))
    console.out.print("[bold]check[/]      " + rule.check_text.replace("[", "\\["))
    from mcrules.rules.parameter_values import today

    for name in rule.params:
        param = p.parameters[name]
        console.out.print(f"[bold]parameter[/]  {name} = {p.describe_parameter(name)}"
                          + (f"  ({param.description})" if param.description else ""))
        if param.bounds_text():
            console.out.print(f"             valid: {param.bounds_text()}", markup=False)
        since = param.in_force_since(today())
        for start, value in param.dated_values:
            console.out.print(f"             from {start.isoformat()}: {param.text(value)}"
                              + ("  (in force today)" if start == since else ""), markup=False)
    console.out.print()
    console.out.print("[bold]Sources[/]")
    for c in rule.citations:
        console.out.print(f"  {c.reference()}", markup=False)
        console.out.print(f"    “{c.quote}”", markup=False)
    for name in rule.params:
        for c in p.parameters[name].citations:
            console.out.print(f"  [{name}] {c.reference()}", markup=False)
            console.out.print(f"    “{c.quote}”", markup=False)
    if rule.disagreements:
        console.out.print()
        console.out.print("[bold]Where the sources disagree[/]")
        for d in rule.disagreements:
            console.out.print(f"  {d.topic}", markup=False)
            console.out.print(f"    default:     {' '.join(d.default.split())}", markup=False)
            console.out.print(f"    alternative: {' '.join(d.alternative.split())}", markup=False)
            if d.variant:
                console.out.print(f"    select it with: --variant {d.variant}", markup=False)
    console.out.print()
    console.out.print(f"[dim]defined at {rule.source}[/]")


@rules_app.command("variants")
def rules_variants(pack: PackOpt = None) -> None:
    """List the named variants of a pack: the other readings of disputed sources."""
    for p in load_packs(pack, any_subject=True):
        for v in p.variants.values():
            console.out.print(f"[bold]{v.id}[/]  ({p.id})")
            console.out.print("  " + " ".join(v.description.split()), markup=False)
            for name, value in v.parameters.items():
                console.out.print(f"  sets {name} = {value}", markup=False)
            for rid, sev in v.severities.items():
                console.out.print(f"  makes {rid} {sev.value}", markup=False)


@app.command("test")
def test_cmd(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Pack folders, folders of packs, or test files. Default: rules/.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every case.")] = False,
) -> None:
    """Run the YAML test cases of rule packs; fail if a case fails or a rule has no case."""
    from mcrules.testing import discover_packs, run_pack_tests

    targets = paths or [Path("rules")]
    passed = failed = untested = 0
    any_pack = False
    for target in targets:
        if not target.exists():
            console.err.print(f"[bold red]error:[/] no such path: {target}")
            raise typer.Exit(EXIT_INVALID)
        only = [target] if target.is_file() else None
        for pack_dir in discover_packs(target):
            any_pack = True
            try:
                report = run_pack_tests(pack_dir, only)
            except RuleLoadError as exc:
                raise console.fail_input(exc) from None
            for case in report.cases:
                passed += case.ok
                if not case.ok:
                    failed += 1
                    console.out.print(f"[red]FAIL[/] {case.file}:{case.line} {case.name}", markup=True)
                    for prob in case.problems:
                        console.out.print(f"     {prob}", markup=False)
                elif verbose:
                    console.out.print(f"[green]ok[/]   {case.file}:{case.line} {case.name}")
            for rid in report.uncovered:
                untested += 1
                what = "decision-table row" if "#" in rid else "rule or value"
                console.out.print(f"[red]UNTESTED[/] {report.pack}: {what} {rid} has no test case",
                                  markup=True)
    if not any_pack:
        console.err.print("[bold red]error:[/] no rule packs found")
        raise typer.Exit(EXIT_INVALID)
    if untested:
        console.out.print(f"{untested} rule(s) have no test case")
    console.out.print(f"{passed} passed, {failed + untested} failed")
    raise typer.Exit(EXIT_FAIL if failed or untested else EXIT_OK)


@app.command("schema")
def schema_cmd(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write into.")] = Path("schemas"),
    check: Annotated[bool, typer.Option(
        "--check", help="Write nothing; exit 1 if the files are not current.")] = False,
) -> None:
    """Export the JSON Schema of site files (schemas/site.schema.json)."""
    from mcrules.models.schema_export import export, stale

    if check:
        bad = stale(out_dir)
        for path in bad:
            console.err.print(f"stale: {path} (run `mcrules schema --out {out_dir}`)")
        raise typer.Exit(EXIT_FAIL if bad else EXIT_OK)
    for path in export(out_dir):
        console.out.print(f"wrote {path}")


@app.command("version")
def version_cmd() -> None:
    """Print the mcrules version."""
    from mcrules import __version__

    console.out.print(__version__)


def main() -> None:
    """Entry point of the `mcrules` script."""
    try:
        app()
    except McrulesError as exc:  # pragma: no cover - commands catch their own
        console.err.print(f"error: {exc}", markup=False)
        sys.exit(EXIT_INVALID)
