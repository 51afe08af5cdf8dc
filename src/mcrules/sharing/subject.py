"""The data-sharing request subject: a request file is what staff write; the facts the pack reads
are derived from it (each field classified by the configured pack's catalogue, consent resolved
against the case history that comes with it, on the context's date), so YAML cases, bulk and
`mcrules check sharing_request` describe real requests while the decision stays a table in the
pack."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel

from mcrules.models.casework import CaseHistory
from mcrules.models.sharing import SharingFacts, SharingRequest
from mcrules.rules.discovery import find_pack
from mcrules.sharing.classification import CATALOGUE_FILE, Catalogue, load_catalogue
from mcrules.sharing.derive import derive_facts
from mcrules.subjects import Part, Subject, register, register_part
from mcrules.subjects.context import Context
from mcrules.subjects.subject import Extra

DEFAULT_PACK = "data-sharing-2023"


@cache
def _default_catalogue_dir() -> Any:
    return find_pack(DEFAULT_PACK).resolve()


def default_catalogue() -> Catalogue:
    """The catalogue of the default data-sharing pack."""
    return load_catalogue(_default_catalogue_dir())


def catalogue_of(context: Context) -> Catalogue:
    """The field catalogue of the first configured pack that has one (a programme's pack given
    first classifies with its own), else the default pack's."""
    for pack in context.packs:
        if pack.path is not None and (pack.path / CATALOGUE_FILE).is_file():
            return load_catalogue(pack.path)
    return default_catalogue()


@dataclass(frozen=True)
class SharingSubject(Subject[SharingRequest]):
    """A subject whose rules read facts derived from the request rather than the request."""

    def derive(self, document: SharingRequest, context: Context) -> BaseModel:
        """The request's facts under the context's catalogue, its consent resolved against the
        `history` that came with it (none: a consent reference resolves to no consent) on the
        context's date, with the context's adult age."""
        catalogue = context.once("sharing.catalogue", lambda: catalogue_of(context))
        return derive_facts(document, catalogue, context.extra("history"),
                            context.as_of, adult_age=context.adult_age()).facts


SHARING_REQUEST = SharingSubject(
    name="sharing_request",
    model=SharingRequest,
    default_pack=DEFAULT_PACK,
    description="A request to share data about migrants: fields, recipient, purpose, consent, "
    "safeguards.",
    label_field="",
    facts_model=SharingFacts,
    strict_keys=True,  # a misspelt key (consent_reff) must not silently drop what it gives
    extras=(Extra("history", "the case history of the request's `case`, whose consent records "
                  "a `consent_ref` names", CaseHistory,
                  reader="mcrules.io.case_history:validate_case_history"),),
)
register(SHARING_REQUEST)


def _decides(pack: object) -> bool:
    from mcrules.sharing.part import applies

    return applies(pack)  # type: ignore[arg-type]


register_part(Part(SHARING_REQUEST.name, "sharing", _decides, "mcrules.sharing.part:make",
                   schema="mcrules.sharing.part:SharingOut"))
