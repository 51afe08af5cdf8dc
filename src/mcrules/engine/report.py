"""A report: the results of one or more packs on one subject, with what is needed to audit it."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from mcrules.engine.compare import Comparison, compare
from mcrules.engine.outcomes import DecisionResult, Result, ValueResult
from mcrules.engine.questions import Question
from mcrules.rules.pack import Pack
from mcrules.rules.pin import ruleset_hash_of


@dataclass(frozen=True)
class PackInfo:
    """Which pack, which version, configured how, with which content hash."""

    id: str
    title: str
    version: str
    hash: str
    variants: tuple[str, ...] = ()
    overrides: tuple[tuple[str, str], ...] = ()
    short_title: str = ""
    rule_hashes: Mapping[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, pack: Pack) -> PackInfo:
        return cls(pack.id, pack.title, pack.version, pack.content_hash, pack.applied_variants,
                   tuple(sorted(pack.overrides.items())), pack.short_title, pack.rule_hashes)

    @property
    def name(self) -> str:
        """How a sentence names the pack: its short title, else its id."""
        return self.short_title or self.id

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "short_title": self.name,
                "version": self.version, "hash": self.hash,
                "variants": list(self.variants), "overrides": dict(self.overrides)}


class Attachment(Protocol):
    """What a domain adds to a report beside the verdicts (a site's measured layout, a case's
    assessment, a sharing decision): its JSON form under its key, and the sentences a text
    report prints of it. Computed by the domain; renderers only format it. An attachment whose
    answer is a refusal (an event of a case history refused, a request denied) says so with a
    `refuses` attribute that is True: the report then fails like a failing rule."""

    def to_dict(self) -> dict[str, Any]: ...

    def lines(self) -> list[str]: ...


@dataclass(frozen=True)
class WaiverNote:
    """A waiver as a report carries it, as plain data: the domain layer decides whether it
    applies (`site.waivers`); the report only shows it. `results` are the indices of the
    failing results it waives; `status` is `applied`, `unused` (the rule does not fail) or
    `not_in_force` (before its scope starts or after it ends)."""

    id: str
    rule: str
    status: str
    reason: str = ""
    fields: Mapping[str, Any] = field(default_factory=dict)
    results: tuple[int, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {**self.fields, "id": self.id, "rule": self.rule, "status": self.status,
                "reason": self.reason}


@dataclass(frozen=True)
class Report:
    """Everything a renderer needs; renderers format it and never recompute a verdict.

    `subject` is what the report says about the instance checked (its name, its file);
    `subject_name` is which kind of subject it is ("site"), and keys that part of the JSON.
    """

    subject: dict[str, Any]
    packs: tuple[PackInfo, ...]
    results: tuple[Result, ...]
    warnings: tuple[str, ...] = field(default=())
    subject_name: str = "site"
    values: tuple[ValueResult, ...] = ()
    decisions: tuple[DecisionResult, ...] = ()
    ask: Callable[..., tuple[Question, ...]] | None = field(default=None, repr=False,
                                                             compare=False)
    """The next-question search: with no argument, over the verdicts the report was built to
    ask about; with a collection of verdict ids, over those only (`questions_among`)."""
    as_of: dt.date | None = None
    result_packs: tuple[int, ...] = ()
    """For each result, the index in `packs` of the pack that gave it (all 0 when empty)."""
    waivers: tuple[WaiverNote, ...] = ()
    attachments: Mapping[str, Attachment] = field(default_factory=dict, compare=False)
    """Keyed parts of the JSON report a domain adds (`layout`, `assessment`, `eligibility`,
    `casework`, `sharing`); absent keys are not written."""
    ref: Mapping[str, Any] | None = None
    """The envelope's `subject`: `{kind, id, file}` (`mcrules.evaluate` sets it; without it, it
    is made from `subject` and `subject_name`)."""

    def next_questions(self) -> tuple[Question, ...]:
        """The missing inputs that would settle unknown verdicts, the most settling first (see
        `engine.questions`). Searched for on the first call, not when the report is built: the
        search evaluates candidate answers, which a caller reading only the verdicts (a test, a
        loop over many subjects) should not pay for."""
        cached: tuple[Question, ...] | None = self.__dict__.get("_questions")
        if cached is None:
            cached = self.ask() if self.ask is not None else ()
            object.__setattr__(self, "_questions", cached)
        return cached

    def questions_among(self, among: Collection[str]) -> tuple[Question, ...]:
        """The next questions ranked by how many of the verdicts `among` (rule, value and
        decision ids) they settle: what a domain part reports of a report made for every
        verdict (the services of an eligibility pack). Searched for on every call."""
        return self.ask(frozenset(among)) if self.ask is not None else ()

    @property
    def questions(self) -> tuple[Question, ...]:
        return self.next_questions()

    @property
    def ruleset_hash(self) -> str:
        """One hash over every pack used, in order: equal hashes mean the same rules and numbers."""
        return ruleset_hash_of(self.packs)

    @property
    def subject_ref(self) -> dict[str, Any]:
        """Which subject this report is about: `{kind, id, file}`."""
        if self.ref is not None:
            return dict(self.ref)
        name = self.subject.get("id", self.subject.get("name"))
        return {"kind": self.subject_name, "id": None if name is None else str(name),
                "file": self.subject.get("file")}

    @property
    def refused(self) -> bool:
        """Whether an attachment's answer is a refusal (see `Attachment`)."""
        return any(getattr(a, "refuses", False) is True for a in self.attachments.values())

    def attachment(self, key: str) -> Any:
        """The domain part under `key` (`assessment`, `eligibility`, `casework`, `sharing`,
        `layout`); KeyError naming the ones this report has."""
        try:
            return self.attachments[key]
        except KeyError:
            have = ", ".join(self.attachments) or "none"
            raise KeyError(f"this report has no {key!r} part (it has: {have})") from None

    @property
    def summary(self) -> dict[str, int]:
        """Counts by status: a waived failure counts as `waived`, not as `fail` (nor as pass)."""
        return _summary(self.statuses)

    @property
    def statuses(self) -> tuple[str, ...]:
        """Each result's status: its outcome, or `waived` for a failure a waiver covers."""
        cached: tuple[str, ...] | None = self.__dict__.get("_statuses")
        if cached is None:
            waived = {i for w in self.waivers for i in w.results}
            cached = tuple("waived" if i in waived else r.outcome.value
                           for i, r in enumerate(self.results))
            object.__setattr__(self, "_statuses", cached)
        return cached

    def waiver_of(self, index: int) -> WaiverNote | None:
        """The waiver applied to result `index`, if any."""
        return next((w for w in self.waivers if index in w.results), None)

    def failed(self, *, strict: bool = False) -> bool:
        """Whether the answer is no (exit 1, docs/exit-codes.md): a failure a waiver does not
        cover, or a domain's refusal (an event of a case history refused, a sharing request
        denied); with `strict`, also any waived failure or any unknown."""
        bad = {"fail", "waived", "unknown"} if strict else {"fail"}
        return self.refused or any(s in bad for s in self.statuses)

    def pack_index(self, index: int) -> int:
        """The index in `packs` of the pack that gave result `index`."""
        return self.result_packs[index] if self.result_packs else 0

    @property
    def by_pack(self) -> tuple[tuple[PackInfo, tuple[int, ...]], ...]:
        """Each pack with the indices of its results, in pack order."""
        return tuple((p, tuple(i for i in range(len(self.results)) if self.pack_index(i) == n))
                     for n, p in enumerate(self.packs))

    def pack_summaries(self) -> tuple[dict[str, int], ...]:
        """Each pack's own summary, in pack order."""
        return tuple(_summary(tuple(self.statuses[i] for i in idx)) for _, idx in self.by_pack)

    @property
    def comparison(self) -> tuple[Comparison, ...]:
        """Per requirement, each pack's verdict side by side (see `engine.compare`); made on
        first use, since a report of one pack is rarely read this way."""
        cached: tuple[Comparison, ...] | None = self.__dict__.get("_comparison")
        if cached is None:
            cached = compare([(p.id, p.name, [(self.results[i], self.statuses[i]) for i in idx])
                              for p, idx in self.by_pack])
            object.__setattr__(self, "_comparison", cached)
        return cached

    def result(self, rule_id: str) -> Result:
        for r in self.results:
            if r.rule.id == rule_id:
                return r
        raise KeyError(rule_id)

    def result_dict(self, index: int) -> dict[str, Any]:
        """A result's JSON form, with what only the report knows: its pack, its rule's content
        hash (what a waiver records), its status and the waiver applied to it."""
        r = self.results[index]
        pack = self.packs[self.pack_index(index)] if self.packs else None
        waiver = self.waiver_of(index)
        return {**r.as_dict(), "pack": pack.id if pack else None,
                "rule_hash": pack.rule_hashes.get(r.rule.id) if pack else None,
                "status": self.statuses[index],
                "waiver": waiver.as_dict() if waiver is not None else None}

    def to_dict(self) -> dict[str, Any]:
        """The JSON envelope (docs/output.md), the same for every subject: the one place its
        keys are made. `by_pack` and `comparison` are there when more than one pack was given;
        each domain part under its own key."""
        from mcrules import __version__

        results = [self.result_dict(i) for i in range(len(self.results))]
        out = {
            "mcrules_version": __version__,
            "subject": self.subject_ref,
            self.subject_name: self.subject,
            "packs": [p.as_dict() for p in self.packs],
            "ruleset_hash": self.ruleset_hash,
            "results": results,
            "summary": self.summary,
            "waivers": [w.as_dict() for w in self.waivers],
            "warnings": list(self.warnings),
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "values": [v.as_dict() for v in self.values],
            "decisions": [d.as_dict() for d in self.decisions],
            "next_questions": [q.as_dict() for q in self.next_questions()],
            **{key: part.to_dict() for key, part in self.attachments.items()},
        }
        if len(self.packs) > 1:
            out["by_pack"] = [{"pack": p.id, "results": [results[i] for i in idx],
                               "summary": counts}
                              for (p, idx), counts in zip(self.by_pack, self.pack_summaries(),
                                                          strict=True)]
            out["comparison"] = [c.as_dict() for c in self.comparison]
        return out

    as_dict = to_dict
    """The former name of `to_dict`, kept so existing callers work."""


def _summary(statuses: tuple[str, ...]) -> dict[str, int]:
    counts = Counter(statuses)
    return {k: counts.get(k, 0) for k in ("pass", "fail", "not_applicable", "unknown", "waived")}
