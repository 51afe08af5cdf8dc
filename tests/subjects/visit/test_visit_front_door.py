"""A subject whose facts are derived, with a companion file and a part, declared only in
tests/subjects/visit/: `mcrules.evaluate` derives its facts in the context (date, packs, the
registration given beside it), attaches its part, and the schema export writes its files and
types its part, with no edit in mcrules."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import mcrules
from mcrules.api.schemas import envelope_model, json_schema, shipped_subjects
from mcrules.cli.main import app
from tests.conftest import ROOT
from tests.subjects.visit.subject import PACK_DIR, VISIT

ON = dt.date(2026, 3, 10)
SRC = ROOT / "src" / "mcrules"


def _visit(doc: dict[str, Any], registered_on: str | None = None,
           on: dt.date = ON) -> mcrules.Report:
    extras = {"registration": {"registered_on": registered_on}} if registered_on else None
    return mcrules.evaluate("visit_request", doc, packs=[PACK_DIR], as_of=on, extras=extras)


def test_nothing_in_mcrules_names_it() -> None:
    assert [p for p in SRC.rglob("*.py") if "visit_request" in p.read_text()
            or "tests.subjects" in p.read_text()] == []
    assert VISIT not in shipped_subjects()


def test_its_facts_are_derived_in_the_context_and_its_part_decides() -> None:
    report = _visit({"id": "V-1", "visitor_age": 15, "accompanied": False}, "2026-01-01")
    assert report.result("visit.minor_accompanied").outcome.value == "fail"
    assert report.result("visit.registered_a_week").outcome.value == "pass"
    part = report.attachment("visit")
    assert part.decision == "refuse" and report.failed()
    doc = orjson.loads(orjson.dumps(report.to_dict()))
    assert doc["subject"] == {"kind": "visit_request", "id": "V-1", "file": None}
    assert doc["visit"] == {"decision": "refuse",
                            "reasons": ["a minor visitor must be accompanied"]}
    jsonschema.validate(doc, json_schema("report"))
    envelope_model("visit_request").model_validate(doc)


def test_the_date_comes_from_the_context() -> None:
    doc = {"id": "V-2", "visitor_age": 40}
    assert _visit(doc, "2026-03-05").attachment("visit").decision == "refuse"
    later = _visit(doc, "2026-03-05", on=dt.date(2026, 3, 12))
    assert later.attachment("visit").decision == "allow" and not later.failed()


@settings(max_examples=60, deadline=None)
@given(age=st.none() | st.integers(0, 130), accompanied=st.none() | st.booleans(),
       days=st.none() | st.integers(0, 60))
def test_an_unknown_never_allows_what_its_answer_could_refuse(
        age: int | None, accompanied: bool | None, days: int | None) -> None:
    """Fail closed: a visit is allowed only when every answer that could refuse it is known and
    does not; removing an answer never turns a refusal into an allowance."""
    registered = None if days is None else (ON - dt.timedelta(days=days)).isoformat()
    doc: dict[str, Any] = {"visitor_age": age, "accompanied": accompanied}
    decision = _visit(doc, registered).attachment("visit").decision
    minor = None if age is None else age < 18
    allowed = days is not None and days >= 7 and (minor is False or accompanied is True)
    assert decision == ("allow" if allowed else "refuse")


def test_its_schemas_are_exported_and_its_part_typed(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["schema", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    request = json.loads((tmp_path / "visit-request.schema.json").read_text())
    assert set(request["properties"]) == {"id", "visitor_age", "accompanied"}
    registration = json.loads((tmp_path / "registration.schema.json").read_text())
    assert set(registration["properties"]) == {"registered_on"}
    report = json.loads((tmp_path / "report.schema.json").read_text())
    visit = report["$defs"][report["properties"]["visit"]["$ref"].rsplit("/", 1)[1]]
    assert visit["properties"]["decision"]["enum"] == ["allow", "refuse"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**_visit({"visitor_age": 40}).to_dict(), "visit": {"decision": "ok"}},
                            report)
