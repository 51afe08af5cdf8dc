"""JSON Schema of the input models, for editors and validators of hand-written site files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel

from mcrules.models.case import Case
from mcrules.models.casework import CaseHistory
from mcrules.models.layout import LAYOUT_KEYS_SCHEMA
from mcrules.models.sharing import SharingRequest
from mcrules.models.site import Site
from mcrules.models.waiver import WaiverFile

SCHEMAS: dict[str, type[BaseModel]] = {"site": Site, "case": Case, "sharing-request": SharingRequest,
                                       "waivers": WaiverFile, "case-history": CaseHistory}
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of model `name` (``site``, ``case``)."""
    schema = SCHEMAS[name].model_json_schema()
    if name == "site":  # a site file's layout keys are read beside the model (docs/geometry.md)
        schema["properties"] = {**schema["properties"], **LAYOUT_KEYS_SCHEMA}
    return {"$schema": SCHEMA_DIALECT, "$id": f"https://mcrules.org/schemas/{name}.schema.json",
            **schema}


def render(name: str) -> bytes:
    """Deterministic bytes of one schema file."""
    return orjson.dumps(json_schema(name), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def export(folder: Path, write: Callable[[bytes, Path], None]) -> list[Path]:
    """Write every schema to `folder/<name>.schema.json` with `write` (the one writer,
    `mcrules.io.sink`, which this layer cannot import); returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name in SCHEMAS:
        path = folder / f"{name}.schema.json"
        write(render(name), path)
        out.append(path)
    return out


def stale(folder: Path) -> list[Path]:
    """Schema files in `folder` that differ from what the models export now."""
    return [folder / f"{n}.schema.json" for n in SCHEMAS
            if not (folder / f"{n}.schema.json").is_file()
            or (folder / f"{n}.schema.json").read_bytes() != render(n)]
