"""docs/eligibility.md shows real runs: every `$ mcrules eligibility FILE ...` block in it, run
again, prints what the page shows (each shown piece verbatim; `…` marks what the page left out).
A refusal reworded in the pack without the page following fails here."""

from __future__ import annotations

import re
import shlex

import pytest
from typer.testing import CliRunner

from mcrules.cli.main import app
from tests.conftest import ROOT

PAGE = ROOT / "docs" / "eligibility.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.M | re.S)


def _runs() -> list[tuple[str, str]]:
    """(command, what the page shows it printing) for every plain text run on the page."""
    runs = []
    for lang, block in FENCE.findall(PAGE.read_text(encoding="utf-8")):
        if lang:
            continue
        for chunk in re.split(r"^(?=\$ )", block, flags=re.M):
            first, _, shown = chunk.partition("\n")
            if (first.startswith("$ mcrules eligibility examples/") and "|" not in first
                    and "--format" not in first):
                runs.append((first[2:], shown))
    return runs


RUNS = _runs()


def test_the_page_shows_the_new_refusals() -> None:
    commands = {c for c, _ in RUNS}
    assert "mcrules eligibility examples/eligibility/protection-need-no-claim.yaml" in commands
    assert "mcrules eligibility examples/eligibility/unaccompanied-child-no-guardian.yaml" in commands
    assert len(RUNS) >= 10


@pytest.mark.parametrize(("command", "shown"), RUNS, ids=[c for c, _ in RUNS])
def test_each_run_on_the_page_prints_what_the_page_shows(command: str, shown: str) -> None:
    args = shlex.split(command)[1:]
    args[1] = str(ROOT / args[1])
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    refused = shown.startswith("error:")  # the page's invalid-input examples exit 2
    # 1 when a service is not eligible: the answer no (docs/exit-codes.md)
    answer = 1 if "NOT ELIGIBLE" in result.stdout else 0
    assert result.exit_code == (2 if refused else answer), result.output
    out = (result.stderr if refused else result.stdout).replace(str(ROOT) + "/", "")
    for piece in re.split(r"^.*….*\n", shown, flags=re.M):
        for part in piece.strip("\n").split("\n\n"):
            assert part in out, part
