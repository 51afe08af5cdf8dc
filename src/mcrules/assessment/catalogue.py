"""The DoMV factor catalogue: a pack's `catalogue.yaml`, read and validated once per pack.

The catalogue is data, not rules: the example factors the manual names at each level, with their
default direction, the contexts that flip it, and their citations. It is read with the bounded
YAML reader every pack file uses, checked against a strict model (unknown keys, levels and
directions are errors naming the line), and every citation must name a document of the pack.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from mcrules.errors import McrulesError, RuleLoadError
from mcrules.located import LocatedDict, LocatedList, load_document
from mcrules.models.base import Flag, InputModel
from mcrules.models.case import Direction, GroupStatus, Level, Stage
from mcrules.rules.pack import Pack

CATALOGUE_FILE = "catalogue.yaml"
Stability = Literal["almost_always", "context_specific", "as_listed"]
Term = Literal["risk", "threat", "vulnerability", "capacity"]


class CatalogueCitation(InputModel):
    document: str
    quote: str = Field(min_length=1)
    module: str = ""
    section: str = ""
    note: str = ""
    verified: Flag = True

    def as_dict(self, pack: Pack) -> dict[str, Any]:
        """The citation as reports show it, with the document's title from the pack."""
        doc = pack.documents[self.document]
        return {"document": doc.title, "publisher": doc.publisher, "edition": doc.edition,
                "module": self.module, "section": self.section, "note": self.note,
                "quote": self.quote, "verified": self.verified}


class FlipWhen(InputModel):
    group: GroupStatus | None = None
    stage: Stage | None = None


class Flip(InputModel):
    """In this context the factor points this way, for this reason."""

    when: FlipWhen
    direction: Direction
    why: str = Field(min_length=1)


class CatalogueFactor(InputModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1)
    level: Level | None = None
    direction: Direction
    stability: Stability = "as_listed"
    flips: tuple[Flip, ...] = ()
    citations: tuple[CatalogueCitation, ...] = Field(min_length=1)


class Suggestion(InputModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1)
    citations: tuple[CatalogueCitation, ...] = Field(min_length=1)


class Suggestions(InputModel):
    threats: tuple[Suggestion, ...] = ()
    vulnerabilities: tuple[Suggestion, ...] = ()


class Strategy(InputModel):
    term: Term
    strategy: str = Field(min_length=1)
    steps: tuple[str, ...] = Field(min_length=1)
    citations: tuple[CatalogueCitation, ...] = Field(min_length=1)


class Catalogue(InputModel):
    """Every factor a case may name by id: the level factors, the cross-level determinants and
    the capacity examples (which double as protective factors)."""

    factors: tuple[CatalogueFactor, ...]
    determinants: tuple[CatalogueFactor, ...] = ()
    capacities: tuple[CatalogueFactor, ...] = ()
    suggestions: Suggestions = Suggestions()
    strategies: tuple[Strategy, ...] = ()

    def all_factors(self) -> dict[str, tuple[str, CatalogueFactor]]:
        """Each factor id with the section it comes from."""
        out: dict[str, tuple[str, CatalogueFactor]] = {}
        for section in ("factors", "determinants", "capacities"):
            for f in getattr(self, section):
                out[f.id] = (section, f)
        return out

    def strategy(self, term: Term) -> Strategy | None:
        return next((s for s in self.strategies if s.term == term), None)


def catalogue_path(pack: Pack) -> Path:
    """Where `pack` keeps its catalogue; McrulesError for a pack not loaded from a folder."""
    if pack.path is None:
        raise McrulesError(f"pack {pack.id} was not loaded from a folder, so it has no "
                           f"{CATALOGUE_FILE}")
    return Path(pack.path) / CATALOGUE_FILE


def load_catalogue(pack: Pack) -> Catalogue:
    """The catalogue of `pack` (RuleLoadError naming the file and line when it is invalid)."""
    path = catalogue_path(pack)
    stamp = path.stat().st_mtime if path.is_file() else 0.0
    return _load(path, stamp, tuple(sorted(pack.documents)))


@lru_cache(maxsize=16)
def _load(path: Path, stamp: float, documents: tuple[str, ...]) -> Catalogue:
    if not path.is_file():
        raise RuleLoadError(f"the pack has no factor catalogue ({CATALOGUE_FILE})", file=str(path))
    doc = load_document(path)
    file = str(path)
    try:
        cat = Catalogue.model_validate(_plain(doc))
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise RuleLoadError(err["msg"], file=file, line=_line(doc, err["loc"]),
                            path=where) from None
    seen: set[str] = set()
    for section in ("factors", "determinants", "capacities"):
        for f in getattr(cat, section):
            if f.id in seen:
                raise RuleLoadError(f"factor id {f.id!r} appears twice", file=file, path=section)
            seen.add(f.id)
            if section == "factors" and f.level is None:
                raise RuleLoadError(f"{f.id} needs a level", file=file, path=section)
            if f.direction is Direction.CONTEXT_DEPENDENT and not f.flips:
                raise RuleLoadError(f"{f.id} depends on context but names no context that "
                                    "resolves it (flips)", file=file, path=section)
    for c in _citations(cat):
        if c.document not in documents:
            raise RuleLoadError(f"citation names unknown document {c.document!r}; declare it "
                                "under `documents:` in pack.yaml", file=file)
    return cat


def _citations(cat: Catalogue) -> list[CatalogueCitation]:
    out: list[CatalogueCitation] = []
    for f in (*cat.factors, *cat.determinants, *cat.capacities):
        out += f.citations
    for s in (*cat.suggestions.threats, *cat.suggestions.vulnerabilities):
        out += s.citations
    for st in cat.strategies:
        out += st.citations
    return out


def _line(doc: Any, loc: tuple[int | str, ...]) -> int | None:
    """The line of the deepest node of `loc` the located document knows."""
    line, node = getattr(doc, "line", None), doc
    for key in loc:
        if isinstance(node, LocatedDict) and key in node:
            line, node = node.lines.get(str(key), line), node[str(key)]
        elif isinstance(node, LocatedList) and isinstance(key, int) and key < len(node):
            line, node = node.lines[key], node[key]
        else:
            break
    return line


def _plain(node: Any) -> Any:
    """Located YAML as plain dicts and lists, for pydantic."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node
