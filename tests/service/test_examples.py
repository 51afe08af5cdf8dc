"""The service's answer for every shipped example of every subject is the CLI's JSON, key for
key: `mcrules.evaluate(...).to_dict()` on the same document with the same packs."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

import mcrules
from tests.service.examples import EXAMPLES, shipped

CASES = shipped()


def _reference(subject: str, body: Any, query: tuple[tuple[str, str], ...]) -> Any:
    packs = [v for k, v in query if k == "pack"] or None
    report = mcrules.evaluate(subject, body, packs=packs)
    return orjson.loads(orjson.dumps(report.to_dict()))


@pytest.mark.parametrize(("subject", "body", "query"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_every_shipped_example_is_answered_as_the_cli_answers_it(
        client: TestClient, subject: str, body: Any, query: tuple[tuple[str, str], ...]) -> None:
    response = client.post(f"/v1/check/{subject}", json=body, params=list(query))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json() == _reference(subject, body, query)


def test_every_subject_has_a_shipped_example_answered() -> None:
    from mcrules.api.schemas import shipped_subjects

    tried = {c[1] for c in CASES}
    # case_event: the facts of one step of a case history, checked through case_history;
    # shipped only: a test subject another test registered (tests/subjects) ships no example
    assert tried >= {s.name for s in shipped_subjects()} - {"case_event"}


def test_a_layout_sent_inline_measures_what_the_file_measures(client: TestClient) -> None:
    """The layout example as a client sends it (its GeoJSON inline) is the same report as the
    site file read from disk with its layout file, but for the file it came from."""
    body = next(c[2] for c in CASES if c[0] == "layout/transit-centre.yaml")
    served = client.post("/v1/check/site", json=body).json()
    from_file = orjson.loads(orjson.dumps(
        mcrules.evaluate("site", EXAMPLES / "layout" / "transit-centre.yaml").to_dict()))
    assert served["summary"]["fail"] >= 1
    assert served["subject"] == {**from_file["subject"], "file": None}
    assert {k: v for k, v in served.items() if k not in ("subject", "site")} == \
        {k: v for k, v in from_file.items() if k not in ("subject", "site")}


def test_the_query_options_are_the_cli_options(client: TestClient) -> None:
    """`pack` (pinned), `variant`, `as_of` and `set` reach evaluate as the CLI's options do."""
    body = next(c[2] for c in CASES if c[0] == "transit-centre.yaml")
    query = [("pack", "mct-2023@2023.2.0"), ("variant", "separated-everywhere"),
             ("as_of", "2024-06-01"), ("set", "people_per_toilet=15 person")]
    response = client.post("/v1/check/site", json=body, params=query)
    assert response.status_code == 200, response.text
    expected = mcrules.evaluate("site", body, packs=["mct-2023@2023.2.0"],
                                variants=["separated-everywhere"], as_of="2024-06-01",
                                parameters={"people_per_toilet": "15 person"})
    assert response.json() == orjson.loads(orjson.dumps(expected.to_dict()))
    assert response.json()["packs"][0]["overrides"] == {"people_per_toilet": "15 person"}
    assert response.json()["packs"][0]["variants"] == ["separated-everywhere"]
    assert response.json()["as_of"] == "2024-06-01"

    both = client.post("/v1/check/site", json=body,
                       params=[("pack", "mct-2023"), ("pack", "sphere-2018")])
    expected = mcrules.evaluate("site", body, packs=["mct-2023", "sphere-2018"])
    assert both.json() == orjson.loads(orjson.dumps(expected.to_dict()))
    assert [p["pack"] for p in both.json()["by_pack"]] == ["mct-2023", "sphere-2018"]


def test_a_programme_pack_served_from_its_folder_is_named_by_its_id() -> None:
    """`mcrules serve --pack casework-2023 --pack examples/casework/programme-casework`: a
    request names the programme's pack by id, and gets what evaluate gives with its folder."""
    from mcrules.service import create_app

    folder = EXAMPLES / "casework" / "programme-casework"
    body = next(c[2] for c in CASES if c[0] == "casework/child-police-transfer.yaml")
    with TestClient(create_app(packs=["casework-2023", str(folder)])) as c:
        assert [p["id"] for p in c.get("/v1/packs").json()] == ["casework-2023",
                                                                "programme-casework"]
        response = c.post("/v1/check/case_history", json=body,
                          params=[("pack", "casework-2023"), ("pack", "programme-casework")])
        refused = c.post("/v1/check/case_history", json=body, params={"pack": str(folder)})
        site = next(case[2] for case in CASES if case[0] == "transit-centre.yaml")
        unserved = c.post("/v1/check/site", json=site)
    expected = mcrules.evaluate("case_history", body, packs=["casework-2023", folder])
    assert response.status_code == 200, response.text
    assert response.json() == orjson.loads(orjson.dumps(expected.to_dict()))
    assert refused.status_code == 404  # a folder is not a pack id
    assert unserved.status_code == 404  # the site's default pack, mct-2023, is not served
    assert "mct-2023" in unserved.json()["error"]["problems"][0]["message"]
