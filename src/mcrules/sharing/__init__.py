"""Data sharing: may this data go to this recipient, what must be done if so, what may be offered
instead; aggregate tables that are safe to share; decision records without personal data.

The decision is a fail-closed decision table in the `data-sharing-2023` pack; this package
classifies the fields, resolves consent, fills in the pack's texts and keeps the records.
"""

from mcrules.models.consent_query import ConsentAnswer, valid_consent
from mcrules.sharing.classification import Catalogue, load_catalogue
from mcrules.sharing.decide import SharingDecision, decide_sharing
from mcrules.sharing.records import decision_record
from mcrules.sharing.subject import SHARING_REQUEST

__all__ = [
    "SHARING_REQUEST",
    "Catalogue",
    "ConsentAnswer",
    "SharingDecision",
    "decide_sharing",
    "decision_record",
    "load_catalogue",
    "valid_consent",
]
