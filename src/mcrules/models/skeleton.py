"""What a name looks like to a reader, so two names that read alike are one name.

A caseworker reading a file cannot tell `K1` from `К1` (Cyrillic), `Shelter` from `Shelter` with a
zero-width space inside, or `Partner` from fullwidth `Ｐａｒｔｎｅｒ`. Wherever two names being one
decides a verdict in the fail-closed direction (a duplicate id refused, a refusal that applies to
its recipient, a threat named twice), they are compared by this skeleton; never where sameness
would grant something (a consent covers only the name it spells).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

# Letters of other scripts that render like Latin ones: a record id `К1` (Cyrillic) beside `K1`
# reads as one id to a caseworker, so ids are compared by this skeleton.
_LOOK_ALIKE = str.maketrans({
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w",
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "ζ": "z", "η": "n", "μ": "u",
    # punctuation that renders alike: `Women’s shelter` is `Women's shelter`
    "’": "'", "‘": "'", "ʼ": "'", "′": "'", "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-",
    "−": "-",
})


def id_skeleton(record_id: str) -> str:
    """What `record_id` looks like: compatibility-normalised, case-folded, look-alike letters of
    other scripts (and typographic quotes and dashes) read as their ASCII look-alike, invisible
    format characters dropped, runs of white space made one space. Two ids with one skeleton are
    one id to a reader."""
    text = unicodedata.normalize("NFKC", record_id).casefold().translate(_LOOK_ALIKE)
    kept = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return " ".join(kept.split())


def look_alike_twin(ids: Iterable[str]) -> tuple[int, int] | None:
    """The first id that reads as an earlier one, as (the earlier's index, its index); None when
    every id has a skeleton of its own. The one check behind every "listed twice" refusal."""
    seen: dict[str, int] = {}
    for i, record_id in enumerate(ids):
        first = seen.setdefault(id_skeleton(record_id), i)
        if first != i:
            return first, i
    return None
