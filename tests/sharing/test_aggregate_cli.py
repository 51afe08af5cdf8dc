"""`mcrules aggregate` as a user runs it: the release on standard output or --out, the audit in its
own file, categories and margins apart in every format, bad arguments and rows reported."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from mcrules.cli.main import app
from tests.conftest import ROOT

ARRIVALS = ROOT / "examples" / "sharing" / "arrivals.csv"


def run(*args: str) -> object:
    return CliRunner().invoke(app, ["aggregate", *args])


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_the_shipped_example_is_a_protected_release_with_null_margins() -> None:
    result = run(str(ARRIVALS), "--by", "sex,age_group", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["k"] == 5 and doc["by"] == ["sex", "age_group"]
    for cell in doc["cells"]:
        assert set(cell) == {"sex", "age_group", "count", "suppressed"}
        assert cell["count"] is None or cell["count"] == 0 or cell["count"] >= 5
    total = [c for c in doc["cells"] if c["sex"] is None and c["age_group"] is None]
    assert total == [{"sex": None, "age_group": None, "count": 200, "suppressed": False}]
    assert "rows_counted" not in doc and "protected" not in json.dumps(doc["cells"])


def test_the_release_has_no_reasons_and_the_audit_file_has_them(tmp_path: Path) -> None:
    audit = tmp_path / "audit.json"
    result = run(str(ARRIVALS), "--by", "sex,nationality", "--format", "json",
                 "--audit", str(audit))
    assert result.exit_code == 0, result.output
    assert "primary" not in result.stdout and "complementary" not in result.stdout
    reasons = json.loads(audit.read_text())["suppressed"]
    assert {c["reason"] for c in reasons} == {"primary", "complementary"}


def test_the_audit_is_never_the_release_file(tmp_path: Path) -> None:
    same = tmp_path / "table.json"
    result = run(str(ARRIVALS), "--by", "sex", "--format", "json", "--out", str(same),
                 "--audit", str(same))
    assert result.exit_code == 2 and "--audit" in result.output
    assert not same.exists()


def test_a_suppressed_total_is_not_in_the_text_headline(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "few.csv", ["sex"], [["female"]] * 3)
    result = run(str(data), "--by", "sex")
    assert result.exit_code == 0, result.output
    assert "grand total is suppressed" in result.stdout
    assert "3" not in result.stdout
    as_json = run(str(data), "--by", "sex", "--format", "json")
    assert '"count": 3' not in as_json.stdout and "rows_counted" not in as_json.stdout


def test_a_category_named_total_stays_apart_from_the_margin_in_text_and_csv(
        tmp_path: Path) -> None:
    data = write_csv(tmp_path / "t.csv", ["site"], [["Total"]] * 6 + [["all"]] * 7)
    text = run(str(data), "--by", "site").stdout
    assert '"Total"' in text and '"all"' in text
    lines = [line.split() for line in text.splitlines()]
    assert ["all", "13"] in lines and ['"Total"', "6"] in lines
    out = run(str(data), "--by", "site", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows == [
        {"site": "Total", "margin": "false", "count": "6", "suppressed": "false"},
        {"site": "all", "margin": "false", "count": "7", "suppressed": "false"},
        {"site": "", "margin": "true", "count": "13", "suppressed": "false"},
    ]


def test_fourteen_breakdowns_of_ten_rows_are_exit_2_naming_them(tmp_path: Path) -> None:
    names = [f"f{i}" for i in range(14)]
    data = write_csv(tmp_path / "wide.csv", names,
                     [[f"v{r}{i}" for i in range(14)] for r in range(10)])
    result = run(str(data), "--by", ",".join(names))
    assert result.exit_code == 2
    assert "f0 (10)" in result.output and "f13 (10)" in result.output


def test_duplicate_breakdowns_and_a_fractional_k_are_exit_2() -> None:
    dup = run(str(ARRIVALS), "--by", "sex,sex")
    assert dup.exit_code == 2 and "named twice" in dup.output
    k = run(str(ARRIVALS), "--by", "sex", "--set", "min_cell_count=2.5 person")
    assert k.exit_code == 2 and "min_cell_count" in k.output


def test_json_lines_categories_are_one_whatever_their_neighbours(tmp_path: Path) -> None:
    data = tmp_path / "rows.jsonl"
    rows = [{"sex": "female"}] * 6 + [{"sex": 1}] * 5 + [{"sex": "1"}] * 2
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    doc = json.loads(run(str(data), "--by", "sex", "--format", "json").stdout)
    counts = {c["sex"]: c["count"] for c in doc["cells"]}
    assert counts == {"female": 6, "1": 7, None: 13}


def test_a_line_that_is_not_a_row_is_reported_with_its_number(tmp_path: Path) -> None:
    data = tmp_path / "rows.jsonl"
    lines = [json.dumps({"sex": "female"})] * 6
    lines.insert(2, "{not json")
    lines.insert(4, json.dumps({"sex": {"nested": 1}}))
    data.write_text("\n".join(lines) + "\n")
    audit = tmp_path / "audit.json"
    result = run(str(data), "--by", "sex", "--format", "json", "--audit", str(audit))
    assert result.exit_code == 0, result.output
    assert "row 3" in result.stderr and "row 5" in result.stderr
    doc = json.loads(audit.read_text())
    assert doc["rows_rejected"] == 2 and doc["rows_skipped"] == 0 and doc["rows_counted"] == 6
    assert [r["row"] for r in doc["rejects"]] == [3, 5]


def test_a_breakdown_column_named_twice_in_the_file_is_exit_2_not_the_last_one(
        tmp_path: Path) -> None:
    """`sex,sex,site`: the second `sex` column was counted and the first silently dropped."""
    data = write_csv(tmp_path / "dup.csv", ["sex", "sex", "site"], [["f", "m", "a"]] * 6)
    result = run(str(data), "--by", "sex,site", "--format", "json")
    assert result.exit_code == 2, result.output
    assert "'sex'" in result.output and "twice" in result.output
    # a column named twice that is not a breakdown is not counted, so it does not matter
    assert run(str(data), "--by", "site", "--format", "json").exit_code == 0


def test_a_parquet_breakdown_column_named_twice_is_exit_2(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = tmp_path / "dup.parquet"
    pq.write_table(pa.Table.from_arrays([pa.array(["f"] * 6), pa.array(["m"] * 6)],
                                        names=["sex", "sex"]), data)
    result = run(str(data), "--by", "sex", "--format", "json")
    assert result.exit_code == 2, result.output
    assert "twice" in result.output


def test_an_unprotected_table_writes_no_release_in_any_form(
        tmp_path: Path, monkeypatch: object) -> None:
    """Exit 1 wrote the JSON or CSV release (which carries no verdict) to --out all the same: a
    careless analyst who does not read exit codes publishes it."""
    from mcrules.sharing.disclosure import SafeTable

    monkeypatch.setattr(SafeTable, "protected", property(lambda self: False))  # type: ignore[attr-defined]
    for fmt in ("json", "csv", "text"):
        out = tmp_path / f"release.{fmt}"
        result = run(str(ARRIVALS), "--by", "sex,nationality", "--format", fmt, "--out", str(out))
        assert result.exit_code == 1, result.output
        assert not out.exists() and "no release" in result.stderr
    result = run(str(ARRIVALS), "--by", "sex,nationality", "--format", "json")
    assert result.exit_code == 1 and result.stdout == ""


def test_long_categories_on_a_narrow_terminal_are_folded_not_cut_to_the_same_text(
        tmp_path: Path) -> None:
    stem = "a" * 50
    data = write_csv(tmp_path / "long.csv", ["site"],
                     [[stem + "1"]] * 6 + [[stem + "2"]] * 7)
    result = CliRunner().invoke(app, ["aggregate", str(data), "--by", "site"],
                                env={"COLUMNS": "30"})
    assert result.exit_code == 0, result.output
    assert "…" not in result.stdout
    assert '1"' in result.stdout and '2"' in result.stdout   # each category's end is shown


def test_the_audit_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    """The audit names the primary cells (each known to hold 1 to k-1): written 0644 like any
    file, every user of a shared server could read it."""
    import os
    import stat

    audit = tmp_path / "audit.json"
    old = os.umask(0o022)
    try:
        result = run(str(ARRIVALS), "--by", "sex,nationality", "--format", "json",
                     "--audit", str(audit))
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(audit.stat().st_mode) & 0o077 == 0


def test_a_json_lines_key_first_written_after_the_first_batch_is_a_column(
        tmp_path: Path, monkeypatch: object) -> None:
    """Rows are their own schema: `site` first appearing past the reader's first batch was
    'no column site' (exit 2) for a valid file. Rows without it are skipped as missing; a key no
    row has is still exit 2."""
    from mcrules.io import tables

    monkeypatch.setattr(tables, "DEFAULT_BATCH_SIZE", 4)  # type: ignore[attr-defined]
    monkeypatch.setattr(tables.TableSource.__init__, "__defaults__", (4,))  # type: ignore[attr-defined]
    data = tmp_path / "late.jsonl"
    data.write_text("".join(json.dumps({"sex": "f"}) + "\n" for _ in range(10))
                    + "".join(json.dumps({"sex": "f", "site": "a"}) + "\n" for _ in range(6)))
    audit = tmp_path / "audit.json"
    result = run(str(data), "--by", "sex,site", "--format", "json", "--audit", str(audit))
    assert result.exit_code == 0, result.output
    counts = {(c["sex"], c["site"]): c["count"] for c in json.loads(result.stdout)["cells"]}
    assert counts[(None, None)] == 6
    assert json.loads(audit.read_text())["rows_skipped"] == 10
    typo = run(str(data), "--by", "sex,sitee", "--format", "json")
    assert typo.exit_code == 2 and "no column 'sitee'" in typo.output
