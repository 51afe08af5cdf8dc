"""JSON Schemas: one per subject's file, one per companion file a subject declares, and the JSON
report's envelope, all made from the registry, so a new subject's schema appears without an edit
here; and the shipped ones, read from the installed package.

File names are the names with `_` as `-` (`case_history` → `case-history.schema.json`); a
companion file whose model is a subject's already (a sharing request's `history` is a case
history) is not written twice. The report's schema is `report.schema.json`: the envelope of
`mcrules.models.envelope`, with every part any subject carries typed by the model its
declaration names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import orjson
from pydantic import BaseModel, create_model

from mcrules.errors import McrulesError
from mcrules.models.envelope import Envelope, SubjectRef
from mcrules.subjects import Subject, all_subjects, get, parts_of
from mcrules.subjects.hooks import resolve

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_BASE = "https://mcrules.org/schemas"
REPORT = "report"
PACKAGE_FOLDER = "schemas"
"""Where the shipped schemas are inside the installed package (`src/mcrules/schemas` is a link
to the checkout's `schemas/`, as `packs` is to `rules/`)."""
_NAME = re.compile(r"^[a-z][a-z0-9-]*$")


def file_stem(name: str) -> str:
    """The schema file's name for a subject or companion name: `case_history` → `case-history`."""
    return name.replace("_", "-")


def shipped(subject: Subject[Any]) -> bool:
    """Whether the subject's schema ships with mcrules: its model is one of mcrules' own (a
    subject declared by an application or a test writes its schema, but not into our wheel)."""
    return subject.model.__module__.partition(".")[0] == "mcrules"


def _subjects(subjects: Iterable[Subject[Any]] | None) -> tuple[Subject[Any], ...]:
    return all_subjects() if subjects is None else tuple(subjects)


def documents(subjects: Iterable[Subject[Any]] | None = None) -> dict[str, Callable[[], dict[str, Any]]]:
    """Each schema file's name (without `.schema.json`) and what makes its schema: every subject
    (default: every registered one), then every companion file with a model no subject has,
    then the report's envelope."""
    chosen = _subjects(subjects)
    out: dict[str, Callable[[], dict[str, Any]]] = {}
    models: set[type[BaseModel]] = set()
    for subject in chosen:
        out[file_stem(subject.name)] = _input_schema(subject.model, subject.schema_extra)
        models.add(subject.model)
    for subject in chosen:
        for extra in subject.extras:
            if extra.model in models:
                continue
            stem = file_stem(extra.name)
            if stem in out:
                raise McrulesError(f"the companion file {extra.name!r} of subject {subject.name} "
                                   f"has the schema name of another model: rename one")
            out[stem] = _input_schema(extra.model, {})
            models.add(extra.model)
    if REPORT in out:
        raise McrulesError(f"a subject or companion file may not be called {REPORT!r}: it is "
                           "the report's schema")
    out[REPORT] = lambda: envelope_model(subjects=chosen).model_json_schema()
    return out


def _input_schema(model: type[BaseModel],
                  extra: Any) -> Callable[[], dict[str, Any]]:
    def make() -> dict[str, Any]:
        schema = model.model_json_schema()
        if extra:
            schema["properties"] = {**schema["properties"], **extra}
        return schema

    return make


def part_models(subject: Subject[Any]) -> dict[str, type[BaseModel]]:
    """The model of each part a report of `subject` may carry, by key: those its checker
    attaches (`Subject.attaches`), then those other domains attach (`Part.schema`)."""
    named = dict(subject.attaches)
    for part in parts_of(subject.name):
        if part.schema:
            named[part.key] = part.schema
    out: dict[str, type[BaseModel]] = {}
    for key, target in named.items():
        model = resolve(target)
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise McrulesError(f"the {key!r} part of subject {subject.name} names {target!r}, "
                               "which is not a pydantic model")
        out[key] = model
    return out


def envelope_model(subject: str | Subject[Any] | None = None, *,
                   subjects: Iterable[Subject[Any]] | None = None) -> type[Envelope]:
    """The pydantic model of a report's JSON. With `subject`, a report of that subject: its
    `subject.kind` is the subject's name and its parts are typed. Without, any report of
    `subjects` (default: every registered one): each part any of them carries is typed under
    its key. Parts are never required: a part is there only when a pack it reads was given (a
    case's `assessment` with domv-2023, its `eligibility` with eligibility-2023)."""
    if subject is not None:
        one = get(subject) if isinstance(subject, str) else subject
        kind: Any = Literal[one.name]  # a const in the schema: this subject's name only
        ref = create_model(f"{_camel(one.name)}Ref", __base__=SubjectRef, kind=(kind, ...))
        return _with_parts(f"{_camel(one.name)}Report", part_models(one),
                           f"The JSON report of a {one.noun}.", subject=(ref, ...))
    parts: dict[str, type[BaseModel]] = {}
    for each in _subjects(subjects):
        for key, model in part_models(each).items():
            have = parts.setdefault(key, model)
            if have is not model:
                raise McrulesError(f"two subjects declare a part {key!r} with different models "
                                   f"({have.__name__}, {model.__name__})")
    return _with_parts("Report", parts, Envelope.__doc__ or "")


def _with_parts(name: str, parts: dict[str, type[BaseModel]], doc: str,
                **fields: Any) -> type[Envelope]:
    if clash := set(parts) & set(Envelope.model_fields):
        raise McrulesError(f"a part may not be called {sorted(clash)[0]!r}: it is an envelope key")
    # Absent when no pack it reads was given, never null when present.
    typed: dict[str, Any] = {key: (model, None) for key, model in sorted(parts.items())}
    made: type[Envelope] = create_model(name, __base__=Envelope, __doc__=doc,
                                        **typed, **fields)
    return made


def _camel(name: str) -> str:
    return "".join(w.capitalize() for w in name.split("_"))


def json_schema(name: str, subjects: Iterable[Subject[Any]] | None = None) -> dict[str, Any]:
    """The JSON Schema of the file `name` (`site`, `case-history`, `waivers`, `report`)."""
    made = documents(subjects)
    if name not in made:
        raise KeyError(f"no schema {name!r} (there are: {', '.join(made)})")
    return {"$schema": SCHEMA_DIALECT, "$id": f"{SCHEMA_BASE}/{name}.schema.json",
            **made[name]()}


def render(name: str, subjects: Iterable[Subject[Any]] | None = None) -> bytes:
    """Deterministic bytes of one schema file."""
    return orjson.dumps(json_schema(name, subjects),
                        option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def export(folder: Path, write: Callable[[bytes, Path], None],
           subjects: Iterable[Subject[Any]] | None = None) -> list[Path]:
    """Write every schema to `folder/<name>.schema.json` with `write` (the CLI's one writer);
    returns the paths written."""
    chosen = _subjects(subjects)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name in documents(chosen):
        path = folder / f"{name}.schema.json"
        write(render(name, chosen), path)
        out.append(path)
    return out


def stale(folder: Path, subjects: Iterable[Subject[Any]] | None = None) -> list[Path]:
    """Schema files in `folder` that are missing or differ from what the declarations export."""
    chosen = _subjects(subjects)
    return [folder / f"{n}.schema.json" for n in documents(chosen)
            if not (folder / f"{n}.schema.json").is_file()
            or (folder / f"{n}.schema.json").read_bytes() != render(n, chosen)]


def shipped_subjects() -> tuple[Subject[Any], ...]:
    """The registered subjects whose schemas ship with mcrules (see `shipped`)."""
    return tuple(s for s in all_subjects() if shipped(s))


def schema(name: str) -> dict[str, Any]:
    """The shipped JSON Schema `name` (`report`, `site`, `case_history` or `case-history`, ...),
    read from the installed package, so an application validates against exactly the schemas
    of the mcrules it runs. KeyError listing the shipped ones when there is none."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a schema name such as 'report', got {type(name).__name__}")
    stem = file_stem(name)
    folder = resources.files("mcrules").joinpath(PACKAGE_FOLDER)
    found = folder.joinpath(f"{stem}.schema.json") if _NAME.match(stem) else None
    if found is None or not found.is_file():
        have = sorted(p.name.removesuffix(".schema.json") for p in folder.iterdir()
                      if p.name.endswith(".schema.json")) if folder.is_dir() else []
        raise KeyError(f"no shipped schema {name!r} (there are: {', '.join(have) or 'none'})")
    loaded: dict[str, Any] = orjson.loads(found.read_bytes())
    return loaded
