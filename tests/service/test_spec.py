"""Tests from the spec: schemathesis reads the service's own OpenAPI document and sends what it
describes to every route, in process, a bounded number of examples per route: no answer is a
500, and every answer is one the document declares, valid against its schema (the envelope of
a check, the error object of an error)."""

from __future__ import annotations

import orjson
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mcrules.subjects import all_subjects

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
ROUTES = [*(("POST", f"/v1/check/{s.name}") for s in all_subjects()),
          ("GET", "/v1/subjects"), ("GET", "/v1/subjects/{subject}/schema"),
          ("GET", "/v1/packs"), ("GET", "/v1/packs/{pack_id}/rules/{rule_id}"),
          ("GET", "/healthz")]


@pytest.fixture(scope="module")
def spec(app: FastAPI) -> schemathesis.schemas.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_the_document_lists_exactly_these_routes(spec: schemathesis.schemas.BaseSchema) -> None:
    listed = {(method.upper(), path) for path, item in spec.raw_schema["paths"].items()
              for method in item}
    assert listed == set(ROUTES)


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_every_route_answers_as_its_openapi_document_says(
        spec: schemathesis.schemas.BaseSchema, method: str, path: str) -> None:
    operation = spec[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=12, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def answers(case: schemathesis.Case) -> None:
        case.call_and_validate(checks=CHECKS)

    answers()


def test_a_registered_subject_whose_model_names_clash_with_a_shipped_one_keeps_both() -> None:
    """The casefile test subject has its own `Capacity`, unlike the case's: the OpenAPI document
    names its one for its subject, and each request body refers to its own models."""
    import tests.subjects.casefile.subject  # noqa: F401  registers it, one line in its own file
    from mcrules.service import create_app

    doc = create_app().openapi()
    schemas = doc["components"]["schemas"]
    assert "Capacity" in schemas and "CasefileCapacity" in schemas
    assert schemas["Capacity"] != schemas["CasefileCapacity"]
    texts = orjson.dumps(schemas["CaseFile"]).decode()
    assert "#/components/schemas/CasefileCapacity" in texts
    assert "#/components/schemas/Capacity\"" not in texts
