"""The worst case of each documented limit (docs/limits.md), timed in one process.

Run: .venv/bin/python -m benchmarks.hostile_limits. Prints one line per hostile input of the
regression corpus (tests/hostile/corpus.py) with the time to refuse it, and the time to read the
largest document the limits allow. Not a test: tests never assert on time.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests.hostile.corpus import EXPRESSIONS, JSONL_ROWS, SITE_JSON, SITE_YAML

from mcrules.errors import McrulesError
from mcrules.io.site_file import validate_site
from mcrules.io.tables import read_batches
from mcrules.limits import MAX_DOCUMENT_BYTES, MAX_NODES
from mcrules.located import loads_json, loads_yaml
from mcrules.rules.parameter_values import checked_value

ROOT = Path(__file__).resolve().parent.parent


def best_of(fn: Callable[[], object], runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        with contextlib.suppress(McrulesError):
            fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    rows: list[tuple[str, float]] = []
    for name, content, _, _ in SITE_YAML:
        rows.append((f"site YAML: {name}", best_of(lambda c=content: validate_site(loads_yaml(c)))))
    for name, content, _, _ in SITE_JSON:
        rows.append((f"site JSON: {name}", best_of(lambda c=content: validate_site(loads_json(c)))))
    with tempfile.TemporaryDirectory() as tmp:
        for name, row, _ in JSONL_ROWS:
            f = Path(tmp) / "rows.jsonl"
            f.write_bytes(row + b"\n")
            rows.append((f"JSONL row: {name}", best_of(lambda f=f: list(read_batches(f)))))
        from mcrules.subjects import load_subject_pack
        for name, check, _ in EXPRESSIONS:
            folder = Path(tmp) / "pack"
            shutil.rmtree(folder, ignore_errors=True)
            shutil.copytree(ROOT / "rules" / "mct-2023", folder)
            wash = folder / "wash.yaml"
            text = wash.read_text()
            start = text.index("    check: ")
            end = text.index("\n", start)
            wash.write_text(text[:start] + f"    check: {json.dumps(check)}" + text[end:])
            rows.append((f"pack: {name}", best_of(lambda f=folder: load_subject_pack(f))))
        param = load_subject_pack("mct-2023").parameters["water_per_person"]
        for raw in ["12 L/day/0", "(" * 500 + "L", "20 L/person/day" + " " * 40_000, "9" * 400]:
            rows.append((f"--set: {raw[:20]!r}…", best_of(lambda r=raw: checked_value(param, r))))
        many = "items:\n" + "  - {a: 1, b: two}\n" * ((MAX_NODES - 10) // 5)
        rows.append((f"YAML of {MAX_NODES:,} values (the most allowed)",
                     best_of(lambda: loads_yaml(many), runs=1)))
        rows.append(("YAML of 10x that many values (refused)",
                     best_of(lambda: loads_yaml(many * 10), runs=1)))
        wide = "items:\n" + ("  - " + "x" * 9_000 + "\n") * (MAX_DOCUMENT_BYTES // 9_010)
        rows.append(("YAML of 1 MiB in long text values (allowed)",
                     best_of(lambda: loads_yaml(wide), runs=1)))
        bigj = "[" + ",".join(['{"a":1,"b":"two"}'] * ((MAX_NODES - 10) // 3)) + "]"
        rows.append((f"JSON of {MAX_NODES:,} values (the most allowed)",
                     best_of(lambda: loads_json(bigj), runs=1)))
    width = max(len(n) for n, _ in rows)
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
