"""Decision logs: one JSON line per decision, enough to audit it, and no personal data. Requests
are sent with names, dates of birth and free text planted in every subject's document; none of
it may reach the log, and only the id the caller passes in its header does."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import mcrules
from mcrules.service import create_app
from mcrules.service.decision_log import MAX_LINE_BYTES
from tests.service.conftest import error_problems
from tests.service.examples import shipped

NAME = "Amina Yusuf Okonkwo"
BORN = "2009-03-14"
STORY = "fled her uncle's house in Agadez after he beat her"


def _example(name: str) -> dict[str, Any]:
    return next(c[2] for c in shipped() if c[0] == name)


def _planted() -> list[tuple[str, dict[str, Any], list[tuple[str, str]]]]:
    """(subject, document, query): every subject, with personal data in its fields and in keys
    the model does not know (kept as warnings in the report, never in the log)."""
    site = {**_example("transit-centre.yaml"), "name": f"Shelter of {NAME}",
            "contact": NAME, "date_of_birth": BORN}
    case = _example("cases/girl-in-transit.yaml")
    case = {**case, "id": "C-2026-0042", "name": NAME, "date_of_birth": BORN,
            "factors": [*case["factors"], {"text": STORY, "level": "family_household",
                                           "direction": "risk"}]}
    history = _example("casework/withdrawal.yaml")
    events = [*history["events"][:-1], {**history["events"][-1], "note": f"{NAME}: {STORY}"}]
    history = {**history, "events": events}  # strict keys: the name goes in a note
    request = {**_example("sharing/referral-request.yaml"), "purpose": f"{STORY} ({NAME})",
               "recipient": {"type": "ngo", "name": f"Friends of {NAME}"}}
    eligibility = {**_example("eligibility/first-contact.yaml"), "name": NAME,
                   "date_of_birth": BORN}
    action = _example("casework/incident/ask-if-hurt.yaml")  # no field holds text to plant
    return [("site", site, []), ("case", case, []), ("case_history", history, []),
            ("sharing_request", request, []),
            ("case", eligibility, [("pack", "eligibility-2023")]),
            ("staff_action", action, [])]


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Any]]:
    path = tmp_path_factory.mktemp("log") / "decisions.jsonl"
    app = create_app(decision_log=path)
    responses = []
    with TestClient(app) as c:
        for n, (subject, doc, query) in enumerate(_planted()):
            headers = {"X-Mcrules-Subject-Id": f"ref-{n}"} if n % 2 == 0 else {}
            response = c.post(f"/v1/check/{subject}", json=doc, params=query, headers=headers)
            assert response.status_code == 200, response.text
            responses.append(response)
        # errors are not decisions: nothing is logged for them
        assert c.post("/v1/check/site", json={"population": NAME}).status_code == 422
    return path, responses


def test_no_personal_data_reaches_the_log(logged: tuple[Path, list[Any]]) -> None:
    path, responses = logged
    text = path.read_text()
    for planted in (NAME, "Amina", "Yusuf", BORN, "2009", "uncle", "Agadez", "C-2026-0042",
                    "Shelter of", "Friends of", "beat her"):
        assert planted not in text
    # the planted data did reach the reports: the log left it out, the service did not lose it
    assert any(NAME in r.text for r in responses)


def test_one_line_per_decision_with_what_an_audit_needs(logged: tuple[Path, list[Any]]) -> None:
    path, responses = logged
    lines = path.read_text().splitlines()
    assert len(lines) == len(responses)
    for n, (line, response) in enumerate(zip(lines, responses, strict=True)):
        assert len(line.encode()) < MAX_LINE_BYTES
        entry = json.loads(line)
        report = response.json()
        assert set(entry) == {"decision_id", "time", "subject", "subject_id", "packs",
                              "ruleset_hash", "as_of", "summary", "decisions", "refused",
                              "failed"}
        assert entry["decision_id"] == response.headers["X-Mcrules-Decision-Id"]
        assert entry["subject"] == report["subject"]["kind"]
        assert entry["subject_id"] == (f"ref-{n}" if n % 2 == 0 else None)
        assert entry["ruleset_hash"] == report["ruleset_hash"]
        assert entry["packs"] == [{"id": p["id"], "version": p["version"], "hash": p["hash"],
                                   "variants": p["variants"]} for p in report["packs"]]
        assert entry["as_of"] == report["as_of"]
        assert entry["summary"] == report["summary"]
        assert entry["decisions"] == {d["decision_table"]: d["decision"]
                                      for d in report["decisions"]}
        when = dt.datetime.fromisoformat(entry["time"].replace("Z", "+00:00"))
        assert abs((dt.datetime.now(dt.UTC) - when).total_seconds()) < 600
    sharing = json.loads(lines[3])
    assert sharing["subject"] == "sharing_request" and sharing["decisions"]["sharing.decision"]
    casework = json.loads(lines[2])
    assert casework["refused"] is mcrules.evaluate(
        "case_history", _planted()[2][1]).refused


@pytest.mark.parametrize("given", [NAME, "a" * 129, "ref\n2", "", "ref 2", "Amina\u00a0Y"])
def test_a_subject_id_that_is_not_a_plain_reference_is_refused(client: TestClient,
                                                                given: str) -> None:
    response = client.post("/v1/check/site", json=_example("transit-centre.yaml"),
                           headers={"X-Mcrules-Subject-Id": given.encode()})
    assert response.status_code == 422
    assert error_problems(response.json())[0]["path"] == "X-Mcrules-Subject-Id"


def test_a_decision_log_that_cannot_be_opened_stops_the_service(tmp_path: Path) -> None:
    with pytest.raises(mcrules.McrulesError, match="--decision-log"):
        create_app(decision_log=tmp_path)  # a folder


def test_a_decision_log_that_is_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "log.fifo"
    os.mkfifo(fifo)
    with pytest.raises(mcrules.McrulesError, match="--decision-log"):
        create_app(decision_log=fifo)


@pytest.mark.parametrize(("args", "said"), [
    (["--pack", "no-such-pack"], "no pack 'no-such-pack'"),
    (["--pack", "mct-2023@1999.1.0"], "asks for version 1999.1.0"),
    (["--decision-log", "{tmp}"], "--decision-log")])
def test_serve_refuses_to_start_on_a_bad_pack_or_log(tmp_path: Path, args: list[str], said: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Exit 2 with the reason, before the port is opened (the server is never run)."""
    import uvicorn
    from typer.testing import CliRunner

    from mcrules.cli.main import app

    def never(*_: Any, **__: Any) -> None:
        raise AssertionError("the server was started")

    monkeypatch.setattr(uvicorn, "run", never)

    result = CliRunner().invoke(app, ["serve", "--port", "1", *[a.format(tmp=tmp_path)
                                                                for a in args]])
    assert result.exit_code == 2, result.output
    assert said in " ".join(result.output.split())
