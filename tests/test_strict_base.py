"""One strict base model: every pydantic model that reads a file, a row, a pack's data or an API
argument derives from `mcrules.models.base.InputModel`, so its strictness (unknown keys refused,
no lax booleans, numbers or dates) is declared once and cannot drift in a copy."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from pydantic import ValidationError

from mcrules.assessment.catalogue import CatalogueCitation
from mcrules.models.base import InputModel

SRC = Path(__file__).resolve().parent.parent / "src" / "mcrules"


def _sources() -> list[tuple[str, ast.Module]]:
    return [(str(p.relative_to(SRC)), ast.parse(p.read_text())) for p in sorted(SRC.rglob("*.py"))]


def _extra(node: ast.ClassDef) -> str | None:
    """The `extra=` a class's own `model_config = ConfigDict(...)` sets, if any."""
    for stmt in node.body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
            for kw in stmt.value.keywords:
                if kw.arg == "extra" and isinstance(kw.value, ast.Constant):
                    return str(kw.value.value)
    return None


def test_input_model_is_the_only_input_base_built_on_pydantic_base_model() -> None:
    # Anything else on BaseModel must be an output model (a report's JSON, which allows keys it
    # does not list), never a second base for reading input.
    found = [(file, node.name, _extra(node)) for file, tree in _sources() for node in ast.walk(tree)
             if isinstance(node, ast.ClassDef) and any(
                 (b.id if isinstance(b, ast.Name) else b.attr if isinstance(b, ast.Attribute)
                  else "") == "BaseModel" for b in node.bases)]
    assert ("models/base.py", "InputModel", "forbid") in found
    others = [f for f in found if f[:2] != ("models/base.py", "InputModel")]
    assert all(extra == "allow" for _, _, extra in others), others


def test_no_other_module_declares_unknown_keys_forbidden() -> None:
    # `extra="forbid"` (with or without `strict=`) is InputModel's; a second base would drift.
    found = [file for file, tree in _sources() for node in ast.walk(tree)
             if isinstance(node, ast.keyword) and node.arg == "extra"
             and isinstance(node.value, ast.Constant) and node.value.value == "forbid"]
    assert found == ["models/base.py"]


def test_the_pack_catalogue_reads_as_strictly_as_an_input_file() -> None:
    assert issubclass(CatalogueCitation, InputModel)
    ok = CatalogueCitation.model_validate({"document": "d", "quote": "q", "verified": False})
    assert ok.verified is False
    for lax in ("no", 0, "false"):
        with pytest.raises(ValidationError):
            CatalogueCitation.model_validate({"document": "d", "quote": "q", "verified": lax})
    with pytest.raises(ValidationError):
        CatalogueCitation.model_validate({"document": "d", "quote": "q", "page": 3})
