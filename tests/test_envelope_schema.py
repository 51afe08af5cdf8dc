"""Every report, from the API or from any command that prints JSON, is the one envelope that
`schemas/report.schema.json` describes; the schema is strict where the contract is (outcomes,
severities, the sharing decision, the keys every report has) and open where it grows (extra keys)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, get_args

import jsonschema
import orjson
import pytest
from typer.testing import CliRunner

import mcrules
from mcrules.api.schemas import envelope_model, json_schema, schema, shipped_subjects
from mcrules.cli.main import app
from mcrules.engine.outcomes import Outcome
from mcrules.models.casework import CaseState
from mcrules.models.envelope import Envelope, ResultOut
from mcrules.rules.ir import Severity
from mcrules.sharing.decide import DECISIONS
from mcrules.sharing.part import SharingOut
from tests.conftest import ROOT

EX = ROOT / "examples"
HISTORY = str(EX / "sharing" / "case-history.yaml")

# (subject, file, keyword arguments of mcrules.evaluate, the part the report must carry)
EXAMPLES: list[tuple[str, Path, dict[str, Any], str | None]] = [
    ("site", EX / "transit-centre.yaml", {}, None),
    ("site", EX / "transit-centre.yaml",
     {"extras": {"waivers": EX / "waivers" / "transit-centre-waivers.yaml"}, "as_of": "2026-06-01"},
     None),
    ("site", EX / "layout" / "transit-centre.yaml", {}, "layout"),
    ("case", EX / "cases" / "girl-in-transit.yaml", {}, "assessment"),
    ("case", EX / "cases" / "returning-grandmother.json", {}, "assessment"),
    ("case", EX / "eligibility" / "avrr-eligible.yaml", {"packs": ["eligibility-2023"]},
     "eligibility"),
    ("case", EX / "eligibility" / "first-contact.yaml", {"packs": ["eligibility-2023"]},
     "eligibility"),
    ("case_history", EX / "casework" / "child-police-transfer.yaml", {}, "casework"),
    ("case_history", EX / "casework" / "adult-walk-to-closure.yaml", {}, "casework"),
    ("sharing_request", EX / "sharing" / "referral-request.yaml",
     {"extras": {"history": HISTORY}}, "sharing"),
    ("sharing_request", EX / "sharing" / "government-list-request.yaml", {}, "sharing"),
    ("sharing_request", EX / "sharing" / "statistics-aggregate.yaml", {}, "sharing"),
    *[("staff_action", p, {}, None) for p in sorted((EX / "casework" / "incident").glob("*.yaml"))],
]

# Every command line that prints a report as JSON. The old commands are aliases that lay their
# former keys over the envelope, so their output must validate too.
COMMANDS: list[list[str]] = [
    ["check-site", str(EX / "transit-centre.yaml")],
    ["check-site", str(EX / "layout" / "transit-centre.yaml")],
    ["check-site", str(EX / "transit-centre.yaml"), "--pack", "mct-2023", "--pack", "sphere-2018"],
    ["assess", str(EX / "cases" / "girl-in-transit.yaml")],
    ["eligibility", str(EX / "eligibility" / "avrr-eligible.yaml")],
    ["casework", "check", str(EX / "casework" / "child-police-transfer.yaml")],
    ["share", str(EX / "sharing" / "referral-request.yaml"), "--history", HISTORY],
    ["check", "site", str(EX / "layout" / "transit-centre.yaml")],
    ["check", "case", str(EX / "cases" / "girl-in-transit.yaml")],
    ["check", "case", str(EX / "eligibility" / "avrr-eligible.yaml"), "-p", "domv-2023",
     "-p", "eligibility-2023"],
    ["check", "case_history", str(EX / "casework" / "child-police-transfer.yaml")],
    ["check", "sharing_request", str(EX / "sharing" / "referral-request.yaml"),
     "--with", f"history={HISTORY}"],
    ["check", "staff_action", str(EX / "casework" / "incident" / "ask-if-hurt.yaml")],
    ["casework", "respond", str(EX / "casework" / "incident" / "ask-if-hurt.yaml")],
]


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    shipped = json.loads((ROOT / "schemas" / "report.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(shipped)
    return jsonschema.Draft202012Validator(shipped)


def _problems(validator: jsonschema.Draft202012Validator, doc: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
            for e in validator.iter_errors(doc)]


def _json(report: mcrules.Report) -> Any:
    return orjson.loads(orjson.dumps(report.to_dict()))


@pytest.mark.parametrize(("subject", "path", "kwargs", "part"), EXAMPLES,
                         ids=[f"{s}:{p.name}" for s, p, _, _ in EXAMPLES])
def test_every_shipped_example_reports_the_envelope(
        validator: jsonschema.Draft202012Validator, subject: str, path: Path,
        kwargs: dict[str, Any], part: str | None) -> None:
    report = mcrules.evaluate(subject, path, **kwargs)
    doc = _json(report)
    assert _problems(validator, doc) == []
    assert doc["subject"] == {"kind": subject, "id": doc["subject"]["id"], "file": str(path)}
    if part is not None:
        assert part in doc
    envelope_model(subject).model_validate(doc)  # the subject's own model: its kind, its parts


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(Path(a).name for a in c) for c in COMMANDS])
def test_every_command_that_prints_json_prints_the_envelope(
        validator: jsonschema.Draft202012Validator, args: list[str]) -> None:
    result = CliRunner().invoke(app, [*args, "--format", "json"], env={"COLUMNS": "200"})
    assert result.exit_code in (0, 1), result.output
    doc = orjson.loads(result.stdout)
    assert _problems(validator, doc) == []


@pytest.mark.parametrize(("subject", "path", "kwargs", "part"),
                         [e for e in EXAMPLES if e[3] in ("assessment", "eligibility", "casework",
                                                         "sharing")],
                         ids=lambda v: v.name if isinstance(v, Path) else None)
def test_an_alias_laying_its_former_keys_over_the_envelope_still_is_one(
        validator: jsonschema.Draft202012Validator, subject: str, path: Path,
        kwargs: dict[str, Any], part: str) -> None:
    """What `assess`, `eligibility`, `casework check` and `share` print: the envelope, then
    the part's former keys (`{**envelope, **part.legacy()}`)."""
    report = mcrules.evaluate(subject, path, **kwargs)
    doc = orjson.loads(orjson.dumps({**report.to_dict(), **report.attachment(part).legacy()}))
    assert _problems(validator, doc) == []
    assert all("status" in r for r in doc["results"])


# --- the schema says what the contract says ----------------------------------------------------

def test_the_schema_requires_the_keys_every_report_has() -> None:
    s = json_schema("report")
    assert set(s["required"]) == {"mcrules_version", "subject", "as_of", "packs", "ruleset_hash",
                                  "results", "values", "decisions", "next_questions", "summary",
                                  "warnings"}
    assert s["additionalProperties"] is True
    defs = s["$defs"]
    assert set(defs["SubjectRef"]["required"]) == {"kind", "id", "file"}
    assert set(defs["PackOut"]["required"]) == {"id", "version", "hash"}
    assert set(defs["QuestionOut"]["required"]) == {"input", "settles", "count"}
    assert {"rule", "title", "outcome", "severity", "status"} <= set(defs["ResultOut"]["required"])
    assert set(s["properties"]) >= {"assessment", "eligibility", "casework", "sharing", "layout"}


def test_the_enums_are_the_engines_own() -> None:
    result = ResultOut.model_fields
    assert set(get_args(result["outcome"].annotation)) == {o.value for o in Outcome}
    assert set(get_args(result["severity"].annotation)) == {s.value for s in Severity}
    assert set(get_args(result["status"].annotation)) == {o.value for o in Outcome} | {"waived"}
    assert set(get_args(SharingOut.model_fields["decision"].annotation)) == set(DECISIONS)
    states = json_schema("report")["$defs"]["CaseState"]["enum"]
    assert set(states) == {s.value for s in CaseState}


def test_the_shipped_schemas_are_the_ones_the_installed_package_reads() -> None:
    for path in sorted((ROOT / "schemas").glob("*.schema.json")):
        name = path.name.removesuffix(".schema.json")
        assert schema(name) == json.loads(path.read_text())
    assert schema("case_history") == schema("case-history")
    assert {p.name for p in (ROOT / "schemas").glob("*.json")} == {
        f"{n}.schema.json" for n in ("site", "case", "case-event", "case-history",
                                     "sharing-request", "staff-action", "waivers", "programme", "report")}
    for bad in ("nothing", "../pyproject", "report.schema", ""):
        with pytest.raises(KeyError, match="no shipped schema"):
            schema(bad)


def test_the_report_schema_is_made_of_the_shipped_subjects_only() -> None:
    """A subject an application registers does not change the schema mcrules ships."""
    assert {s.name for s in shipped_subjects()} == {"site", "case", "case_event", "case_history",
                                                   "sharing_request", "staff_action"}


# --- the schema can fail: a report that breaks the contract is refused --------------------------

@pytest.fixture(scope="module")
def good() -> dict[str, Any]:
    report = mcrules.evaluate("sharing_request", EX / "sharing" / "referral-request.yaml",
                              extras={"history": HISTORY})
    doc: dict[str, Any] = _json(report)
    return doc


def _broken(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    *parents, last = path.split(".")
    node: Any = out
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return out


@pytest.mark.parametrize(("path", "value"), [
    ("subject", KeyError),
    ("subject.kind", KeyError),
    ("subject.kind", "Sharing Request"),
    ("subject.id", 7),
    ("as_of", KeyError),
    ("packs.0.hash", KeyError),
    ("ruleset_hash", None),
    ("next_questions", KeyError),
    ("summary.pass", -1),
    ("sharing.decision", "allow"),
    ("sharing.decision", None),
    ("sharing.reasons", KeyError),
    ("sharing.obligations", "none"),
    ("sharing", None),
])
def test_a_report_that_breaks_the_contract_is_refused(
        validator: jsonschema.Draft202012Validator, good: dict[str, Any], path: str,
        value: Any) -> None:
    assert _problems(validator, good) == []
    assert _problems(validator, _broken(good, path, value)) != []


@pytest.mark.parametrize(("field", "value"), [("outcome", "passed"), ("severity", "critical"),
                                              ("status", "ok"), ("rule", None)])
def test_a_result_that_breaks_the_contract_is_refused(
        validator: jsonschema.Draft202012Validator, field: str, value: Any) -> None:
    doc = _json(mcrules.evaluate("site", EX / "transit-centre.yaml"))
    doc["results"][0][field] = value
    assert _problems(validator, doc) != []


def test_extra_keys_are_allowed_at_every_level(validator: jsonschema.Draft202012Validator,
                                               good: dict[str, Any]) -> None:
    doc = copy.deepcopy(good)
    doc["legacy_key"] = 1
    doc["subject"]["extra"] = "x"
    doc["sharing"]["extra"] = []
    assert _problems(validator, doc) == []


def test_a_subjects_own_model_holds_its_kind() -> None:
    doc = _json(mcrules.evaluate("case_history", EX / "casework" / "child-police-transfer.yaml"))
    envelope_model("case_history").model_validate(doc)
    Envelope.model_validate({**doc, "subject": {**doc["subject"], "kind": "site"}})
    with pytest.raises(ValueError, match="kind"):
        envelope_model("case_history").model_validate(
            {**doc, "subject": {**doc["subject"], "kind": "site"}})
    with pytest.raises(ValueError, match="state"):
        envelope_model("case_history").model_validate(
            {**doc, "casework": {**doc["casework"], "state": "nowhere"}})
