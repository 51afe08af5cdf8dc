"""Several packs side by side on one subject: per requirement, each pack's verdict, and whether
they disagree ("passes Sphere 2018 at 15 L/person/day, fails the Migrant Centres Toolkit at 20").

Rules are lined up by their `requirement` key (`water.quantity_per_person`), since their ids
differ from pack to pack; a rule without one is its own row, under its id. A pack with several
rules for one requirement (Sphere's toilets per phase) gives the worst of their verdicts, the
way a per-item rule gives its worst item's: fail, then unknown, then pass, then not_applicable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mcrules.engine.outcomes import OUTCOME_TO_CODE, Outcome, Result, format_number
from mcrules.rules.requirements import REQUIREMENTS

NOT_IN_PACK = "not_in_pack"


@dataclass(frozen=True)
class PackVerdict:
    """One pack's verdict on one requirement: the deciding result, or None when the pack has no
    rule for it. `status` is the outcome, or `waived` for a failure a waiver covers."""

    pack: str
    name: str
    rules: tuple[str, ...]
    result: Result | None
    status: str

    @property
    def outcome(self) -> str:
        return self.result.outcome.value if self.result is not None else NOT_IN_PACK

    def as_dict(self) -> dict[str, Any]:
        r = self.result
        return {
            "pack": self.pack,
            "rule": r.rule.id if r is not None else None,
            "rules": list(self.rules),
            "outcome": self.outcome,
            "status": self.status,
            "measured": r.shown(r.measured) if r is not None else None,
            "required": r.shown(r.required) if r is not None else None,
            "unit": r.unit if r is not None else "",
            "op": r.op if r is not None else "",
            "item": r.item if r is not None else None,
            "missing": list(r.missing) if r is not None else [],
        }

    def phrase(self) -> str:
        """How a sentence states this verdict: "passes Sphere 2018 at 15 L/person/day"."""
        r = self.result
        assert r is not None, "a sentence states the verdicts of the packs that have the rule"
        if r.outcome is Outcome.NOT_APPLICABLE:
            return f"does not apply under {self.name}"
        if r.outcome is Outcome.UNKNOWN:
            why = f" (missing {', '.join(r.missing)})" if r.missing else ""
            return f"cannot be told under {self.name}{why}"
        verb = "passes" if r.outcome is Outcome.PASS else "fails"
        at = f" at {_amount(r.required, r)}" if isinstance(r.required, float) else ""
        waived = " (waived)" if self.status == "waived" else ""
        return f"{verb} {self.name}{at}{waived}"


@dataclass(frozen=True)
class Comparison:
    """One requirement across the packs compared, in pack order."""

    requirement: str
    title: str
    verdicts: tuple[PackVerdict, ...]

    @property
    def disagree(self) -> bool:
        """Whether the packs that have the requirement give different outcomes."""
        return len({v.outcome for v in self.verdicts if v.result is not None}) > 1

    @property
    def sentence(self) -> str | None:
        """The disagreement in one sentence, with the value measured when every pack measured
        the same; None when the packs agree."""
        if not self.disagree:
            return None
        present = [v for v in self.verdicts if v.result is not None]
        results = [v.result for v in present if v.result is not None]
        measured = {(_amount(r.measured, r), r.item) for r in results}
        here = ""
        if len(measured) == 1 and all(isinstance(r.measured, float) for r in results):
            amount, item = measured.pop()
            here = f" ({amount} measured{f' at {item}' if item else ''})"
        return f"{self.title}{here}: {', '.join(v.phrase() for v in present)}."

    def as_dict(self) -> dict[str, Any]:
        return {
            "requirement": self.requirement,
            "title": self.title,
            "shared": any(v.result is not None and v.result.rule.requirement == self.requirement
                          for v in self.verdicts),
            "verdicts": [v.as_dict() for v in self.verdicts],
            "disagree": self.disagree,
            "sentence": self.sentence,
        }


def compare(packs: Sequence[tuple[str, str, Sequence[tuple[Result, str]]]]) -> tuple[Comparison, ...]:
    """The comparison of `packs`, each given as (id, name, [(result, status), ...]); rows in the
    order their requirement first appears, pack by pack."""
    titles: dict[str, set[str]] = {}
    for _, _, results in packs:
        for r, _status in results:
            titles.setdefault(r.rule.requirement or r.rule.id, set()).add(r.rule.title)
    rows = []
    for key, seen in titles.items():
        known = REQUIREMENTS.get(key)
        # A title that names a threshold ("per 20 women") would be wrong for a pack with another
        # one (an overlay's 15): then the row is called by its key.
        title = known.title if known is not None else next(iter(seen)) if len(seen) == 1 else key
        verdicts = []
        for pack_id, name, results in packs:
            mine = [(r, s) for r, s in results if (r.rule.requirement or r.rule.id) == key]
            if not mine:
                verdicts.append(PackVerdict(pack_id, name, (), None, NOT_IN_PACK))
                continue
            # Of two failures, one without a waiver decides: the pack still fails unapproved.
            worst = max(mine, key=lambda rs: (OUTCOME_TO_CODE[rs[0].outcome], rs[1] != "waived"))
            verdicts.append(PackVerdict(pack_id, name, tuple(r.rule.id for r, _ in mine),
                                        worst[0], worst[1]))
        rows.append(Comparison(key, title, tuple(verdicts)))
    return tuple(rows)


def _amount(value: float | bool | None, r: Result) -> str:
    """A measured or required value with its unit, as a sentence gives it."""
    shown = r.shown(value)
    if isinstance(shown, float):
        return f"{format_number(shown)} {r.unit}".strip()
    return str(shown)
