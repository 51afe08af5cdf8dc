"""The fifth-subject proof: the household, declared in tests/subjects/household/ with one registry
line (`register(HOUSEHOLD)`), goes through every front door (`mcrules.evaluate`, the schema
export, YAML cases, the CLI) with no edit in mcrules: not in `__init__`, the schema export, the
layer test or the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import orjson
from typer.testing import CliRunner

import mcrules
from mcrules.api.schemas import envelope_model, export, json_schema, shipped_subjects, stale
from mcrules.cli.main import app
from mcrules.subjects import all_subjects
from tests.conftest import ROOT
from tests.subjects.household.subject import HOUSEHOLD, PACK_DIR

HERE = Path(__file__).resolve().parent
SRC = ROOT / "src" / "mcrules"
FILE = ("name: HH-7\nsize: 5\nmosquito_nets: 2\nregistered: true\n"
        "members:\n  - {id: M1, age: 34, has_id_document: true, disabled: true}\n"
        "  - {id: M2, age: 19, has_id_document: false}\n")


def test_the_household_is_declared_in_its_own_files_with_one_registry_line() -> None:
    lines = [line for p in HERE.glob("*.py") for line in p.read_text().splitlines()
             if line.lstrip().startswith(("register(", "register_part("))]
    assert lines == ["register(HOUSEHOLD)"]
    named = [p for p in [*SRC.rglob("*.py"), ROOT / "tests" / "test_layers.py"]
             if "tests.subjects" in p.read_text() or "household-test" in p.read_text()]
    assert named == []


def test_a_household_file_is_evaluated_by_the_one_api(tmp_path: Path) -> None:
    """`mcrules.evaluate` and `mcrules check household FILE` give the same envelope."""
    f = tmp_path / "hh.yaml"
    f.write_text(FILE)
    report = mcrules.evaluate("household", f, packs=[PACK_DIR], as_of="2026-01-01")
    assert report.failed()
    assert report.result("hh.mosquito_nets").outcome.value == "fail"
    assert report.result("hh.members.adult_id_document").item == "M2"
    doc = orjson.loads(orjson.dumps(report.to_dict()))
    assert doc["subject"] == {"kind": "household", "id": "HH-7", "file": str(f)}
    assert [d["decision"] for d in doc["decisions"]] == ["priority"]
    # its report is the envelope, checked by the schema made with it registered
    jsonschema.validate(doc, json_schema("report"))
    envelope_model("household").model_validate(doc)
    assert mcrules.evaluate("household", {"size": 2, "mosquito_nets": 1}, packs=[PACK_DIR],
                            as_of="2026-01-01").to_dict()["subject"]["file"] is None
    # the CLI verb knows the subject with no edit to the CLI, and prints the same envelope
    result = CliRunner().invoke(app, ["check", "household", str(f), "-p", str(PACK_DIR),
                                      "--as-of", "2026-01-01", "-f", "json"])
    assert result.exit_code == 1, result.output
    assert orjson.loads(result.stdout) == doc


def test_its_schema_file_appears_in_the_export(tmp_path: Path) -> None:
    assert HOUSEHOLD in all_subjects()
    result = CliRunner().invoke(app, ["schema", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = json.loads((tmp_path / "household.schema.json").read_text())
    assert written["$id"] == "https://mcrules.org/schemas/household.schema.json"
    assert set(written["properties"]) == set(HOUSEHOLD.model.model_fields)
    jsonschema.validate({"name": "HH-7", "size": 5}, written)
    assert CliRunner().invoke(app, ["schema", "--out", str(tmp_path), "--check"]).exit_code == 0
    # the files mcrules ships are unchanged by it: a registered subject is not shipped
    assert HOUSEHOLD not in shipped_subjects()
    assert stale(ROOT / "schemas", shipped_subjects()) == []
    written = export(tmp_path / "all", lambda data, path: path.write_bytes(data) and None)
    assert {p.name for p in written} >= {"household.schema.json", "site.schema.json",
                                         "report.schema.json"}


def test_its_yaml_cases_run_through_mcrules_test() -> None:
    result = CliRunner().invoke(app, ["test", str(PACK_DIR)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert " 0 failed" in result.output
