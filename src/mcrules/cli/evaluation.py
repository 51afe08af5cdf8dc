"""One evaluation for a command: its options as `mcrules.evaluate`'s arguments, its errors as
exit 2 naming the option, the report written in the format asked for, and the exit code.

`mcrules check` and its aliases (`check-site`, `assess`, `eligibility`, `casework check`,
`share`) all come through here, so a subject is read, dated, configured, rendered and judged
(exit 0 or 1) the same way whichever command names it.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from mcrules.cli import console
from mcrules.cli.console import EXIT_FAIL, EXIT_OK
from mcrules.errors import McrulesError
from mcrules.source import STDIN

if TYPE_CHECKING:
    from rich.console import Console

    from mcrules.engine.report import Report

#: `mcrules.evaluate`'s arguments as the options that give them, for messages.
OPTION_OF = {"as_of": "--as-of", "ruleset_hash": "--ruleset-hash", "packs": "--pack",
             "variants": "--variant", "parameters": "--set"}

#: How a domain part draws itself, by its key in the report: its text renderer (a rich console)
#: and its Markdown renderer, each "module:function" taking the part's `legacy()` data, or ""
#: when it has none. A report whose every part has a renderer for the format is drawn by them;
#: any other (a site, a staff action, a part without one) by the generic renderer of the report.
PART_RENDERERS: dict[str, tuple[str, str]] = {
    "assessment": ("mcrules.report.assessment:render_assessment_text",
                   "mcrules.report.assessment:render_assessment_markdown"),
    "eligibility": ("mcrules.report.eligibility:render_eligibility_text", ""),
    "casework": ("mcrules.report.casework:render_casework_text", ""),
    "sharing": ("mcrules.report.sharing:render_sharing_text", ""),
    "response": ("mcrules.report.casework:render_response_text", ""),
}
_TEXT, _MARKDOWN = 0, 1


def evaluate_file(subject: str, file: str, *, packs: Sequence[Any] | None = None,
                  variants: Sequence[str] = (), parameters: Mapping[str, Any] | None = None,
                  as_of: dt.date | None = None, strict: bool = False,
                  extras: Mapping[str, str] | None = None,
                  ruleset_hash: str | None = None) -> Report:
    """`mcrules.evaluate` on `file` (`-`: standard input) and the companion files `extras`
    (name to file); exit 2 naming the option at fault when it refuses them."""
    # From the module: once it is loaded, the attribute `mcrules.api.evaluate` is the module.
    from mcrules.api.evaluate import evaluate

    given = dict(extras or {})
    if [file, *given.values()].count(STDIN) > 1:
        raise typer.BadParameter("standard input can be read once: give `-` as one file only",
                                 param_hint="FILE")
    try:
        return evaluate(subject, file, packs=list(packs) if packs else None, as_of=as_of,
                        variants=tuple(variants), parameters=parameters or None,
                        extras=given or None, strict=strict, ruleset_hash=ruleset_hash)
    except McrulesError as exc:
        raise console.fail_input(_named_by_option(exc)) from None


def _named_by_option(exc: McrulesError) -> McrulesError:
    """An error about one of evaluate's arguments, named by the option that gave it."""
    if exc.path in OPTION_OF:
        exc.path = OPTION_OF[exc.path]
    elif exc.path and exc.path.startswith("extras."):
        exc.path = f"--with {exc.path.removeprefix('extras.')}"
    return exc


def inputs_of(report: Report, files: Sequence[str | Path | None]) -> tuple[Path, ...]:
    """Every file a command read, which `--out` must never overwrite: those it was given
    (standard input aside) and those a part read beside them (a site's layout file)."""
    named = [*files, *(f for part in report.attachments.values()
                       for f in getattr(part, "files", ()))]
    return tuple(Path(f) for f in named if f is not None and str(f) != STDIN)


def finish(report: Report, fmt: str, out: Path | None, *, inputs: tuple[Path, ...],
           strict: bool, legacy: str | None = None, show_all: bool = True) -> None:
    """Write the report in `fmt` to `out` (standard output when None) and exit with its answer:
    1 when it is no (`Report.failed`: a failing rule, a refusal; with `strict`, also an unknown
    or a waived failure), else 0. `legacy` names the part whose former JSON keys an alias adds to
    the envelope; `show_all=False` hides passes in the generic text."""
    from mcrules.cli.output import emit, plain_text

    if fmt == "text" and out is None:
        text_drawer(report, show_all)(console.out)
    else:
        data = json_of(report, legacy) if fmt == "json" else \
            plain_text(text_drawer(report, show_all)) if fmt == "text" else \
            _html(report).encode() if fmt == "html" else markdown_of(report).encode()
        try:
            emit(data, out, inputs=inputs)
        except McrulesError as exc:
            raise console.fail_input(exc) from None
    raise typer.Exit(EXIT_FAIL if report.failed(strict=strict) else EXIT_OK)


def json_of(report: Report, legacy: str | None = None) -> bytes:
    """The envelope (`Report.to_dict`) as deterministic JSON; with `legacy`, the keys that part
    printed before the envelope added over it, exactly as they were."""
    import orjson

    data = report.to_dict()
    if legacy is not None:
        data = {**data, **report.attachment(legacy).legacy()}
    return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def text_drawer(report: Report, show_all: bool = True) -> Callable[[Console], None]:
    """What draws `report` on a console: each part's own renderer, else the generic table."""
    drawers = _domain(report, _TEXT)
    if drawers is None:
        from mcrules.report import render_text

        return lambda c: render_text(report, c, show_all=show_all)

    def draw(c: Console) -> None:
        for render, data in drawers:
            render(data, c)

    return draw


def markdown_of(report: Report) -> str:
    """`report` as Markdown: each part's own renderer, else the generic one."""
    drawers = _domain(report, _MARKDOWN)
    if drawers is None:
        from mcrules.report import render_markdown

        return render_markdown(report)
    return "\n".join(render(data) for render, data in drawers)


def _domain(report: Report, which: int) -> list[tuple[Callable[..., Any], Any]] | None:
    """The renderer of each part with its data (the envelope with the part's former keys over
    it, what the alias prints as JSON), or None unless every part has one."""
    named: list[tuple[str, Any]] = [(PART_RENDERERS.get(key, ("", ""))[which], part)
                                    for key, part in report.attachments.items()]
    if not named or not all(target for target, _ in named):
        return None
    envelope = report.to_dict()
    return [(_resolve(target), {**envelope, **part.legacy()}) for target, part in named]


def _resolve(target: str) -> Callable[..., Any]:
    module, _, name = target.partition(":")
    found: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return found


def _html(report: Report) -> str:
    from mcrules.report import render_html

    return render_html(report)
