"""The clock is read once, at the API (DESIGN.md, invariant 9): `mcrules.clock` (a base module, so
the use cases below the API may import it without reaching up) is the only module that reads the
date or the time, and only the layers above the evaluation (the API, the
CLI and the service, and the use cases bulk and testing, once per run) may call it. Everything
else takes `as_of` as an argument, so the same inputs, packs and date give the same report on
any machine and on any day."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "mcrules"
CLOCK_MODULE = "mcrules.clock"
CLOCK = {f"{CLOCK_MODULE}.today", f"{CLOCK_MODULE}.now", f"{CLOCK_MODULE}.instant"}
# What reads the wall clock, by its full dotted name.
READS = {
    "datetime.date.today", "datetime.datetime.today", "datetime.datetime.now",
    "datetime.datetime.utcnow", "datetime.datetime.fromtimestamp", "datetime.date.fromtimestamp",
    "time.time", "time.time_ns", "time.localtime", "time.gmtime", "time.ctime",
    "time.asctime", "time.strftime",
}
# The layers that may call the API's clock: the entry points and the use cases, once per run.
CALLERS = {"api", "cli", "service", "bulk", "testing"}


def _module(path: Path, root: Path) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _names(tree: ast.AST) -> dict[str, str]:
    """Each name a module binds by importing, to the full dotted name it stands for
    (`dt` -> `datetime`, `today` -> `mcrules.clock.today`)."""
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                out[a.asname or a.name.split(".")[0]] = a.name if a.asname else \
                    a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                out[a.asname or a.name] = f"{node.module}.{a.name}"
    return out


def _dotted(node: ast.expr, names: dict[str, str]) -> str | None:
    attrs: list[str] = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    base = names.get(node.id, node.id)
    return ".".join([base, *reversed(attrs)])


def clock_reads(root: Path) -> list[str]:
    """`file:line: what` for every clock read under `root` (a package folder) that is not the
    API's clock, and every call of the API's clock outside the layers allowed to make it."""
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        module = _module(path, root)
        if module == CLOCK_MODULE:
            continue
        layer = module.split(".")[1] if "." in module else ""
        tree = ast.parse(path.read_text(), filename=str(path))
        names = _names(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _dotted(node.func, names)
            if name is None:
                continue
            where = f"{path.relative_to(root.parent)}:{node.lineno}"
            if name in READS or name.endswith(".parameter_values.today"):
                found.append(f"{where}: {name}() reads the clock; take as_of from the caller")
            elif name in CLOCK and layer not in CALLERS:
                found.append(f"{where}: {name}() below the API; take as_of from the caller")
    return found


def test_nothing_below_the_api_reads_the_clock() -> None:
    found = clock_reads(SRC)
    assert not found, "\n".join(found)


def test_the_api_clock_is_in_utc() -> None:
    from mcrules import clock

    assert clock.now().tzinfo is dt.UTC
    assert clock.now().microsecond == 0
    assert isinstance(clock.today(), dt.date)


# (module, its text, the line of the clock read)
VIOLATIONS = {
    "engine/a.py": ("import datetime as dt\n\ndef f():\n    return dt.date.today()\n", 4),
    "rules/b.py": ("from datetime import datetime\n\nx = datetime.now()\n", 3),
    "site/c.py": ("from datetime import date as d\n\ny = d.today()\n", 3),
    "io/d.py": ("import time\n\nz = time.time()\n", 3),
    "engine/e.py": ("from mcrules.clock import today\n\nw = today()\n", 3),
    "subjects/f.py": ("from mcrules.rules.parameter_values import today\n\nv = today()\n", 3),
    "report/g.py": ("import datetime\n\nu = datetime.datetime.utcnow()\n", 3),
}


@pytest.mark.parametrize("rel", sorted(VIOLATIONS))
def test_a_clock_read_below_the_api_is_caught_with_file_and_line(tmp_path: Path,
                                                                   rel: str) -> None:
    root = tmp_path / "mcrules"
    root.mkdir()
    (root / "clock.py").write_text(
        "import datetime as dt\n\ndef today():\n    return dt.date.today()\n")
    (root / "bulk").mkdir()
    (root / "bulk" / "run.py").write_text("from mcrules.clock import today\n\non = today()\n")
    text, line = VIOLATIONS[rel]
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    found = clock_reads(root)
    assert len(found) == 1 and found[0].startswith(f"mcrules/{rel}:{line}: "), found


def test_the_clock_module_and_entry_points_may_read_it(tmp_path: Path) -> None:
    root = tmp_path / "mcrules"
    for rel in ("clock.py", "cli/main.py", "testing/cases.py"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / "clock.py").write_text("import datetime as dt\n\nx = dt.date.today()\n")
    (root / "cli" / "main.py").write_text("from mcrules.clock import today\n\nx = today()\n")
    (root / "testing" / "cases.py").write_text("from mcrules import clock\n\nx = clock.now()\n")
    assert clock_reads(root) == []
