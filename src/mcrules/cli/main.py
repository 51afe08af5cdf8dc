"""`mcrules` commands. No logic lives here: each command calls the API and renders its result.

Exit codes (docs/exit-codes.md): 0 the answer is yes or not yet known; 1 it is no (a rule fails
unwaived, an event or a sharing request is refused; with --strict, also an unknown verdict or a
waived failure); 2 invalid input, a bad pack, or a usage error; 3 an internal error (a bug),
reported in one line, with the traceback only under --debug; 141 the reader closed the pipe.
Under --format json, codes 2 and 3 print a JSON error object on stdout instead.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer._click.core import Context
from typer._click.exceptions import UsageError
from typer.core import TyperGroup
from typer.exceptions import TyperException

from mcrules.cli import console
from mcrules.cli.aggregate_cmd import aggregate_cmd
from mcrules.cli.assess_cmd import assess_cmd
from mcrules.cli.bulk_cmd import bulk_cmd
from mcrules.cli.casework_cmd import casework_app
from mcrules.cli.check_cmd import check_cmd
from mcrules.cli.check_options import OutOpt, StrictOpt, WithOpt, format_option, parse_with
from mcrules.cli.console import EXIT_FAIL, EXIT_INVALID, EXIT_OK, safe
from mcrules.cli.diff_cmd import diff_cmd
from mcrules.cli.eligibility_cmd import eligibility_cmd
from mcrules.cli.evaluation import evaluate_file, finish, inputs_of
from mcrules.cli.lint_cmd import lint_cmd
from mcrules.cli.pack_options import (
    AsOfOpt,
    PackOpt,
    RulesetHashOpt,
    SetOpt,
    VariantOpt,
    load_packs,
    parse_as_of,
    parse_sets,
)
from mcrules.cli.serve_cmd import serve_cmd
from mcrules.cli.share_cmd import share_cmd
from mcrules.cli.test_cmd import test_cmd
from mcrules.errors import McrulesError
from mcrules.printable import printable


class _Commands(TyperGroup):
    """Every command runs inside this: an error of ours that a command did not catch is invalid
    input (exit 2); any other exception is a bug (exit 3), never a traceback with exit 1."""

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise console.closed_pipe() from None  # the reader went away: exit 141, no report
        except UsageError as exc:
            if console.error_format != "json":
                raise  # click prints it with the usage line: exit 2
            raise console.fail_usage(exc) from None
        except (typer.Exit, typer.Abort, TyperException, KeyboardInterrupt, SystemExit):
            raise  # exit codes, usage errors (exit 2) and Ctrl-C (exit 130) as typer gives them
        except McrulesError as exc:
            raise console.fail_input(exc) from None
        except Exception as exc:
            raise console.fail_internal(exc) from None


SITE_FORMATS = ("text", "json", "markdown", "html")

app = typer.Typer(
    cls=_Commands,
    name="mcrules",
    help="Check migrant-centre sites against cited rules from the IOM Migrant Centres Toolkit.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
rules_app = typer.Typer(help="List and explain the rules of a pack.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
app.add_typer(casework_app, name="casework")
app.command("bulk")(bulk_cmd)
app.command("lint")(lint_cmd)
app.command("test")(test_cmd)
app.command("diff")(diff_cmd)
app.command("share")(share_cmd)
app.command("aggregate")(aggregate_cmd)
app.command("assess")(assess_cmd)
app.command("eligibility")(eligibility_cmd)
app.command("check")(check_cmd)
app.command("serve")(serve_cmd)


def _print_version(value: bool) -> None:
    if value:
        from mcrules import __version__

        sys.stdout.write(__version__ + "\n")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _setup(debug: Annotated[bool, typer.Option(
        "--debug", help="On an internal error (exit 3), also print its traceback.")] = False,
        version: Annotated[bool, typer.Option(
            "--version", help="Print the mcrules version and exit.", is_eager=True,
            callback=_print_version)] = False,
) -> None:
    """Bind the consoles to the streams and width in force when the command runs."""
    console.debug = debug
    console.error_format = "text"  # until a command's --format says otherwise
    console.bind()


@app.command("check-site")
def check_site_cmd(
    file: Annotated[str, typer.Argument(
        help="Site file, YAML or JSON, with an optional layout (docs/geometry.md); `-` reads "
        "standard input.", show_default=False)],
    pack: PackOpt = None,
    fmt: Annotated[str, format_option(SITE_FORMATS)] = "text",
    out: OutOpt = None,
    strict: StrictOpt = False,
    ruleset_hash: RulesetHashOpt = None,
    variant: VariantOpt = None,
    set_: SetOpt = None,
    as_of: AsOfOpt = None,
    failures_only: Annotated[bool, typer.Option(
        "--failures-only", help="Text format: hide passes and rules that do not apply.")] = False,
    waivers: Annotated[str | None, typer.Option(
        "--waivers", help="A file of approved waivers: the failures they cover are reported as "
        "waived (exit 0 unless --strict). The same as --with waivers=FILE.")] = None,
    with_: WithOpt = None,
) -> None:
    """Check a site layout against the packs' rules and say what to change; with several
    packs, compare them side by side. The same as `mcrules check site FILE`."""
    from mcrules.site import SITE

    date = parse_as_of(as_of)
    params = parse_sets(set_ or [])
    extras = parse_with([*([f"waivers={waivers}"] if waivers is not None else []), *(with_ or [])],
                        SITE.extra)
    report = evaluate_file(SITE.name, file, ruleset_hash=ruleset_hash, packs=pack, variants=variant or (),
                           parameters=params, as_of=date, strict=strict, extras=extras)
    finish(report, fmt, out, inputs=inputs_of(report, [file, *extras.values()]), strict=strict,
           show_all=not failures_only)


@rules_app.command("list")
def rules_list(pack: PackOpt = None) -> None:
    """List every rule: id, severity, title; then the packs' ruleset hash, to pin them with."""
    from rich.table import Table

    from mcrules.rules.pin import ruleset_hash_of

    packs = load_packs(pack, any_subject=True)
    for p in packs:
        table = Table(title=safe(f"{p.id} {p.version}: {p.title}"), title_justify="left")
        table.add_column("rule")
        table.add_column("severity")
        table.add_column("title")
        for r in p.rules:
            table.add_row(safe(r.id), r.severity.value, safe(r.title))
        for v in p.values:
            table.add_row(safe(v.id), "value", safe(v.title))
        for d in p.decisions:
            table.add_row(safe(d.id), "decision", safe(d.title))
        console.out.print(table)
    found = ruleset_hash_of(packs)
    console.out.print(f"ruleset hash {found}: pin these packs, unconfigured, with "
                      f"--ruleset-hash {found}", markup=False, soft_wrap=True)


@rules_app.command("show")
def rules_show(
    rule_id: Annotated[str, typer.Argument(help="Rule id, e.g. mct.wash.toilets.female.")],
    pack: PackOpt = None,
) -> None:
    """Show a rule, value or decision table: its check, parameters, sources, disagreements."""
    from mcrules.clock import today
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
        p = p.on_date(today())  # the values in force today, as "(in force today)" marks them
        rule = p.rule(rule_id)
    except McrulesError as exc:
        raise console.fail_input(exc) from None
    console.out.print(f"[bold]{safe(rule.id)}[/]  ({rule.severity.value})  {safe(rule.title)}")
    if rule.description:
        console.out.print(printable(rule.description.strip()), markup=False)
    console.out.print()
    if rule.each:
        console.out.print(f"[bold]for each[/] {safe(rule.each)}", markup=True)
    if rule.applies_if_text:
        console.out.print("[bold]applies if[/] " + safe(rule.applies_if_text))
    console.out.print("[bold]check[/]      " + safe(rule.check_text))
    if rule.requirement:
        console.out.print("[bold]requirement[/] " + safe(rule.requirement))
    console.out.print(f"[bold]rule hash[/]  {p.rule_hashes[rule.id]}  [dim](record it in a waiver)[/]")

    for name in rule.params:
        param = p.parameters[name]
        console.out.print(f"[bold]parameter[/]  {safe(name)} = {safe(p.describe_parameter(name))}"
                          + (f"  ({safe(param.description)})" if param.description else ""))
        if param.bounds_text():
            console.out.print(printable(f"             valid: {param.bounds_text()}"), markup=False)
        since = param.in_force_since(today())
        for start, value in param.dated_values:
            console.out.print(printable(f"             from {start.isoformat()}: {param.text(value)}"
                                        + ("  (in force today)" if start == since else "")),
                              markup=False)
    console.out.print()
    console.out.print("[bold]Sources[/]")
    for c in rule.citations:
        console.out.print(printable(f"  {c.reference()}"), markup=False)
        console.out.print(printable(f"    “{c.quote}”"), markup=False)
    for name in rule.params:
        for c in p.parameters[name].citations:
            console.out.print(printable(f"  [{name}] {c.reference()}"), markup=False)
            console.out.print(printable(f"    “{c.quote}”"), markup=False)
    if rule.disagreements:
        console.out.print()
        console.out.print("[bold]Where the sources disagree[/]")
        for d in rule.disagreements:
            console.out.print(printable(f"  {d.topic}"), markup=False)
            console.out.print(printable(f"    default:     {' '.join(d.default.split())}"),
                              markup=False)
            console.out.print(printable(f"    alternative: {' '.join(d.alternative.split())}"),
                              markup=False)
            if d.variant:
                console.out.print(printable(f"    select it with: --variant {d.variant}"),
                                  markup=False)
    console.out.print()
    console.out.print(f"[dim]defined at {safe(rule.source)}[/]")


@rules_app.command("variants")
def rules_variants(pack: PackOpt = None) -> None:
    """List the named variants of a pack: the other readings of disputed sources."""
    for p in load_packs(pack, any_subject=True):
        for v in p.variants.values():
            console.out.print(f"[bold]{safe(v.id)}[/]  ({safe(p.id)})")
            console.out.print(printable("  " + " ".join(v.description.split())), markup=False)
            for name, value in v.parameters.items():
                console.out.print(printable(f"  sets {name} = {value}"), markup=False)
            for rid, sev in v.severities.items():
                console.out.print(printable(f"  makes {rid} {sev.value}"), markup=False)


@app.command("schema")
def schema_cmd(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write into.")] = Path("schemas"),
    check: Annotated[bool, typer.Option(
        "--check", help="Write nothing; exit 1 if the files are not current.")] = False,
) -> None:
    """Export the JSON Schemas of every subject's file (site, case, case-history,
    sharing-request, ...), of the companion files (waivers) and of the JSON report
    (report.schema.json)."""
    from mcrules.api.schemas import export, stale
    from mcrules.cli.output import emit

    if check:
        bad = stale(out_dir)
        for path in bad:
            console.err.print(f"stale: {path} (run `mcrules schema --out {out_dir}`)", markup=False)
        raise typer.Exit(EXIT_FAIL if bad else EXIT_OK)
    try:
        try:
            written = export(out_dir, lambda data, path: emit(data, path))
        except OSError as exc:  # the folder cannot be made: a file stands where it should be
            raise McrulesError(f"cannot write: {exc.strerror or exc}",
                               path=f"--out {out_dir}") from None
    except McrulesError as exc:
        raise console.fail_input(exc) from None
    for path in written:
        console.out.print(f"wrote {path}", markup=False)


@app.command("version")
def version_cmd() -> None:
    """Print the mcrules version."""
    from mcrules import __version__

    console.out.print(__version__)


def main() -> None:
    """Entry point of the `mcrules` script. `_Commands` maps errors to exit codes inside every
    command; this is the last guard, for anything raised outside one."""
    try:
        app()
    except SystemExit as exc:
        if console.broke_pipe(exc):  # rich or click met the closed pipe (help, a table): exit 1
            sys.exit(console.closed_pipe().exit_code)
        raise
    except McrulesError as exc:  # pragma: no cover - commands catch their own
        console.err.print(f"error: {printable(str(exc))}", markup=False)
        sys.exit(EXIT_INVALID)
    except Exception as exc:  # pragma: no cover - _Commands catches these inside a command
        sys.exit(console.fail_internal(exc).exit_code)


if __name__ == "__main__":  # `python -m mcrules.cli.main ...` runs the CLI, as the script does
    main()
