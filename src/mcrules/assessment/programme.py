"""Programme settings: the weights, bands and variants one programme sets for a pack.

The manual gives no scale, weight or cut-point for the risk equation, so the defaults of
domv-2023 are labelled programme policy; a programme that has its own writes them in a small
file, each with its reason, and every report names the programme and carries the overrides::

    programme: ngo-x-agadez-2026
    title: NGO X transit programme, Agadez
    pack: domv-2023
    variants: []
    parameters:
      risk_cut_high: {value: 2.5, reason: "..."}

The file is read with the bounded reader every input uses; unknown keys, unknown parameters and
out-of-bound values are errors naming the key.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from mcrules.errors import InputError, McrulesError, Problem
from mcrules.located import load_document
from mcrules.models.base import InputModel, Number
from mcrules.rules.pack import Pack


class _Override(InputModel):
    value: str | Number
    reason: str = Field(min_length=1)


class _ProgrammeFile(InputModel):
    """A programme settings file as written (the `programme` extra of a case)."""

    programme: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=100)
    title: str = Field(min_length=1, max_length=300)
    pack: str = Field(min_length=1)
    variants: tuple[str, ...] = ()
    parameters: dict[str, _Override] = Field(default_factory=dict)


@dataclass(frozen=True)
class Programme:
    """A programme's settings for one pack, read from `file`."""

    id: str
    title: str
    pack: str
    variants: tuple[str, ...]
    parameters: dict[str, str | float]
    reasons: dict[str, str]
    file: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "pack": self.pack,
                "variants": list(self.variants), "file": self.file,
                "parameters": {k: {"value": v, "reason": self.reasons[k]}
                               for k, v in sorted(self.parameters.items())}}

    def configure(self, pack: Pack, *, variants: tuple[str, ...] = (),
                  parameters: dict[str, str] | None = None, as_of: dt.date | None = None) -> Pack:
        """`pack` with the programme's variants and parameters, then the caller's own."""
        merged: dict[str, str | float] = {**self.parameters, **(parameters or {})}
        return pack.configure((*self.variants, *variants), merged or None, as_of)


def read_programme(path: str | Path) -> Programme:
    """Read a programme settings file; InputError naming the key when it is invalid."""
    return programme_of(load_document(path), str(path))


def programme_of(doc: Any, source: str | None = None) -> Programme:
    """A parsed programme settings file as a Programme (the case subject's `programme` extra:
    see `applied_to`); InputError naming the key when it is invalid."""
    try:
        raw = _ProgrammeFile.model_validate(doc)
    except ValidationError as exc:
        problems = [Problem(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]
        raise InputError("invalid programme file", source=source, problems=problems) from None
    except (TypeError, ValueError) as exc:
        raise McrulesError(f"{source}: {exc}") from None
    return Programme(raw.programme, raw.title, raw.pack, raw.variants,
                     {k: v.value for k, v in raw.parameters.items()},
                     {k: v.reason for k, v in raw.parameters.items()}, source or "")


def refuse_unapplied(programme: Programme, pack: Pack) -> None:
    """McrulesError unless `pack` was configured with `programme` (its variants applied, each
    of its parameters set, by it or by the caller after it): a report must never name a
    programme whose weights and bands it did not use."""
    missing = [v for v in programme.variants if v not in pack.applied_variants]
    missing += [p for p in programme.parameters if p not in pack.overrides]
    if missing:
        raise McrulesError(f"programme {programme.id} is not applied to pack {pack.id} (not set: "
                           f"{', '.join(missing)}); pass its variants and parameters with it, "
                           "as `mcrules assess --programme` does", path="extras.programme")
