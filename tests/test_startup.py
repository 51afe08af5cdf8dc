"""`import mcrules` and `mcrules --help` stay light: heavy libraries load only when used.

Checked by which modules are imported, never by timing.
"""

from __future__ import annotations

import json
import subprocess
import sys

import mcrules

HEAVY = ("numpy", "pyarrow", "dask", "pint", "pydantic")


def _loaded_after(code: str) -> list[str]:
    probe = f"{code}\nimport sys, json\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return list(json.loads(out.stdout.strip().splitlines()[-1]))


def test_import_mcrules_loads_nothing_heavy() -> None:
    assert _loaded_after("import mcrules") == []


def test_the_cli_loads_nothing_heavy_to_show_help() -> None:
    code = ("from typer.testing import CliRunner\nfrom mcrules.cli.main import app\n"
            "assert CliRunner().invoke(app, ['--help']).exit_code == 0")
    assert _loaded_after(code) == []


def test_every_public_name_resolves() -> None:
    for name in mcrules.__all__:
        assert getattr(mcrules, name) is not None


def test_all_lists_exactly_the_lazy_exports() -> None:
    assert set(mcrules.__all__) == {*mcrules._EXPORTS, "__version__"}
