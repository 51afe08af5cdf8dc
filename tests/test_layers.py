"""Imports point down only: each layer imports what DESIGN.md's layer table allows, at module
level or inside functions (imports needed only for type checking are exempt).

Every package under src/mcrules (a top-level module or folder of Python) must be listed here, so a
new layer cannot slip past unchecked; `from mcrules import X` counts as importing the module the
package's `__init__` maps X to; relative imports are refused, because they hide the layer they
reach into.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "mcrules"
# limits: the bounds on untrusted input (docs/limits.md); printable: user text made safe to print;
# source: the one reader of input files (a path or `-`, bounded before parsing);
# citation_text: the one rendering of a citation's reference, shared by the IR and the renderers;
# clock: the one reading of the date and time (who may call it is tests/test_clock.py's rule:
# the API, the commands, the service and the use cases bulk and testing, never the layers below)
BASE = {"errors", "located", "limits", "printable", "source", "citation_text", "clock"}
DOMAINS = {"site", "assessment", "casework", "sharing", "eligibility"}
BELOW_USE_CASES = {"engine", "rules", "subjects", "facts", "models", "units", "io", "report",
                   *DOMAINS}
ALLOWED: dict[str, set[str]] = {
    "units": set(),
    "models": {"units"},
    "rules": {"units"},
    "facts": {"rules", "models", "units"},
    "subjects": {"facts", "rules", "models", "units"},
    "engine": {"rules", "units"},
    "io": {"subjects", "facts", "models", "units"},
    "report": {"engine", "models"},
    **{d: {"engine", "rules", "subjects", "facts", "models", "units"} for d in DOMAINS},
    "bulk": set(BELOW_USE_CASES),
    "testing": set(BELOW_USE_CASES),
}
# The one API and the package's own facade (`mcrules/__init__.py`) sit above the use cases; the
# commands and the HTTP service above them.
ALLOWED["api"] = set(ALLOWED)
ALLOWED["__init__"] = set(ALLOWED)
# The HTTP service uses everything below the commands; a command may start it (`mcrules serve`).
ALLOWED["service"] = set(ALLOWED)
ALLOWED["cli"] = set(ALLOWED)
# The base modules sit below everything: they may use each other only.
ALLOWED |= {b: set() for b in BASE}
# Folders under src/mcrules that hold no Python (the packs are YAML, linked from rules/).
DATA = {"packs"}


def _layer(path: Path, root: Path = SRC) -> str:
    rel = path.relative_to(root)
    return rel.parts[0].removesuffix(".py")


def packages(root: Path) -> set[str]:
    """The layers under `root`: each top-level module, and each folder holding Python."""
    out = set()
    for child in root.iterdir():
        if child.is_file() and child.suffix == ".py":
            out.add(child.stem)
        elif child.is_dir() and child.name not in DATA and next(child.rglob("*.py"), None):
            out.add(child.name)
    return out


def facade_exports(init: Path = SRC / "__init__.py") -> dict[str, str]:
    """What `from mcrules import X` loads: `X` to its module, read from the facade's `_EXPORTS`."""
    tree = ast.parse(init.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "_EXPORTS" for t in node.targets):
            value = ast.literal_eval(node.value)
            assert isinstance(value, dict)
            return value
    raise AssertionError(f"{init} has no _EXPORTS mapping")


def facade_names(init: Path = SRC / "__init__.py") -> set[str]:
    """Names the facade defines itself (like `__version__`): importing them loads no layer."""
    tree = ast.parse(init.read_text())
    return {t.id for node in tree.body if isinstance(node, ast.Assign)
            for t in node.targets if isinstance(t, ast.Name)}


def imports(source: str, *, exports: dict[str, str], own: set[str],
            layers: set[str]) -> tuple[set[str], list[str]]:
    """The layers `source` imports (type-checking-only imports exempt), and its problems: relative
    imports, and names imported from the package that the facade does not define."""
    tree = ast.parse(source)
    exempt: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            exempt |= {id(n) for n in ast.walk(node)}
    out: set[str] = set()
    problems: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            problems.append(f"line {node.lineno}: relative import "
                            f"`from {'.' * node.level}{node.module or ''} import ...`")
            continue
        if id(node) in exempt:
            continue
        if isinstance(node, ast.ImportFrom) and node.module == "mcrules":
            for alias in node.names:
                if alias.name in layers:
                    out.add(alias.name)
                elif alias.name in exports:
                    out.add(exports[alias.name].split(".")[1])
                elif alias.name not in own:
                    problems.append(f"line {node.lineno}: `from mcrules import {alias.name}` "
                                    "names nothing the package exports")
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("mcrules."):
            out.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            out |= {a.name.split(".")[1] for a in node.names if a.name.startswith("mcrules.")}
    return out, problems


def violations(layer: str, source: str, *, exports: dict[str, str] | None = None,
               own: set[str] | None = None, layers: set[str] | None = None) -> list[str]:
    """Why `source`, a module of `layer`, breaks the layering (empty when it does not)."""
    exports = facade_exports() if exports is None else exports
    own = facade_names() if own is None else own
    layers = packages(SRC) if layers is None else layers
    if layer not in ALLOWED:
        return [f"layer {layer!r} is not listed in tests/test_layers.py ALLOWED"]
    found, problems = imports(source, exports=exports, own=own, layers=layers)
    bad = found - ALLOWED[layer] - BASE - {layer}
    if bad:
        problems.append(f"imports {sorted(bad)}")
    return problems


FILES = sorted(SRC.rglob("*.py"))


def test_every_package_is_a_listed_layer() -> None:
    unlisted = packages(SRC) - set(ALLOWED) - BASE
    assert not unlisted, f"list these in tests/test_layers.py ALLOWED or BASE: {sorted(unlisted)}"


def test_the_layers_this_test_knows_are_real() -> None:
    # `service` is the HTTP service of DESIGN.md's table, listed before its folder exists.
    stale = set(ALLOWED) - packages(SRC) - {"service"}
    assert not stale, f"listed in ALLOWED but not under src/mcrules: {sorted(stale)}"


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(SRC)) for p in FILES])
def test_imports_point_down(path: Path) -> None:
    problems = violations(_layer(path), path.read_text())
    assert not problems, f"{path.relative_to(SRC)} ({_layer(path)}): {problems}"


# The checks themselves, on synthetic sources: each must catch what it is for.

def test_an_unlisted_package_is_caught(tmp_path: Path) -> None:
    root = tmp_path / "mcrules"
    for rel in ("__init__.py", "engine/__init__.py", "newlayer/thing.py", "lonely.py",
                "packs/pack.yaml", "notes/readme.md"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("")
    assert packages(root) == {"__init__", "engine", "newlayer", "lonely"}
    assert packages(root) - set(ALLOWED) - BASE == {"newlayer", "lonely"}
    assert violations("newlayer", "x = 1\n") == [
        "layer 'newlayer' is not listed in tests/test_layers.py ALLOWED"]


def test_an_upward_import_is_caught() -> None:
    assert violations("engine", "from mcrules.site.check import check_site\n") == [
        "imports ['site']"]
    assert violations("engine", "import mcrules.cli.main\n") == ["imports ['cli']"]
    assert violations("engine", "def f():\n    from mcrules.io import tables\n") == [
        "imports ['io']"]
    assert violations("engine", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                "    from mcrules.site.check import check_site\n") == []


def test_a_package_level_import_counts_as_the_module_it_loads() -> None:
    exports = facade_exports()
    assert exports["load_site_pack"] == "mcrules.site.check"
    assert violations("engine", "from mcrules import load_site_pack\n") == ["imports ['site']"]
    # check_site is the API's wrapper (api/wrappers.py): importing it below the API reaches up
    assert exports["check_site"] == "mcrules.api.wrappers"
    assert violations("site", "from mcrules import check_site\n") == ["imports ['api']"]
    assert violations("rules", "def f():\n    from mcrules import evaluate\n") == [
        "imports ['api']"]
    assert violations("engine", "from mcrules import cli\n") == ["imports ['cli']"]
    assert violations("engine", "from mcrules import __version__\n") == []
    assert violations("site", "from mcrules import load_site_pack\n") == []
    assert violations("engine", "from mcrules import no_such_name\n") == [
        "line 1: `from mcrules import no_such_name` names nothing the package exports"]


@pytest.mark.parametrize("source", ["from . import semantics\n", "from .semantics import TOL\n",
                                    "from ..rules.ir import Expr\n",
                                    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                    "    from .scalar import ScalarEvaluator\n"])
def test_a_relative_import_is_refused(source: str) -> None:
    problems = violations("engine", source)
    assert len(problems) == 1 and "relative import" in problems[0]


def test_the_facade_and_the_front_doors_are_checked_too() -> None:
    assert {"__init__", "api", "cli"} <= {_layer(p) for p in FILES}
    assert violations("api", "from mcrules.cli.main import app\n") == ["imports ['cli']"]
    assert violations("api", "from mcrules.service.app import app\n") == ["imports ['service']"]
    assert violations("service", "from mcrules.cli.main import app\n") == ["imports ['cli']"]
    assert violations("cli", "from mcrules.api.evaluate import evaluate\n") == []
    assert violations("cli", "from mcrules.service.app import create_app\n") == []
    assert violations("bulk", "from mcrules.api.evaluate import evaluate\n") == ["imports ['api']"]
