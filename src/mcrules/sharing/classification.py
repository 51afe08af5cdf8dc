"""The field classification catalogue (`catalogue.yaml` in the data-sharing pack) and what it
says about the fields of one request.

The catalogue is data in the pack, so a programme can extend or tighten it; it is validated when
it is read. A field it does not know ranks as the most restrictive class (personal, and sensitive:
never public), a list of people is at least personal whatever it holds, and the class of a
request is the most sensitive of its fields, its granularity and the class it declares: a
declaration can only make a request stricter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from mcrules.errors import McrulesError
from mcrules.located import load_document
from mcrules.models.consent import ConsentPurpose
from mcrules.models.sharing import ClassifiedField, ClassSource, DataClass, Granularity

CATALOGUE_FILE = "catalogue.yaml"
DECLARED_ID = "data_class"
GRANULARITY_ID = "granularity"
UNLISTED_ID = "fields"
_CATEGORY_KEYS = {"description", "record_level", "aggregate", "citations", "sensitive",
                  "consent_purpose"}


class CatalogueError(McrulesError):
    """The catalogue file is not valid; the message names the file and the key."""


@dataclass(frozen=True)
class Category:
    """A data category and its class as a list of people and as a table of counts."""

    name: str
    description: str
    record_level: DataClass
    aggregate: DataClass
    sensitive: bool = False          # never public, at any granularity
    consent_purpose: ConsentPurpose | None = None  # the purpose a consent must have to cover it

    def at(self, granularity: Granularity | None) -> tuple[DataClass, ...]:
        """The class at `granularity`; an unknown granularity takes both, since the classes are
        not one scale (personal and non-personal sensitive data have different conditions)."""
        if granularity is Granularity.AGGREGATE:
            return (self.aggregate,)
        if granularity is Granularity.RECORD_LEVEL:
            return (self.record_level,)
        return tuple(dict.fromkeys((self.record_level, self.aggregate)))


@dataclass(frozen=True)
class Catalogue:
    """Field names (case-insensitive, `-` and spaces read as `_`) mapped to categories."""

    categories: Mapping[str, Category]
    fields: Mapping[str, str]
    source: str = ""

    def category_of(self, field: str) -> Category | None:
        return self.categories.get(self.fields.get(normal_name(field), ""))

    def knows(self, name: str) -> bool:
        """Whether `name` is a field or a category of this catalogue (as a consent record's
        `data_categories` may list either)."""
        return self.category_of(name) is not None or normal_name(name) in self.categories

    def classify(self, fields: Sequence[str], granularity: Granularity | None,
                 declared: DataClass | None = None) -> list[ClassifiedField]:
        """The declared class (if any), each field with its class and where it came from (a
        field the catalogue does not know, or fields not listed at all, as the most restrictive
        class), and, unless the request is known to be a table of counts, the floor of a list of
        people (personal). Nothing to classify stays nothing (unknown): the pack fails closed."""
        out = []
        if declared is not None:
            out.append(ClassifiedField(id=DECLARED_ID, source=ClassSource.DECLARED,
                                       data_class=declared))
        for name in dict.fromkeys(fields):
            cat = self.category_of(name)
            if cat is None:
                out.append(ClassifiedField(id=name, source=ClassSource.UNCATALOGUED,
                                           data_class=DataClass.PERSONAL, sensitive=True))
            else:
                out += [ClassifiedField(id=normal_name(name), source=ClassSource.CATALOGUE,
                                        data_class=c, sensitive=cat.sensitive)
                        for c in cat.at(granularity)]
        if out and not fields:
            out.append(ClassifiedField(id=UNLISTED_ID, source=ClassSource.UNLISTED,
                                       data_class=DataClass.PERSONAL, sensitive=True))
        if out and granularity is not Granularity.AGGREGATE:
            out.append(ClassifiedField(id=GRANULARITY_ID, source=ClassSource.GRANULARITY,
                                       data_class=DataClass.PERSONAL))
        return out

    def purpose_fields(self) -> list[str]:
        """One field of each category that names a consent purpose."""
        firsts: dict[str, str] = {}
        for field, cat in self.fields.items():
            if self.categories[cat].consent_purpose is not None:
                firsts.setdefault(cat, field)
        return list(firsts.values())

    def consent_purposes(self, fields: Sequence[str]) -> list[ConsentPurpose]:
        """The purposes a consent must have for the catalogued fields that name one
        (`consent_purpose`), in the catalogue's order of first mention."""
        found = (self.category_of(f) for f in fields)
        return list(dict.fromkeys(c.consent_purpose for c in found
                                  if c is not None and c.consent_purpose is not None))


def normal_name(field: str) -> str:
    return field.strip().casefold().replace("-", "_").replace(" ", "_")


def parse_catalogue(doc: Any, source: str = CATALOGUE_FILE) -> Catalogue:
    """Validate a catalogue document; CatalogueError naming the key otherwise."""
    def bad(msg: str) -> CatalogueError:
        return CatalogueError(f"{source}: {msg}")

    if not isinstance(doc, Mapping):
        raise bad("must be a mapping with `categories` and `fields`")
    extra = set(doc) - {"description", "categories", "fields"}
    if extra:
        raise bad(f"unknown key {sorted(extra)[0]!r}")
    cats_doc, fields_doc = doc.get("categories"), doc.get("fields")
    if not isinstance(cats_doc, Mapping) or not cats_doc:
        raise bad("`categories` must map each category to its classes")
    if not isinstance(fields_doc, Mapping):
        raise bad("`fields` must map field names to categories")
    labels = DataClass.labels()
    categories: dict[str, Category] = {}
    for name, spec in cats_doc.items():
        if not isinstance(spec, Mapping):
            raise bad(f"categories.{name} must be a mapping")
        unknown = set(spec) - _CATEGORY_KEYS
        if unknown:
            raise bad(f"categories.{name}: unknown key {sorted(unknown)[0]!r}")
        classes = []
        for key in ("record_level", "aggregate"):
            value = spec.get(key)
            if value not in labels:
                raise bad(f"categories.{name}.{key} must be one of {', '.join(labels)}, got {value!r}")
            classes.append(DataClass(value))
        if not spec.get("citations"):
            raise bad(f"categories.{name} needs `citations`")
        sensitive = spec.get("sensitive", False)
        if not isinstance(sensitive, bool):
            raise bad(f"categories.{name}.sensitive must be true or false, got {sensitive!r}")
        purpose = spec.get("consent_purpose")
        if purpose is not None and purpose not in {p.value for p in ConsentPurpose}:
            raise bad(f"categories.{name}.consent_purpose must be one of "
                      f"{', '.join(p.value for p in ConsentPurpose)}, got {purpose!r}")
        categories[str(name)] = Category(str(name), str(spec.get("description", "")),
                                         record_level=classes[0], aggregate=classes[1],
                                         sensitive=sensitive,
                                         consent_purpose=None if purpose is None
                                         else ConsentPurpose(purpose))
    fields: dict[str, str] = {}
    for field, cat in fields_doc.items():
        if cat not in categories:
            raise bad(f"fields.{field}: no category {cat!r} (categories: {', '.join(categories)})")
        key = normal_name(str(field))
        if key in fields:
            raise bad(f"fields.{field} is listed twice")
        fields[key] = str(cat)
    return Catalogue(categories, fields, source)


@lru_cache(maxsize=8)
def _load(path: Path, stamp: float) -> Catalogue:
    return parse_catalogue(load_document(path), str(path))


def load_catalogue(pack_dir: Path) -> Catalogue:
    """The catalogue of the pack in `pack_dir`, cached until the file changes."""
    path = pack_dir / CATALOGUE_FILE
    if not path.is_file():
        raise CatalogueError(f"pack {pack_dir.name} has no {CATALOGUE_FILE}")
    return _load(path.resolve(), path.stat().st_mtime)
