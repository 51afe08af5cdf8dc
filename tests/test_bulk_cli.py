"""`mcrules bulk`: exit 0 when the run completes (bad rows are quarantined, not fatal), exit 2 for
bad input or usage; only the summary on stdout; numpy and pyarrow loaded only when it runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from mcrules import load_site_pack
from mcrules.cli.main import app
from tests.test_bulk_run import BAD_CSV

runner = CliRunner()


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["bulk", *args], env={"COLUMNS": "200", "CI": "true"})


def test_a_run_with_bad_rows_exits_0_and_sums_up(tmp_path: Path) -> None:
    src, out = tmp_path / "sites.csv", tmp_path / "out.parquet"
    src.write_text(BAD_CSV)
    result = run(str(src), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "rows read 6, evaluated 2, rejected 4" in result.stdout
    assert "mct.wash.water_per_person" in result.stdout
    assert "rejected row 3: water_supply: '3 m' has the wrong dimension" in result.stderr
    assert "write every reject with --rejects FILE" in result.stderr
    assert pq.read_table(out).num_rows == 2 * len(load_site_pack().rules)


def test_rejects_go_to_the_rejects_file_and_not_to_the_terminal(tmp_path: Path) -> None:
    src, out, rej = tmp_path / "sites.csv", tmp_path / "out.csv", tmp_path / "rej.jsonl"
    src.write_text(BAD_CSV)
    result = run(str(src), "--out", str(out), "--rejects", str(rej), "--batch-size", "2")
    assert result.exit_code == 0, result.output
    assert len(rej.read_text().splitlines()) == 4
    assert "rejected row" not in result.stderr


def test_stdout_holds_only_the_summary(tmp_path: Path) -> None:
    src, out = tmp_path / "sites.csv", tmp_path / "out.parquet"
    src.write_text(BAD_CSV + "unknown-column-free,1,1,1,1,1,\n")
    result = run(str(src), "--out", str(out))
    lines = result.stdout.splitlines()
    assert lines[0].startswith("rows read")
    assert "evaluating" not in result.stdout  # no progress bar when not at a terminal


def test_unknown_columns_warn_on_stderr_or_reject_under_strict(tmp_path: Path) -> None:
    src, out = tmp_path / "sites.csv", tmp_path / "out.parquet"
    src.write_text("beds,toilet\n3,1\n4,\n")
    lenient = run(str(src), "--out", str(out))
    assert "warning: toilet: unknown key 'toilet'; did you mean 'toilets'?" in lenient.stderr
    assert "rejected 0" in lenient.stdout
    strict = run(str(src), "--out", str(out), "--strict")
    assert strict.exit_code == 0
    assert "evaluated 1, rejected 1" in strict.stdout


def test_bad_input_or_usage_exits_2(tmp_path: Path) -> None:
    src = tmp_path / "sites.csv"
    src.write_text(BAD_CSV)
    missing = run(str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o.csv"))
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    fmt = run(str(src), "--out", str(tmp_path / "o.xlsx"))
    assert fmt.exit_code == 2 and "o.xlsx" in fmt.stderr
    pack = run(str(src), "--out", str(tmp_path / "o.csv"), "--pack", "no-such-pack")
    assert pack.exit_code == 2
    param = run(str(src), "--out", str(tmp_path / "o.csv"), "--set", "nonsense")
    assert param.exit_code == 2
    size = run(str(src), "--out", str(tmp_path / "o.csv"), "--batch-size", "0")
    assert size.exit_code == 2
    assert not (tmp_path / "o.csv").exists()


def test_a_variant_changes_the_verdicts(tmp_path: Path) -> None:
    src, out = tmp_path / "s.jsonl", tmp_path / "out.jsonl"
    src.write_text('{"population": {"female": 10, "male": 0}, "water_supply": "160 L/day"}\n')
    result = run(str(src), "--out", str(out), "--set", "water_per_person=15 L/person/day")
    assert result.exit_code == 0, result.output
    assert '"rule":"mct.wash.water_per_person","outcome":"pass"' in out.read_text()


def test_importing_mcrules_or_asking_for_help_loads_neither_numpy_nor_pyarrow() -> None:
    code = ("import sys, mcrules, mcrules.cli.main\n"
            "from typer.testing import CliRunner\n"
            "CliRunner().invoke(mcrules.cli.main.app, ['bulk', '--help'])\n"
            "print(sorted(m for m in ('numpy', 'pyarrow') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_without_the_bulk_extra_it_says_what_to_install(tmp_path: Path) -> None:
    code = ("import sys; sys.modules['pyarrow'] = None\n"
            "from mcrules.cli.main import main\n"
            f"sys.argv = ['mcrules', 'bulk', {str(tmp_path / 'x.csv')!r}, '--out', 'y.csv']\n"
            "main()")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 2
    assert "pip install 'mcrules[bulk]'" in out.stderr
