"""Decision records: what was decided, when, under which rules, about which request, as JSON that
holds no personal values from the request.

A record is built from a whitelist: the decision, its reasons, obligations, alternatives and what
would change it (all texts of the pack, with field names and consent-record ids filled in), the
recipient's type, the class of each field by name, the pack's id, version and content hash, and a
SHA-256 fingerprint of the request so the request can be matched to its record later without
keeping it. The purpose, the recipient's name and any other free text stay out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

import orjson

from mcrules.models.sharing import SharingRequest
from mcrules.sharing.decide import SharingDecision

RECORD_KIND = "mcrules.sharing.decision_record/1"


def request_fingerprint(request: SharingRequest) -> str:
    """SHA-256 of the request's canonical JSON (sorted keys, defaults included)."""
    canonical = orjson.dumps(request.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)
    return "sha256:" + hashlib.sha256(canonical).hexdigest()


def decision_record(decision: SharingDecision, request: SharingRequest, *,
                    decision_id: str | None = None,
                    time: dt.datetime | None = None) -> dict[str, Any]:
    """The record of one decision; `decision_id` (default: a random UUID) and `time` (default:
    now, UTC) may be given for a reproducible record."""
    when = (time or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
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
        "reasons": [r.text for r in decision.reasons],
        "obligations": list(decision.obligations),
        "alternatives": list(decision.alternatives),
        "would_change": list(decision.would_change),
        "notes": [n.text for n in decision.notes],
        "recipient_type": request.recipient.type.value if request.recipient else None,
        "granularity": request.granularity.value if request.granularity else None,
        "data_class": decision.data_class,
        "fields": [{"field": f, "data_class": c, "source": s} for f, c, s in decision.fields],
        "urgent": request.urgent,
    }


def render_record(record: dict[str, Any]) -> bytes:
    """One record as deterministic JSON, one line (for a JSON Lines log)."""
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS) + b"\n"
