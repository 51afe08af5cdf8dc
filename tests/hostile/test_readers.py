"""Every hostile file, row, pack and `--set` value of issue 7 (the readers' half) gets a clean error.

Each document is refused with exit code 2 (or, for a bulk row, a reject), a message that names the
field, and no traceback. The messages themselves are bounded: an error never echoes a whole input.
Time is never asserted (docs/limits.md records the measured worst cases).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mcrules.cli.main import app
from mcrules.errors import InputError, McrulesError
from mcrules.io.site_file import read_site, validate_site
from mcrules.io.tables import ROW_ERROR_COLUMN, read_batches
from mcrules.limits import MAX_DOCUMENT_BYTES
from mcrules.located import loads_json, loads_yaml
from tests.conftest import ROOT
from tests.hostile.corpus import EXPRESSIONS, JSONL_ROWS, SITE_JSON, SITE_YAML

runner = CliRunner()
EXAMPLE = str(ROOT / "examples" / "transit-centre.yaml")
PACK = ROOT / "rules" / "mct-2023"
MAX_MESSAGE = 1_000  # an error is a few lines, whatever the input held


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def assert_clean_exit_2(result, *needles: str) -> None:  # type: ignore[no-untyped-def]
    out = result.stdout + result.stderr
    assert result.exit_code == 2, out[:2000]
    assert "Traceback" not in out
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert len(result.stderr) < MAX_MESSAGE
    for needle in needles:
        assert needle in result.stderr


# site files ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("content", "field", "phrase"), [c[1:] for c in SITE_YAML],
                         ids=[c[0] for c in SITE_YAML])
def test_a_hostile_site_file_exits_2_naming_the_field(tmp_path: Path, content: str, field: str,
                                                      phrase: str) -> None:
    f = tmp_path / "site.yaml"
    f.write_text(content)
    assert_clean_exit_2(run("check-site", str(f)), f"  - {field}" if field else "", phrase)


@pytest.mark.parametrize(("content", "field", "phrase"), [c[1:] for c in SITE_JSON],
                         ids=[c[0] for c in SITE_JSON])
def test_a_hostile_json_site_file_exits_2_naming_the_field(tmp_path: Path, content: str,
                                                           field: str, phrase: str) -> None:
    f = tmp_path / "site.json"
    f.write_text(content)
    assert_clean_exit_2(run("check-site", str(f)), f"  - {field}" if field else "", phrase)


@pytest.mark.parametrize(("content", "field", "phrase"), [c[1:] for c in SITE_YAML + SITE_JSON],
                         ids=[c[0] for c in SITE_YAML + SITE_JSON])
def test_the_api_raises_an_input_error_naming_the_field(content: str, field: str,
                                                        phrase: str) -> None:
    with pytest.raises(InputError) as got:
        doc = loads_json(content) if content.startswith("{") else loads_yaml(content)
        validate_site(doc)
    problems = got.value.problems
    assert problems and len(str(got.value)) < MAX_MESSAGE
    assert any(_at(p.path, field) and phrase in p.message for p in problems), str(got.value)


def _at(path: str, field: str) -> bool:
    return path == field or path.startswith((f"{field}[", f"{field}."))


def test_yaml_reads_numbers_and_booleans_as_yaml_1_2() -> None:
    doc = loads_yaml("a: 010\nb: 0o10\nc: 1:20\nd: yes\ne: on\nf: True\ng: 1_000\nh: 0x1F\n"
                     "no: 1\ni: .inf\nj: 2023-01-01\n")
    assert doc == {"a": 10, "b": 8, "c": "1:20", "d": "yes", "e": "on", "f": True, "g": "1_000",
                   "h": 31, "no": 1, "i": float("inf"), "j": "2023-01-01"}


def test_010_beds_are_ten_beds(tmp_path: Path) -> None:
    f = tmp_path / "s.yaml"
    f.write_text("beds: 010\n")
    assert read_site(f)[0].beds == 10


def test_commas_still_separate_thousands() -> None:
    site, _ = validate_site({"water_supply": "12,000 L/day", "covered_living_area": "1,800 m²"})
    assert (site.water_supply, site.covered_living_area) == (12000.0, 1800.0)


def test_an_oversized_file_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    f = tmp_path / "big.yaml"
    f.write_text("# padding\n" * (MAX_DOCUMENT_BYTES // 10 + 1))
    assert_clean_exit_2(run("check-site", str(f)), "at most 1,048,576 bytes")


def test_a_device_is_not_read_as_a_site_file() -> None:
    assert_clean_exit_2(run("check-site", "/dev/zero"), "not a regular file")


def test_a_bad_value_is_shown_as_a_bounded_excerpt() -> None:
    with pytest.raises(InputError) as got:
        validate_site({"beds": "plenty" * 1000})
    assert len(str(got.value)) < 200


# bulk rows -----------------------------------------------------------------------------------


def test_hostile_jsonl_rows_are_row_errors_and_the_others_are_read(tmp_path: Path) -> None:
    f = tmp_path / "rows.jsonl"
    good = b'{"name": "ok", "beds": 3}'
    f.write_bytes(b"\n".join([good, *(row for _, row, _ in JSONL_ROWS), good]) + b"\n")
    rows = [r for batch in read_batches(f) for r in batch.to_pylist()]
    assert len(rows) == len(JSONL_ROWS) + 2
    assert rows[0]["beds"] == 3 and rows[-1]["beds"] == 3
    for (name, _, phrase), row in zip(JSONL_ROWS, rows[1:-1], strict=True):
        error = row[ROW_ERROR_COLUMN]
        assert error is not None and phrase in error, name
        assert len(error) < 200


def test_bulk_completes_with_hostile_rows_as_rejects(tmp_path: Path) -> None:
    f = tmp_path / "rows.jsonl"
    docs = [b'{"name": "ok", "beds": 3}', *(row for _, row, _ in JSONL_ROWS),
            json.dumps({"water_supply": "12 L/day/0"}).encode(),
            json.dumps({"staffing": {"hours_per_week": "0.5 radian"}}).encode(),
            json.dumps({"water_supply": "1,2 m^3/day"}).encode()]
    f.write_bytes(b"\n".join(docs) + b"\n")
    rejects = tmp_path / "rejects.jsonl"
    result = run("bulk", str(f), "--out", str(tmp_path / "out.jsonl"), "--rejects", str(rejects))
    assert "Traceback" not in result.stdout + result.stderr
    got = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert sorted({r["row"] for r in got}) == list(range(1, len(docs)))
    fields = {r["row"]: r["field"] for r in got}
    assert [fields[len(docs) - 3], fields[len(docs) - 2], fields[len(docs) - 1]] == [
        "water_supply", "staffing.hours_per_week", "water_supply"]


def test_a_boolean_column_is_not_a_count_in_bulk(tmp_path: Path) -> None:
    f = tmp_path / "rows.jsonl"
    f.write_text('{"beds": true}\n{"beds": false}\n')
    rejects = tmp_path / "rejects.jsonl"
    run("bulk", str(f), "--out", str(tmp_path / "out.jsonl"), "--rejects", str(rejects))
    got = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [(r["row"], r["field"]) for r in got] == [(0, "beds"), (1, "beds")]


# packs ---------------------------------------------------------------------------------------


@pytest.fixture
def pack_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "pack"
    shutil.copytree(PACK, folder)
    return folder


def _set_rule_files(folder: Path, files: str) -> None:
    head = folder / "pack.yaml"
    text = head.read_text()
    start = text.index("rule_files:")
    end = text.index("\n", start)
    head.write_text(text[:start] + f"rule_files: {files}" + text[end:])


@pytest.mark.parametrize("entry", ["/etc/passwd", "../../../../../etc/passwd.yaml",
                                   "sub/../../x.yaml", "~/x.yaml", "wash.py", "C:/x.yaml"])
def test_rule_files_may_not_leave_the_pack_folder(pack_copy: Path, entry: str) -> None:
    _set_rule_files(pack_copy, f"[wash.yaml, {json.dumps(entry)}]")
    result = run("check-site", EXAMPLE, "--pack", str(pack_copy))
    assert_clean_exit_2(result, "pack.yaml:", "pack file")
    assert "root:" not in result.stderr


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_symlink_to_a_device_or_outside_is_refused(pack_copy: Path, tmp_path: Path) -> None:
    (pack_copy / "zero.yaml").symlink_to("/dev/zero")
    _set_rule_files(pack_copy, "[wash.yaml, zero.yaml]")
    assert_clean_exit_2(run("check-site", EXAMPLE, "--pack", str(pack_copy)), "outside the pack")
    secret = tmp_path / "secret.yaml"
    secret.write_text("password: hunter2\n")
    _set_rule_files(pack_copy, "[wash.yaml, leak.yaml]")
    (pack_copy / "leak.yaml").symlink_to(secret)
    result = run("check-site", EXAMPLE, "--pack", str(pack_copy))
    assert_clean_exit_2(result, "outside the pack")
    assert "hunter2" not in result.stderr


def test_a_parameter_file_may_not_point_outside(pack_copy: Path) -> None:
    (pack_copy / "parameters" / "evil.yaml").symlink_to("/etc/passwd")
    result = run("check-site", EXAMPLE, "--pack", str(pack_copy))
    assert_clean_exit_2(result, "parameters/evil.yaml", "outside the pack")
    assert "root:" not in result.stderr


def test_rule_files_inside_subfolders_still_load(pack_copy: Path) -> None:
    (pack_copy / "more").mkdir()
    (pack_copy / "wash.yaml").rename(pack_copy / "more" / "wash.yaml")
    _set_rule_files(pack_copy, "[more/wash.yaml, shelter.yaml, health.yaml, operations.yaml]")
    assert run("check-site", EXAMPLE, "--pack", str(pack_copy)).exit_code == 1


@pytest.mark.parametrize(("check", "phrase"), [e[1:] for e in EXPRESSIONS],
                         ids=[e[0] for e in EXPRESSIONS])
def test_an_oversized_expression_is_a_load_error(pack_copy: Path, check: str, phrase: str) -> None:
    wash = pack_copy / "wash.yaml"
    text = wash.read_text()
    start = text.index("    check: ")
    end = text.index("\n", start)
    wash.write_text(text[:start] + f"    check: {json.dumps(check)}" + text[end:])
    assert_clean_exit_2(run("check-site", EXAMPLE, "--pack", str(pack_copy)), "wash.yaml:",
                        phrase)


def test_an_alias_bomb_in_a_pack_is_a_load_error(pack_copy: Path) -> None:
    from tests.hostile.corpus import alias_bomb

    with (pack_copy / "wash.yaml").open("a") as f:
        f.write(alias_bomb("extra"))
    assert_clean_exit_2(run("check-site", EXAMPLE, "--pack", str(pack_copy)), "wash.yaml",
                        "once aliases are expanded")


# --set ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["12 L/day/0", "12 (L/person/day", "(" * 500 + "L",
                                   "20 L/person/day" + " " * 40_000 + "x", "1,2 L/person/day",
                                   "9" * 400, "0.5 radian", "true"])
def test_a_hostile_set_value_exits_2_naming_the_parameter(value: str) -> None:
    result = run("check-site", EXAMPLE, "--set", f"water_per_person={value}")
    assert_clean_exit_2(result, "water_per_person")


def test_every_hostile_error_is_an_mcrules_error() -> None:
    """The API raises our own errors only: McrulesError is the one thing a caller catches."""
    for _, content, _, _ in SITE_YAML:
        with pytest.raises(McrulesError):
            validate_site(loads_yaml(content))


def test_a_dangling_symlink_in_a_pack_is_named(pack_copy: Path, tmp_path: Path) -> None:
    (pack_copy / "parameters" / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    assert_clean_exit_2(run("check-site", EXAMPLE, "--pack", str(pack_copy)),
                        "parameters/gone.yaml", "does not exist")
