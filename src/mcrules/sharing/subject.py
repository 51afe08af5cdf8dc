"""The data-sharing request subject: a request file is what staff write; the facts the pack reads
are derived from it (each field classified by the pack's catalogue, consent resolved), so YAML
cases and `mcrules share` describe real requests while the decision stays a table in the pack."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any

from mcrules.facts import facts_of, schema_for
from mcrules.models.sharing import SharingFacts, SharingRequest
from mcrules.rules.loader import find_pack
from mcrules.rules.schema import Schema
from mcrules.sharing.classification import Catalogue, load_catalogue
from mcrules.sharing.derive import derive_facts
from mcrules.subjects import Subject, register

DEFAULT_PACK = "data-sharing-2023"


@cache
def _default_catalogue_dir() -> Any:
    return find_pack(DEFAULT_PACK).resolve()


def default_catalogue() -> Catalogue:
    """The catalogue of the default data-sharing pack."""
    return load_catalogue(_default_catalogue_dir())


@dataclass(frozen=True)
class SharingSubject(Subject[SharingRequest]):
    """A subject whose rules read facts derived from the model rather than the model itself."""

    def schema(self) -> Schema:
        return schema_for(SharingFacts, self.name)

    def facts(self, obj: SharingRequest) -> dict[str, Any]:
        """The request's facts under the default catalogue, with no case history: a consent
        reference then resolves to no consent (`decide_sharing` takes a history and a pack)."""
        derived = derive_facts(obj, default_catalogue(), None, dt.date.today())
        return facts_of(derived.facts, self.name)


SHARING_REQUEST = SharingSubject(
    name="sharing_request",
    model=SharingRequest,
    default_pack=DEFAULT_PACK,
    description="A request to share data about migrants: fields, recipient, purpose, consent, "
    "safeguards.",
    label_field="",
)
register(SHARING_REQUEST)
