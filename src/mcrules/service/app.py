"""The decision service: every subject over HTTP (docs/service.md). Routes parse the request,
call `mcrules.evaluate` and send `Report.to_dict()`; no verdict is made here.

What a route may cost is bounded the way a file is (`mcrules.limits`): a body over
`MAX_DOCUMENT_BYTES` is refused (413) before a byte of it is parsed, by its Content-Length or
by counting what arrives; the JSON is parsed by the same bounded parser as a file (depth,
values, text length); and each evaluation runs in a worker thread for at most `timeout`
seconds (then 503). Every error, FastAPI's own included, is the CLI's error object.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import orjson
from fastapi import FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from mcrules import __version__
from mcrules.api.errors import INTERNAL, INVALID, error_body, error_object, problem
from mcrules.api.evaluate import evaluate
from mcrules.api.schemas import envelope_model, file_stem, json_schema
from mcrules.clock import instant, today
from mcrules.engine.report import Report
from mcrules.errors import InputError, McrulesError
from mcrules.limits import MAX_DOCUMENT_BYTES
from mcrules.located import loads_json
from mcrules.report.pack_json import declaration_dict
from mcrules.service.decision_log import (
    DECISION_ID_HEADER,
    SUBJECT_ID_HEADER,
    DecisionLog,
    record,
    subject_id,
)
from mcrules.service.models import (
    Declaration,
    ErrorResponse,
    Health,
    PackInfo,
    SubjectInfo,
)
from mcrules.service.packs import NotServed, ServedPacks
from mcrules.subjects import Subject, all_subjects, get
from mcrules.subjects.registry import UnknownSubjectError

log = logging.getLogger("mcrules.service")

#: seconds one evaluation may take before the request is answered 503
DEFAULT_TIMEOUT = 30.0
#: evaluations run at once (more requests wait for a worker, within their timeout)
DEFAULT_THREADS = 4
#: values one repeatable query parameter (`pack`, `variant`, `set`) may be given
MAX_QUERY_VALUES = 32

_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "No such subject, pack or rule."},
    422: {"model": ErrorResponse, "description": "Invalid input: the CLI's error object "
          "(exit code 2), each problem naming its field."},
    500: {"model": ErrorResponse, "description": "An internal error (a bug), in one line."},
}
_CHECK_ERRORS: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    413: {"model": ErrorResponse, "description": f"The body is over {MAX_DOCUMENT_BYTES:,} "
          "bytes (`mcrules.limits.MAX_DOCUMENT_BYTES`), refused before it is parsed."},
    503: {"model": ErrorResponse, "description": "The evaluation took longer than the "
          "service's time limit per request."},
}


class _TooLarge(Exception):
    """A body over the limit: 413."""


class _Error(Exception):
    """An error response: its status and error object."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data, option=orjson.OPT_SORT_KEYS), status_code=status,
                    media_type="application/json", headers=headers)


def _error(status: int, code: int, message: str, path: str | None = None) -> _Error:
    return _Error(status, error_body(code, [problem(path, None, message)]))


def _respond(exc: BaseException, debug: bool = False) -> Response:
    """The response to an exception a route raised: 404 for what is not here, 422 for invalid
    input, 500 in one line for anything else (the traceback goes to the server's log only
    with `--debug`: an exception's text may quote the input)."""
    if isinstance(exc, _Error):
        return _json(exc.body, exc.status)
    if isinstance(exc, NotServed | UnknownSubjectError):
        return _json(error_object(exc), 404)
    if isinstance(exc, McrulesError):
        return _json(error_object(exc), 422)
    log.error("internal error: %s", type(exc).__name__, exc_info=exc if debug else None)
    return _json(error_object(exc), 500)


async def _body(request: Request) -> bytes:
    """The request's body, refused (413) once it passes the limit: by its Content-Length
    before reading, else by counting the bytes as they arrive."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > MAX_DOCUMENT_BYTES:
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_DOCUMENT_BYTES:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _document(raw: bytes, subject: Subject[Any]) -> dict[str, Any]:
    """The body as a document: JSON, parsed within the limits, and an object."""
    doc = loads_json(raw, "request body")
    if not isinstance(doc, dict):
        raise InputError(f"the request body is a {subject.noun} document: a JSON object, got "
                         f"{'a list' if isinstance(doc, list) else type(doc).__name__}")
    return doc


def _parameters(values: Sequence[str]) -> dict[str, str]:
    """`set` query values `name=value` as parameters; InputError naming `set` otherwise."""
    out: dict[str, str] = {}
    for v in values:
        name, sep, value = v.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise InputError(f"expected NAME=VALUE, got {v[:60]!r}", path="set")
        out[name.strip()] = value.strip()
    return out


def _bounded(name: str, values: Sequence[str]) -> list[str]:
    if len(values) > MAX_QUERY_VALUES:
        raise InputError(f"at most {MAX_QUERY_VALUES} values, got {len(values)}", path=name)
    return list(values)


def _evaluated(subject: Subject[Any], doc: dict[str, Any], packs: list[Path],
               as_of: str | None, variants: list[str],
               parameters: dict[str, str]) -> tuple[Report, bytes]:
    """One evaluation and its JSON, in a worker thread (the JSON too: `next_questions` is
    searched for when the envelope is made)."""
    report = evaluate(subject, doc, packs=packs, as_of=as_of, variants=variants,
                      parameters=parameters or None)
    return report, orjson.dumps(report.to_dict(), option=orjson.OPT_SORT_KEYS)


class Service:
    """What the routes share: the served packs, the worker threads, the decision log."""

    def __init__(self, packs: ServedPacks, decision_log: DecisionLog | None, timeout: float,
                 threads: int, debug: bool) -> None:
        self.packs = packs
        self.decision_log = decision_log
        self.timeout = timeout
        self.threads = threads
        self._pool: ThreadPoolExecutor | None = None
        self.debug = debug

    @property
    def pool(self) -> ThreadPoolExecutor:
        """The worker threads, started on first use (again after `stop`: an app may be run
        more than once, as tests do)."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.threads,
                                            thread_name_prefix="mcrules-eval")
        return self._pool

    def stop(self) -> None:
        """At shutdown, once the requests in flight are answered: let the workers go (one still
        busy past its request's time limit is not waited for)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    async def check(self, subject: Subject[Any], request: Request, pack: list[str],
                    variant: list[str], as_of: str | None, set_: list[str],
                    caller_id: str | None) -> Response:
        try:
            who = subject_id(caller_id)
            folders = [self.packs.resolve(p) for p in _bounded("pack", pack)] \
                or [self.packs.default_for(subject)]
            variants = _bounded("variant", variant)
            parameters = _parameters(_bounded("set", set_))
            try:
                raw = await _body(request)
            except _TooLarge:
                raise _error(413, INVALID, f"a document is at most {MAX_DOCUMENT_BYTES:,} "
                             "bytes") from None
            doc = _document(raw, subject)
            work = partial(_evaluated, subject, doc, folders, as_of, variants, parameters)
            loop = asyncio.get_running_loop()
            try:
                report, data = await asyncio.wait_for(loop.run_in_executor(self.pool, work),
                                                      self.timeout)
            except TimeoutError:
                raise _error(503, INTERNAL, f"the evaluation took longer than "
                             f"{self.timeout:g} s, the service's limit per request") from None
            decision_id = str(uuid.uuid4())
            if self.decision_log is not None:
                self.decision_log.write(record(report, decision_id=decision_id,
                                               at=instant(), subject_ref=who))
        except Exception as exc:
            return _respond(exc, self.debug)
        return Response(data, media_type="application/json",
                        headers={DECISION_ID_HEADER: decision_id})


def _document_schemas() -> dict[str, Any]:
    """The components of every subject's document (see `_documents`)."""
    return _documents()[0]


def _documents() -> tuple[dict[str, Any], dict[str, str]]:
    """Each subject's document schema (`document_schema`, what `schemas/` holds) as OpenAPI
    components: its definitions beside it, its references pointed at them. Two subjects may
    name different models alike (a `Capacity` of a case and of another subject's document): the
    later one's is then named for its subject (`HouseholdCapacity`), within its schema only.
    Also each subject's document component name, which its route's request body refers to."""
    out: dict[str, Any] = {}
    names: dict[str, str] = {}
    for subject in all_subjects():
        schema = dict(document_schema(subject))
        defs = schema.pop("$defs", {})
        for key in ("$schema", "$id"):
            schema.pop(key, None)
        bodies = {**defs, subject.model.__name__: schema}
        renamed: dict[str, str] = {}
        for name, body in bodies.items():
            plain = _components_refs(body, {})
            if out.get(name, plain) != plain:
                renamed[name] = document_component(subject, name)
        for name, body in bodies.items():
            out[renamed.get(name, name)] = _components_refs(body, renamed)
        names[subject.name] = renamed.get(subject.model.__name__, subject.model.__name__)
    return out, names


def document_component(subject: Subject[Any], name: str | None = None) -> str:
    """The component name of a model of `subject`'s document (default: the document itself)
    when it clashes with another subject's model of that name."""
    camel = "".join(part.capitalize() for part in subject.name.split("_"))
    return f"{camel}{name or subject.model.__name__}"


def _components_refs(node: Any, renamed: dict[str, str]) -> Any:
    """`node` with every `#/$defs/X` reference made `#/components/schemas/X` (or the name
    `renamed` gives X)."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str) and v.startswith("#/$defs/"):
                target = v.removeprefix("#/$defs/")
                out[k] = f"#/components/schemas/{renamed.get(target, target)}"
            else:
                out[k] = _components_refs(v, renamed)
        return out
    if isinstance(node, list):
        return [_components_refs(v, renamed) for v in node]
    return node


def document_schema(subject: Subject[Any]) -> dict[str, Any]:
    """The JSON Schema of `subject`'s document, made as `schemas/<name>.schema.json` is."""
    return json_schema(file_stem(subject.name))


def create_app(*, packs: Sequence[str | Path] | None = None, decision_log: Path | None = None,
               timeout: float = DEFAULT_TIMEOUT, threads: int = DEFAULT_THREADS,
               debug: bool = False) -> FastAPI:
    """The service as an ASGI app: `packs` (ids, `id@version` or folders; default every
    installed pack) are loaded and compiled now, and are the only ones a request may name;
    with `decision_log`, one JSON line per decision is appended to that file. McrulesError when
    a pack does not load or the log cannot be opened."""
    served = ServedPacks(packs)
    service = Service(served, DecisionLog(decision_log) if decision_log else None, timeout,
                      threads, debug)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        service.stop()

    app = FastAPI(title="mcrules decision service", version=__version__, lifespan=lifespan,
                  description="Every mcrules subject over HTTP: the same JSON envelope as "
                  "`mcrules check SUBJECT - --format json`, the CLI's error object on every "
                  "error. See docs/service.md.")
    app.state.service = service
    _routes(app, service)
    _handlers(app)
    _openapi(app)
    return app


def _routes(app: FastAPI, service: Service) -> None:
    _, names = _documents()
    for subject in all_subjects():
        app.add_api_route(
            f"/v1/check/{subject.name}", _check_route(service, subject), methods=["POST"],
            name=f"check_{subject.name}", summary=f"Check a {subject.noun}",
            description=f"{subject.description} The body is the {subject.noun} document as "
            f"JSON; the default pack is {subject.default_pack}.",
            tags=["check"], responses={200: {"model": envelope_model(subject), "headers": {
                DECISION_ID_HEADER: {"description": "The id of this decision in the decision "
                                     "log.", "schema": {"type": "string"}}}}, **_CHECK_ERRORS},
            openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{names[subject.name]}"}}}}})

    @app.post("/v1/check/{subject}", include_in_schema=False)
    async def unknown_subject(subject: str) -> Response:
        try:
            get(subject)
        except UnknownSubjectError as exc:
            return _respond(exc)
        return _respond(_error(404, INVALID, f"no route for subject {subject!r}"))

    @app.get("/v1/subjects", response_model=list[SubjectInfo], tags=["subjects"],
             responses=_ERRORS)
    async def subjects() -> Response:
        return _json([{"name": s.name, "description": s.description,
                       "default_pack": s.default_pack,
                       "schema_url": f"/v1/subjects/{s.name}/schema",
                       "check_url": f"/v1/check/{s.name}"} for s in all_subjects()])

    @app.get("/v1/subjects/{subject}/schema", response_model=dict[str, Any], tags=["subjects"],
             responses=_ERRORS, summary="The JSON Schema of a subject's document")
    async def subject_schema(subject: str) -> Response:
        try:
            return _json(document_schema(get(subject)))
        except Exception as exc:
            return _respond(exc, service.debug)

    @app.get("/v1/packs", response_model=list[PackInfo], tags=["packs"], responses=_ERRORS)
    async def packs() -> Response:
        return _json([p.as_dict() for p in service.packs])

    @app.get("/v1/packs/{pack_id}/rules/{rule_id}", response_model=Declaration, tags=["packs"],
             responses=_ERRORS, summary="A rule, value or decision table, as `mcrules rules "
             "show` describes it")
    async def rule(pack_id: str, rule_id: str) -> Response:
        try:
            pack = service.packs.get(pack_id).pack
            try:
                return _json(declaration_dict(pack, rule_id, today()))
            except McrulesError as exc:  # the pack's own message, with "did you mean"
                raise NotServed(exc.message, path="rule") from None
        except Exception as exc:
            return _respond(exc, service.debug)

    @app.get("/healthz", response_model=Health, tags=["service"], responses=_ERRORS)
    async def healthz() -> Response:
        return _json({"status": "ok", "mcrules_version": __version__,
                      "packs": sum(1 for _ in service.packs)})


def _check_route(service: Service, subject: Subject[Any]) -> Callable[..., Any]:
    async def check(
        request: Request,
        pack: Annotated[list[str], Query(description="A pack id or `id@version` (repeatable); "
                                         "default: the subject's default pack.")] = [],  # noqa: B006
        variant: Annotated[list[str], Query(description="A named variant of the packs "
                                            "(repeatable).")] = [],  # noqa: B006
        as_of: Annotated[str | None, Query(description="The evaluation date, YYYY-MM-DD; "
                                           "default: the document's own, else today.")] = None,
        set_: Annotated[list[str], Query(alias="set", description="A parameter override "
                                         "`name=value` (repeatable).")] = [],  # noqa: B006
        x_mcrules_subject_id: Annotated[str | None, Header(
            alias=SUBJECT_ID_HEADER, description="Your own id of the subject (letters, digits, "
            "`._:/-`, at most 128), kept in the decision log; never a name.")] = None,
    ) -> Response:
        return await service.check(subject, request, pack, variant, as_of, set_,
                                   x_mcrules_subject_id)

    return check


def _handlers(app: FastAPI) -> None:
    """FastAPI's and Starlette's own errors (a bad query, an unknown route, a wrong method) as
    the error object, so every route fails in one shape."""

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> Response:
        problems = [problem(".".join(str(p) for p in e.get("loc", ())[1:]) or None, None,
                            str(e.get("msg", "invalid"))) for e in exc.errors()]
        return _json(error_body(INVALID, problems), 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> Response:
        return _json(error_body(INVALID if exc.status_code < 500 else INTERNAL,
                                [problem(None, None, str(exc.detail))]), exc.status_code,
                     dict(exc.headers) if exc.headers else None)


def _openapi(app: FastAPI) -> None:
    """The OpenAPI document with each subject's document model among its components."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description,
                             routes=app.routes)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, body in _document_schemas().items():
            if name in components and components[name] != body:
                raise McrulesError(f"two schemas are called {name} in the OpenAPI document")
            components[name] = body
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
