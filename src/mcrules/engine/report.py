"""A report: the results of one or more packs on one subject, with what is needed to audit it."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mcrules.engine.outcomes import DecisionResult, Outcome, Result, ValueResult
from mcrules.engine.questions import Question
from mcrules.rules.pack import Pack


@dataclass(frozen=True)
class PackInfo:
    """Which pack, which version, configured how, with which content hash."""

    id: str
    title: str
    version: str
    hash: str
    variants: tuple[str, ...] = ()
    overrides: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, pack: Pack) -> PackInfo:
        return cls(pack.id, pack.title, pack.version, pack.content_hash, pack.applied_variants,
                   tuple(sorted(pack.overrides.items())))

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "version": self.version, "hash": self.hash,
                "variants": list(self.variants), "overrides": dict(self.overrides)}


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
    ask: Callable[[], tuple[Question, ...]] | None = field(default=None, repr=False,
                                                            compare=False)
    as_of: dt.date | None = None

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

    @property
    def questions(self) -> tuple[Question, ...]:
        return self.next_questions()

    @property
    def ruleset_hash(self) -> str:
        """One hash over every pack used, in order: equal hashes mean the same rules and numbers."""
        joined = "\n".join(f"{p.id}@{p.version}:{p.hash}" for p in self.packs)
        return hashlib.sha256(joined.encode()).hexdigest()

    @property
    def summary(self) -> dict[str, int]:
        counts = Counter(r.outcome for r in self.results)
        return {o.value: counts.get(o, 0) for o in
                (Outcome.PASS, Outcome.FAIL, Outcome.NOT_APPLICABLE, Outcome.UNKNOWN)}

    def failed(self, *, strict: bool = False) -> bool:
        """Whether this report should fail a build: any fail, or with `strict` any unknown too."""
        bad = {Outcome.FAIL, Outcome.UNKNOWN} if strict else {Outcome.FAIL}
        return any(r.outcome in bad for r in self.results)

    def result(self, rule_id: str) -> Result:
        for r in self.results:
            if r.rule.id == rule_id:
                return r
        raise KeyError(rule_id)

    def as_dict(self) -> dict[str, Any]:
        from mcrules import __version__

        return {
            "mcrules_version": __version__,
            self.subject_name: self.subject,
            "packs": [p.as_dict() for p in self.packs],
            "ruleset_hash": self.ruleset_hash,
            "results": [r.as_dict() for r in self.results],
            "summary": self.summary,
            "warnings": list(self.warnings),
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "values": [v.as_dict() for v in self.values],
            "decisions": [d.as_dict() for d in self.decisions],
            "next_questions": [q.as_dict() for q in self.next_questions()],
        }
