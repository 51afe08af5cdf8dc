"""`mcrules test PATH...`: run packs' YAML cases, report coverage, write JUnit XML for CI."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mcrules.cli import console
from mcrules.cli.console import EXIT_FAIL, EXIT_INVALID, EXIT_OK, safe
from mcrules.cli.output import emit
from mcrules.errors import McrulesError, RuleLoadError
from mcrules.printable import printable


def test_cmd(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Pack folders, folders of packs, or test files. Default: ./rules when it "
        "exists, else the installed packs.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every case.")] = False,
    coverage: Annotated[bool, typer.Option(
        "--coverage", help="List each rule, value or row with an outcome no case exercises.")]
        = False,
    min_coverage: Annotated[float | None, typer.Option(
        "--min-coverage", min=0, max=100,
        help="Fail (exit 1) if a pack's coverage, in percent, is below this.")] = None,
    junit: Annotated[Path | None, typer.Option(
        "--junit", help="Also write the results as JUnit XML to this file.")] = None,
) -> None:
    """Run the YAML test cases of rule packs; fail if a case fails or a rule has no case."""
    from mcrules.report.junit import JUnitCase, JUnitSuite, render_junit
    from mcrules.testing import default_pack_root, discover_packs, run_pack_tests

    targets = paths or [default_pack_root()]
    passed = failed = untested = 0
    below: list[str] = []
    suites: list[JUnitSuite] = []
    any_pack = False
    for target in targets:
        if not target.exists():
            console.err.print(f"[bold red]error:[/] no such path: {safe(target)}")
            raise typer.Exit(EXIT_INVALID)
        only = [target] if target.is_file() else None
        for pack_dir in discover_packs(target):
            any_pack = True
            try:
                report = run_pack_tests(pack_dir, only)
            except RuleLoadError as exc:
                raise console.fail_input(exc) from None
            junit_cases = []
            for case in report.cases:
                passed += case.ok
                junit_cases.append(JUnitCase(Path(case.file).name, case.name, case.problems,
                                             case.file, case.line))
                if not case.ok:
                    failed += 1
                    console.out.print(f"[red]FAIL[/] {safe(f'{case.file}:{case.line} {case.name}')}")
                    for prob in case.problems:
                        console.out.print(f"     {printable(str(prob))}", markup=False)
                elif verbose:
                    console.out.print(f"[green]ok[/]   {safe(f'{case.file}:{case.line} {case.name}')}")
            for rid in report.uncovered:
                untested += 1
                what = "decision-table row" if "#" in rid else "rule or value"
                console.out.print(f"[red]UNTESTED[/] {safe(report.pack)}: {what} {safe(rid)} has no "
                                  "test case",
                                  markup=True)
                junit_cases.append(JUnitCase("coverage", f"{rid} has a test case",
                                             (f"{what} {rid} has no test case",)))
            cov = report.coverage
            if cov is not None:
                (r, rn), (o, on), (w, wn) = cov.rules, cov.outcomes, cov.rows
                console.out.print(f"coverage {report.pack}: {cov.percent:.1f}% (rules {r}/{rn}, "
                                  f"outcomes {o}/{on}, decision rows {w}/{wn})", markup=False)
                if coverage:
                    for item in cov.items:
                        if item.missing and item.covered:
                            console.out.print(f"  PARTIAL {item.id}: no case gives "
                                              f"{', '.join(item.missing)}", markup=False)
                if min_coverage is not None and cov.percent < min_coverage:
                    below.append(f"{report.pack} {cov.percent:.1f}%")
            suites.append(JUnitSuite(report.pack, junit_cases))
    if not any_pack:
        console.err.print("[bold red]error:[/] no rule packs found")
        raise typer.Exit(EXIT_INVALID)
    if junit is not None:
        try:
            emit(render_junit(suites), junit, option="--junit")
        except McrulesError as exc:
            raise console.fail_input(exc) from None
    if untested:
        console.out.print(f"{untested} rule(s) have no test case")
    if below:
        console.out.print(f"coverage below {min_coverage:g}%: {', '.join(below)}")
    console.out.print(f"{passed} passed, {failed + untested} failed")
    raise typer.Exit(EXIT_FAIL if failed or untested or below else EXIT_OK)
