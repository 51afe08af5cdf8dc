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


def test_input_model_is_the_only_class_built_on_pydantic_base_model() -> None:
    found = [(file, node.name) for file, tree in _sources() for node in ast.walk(tree)
             if isinstance(node, ast.ClassDef) and any(
                 (b.id if isinstance(b, ast.Name) else b.attr if isinstance(b, ast.Attribute)
                  else "") == "BaseModel" for b in node.bases)]
    assert found == [("models/base.py", "InputModel")]


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
