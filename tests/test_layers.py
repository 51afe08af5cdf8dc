"""Imports point down only: each layer imports what DESIGN.md's layer table allows, at module
level or inside functions (imports needed only for type checking are exempt)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "mcrules"
# limits: the bounds on untrusted input (docs/limits.md); printable: user text made safe to print
BASE = {"errors", "located", "limits", "printable"}
DOMAINS = {"site", "assessment", "casework", "sharing", "eligibility"}
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
    # bulk and testing are use cases: they read the API's one clock once per run (api.clock)
    "bulk": {"api", "engine", "rules", "subjects", "facts", "models", "units", "io", "report", *DOMAINS},
    "testing": {"api", "engine", "rules", "subjects", "facts", "models", "units", "io", "report",
                *DOMAINS},
}


def _layer(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    exempt: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            exempt |= {id(n) for n in ast.walk(node)}
    out = set()
    for node in ast.walk(tree):
        if id(node) in exempt:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("mcrules."):
            out.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            out |= {a.name.split(".")[1] for a in node.names if a.name.startswith("mcrules.")}
    return out


FILES = sorted(p for p in SRC.rglob("*.py") if _layer(p) in ALLOWED)


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(SRC)) for p in FILES])
def test_imports_point_down(path: Path) -> None:
    layer = _layer(path)
    bad = _imports(path) - ALLOWED[layer] - BASE - {layer}
    assert not bad, f"{path.relative_to(SRC)} ({layer}) imports {sorted(bad)}"
