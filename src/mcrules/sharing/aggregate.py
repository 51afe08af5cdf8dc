"""`aggregate`: a count table from case records that is safe to share, with the pack's threshold
k and protection width, and the class of its breakdowns (a table by a vulnerable group at a site is
non-personal sensitive, and that class goes into the sharing decision)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from mcrules.errors import McrulesError
from mcrules.models.sharing import DataClass, Granularity, SharingRequest
from mcrules.rules.pack import Pack
from mcrules.sharing.classification import load_catalogue
from mcrules.sharing.decide import load_sharing_pack
from mcrules.sharing.disclosure import (
    MAX_REJECTS_LISTED,
    CountAccumulator,
    DisclosureError,
    SafeTable,
    protect,
)

K_PARAMETER = "min_cell_count"
WIDTH_PARAMETER = "protection_width"


def thresholds(pack: Pack) -> tuple[int, float]:
    """The pack's k and protection width; a pack without them is an error, never a default, and k
    must be a whole number of people (`--set min_cell_count="2.5 person"` is not 2)."""
    missing = [p for p in (K_PARAMETER, WIDTH_PARAMETER) if p not in pack.parameters]
    if missing:
        raise McrulesError(f"pack {pack.id} has no parameter {missing[0]} (no silent default)")
    k = float(pack.parameters[K_PARAMETER].value)
    width = float(pack.parameters[WIDTH_PARAMETER].value)
    if not math.isfinite(k) or not k.is_integer() or k < 2:
        raise DisclosureError(f"must be a whole number of people, at least 2, got {k:g}",
                              path=K_PARAMETER)
    if not math.isfinite(width) or width <= 0:
        raise DisclosureError(f"must be a positive finite number of people, got {width:g}",
                              path=WIDTH_PARAMETER)
    return int(k), width


def aggregate(rows: Iterable[Mapping[str, Any]] | CountAccumulator, by: Sequence[str], *,
              pack: Pack | None = None, as_of: dt.date | None = None) -> SafeTable:
    """Count `rows` (mappings, or a CountAccumulator already fed batch by batch) by `by`, suppress
    cells below the pack's k and their complements, and audit the result."""
    pack = pack or load_sharing_pack(as_of=as_of)
    k, width = thresholds(pack)
    if isinstance(rows, CountAccumulator):
        acc = rows
    else:
        acc = CountAccumulator(by)
        acc.add_rows(rows)
    cells, method = protect(acc.by, acc.counts, k, width)
    classified = []
    data_class = None
    if pack.path is not None:
        classified = load_catalogue(pack.path).classify(list(acc.by), Granularity.AGGREGATE)
        data_class = max((c.data_class for c in classified), key=lambda c: c.rank,
                         default=DataClass.PERSONAL).value
    return SafeTable(acc.by, tuple(cells), k, width, acc.rows, acc.skipped, data_class,
                     tuple((c.id, c.data_class.value, c.source.value) for c in classified),
                     {"pack": {"id": pack.id, "version": pack.version, "hash": pack.content_hash}},
                     rejects=tuple(acc.rejects[:MAX_REJECTS_LISTED]),
                     rows_rejected=len(acc.rejects), method=method)


def sharing_request_for(table: SafeTable, recipient: Mapping[str, Any], purpose: str,
                        **more: Any) -> SharingRequest:
    """The sharing request for publishing `table` to `recipient`: its breakdowns as the fields, at
    aggregate granularity, carrying the table's class."""
    return SharingRequest.model_validate({
        "fields": list(table.by), "granularity": "aggregate", "recipient": dict(recipient),
        "purpose": purpose, **({"data_class": table.data_class} if table.data_class else {}),
        **more})
