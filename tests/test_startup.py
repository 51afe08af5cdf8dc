"""`import mcrules` and `mcrules --help` stay light: heavy libraries load only when used.

Checked by which modules are imported, never by timing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import mcrules
from tests.conftest import ROOT

HEAVY = ("numpy", "pyarrow", "dask", "pint", "pydantic", "shapely", "pyproj", "scipy",
         "highspy")
GEO = ("shapely", "pyproj")


def _loaded_after(code: str, watched: tuple[str, ...] = HEAVY) -> list[str]:
    probe = f"{code}\nimport sys, json\nprint(json.dumps([m for m in {watched!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return list(json.loads(out.stdout.strip().splitlines()[-1]))


def test_import_mcrules_loads_nothing_heavy() -> None:
    assert _loaded_after("import mcrules") == []


def test_the_cli_loads_nothing_heavy_to_show_help() -> None:
    code = ("from typer.testing import CliRunner\nfrom mcrules.cli.main import app\n"
            "assert CliRunner().invoke(app, ['--help']).exit_code == 0")
    assert _loaded_after(code) == []


def test_checking_a_site_without_a_layout_and_bulk_never_load_the_geometry_libraries(
        tmp_path: Path) -> None:
    """shapely and pyproj (the geo extra) load only for a site file with a layout."""
    rows = tmp_path / "sites.csv"
    rows.write_text("name,population.female,toilets.female\na,20,1\nb,40,1\n")
    example = str(ROOT / "examples" / "transit-centre.yaml")
    code = ("from typer.testing import CliRunner\nfrom mcrules.cli.main import app\n"
            f"r = CliRunner().invoke(app, ['check-site', {example!r}])\n"
            "assert r.exit_code == 1, r.output\n"
            f"r = CliRunner().invoke(app, ['bulk', {str(rows)!r}, '--out', {str(tmp_path / 'o.csv')!r}])\n"
            "assert r.exit_code in (0, 1), r.output\n")
    assert _loaded_after(code, GEO) == []


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
