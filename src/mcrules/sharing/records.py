"""Decision records: what was decided, when, under which rules, about which request, as JSON that
holds no personal values from the request.

A record is built from a whitelist: the decision, its reasons, obligations, alternatives and what
would change it (all texts of the pack, filled with catalogued field ids only), the recipient's
type, the class of each catalogued field by its catalogue id, how many fields the catalogue does
not know (counted, never copied: a caller may write anything there), the pack's id, version and
content hash, and a SHA-256 fingerprint of the request so the request can be matched to its
record later without keeping it. The purpose, the recipient's name, the case and the consent
reference stay out, unless the caller asks to keep the case or the reference (`keep`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Sequence
from typing import Any

import orjson

from mcrules.errors import McrulesError
from mcrules.models.sharing import ClassSource, SharingRequest
from mcrules.sharing.decide import SharingDecision

RECORD_KIND = "mcrules.sharing.decision_record/1"
# The request's ids a caller may ask a record to keep; nothing else of the request is copied.
KEEPABLE = ("case", "consent_ref")


def request_fingerprint(request: SharingRequest) -> str:
    """SHA-256 of the request's canonical JSON (sorted keys, defaults included)."""
    canonical = orjson.dumps(request.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)
    return "sha256:" + hashlib.sha256(canonical).hexdigest()


def decision_record(decision: SharingDecision, request: SharingRequest, *,
                    decision_id: str | None = None,
                    time: dt.datetime,
                    keep: Sequence[str] = ()) -> dict[str, Any]:
    """The record of one decision made at `time` (the caller's: this layer reads no clock;
    `mcrules.decision_record` reads it); `decision_id` (default: a random UUID) may be given for
    a reproducible record, and `keep` names the request's ids to keep (`case`,
    `consent_ref`)."""
    if not isinstance(time, dt.datetime):
        raise TypeError(f"time must be a datetime, got {type(time).__name__}")
    unknown = [k for k in keep if k not in KEEPABLE]
    if unknown:
        raise McrulesError(f"keep: {unknown[0]!r} cannot be kept; a record keeps only "
                           f"{', '.join(KEEPABLE)}")
    texts = decision.record_texts
    if texts is None:
        raise McrulesError("this decision was not made by decide_sharing, so it has no texts "
                           "safe to record")
    when = time.astimezone(dt.UTC).replace(microsecond=0)
    uncatalogued = sum(s == ClassSource.UNCATALOGUED.value for _, _, s in decision.fields)
    kept = {k: getattr(request, k) for k in KEEPABLE if k in keep}
    # Both lists are built alike; the consent reason names the reference only when it is kept.
    reasons = [shown.text if "consent_ref" in kept and shown.text.startswith("consent: ")
               else safe.text for shown, safe in zip(decision.reasons, texts.reasons, strict=True)]
    return {
        "record": RECORD_KIND,
        "decision_id": decision_id or str(uuid.uuid4()),
        "time": when.isoformat().replace("+00:00", "Z"),
        "as_of": decision.as_of.isoformat(),
        "pack": {"id": decision.pack["id"], "version": decision.pack["version"]},
        "pack_hash": decision.pack["hash"],
        "request_fingerprint": request_fingerprint(request),
        "decision": decision.decision,
        "fallback": decision.fallback,
        "reasons": reasons,
        "obligations": list(texts.obligations),
        "alternatives": list(texts.alternatives),
        "would_change": list(decision.would_change),
        "notes": [n.text for n in texts.notes],
        "recipient_type": request.recipient.type.value if request.recipient else None,
        "granularity": request.granularity.value if request.granularity else None,
        "data_class": decision.data_class,
        "fields": [{"field": f, "data_class": c, "source": s} for f, c, s in decision.fields
                   if s != ClassSource.UNCATALOGUED.value],
        "uncatalogued_fields": uncatalogued,
        "kept": kept,
        "urgent": request.urgent,
    }


def render_record(record: dict[str, Any]) -> bytes:
    """One record as deterministic JSON, one line (for a JSON Lines log)."""
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS) + b"\n"
