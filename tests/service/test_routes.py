"""Every route but the check's happy path: the listings, the schemas, the rules, and every error
in the one shape `{"error": {"code", "problems"}}`, at the status the contract gives it."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

import jsonschema
import orjson
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mcrules
from mcrules.limits import MAX_DEPTH, MAX_DOCUMENT_BYTES
from mcrules.report.pack_json import declaration_dict
from mcrules.service import create_app
from mcrules.subjects import all_subjects, load_subject_pack
from tests.service.conftest import error_problems
from tests.service.examples import ROOT, shipped


def _site() -> dict[str, Any]:
    return next(c[2] for c in shipped() if c[0] == "transit-centre.yaml")


# --- listings --------------------------------------------------------------------------------

def test_subjects_lists_every_registered_subject(client: TestClient) -> None:
    listed = client.get("/v1/subjects").json()
    assert [s["name"] for s in listed] == [s.name for s in all_subjects()]
    site = next(s for s in listed if s["name"] == "site")
    assert site == {"name": "site", "description": site["description"],
                    "default_pack": "mct-2023", "schema_url": "/v1/subjects/site/schema",
                    "check_url": "/v1/check/site"}


@pytest.mark.parametrize("subject", ["site", "case", "case_history", "sharing_request"])
def test_a_subjects_schema_is_the_shipped_schema_file(client: TestClient, subject: str) -> None:
    shipped_file = ROOT / "schemas" / f"{subject.replace('_', '-')}.schema.json"
    assert client.get(f"/v1/subjects/{subject}/schema").json() == json.loads(
        shipped_file.read_text())


def test_the_schema_of_an_unknown_subject_is_404_naming_the_close_one(client: TestClient) -> None:
    response = client.get("/v1/subjects/sites/schema")
    assert response.status_code == 404
    assert "did you mean 'site'" in error_problems(response.json())[0]["message"]


def test_packs_lists_id_version_hash_and_dates_of_every_served_pack(client: TestClient) -> None:
    listed = {p["id"]: p for p in client.get("/v1/packs").json()}
    assert {"mct-2023", "data-sharing-2023", "eligibility-2023", "casework-2023"} <= set(listed)
    mct = load_subject_pack("mct-2023")
    assert listed["mct-2023"] == {
        "id": "mct-2023", "version": mct.version, "hash": mct.content_hash, "title": mct.title,
        "effective_from": "2023-01-01", "effective_to": None, "subjects": ["site"]}


def test_a_rule_is_what_rules_show_says(client: TestClient) -> None:
    pack = load_subject_pack("mct-2023")
    rule = pack.rule("mct.wash.toilets.female")
    shown = client.get("/v1/packs/mct-2023/rules/mct.wash.toilets.female").json()
    assert shown["kind"] == "rule"
    assert shown["check"] == rule.check_text
    assert shown["rule_hash"] == pack.rule_hashes[rule.id]
    assert shown["citations"][0]["quote"] == rule.citations[0].quote
    assert [p["name"] for p in shown["parameters"]] == list(rule.params)
    assert shown["disagreements"][0]["variant"] == "separated-everywhere"
    assert shown["defined_at"].startswith("mct-2023/wash.yaml:")  # not the server's path
    assert shown == declaration_dict(pack, rule.id, dt.date.today())


@pytest.mark.parametrize(("pack", "item", "kind"), [
    ("data-sharing-2023", "sharing.decision", "decision"),
    ("data-sharing-2023", "sharing.data_class", "value")])
def test_values_and_decision_tables_are_shown_too(client: TestClient, pack: str, item: str,
                                                  kind: str) -> None:
    shown = client.get(f"/v1/packs/{pack}/rules/{item}").json()
    assert (shown["kind"], shown["id"], shown["pack"]) == (kind, item, pack)


@pytest.mark.parametrize("url", ["/v1/packs/mct-2024/rules/mct.wash.toilets.female",
                                 "/v1/packs/mct-2023/rules/mct.wash.toilets.femal"])
def test_an_unknown_pack_or_rule_is_404(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert "did you mean" in error_problems(response.json())[0]["message"] or \
        "served" in response.text


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "mcrules_version":
                                             mcrules.__version__,
                                             "packs": len(client.get("/v1/packs").json())}


# --- OpenAPI ---------------------------------------------------------------------------------

def test_openapi_types_each_subjects_body_and_response(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    components = spec["components"]["schemas"]
    for s in all_subjects():
        post = spec["paths"][f"/v1/check/{s.name}"]["post"]
        ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert ref == f"#/components/schemas/{s.model.__name__}"
        assert components[s.model.__name__]["properties"]  # the model, not `object`
        ok = post["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        report = components[ok.rsplit("/", 1)[1]]
        assert {"subject", "results", "packs", "ruleset_hash"} <= set(report["required"])
        for status in ("404", "413", "422", "500", "503"):
            assert post["responses"][status]["content"]["application/json"]["schema"] == \
                {"$ref": "#/components/schemas/ErrorResponse"}
    assert "HTTPValidationError" not in components  # FastAPI's own 422 shape is not ours
    for s in all_subjects():  # each body is the subject's schema file, definitions moved out
        served = client.get(f"/v1/subjects/{s.name}/schema").json()
        body = {k: v for k, v in served.items() if k not in ("$defs", "$schema", "$id")}
        text = json.dumps(body).replace("#/$defs/", "#/components/schemas/")
        assert components[s.model.__name__] == json.loads(text)
        for name in served.get("$defs", {}):
            assert name in components
    assert "features" in components["Site"]["properties"]  # the layout keys, as in schemas/


def test_every_example_response_is_valid_against_the_openapi_document(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    firsts = {(c[1], c[3]): c for c in reversed(shipped())}  # one per subject and pack
    for name, subject, body, query in firsts.values():
        response = client.post(f"/v1/check/{subject}", json=body, params=list(query))
        schema = spec["paths"][f"/v1/check/{subject}"]["post"]["responses"]["200"]["content"][
            "application/json"]["schema"]
        jsonschema.validate(response.json(), {**schema, "components": spec["components"]},
                            cls=jsonschema.Draft202012Validator)
        assert name


# --- errors ----------------------------------------------------------------------------------

def test_an_invalid_document_is_422_naming_each_field(client: TestClient) -> None:
    bad = {**_site(), "population": {"female": -3, "male": "many"}}
    response = client.post("/v1/check/site", json=bad)
    assert response.status_code == 422
    paths = {p["path"] for p in error_problems(response.json())}
    assert {"population.female", "population.male"} <= paths


@pytest.mark.parametrize(("body", "path"), [
    (b"{\"name\": ", None), (b"[1, 2]", None), (b"\"a site\"", None),
    (b"{\"a\": 1, \"a\": 2}", None), (b"{\"name\": NaN}", None), (b"\xff\xfe", None)])
def test_a_body_that_is_not_one_json_object_is_422(client: TestClient, body: bytes,
                                                   path: str | None) -> None:
    response = client.post("/v1/check/site", content=body,
                           headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert error_problems(response.json())[0]["path"] == path


def test_nesting_past_the_limit_is_422_before_the_model_sees_it(client: TestClient) -> None:
    deep: Any = 1
    for _ in range(MAX_DEPTH + 5):
        deep = {"x": deep}
    response = client.post("/v1/check/site", json={**_site(), "extra": deep})
    assert response.status_code == 422
    assert "nested more than" in error_problems(response.json())[0]["message"]


@pytest.mark.parametrize(("query", "path", "status"), [
    ([("pack", "../../etc")], "pack", 404),
    ([("pack", str(ROOT / "rules" / "mct-2023"))], "pack", 404),  # a folder is not a pack id
    ([("pack", "mct-2023@2099.1.0")], "pack", 404),
    ([("pack", "mct 2023")], "pack", 422),
    ([("as_of", "2024-13-01")], "as_of", 422),
    ([("as_of", "1999-01-01")], "as_of", 422),  # no rule in force then
    ([("set", "people_per_toilet")], "set", 422),
    ([("set", "no_such_parameter=3")], None, 422),
    ([("variant", "no-such-variant")], None, 422),
    ([("pack", "mct-2023")] * 33, "pack", 422)])
def test_bad_query_options_are_errors_naming_the_option(client: TestClient, query: Any,
                                                        path: str | None, status: int) -> None:
    response = client.post("/v1/check/site", json=_site(), params=query)
    assert response.status_code == status, response.text
    problems = error_problems(response.json())
    if path is not None:
        assert problems[0]["path"] == path


def test_an_unknown_subject_is_404_naming_the_close_one(client: TestClient) -> None:
    response = client.post("/v1/check/sites", json=_site())
    assert response.status_code == 404
    assert "did you mean 'site'" in error_problems(response.json())[0]["message"]


@pytest.mark.parametrize(("method", "url", "status"), [
    ("GET", "/v1/nowhere", 404), ("PUT", "/v1/check/site", 405), ("GET", "/v1/check/site", 405),
    ("DELETE", "/v1/packs", 405)])
def test_the_frameworks_own_errors_have_the_same_shape(client: TestClient, method: str,
                                                       url: str, status: int) -> None:
    response = client.request(method, url)
    assert response.status_code == status
    error_problems(response.json())


def test_fastapis_validation_error_has_the_same_shape(app: FastAPI) -> None:
    """A route with a typed parameter, added to a fresh copy of the app: FastAPI's own 422
    (`{"detail": [...]}`) is replaced by the error object, naming the parameter."""
    own = create_app()

    @own.get("/typed")
    async def typed(n: int) -> dict[str, int]:
        return {"n": n}

    with TestClient(own) as c:
        response = c.get("/typed", params={"n": "three"})
    assert response.status_code == 422
    assert error_problems(response.json())[0]["path"] == "n"


def test_a_body_over_the_limit_is_413(client: TestClient) -> None:
    padding = "x" * 1000
    big = {**_site(), "notes": [padding] * (MAX_DOCUMENT_BYTES // 1000 + 1)}
    response = client.post("/v1/check/site", json=big)
    assert response.status_code == 413
    assert "at most 1,048,576 bytes" in error_problems(response.json())[0]["message"]


def test_a_body_over_the_limit_is_413_counted_as_it_streams(client: TestClient) -> None:
    """Sent in chunks without a Content-Length: refused once the count passes the limit."""
    def chunks() -> Any:
        yield b"{\"name\": \""
        for _ in range(MAX_DOCUMENT_BYTES // 65536 + 2):
            yield b"x" * 65536
        yield b"\"}"

    response = client.post("/v1/check/site", content=chunks())
    assert response.status_code == 413


def test_a_declared_length_over_the_limit_is_413_before_a_byte_is_read(app: FastAPI) -> None:
    """The ASGI app is driven by hand: its `receive` is never called."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        raise AssertionError("the body was read")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/v1/check/site", "raw_path":
             b"/v1/check/site", "query_string": b"", "root_path": "",
             "headers": [(b"content-type", b"application/json"),
                         (b"content-length", str(MAX_DOCUMENT_BYTES + 1).encode())],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80), "state": {}}
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 413
    error_problems(orjson.loads(sent[1]["body"]))


def test_a_site_document_cannot_name_a_file_on_the_server(client: TestClient) -> None:
    """`layout: x.geojson` in a request would be read from the server's working directory."""
    response = client.post("/v1/check/site",
                           json={**_site(), "layout": "examples/layout/transit-centre-layout.geojson"})
    assert response.status_code == 422
    problem = error_problems(response.json())[0]
    assert problem["path"] == "layout" and "inline" in problem["message"]


def test_an_internal_error_is_500_in_one_line_without_its_text(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("Amina Yusuf, born 2009-03-14: secret")

    monkeypatch.setattr("mcrules.service.app.evaluate", broken)
    response = client.post("/v1/check/site", json=_site())
    assert response.status_code == 500
    problems = error_problems(response.json(), code=3)
    assert len(problems) == 1 and "\n" not in problems[0]["message"]
    assert "RuntimeError" in problems[0]["message"]
    assert "Amina" not in response.text and "Traceback" not in response.text


def test_an_evaluation_past_the_time_limit_is_503() -> None:
    slow = create_app(timeout=0.001)
    with TestClient(slow) as c:
        response = c.post("/v1/check/site", json=_site())
    assert response.status_code == 503
    assert "longer than 0.001 s" in error_problems(response.json(), code=3)[0]["message"]


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False,
                                                                       allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                 max_size=4),
    max_leaves=20)
_SUBJECTS = [s.name for s in all_subjects()]


@settings(max_examples=40, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(subject=st.sampled_from(_SUBJECTS),
       body=st.dictionaries(st.sampled_from(["name", "id", "population", "fields", "events",
                                             "person", "action", "toilets", "consent",
                                             "recipient", "case", "setting", "x"]), _JSON,
                            max_size=5) | _JSON)
def test_any_json_body_is_a_report_or_invalid_input_never_a_500(client: TestClient,
                                                                subject: str, body: Any) -> None:
    response = client.post(f"/v1/check/{subject}", content=orjson.dumps(body),
                           headers={"content-type": "application/json"})
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        error_problems(response.json())
    else:
        assert response.json()["subject"]["kind"] == subject


@settings(max_examples=25, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(raw=st.binary(max_size=200))
def test_any_bytes_are_a_report_or_invalid_input_never_a_500(client: TestClient,
                                                             raw: bytes) -> None:
    response = client.post("/v1/check/site", content=raw)
    assert response.status_code in (200, 422), response.text
