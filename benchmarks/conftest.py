"""Collects every benchmark's throughput and ends `make bench` with a table of ratios.

Ratios compare like with like, measured in the same run: mcrules restricted to the five numeric
rules against the hand-written numpy ceiling and against each peer engine on the same data.
Full-pack figures are reported beside them. Nothing here asserts on time.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
from pathlib import Path
from typing import Any

import pytest

RESULTS: dict[str, dict[str, Any]] = {}
OUT = Path(__file__).resolve().parent / "results" / "latest.md"

# (numerator, denominator, what the ratio means)
RATIOS = [
    ("mcrules columnar, 5 rules", "numpy ceiling, 5 rules", "columnar vs hand-written numpy"),
    ("mcrules scalar + explanations, 5 rules", "zen-engine (static loader)", "scalar vs zen, fast path"),
    ("mcrules scalar + explanations, 5 rules", "zen-engine (decision API)", "scalar vs zen, decision API"),
    ("mcrules scalar + explanations, 5 rules", "rule-engine", "scalar vs rule-engine"),
    ("mcrules scalar + explanations, 5 rules", "durable-rules (assert/retract)", "scalar vs durable-rules"),
    ("mcrules scalar + explanations, 5 rules", "hand-written Python loop", "scalar vs plain Python"),
    ("mcrules columnar, 5 rules", "zen-engine (static loader)", "columnar vs zen"),
]


def record(name: str, rows: int, seconds: float, **extra: Any) -> None:
    """Store one throughput (rows per second from the fastest round)."""
    RESULTS[name] = {"rows": rows, "seconds": seconds, "rate": rows / seconds, **extra}


@pytest.fixture
def recorder() -> Any:
    return record


def render() -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Run {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')} on {platform.machine()}, "
        f"Python {platform.python_version()}, {os.cpu_count()} cores; "
        "all figures from the same run (fastest of several rounds). Reproduce with `make bench`.",
        "",
        "| engine | rows | best s | rows/s | notes |",
        "|---|---:|---:|---:|---|",
    ]
    for name, r in RESULTS.items():
        lines.append(f"| {name} | {r['rows']:,} | {r['seconds']:.4f} | {r['rate']:,.0f} | "
                     f"{r.get('notes', '')} |")
    lines += ["", "| ratio | value |", "|---|---:|"]
    for num, den, label in RATIOS:
        if num in RESULTS and den in RESULTS:
            value = RESULTS[num]["rate"] / RESULTS[den]["rate"]
            shown = f"{value:.1%}" if value < 1 else f"{value:,.1f}×"
            lines.append(f"| {label} ({num} ÷ {den}) | {shown} |")
    return "\n".join(lines) + "\n"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not RESULTS:
        return
    text = render()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)
    terminalreporter.write_sep("=", "mcrules throughput and ratios")
    terminalreporter.write(text)
    terminalreporter.write_line(f"written to {OUT}")
