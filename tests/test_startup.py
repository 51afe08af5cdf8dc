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


def test_the_cli_modules_import_each_other_without_a_loop() -> None:
    """Every import between `mcrules.cli` modules, even inside a function, points one way."""
    import ast
    from pathlib import Path

    folder = Path(mcrules.__file__).parent / "cli"
    graph: dict[str, set[str]] = {}
    for f in folder.glob("*.py"):
        deps: set[str] = set()
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "mcrules.cli":
                deps |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mcrules.cli."):
                deps.add(node.module.rsplit(".", 1)[1])  # type: ignore[union-attr]
            elif isinstance(node, ast.Import):
                deps |= {a.name.rsplit(".", 1)[1] for a in node.names
                         if a.name.startswith("mcrules.cli.")}
        graph[f.stem] = deps

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for dep in graph.get(start, ()):
            if dep == goal or (dep not in seen and reaches(dep, goal, seen | {dep})):
                return True
        return False

    assert [m for m in graph if reaches(m, m, set())] == []
