"""The impact of a rule change on a corpus: evaluate every record under the base and the head
version of a pack and count, per rule, the verdicts that flip and in which direction.

Each corpus batch is converted once and evaluated by both packs' columnar evaluators, so the cost
is one conversion and two evaluations per batch, and memory stays bounded by the batch size
whatever the corpus holds. Alongside the counts it keeps a few flipped records per rule (as
examples for a reviewer), the records nearest the head's boundary for rules whose threshold
moved, and what changed in the pack text itself (rules added, removed, or changed in threshold,
applicability, severity or citation).
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from mcrules.bulk.convert import Converted, Converter
from mcrules.bulk.derived import DerivedConverter, bulk_subject, converter_for
from mcrules.bulk.run import default_workers
from mcrules.clock import today
from mcrules.engine.columnar import ColumnarEvaluator, ColumnarResult
from mcrules.engine.outcomes import CODE_TO_OUTCOME, Code
from mcrules.errors import InputError
from mcrules.io.tables import DEFAULT_BATCH_SIZE, TableSource
from mcrules.rules.pack import Pack
from mcrules.subjects import Context, Subject, get

NCODES = len(Code)
WORDS = tuple(CODE_TO_OUTCOME[Code(i)].value for i in range(NCODES))
EXAMPLES = 10
NEAREST = 5
POLICIES = ("fail-increase", "unknown-increase", "pass-to-fail", "any-flip", "rules-changed")


@dataclass
class RuleChange:
    """How one rule, value or table differs between the two packs' texts."""

    id: str
    kind: str                     # rule | value | decision
    status: str                   # added | removed | changed | same
    changes: list[str] = field(default_factory=list)  # threshold, applicability, ...
    details: list[str] = field(default_factory=list)


@dataclass
class Flip:
    row: int
    name: str | None
    base: str
    head: str
    measured: float | None
    required: float | None


@dataclass
class RuleImpact:
    """Verdict transitions of one rule over the corpus: `transitions[b][h]` records went from
    outcome b (base) to h (head); a rule only in one pack has its counts on that side only."""

    id: str
    transitions: npt.NDArray[np.int64] = field(
        default_factory=lambda: np.zeros((NCODES, NCODES), dtype=np.int64))
    base_counts: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(NCODES, np.int64))
    head_counts: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(NCODES, np.int64))
    examples: list[Flip] = field(default_factory=list)
    nearest: list[tuple[float, int, Flip]] = field(default_factory=list)  # heap of (-|margin|, ..)

    @property
    def flipped(self) -> int:
        t = self.transitions
        return int(t.sum() - np.trace(t))

    def moved(self, src: Code, dst: Code) -> int:
        return int(self.transitions[src, dst])

    def as_dict(self) -> dict[str, Any]:
        t = self.transitions
        flips = {f"{WORDS[b]}->{WORDS[h]}": int(t[b, h]) for b in range(NCODES)
                 for h in range(NCODES) if b != h and t[b, h]}
        return {
            "rule": self.id, "flipped": self.flipped, "flips": flips,
            "base": {WORDS[i]: int(c) for i, c in enumerate(self.base_counts)},
            "head": {WORDS[i]: int(c) for i, c in enumerate(self.head_counts)},
            "examples": [_flip_dict(f) for f in self.examples],
            "nearest_boundary": [_flip_dict(f) for _, _, f in
                                 sorted(self.nearest, key=lambda x: (-x[0], x[1]))],
        }


def _flip_dict(f: Flip) -> dict[str, Any]:
    return {"row": f.row, "name": f.name, "base": f.base, "head": f.head,
            "measured": f.measured, "required": f.required}


@dataclass
class PackImpact:
    """One pack id present in base, head or both, and its impact on one corpus."""

    pack: str
    base_version: str | None
    head_version: str | None
    base_hash: str | None
    head_hash: str | None
    changes: list[RuleChange] = field(default_factory=list)
    rules: dict[str, RuleImpact] = field(default_factory=dict)
    values_changed: dict[str, int] = field(default_factory=dict)
    decisions_changed: dict[str, int] = field(default_factory=dict)
    rows: int = 0
    rejected: int = 0

    @property
    def flipped(self) -> int:
        return sum(r.flipped for r in self.rules.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "pack": self.pack, "base": {"version": self.base_version, "hash": self.base_hash},
            "head": {"version": self.head_version, "hash": self.head_hash},
            "records": self.rows, "rejected": self.rejected, "flipped": self.flipped,
            "changes": [{"id": c.id, "kind": c.kind, "status": c.status, "changes": c.changes,
                         "details": c.details} for c in self.changes if c.status != "same"],
            "rules": [r.as_dict() for r in self.rules.values()],
            "values_changed": self.values_changed, "decisions_changed": self.decisions_changed,
        }


@dataclass
class DiffReport:
    packs: list[PackImpact]
    corpus: list[str]
    base: str
    head: str

    def as_dict(self) -> dict[str, Any]:
        return {"base": self.base, "head": self.head, "corpus": self.corpus,
                "packs": [p.as_dict() for p in self.packs]}

    def violations(self, policies: Iterable[str]) -> list[str]:
        """The `--fail-on` policies this diff breaks, each with the rules that break it."""
        out = []
        for policy in policies:
            bad: list[str] = []
            for p in self.packs:
                bad += [r.id for r in p.rules.values() if _breaks(policy, r)]
                if policy == "rules-changed":
                    bad += [c.id for c in p.changes if c.status != "same"]
            if bad:
                out.append(f"{policy}: {', '.join(bad)}")
        return out


def _breaks(policy: str, r: RuleImpact) -> bool:
    fail, unknown = int(Code.FAIL), int(Code.UNKNOWN)
    if policy == "fail-increase":
        return bool(r.head_counts[fail] > r.base_counts[fail])
    if policy == "unknown-increase":
        return bool(r.head_counts[unknown] > r.base_counts[unknown])
    if policy == "pass-to-fail":
        return r.moved(Code.PASS, Code.FAIL) > 0
    return policy == "any-flip" and r.flipped > 0


# -- what changed in the text --------------------------------------------------------------------

def pack_changes(base: Pack | None, head: Pack | None) -> list[RuleChange]:
    """Rules, values and tables added, removed or changed (threshold, applicability, severity,
    citation, expression, rows), in head order then removed ones; and parameters whose value
    changed (which a value or table may read though no rule names them)."""
    out: list[RuleChange] = []
    b_rules = {r.id: r for r in base.rules} if base else {}
    h_rules = {r.id: r for r in head.rules} if head else {}
    for rid, hr in h_rules.items():
        br = b_rules.get(rid)
        if br is None:
            out.append(RuleChange(rid, "rule", "added"))
            continue
        change = RuleChange(rid, "rule", "same")
        assert base is not None and head is not None
        params = sorted(set(br.params) | set(hr.params))
        moved = [f"{n}: {base.describe_parameter(n) if n in base.parameters else '-'} -> "
                 f"{head.describe_parameter(n) if n in head.parameters else '-'}"
                 for n in params if _param(base, n) != _param(head, n)]
        if br.check_text != hr.check_text or moved:
            change.changes.append("threshold")
            if br.check_text != hr.check_text:
                change.details.append(f"check: {br.check_text} -> {hr.check_text}")
            change.details += moved
        if (br.applies_if_text, br.each) != (hr.applies_if_text, hr.each):
            change.changes.append("applicability")
            change.details.append(f"applies_if: {br.applies_if_text or '-'} -> "
                                  f"{hr.applies_if_text or '-'}")
        if br.severity != hr.severity:
            change.changes.append("severity")
            change.details.append(f"severity: {br.severity.value} -> {hr.severity.value}")
        if [(c.document.id, c.quote, c.section, c.note) for c in br.citations] != \
                [(c.document.id, c.quote, c.section, c.note) for c in hr.citations]:
            change.changes.append("citation")
        if (br.effective_from, br.effective_to) != (hr.effective_from, hr.effective_to):
            change.changes.append("effective dates")
        if change.changes:
            change.status = "changed"
        out.append(change)
    out += [RuleChange(rid, "rule", "removed") for rid in b_rules if rid not in h_rules]
    if base is not None and head is not None:
        for name in head.parameters:
            if name in base.parameters and _param(base, name) != _param(head, name):
                out.append(RuleChange(name, "parameter", "changed", ["value"],
                                      [f"{name}: {base.describe_parameter(name)} -> "
                                       f"{head.describe_parameter(name)}"]))
    for kind, b_items, h_items in (
            ("value", _texts(base, "values"), _texts(head, "values")),
            ("decision", _texts(base, "decisions"), _texts(head, "decisions"))):
        for ident, text in h_items.items():
            if ident not in b_items:
                out.append(RuleChange(ident, kind, "added"))
            elif b_items[ident] != text:
                out.append(RuleChange(ident, kind, "changed", ["definition"]))
        out += [RuleChange(i, kind, "removed") for i in b_items if i not in h_items]
    return out


def _param(pack: Pack, name: str) -> tuple[float, str] | None:
    p = pack.parameters.get(name)
    return None if p is None else (p.value, p.unit_text)


def _texts(pack: Pack | None, kind: str) -> dict[str, str]:
    if pack is None:
        return {}
    fp = pack.fingerprint()
    key = "expression" if kind == "values" else None
    return {d["id"]: (d[key] if key else repr(sorted(d.items()))) for d in fp.get(kind, [])}


# -- evaluating the corpus ----------------------------------------------------------------------

@dataclass
class _Side:
    pack: Pack
    evaluator: ColumnarEvaluator


class _Batch:
    """Both sides' results for one converted batch."""

    def __init__(self, rows: npt.NDArray[np.int64], names: list[str | None] | None,
                 base: ColumnarResult | None, head: ColumnarResult | None, rejected: int) -> None:
        self.rows, self.names, self.base, self.head, self.rejected = rows, names, base, head, rejected


def diff_corpus(base: Pack | None, head: Pack | None, corpus: Sequence[str | Path], *,
                subject: str | Subject[Any] | None = None, batch_size: int = DEFAULT_BATCH_SIZE,
                workers: int | None = None, examples: int = EXAMPLES,
                as_of: dt.date | None = None) -> PackImpact:
    """The impact of going from `base` to `head` (either may be None: a pack added or removed)
    on every record of the corpus files on `as_of` (default today, read once), keeping up to
    `examples` flipped records per rule.

    A record of a subject whose facts are derived (a sharing request) is derived once per side,
    in that side's context: a changed catalogue reclassifies it, as the pack in force would."""
    some = head or base
    assert some is not None
    on = today() if as_of is None else as_of
    chosen = bulk_subject(some, subject)
    present = [p for p in (base, head) if p is not None]
    converter = converter_for(chosen, [Context(on, (p,)) for p in present])
    # Each side's dated parameters at their values in force on the run's day, however the pack
    # was loaded (a pack loaded without a date holds its latest values).
    sides = [_Side(p, ColumnarEvaluator(p.on_date(on))) if p is not None else None
             for p in (base, head)]
    impact = PackImpact(some.id, base.version if base else None, head.version if head else None,
                        base.content_hash if base else None, head.content_hash if head else None,
                        pack_changes(base, head))
    threshold_moved = {c.id for c in impact.changes if "threshold" in c.changes}
    ids = list(dict.fromkeys([*(r.id for r in head.rules)] if head else [])
               | dict.fromkeys([*(r.id for r in base.rules)] if base else []))
    impact.rules = {rid: RuleImpact(rid) for rid in ids}
    label = chosen.label_field

    def work(item: tuple[pa.RecordBatch, int]) -> _Batch:
        batch, offset = item
        each = _converted(converter, batch, offset, len(present))  # one per side, same rows
        per_side = iter(each)
        results = [None if s is None else s.evaluator.evaluate(next(per_side).columns, as_of=on)
                   for s in sides]
        got = each[0]
        names = got.texts[label].to_pylist() if label and label in got.texts else None
        return _Batch(got.rows, names, results[0], results[1], len(got.rejects))

    with ThreadPoolExecutor(max_workers=workers or default_workers()) as pool:
        for done in _ordered(pool, work, _batches(corpus, batch_size), workers or default_workers()):
            impact.rows += len(done.rows)
            impact.rejected += done.rejected
            _fold(impact, done, threshold_moved, examples)
    return impact


def _converted(converter: Converter, batch: pa.RecordBatch, offset: int,
               sides: int) -> list[Converted]:
    """The batch converted for each side: once for both when a record is its facts, once per
    side's context when they are derived (over the same rows either way)."""
    if isinstance(converter, DerivedConverter):
        return converter.convert_each(batch, offset)
    return [converter.convert(batch, offset)] * sides


def _batches(corpus: Sequence[str | Path], batch_size: int) -> Iterable[tuple[pa.RecordBatch, int]]:
    offset = 0
    for path in corpus:
        for batch in TableSource(path, batch_size):
            yield batch, offset
            offset += batch.num_rows


def _ordered(pool: ThreadPoolExecutor, fn: Any, items: Iterable[Any], workers: int
             ) -> Iterable[_Batch]:
    """`fn` over `items` on the pool, in input order, with at most `workers + 1` in flight."""
    from collections import deque

    pending: deque[Any] = deque()
    for item in items:
        pending.append(pool.submit(fn, item))
        if len(pending) > workers:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _fold(impact: PackImpact, b: _Batch, threshold_moved: set[str], examples: int) -> None:
    n = len(b.rows)
    for rid, ri in impact.rules.items():
        bc = b.base.codes.get(rid) if b.base is not None else None
        hc = b.head.codes.get(rid) if b.head is not None else None
        if bc is not None:
            ri.base_counts += np.bincount(bc.astype(np.intp), minlength=NCODES)
        if hc is not None:
            ri.head_counts += np.bincount(hc.astype(np.intp), minlength=NCODES)
        if bc is None or hc is None:
            continue
        pair = bc.astype(np.intp) * NCODES + hc.astype(np.intp)
        ri.transitions += np.bincount(pair, minlength=NCODES * NCODES).reshape(NCODES, NCODES)
        assert b.head is not None
        measured, required = b.head.measured[rid], b.head.required[rid]
        if len(ri.examples) < examples:
            where = np.flatnonzero(bc != hc)[:examples - len(ri.examples)]
            ri.examples += [_flip(b, i, bc, hc, measured, required) for i in where]
        if rid in threshold_moved and n:
            margin = np.abs(measured - required)
            finite = np.flatnonzero(np.isfinite(margin))
            if len(finite):
                k = min(NEAREST, len(finite))
                best = finite[np.argpartition(margin[finite], k - 1)[:k]]
                for i in best:
                    entry = (-float(margin[i]), -int(b.rows[i]), _flip(b, i, bc, hc, measured,
                                                                       required))
                    if len(ri.nearest) < NEAREST:
                        heapq.heappush(ri.nearest, entry)
                    elif entry[:2] > ri.nearest[0][:2]:
                        heapq.heapreplace(ri.nearest, entry)
    for kind, target in (("values", impact.values_changed), ("decisions", impact.decisions_changed)):
        if b.base is None or b.head is None:
            continue
        bmap, hmap = getattr(b.base, kind), getattr(b.head, kind)
        for ident in hmap:
            if ident not in bmap:
                continue
            if kind == "values":
                x, y = bmap[ident], hmap[ident]
                changed = int(np.count_nonzero(~((x == y) | (np.isnan(x) & np.isnan(y)))))
            else:
                x, y = bmap[ident], hmap[ident]
                changed = int(np.count_nonzero((x.status != y.status) | (x.output != y.output)
                                               | (x.rows != y.rows)))
            target[ident] = target.get(ident, 0) + changed


def _flip(b: _Batch, i: int, bc: npt.NDArray[Any], hc: npt.NDArray[Any], measured: Any,
          required: Any) -> Flip:
    m, q = float(measured[i]), float(required[i])
    return Flip(int(b.rows[i]), b.names[i] if b.names else None, WORDS[int(bc[i])],
                WORDS[int(hc[i])], m if np.isfinite(m) else None, q if np.isfinite(q) else None)


# -- both sides, every pack ---------------------------------------------------------------------

def pack_folders(root: Path) -> list[Path]:
    """Pack folders at or below `root` (a pack folder or a folder of packs)."""
    if (root / "pack.yaml").is_file():
        return [root]
    return sorted(p.parent for p in root.rglob("pack.yaml"))


def diff_folders(base_root: Path, head_root: Path, corpus: Sequence[tuple[str | None, str]], *,
                 base_label: str, head_label: str, batch_size: int = DEFAULT_BATCH_SIZE,
                 workers: int | None = None, examples: int = EXAMPLES,
                 as_of: dt.date | None = None) -> DiffReport:
    """Pair the packs of two folders by id and diff each over the corpus files about its subject,
    on `as_of` (default today, read once for the whole diff).

    `corpus` holds (subject name or None, path); a file without a subject goes to the packs about
    the one subject all packs share, or to site packs when they are about several. A file named
    for a subject no pack is about is an error, not a file quietly left out: a gate that
    evaluated nothing would report that nothing flips."""
    from mcrules.subjects import load_subject_pack

    def by_id(root: Path) -> dict[str, Pack]:
        # A date given keeps the rules and parameter values in force then, as bulk does.
        packs = [load_subject_pack(f, as_of=as_of) for f in pack_folders(root)]
        return {p.id: p for p in packs}

    base, head = by_id(base_root), by_id(head_root)
    if not base and not head:
        raise InputError(f"no rule packs in {base_root} or {head_root}")
    on = as_of or today()
    ids = list(dict.fromkeys([*head, *base]))
    subjects = {p.subjects[0] if p.subjects else "" for p in [*base.values(), *head.values()]}
    default = next(iter(subjects)) if len(subjects) == 1 else "site"
    _refuse_unmatched(corpus, [*head.values(), *base.values()], default)
    report = DiffReport([], [str(path) for _, path in corpus], base_label, head_label)
    for pid in ids:
        b, h = base.get(pid), head.get(pid)
        some = h or b
        assert some is not None
        subject = some.subjects[0] if some.subjects else default
        files = [path for name, path in corpus if (name or default) == subject]
        if files:
            report.packs.append(diff_corpus(b, h, files, batch_size=batch_size, workers=workers,
                                            examples=examples, as_of=on))
        else:
            report.packs.append(PackImpact(pid, b.version if b else None,
                                           h.version if h else None,
                                           b.content_hash if b else None,
                                           h.content_hash if h else None, pack_changes(b, h)))
    return report


def _refuse_unmatched(corpus: Sequence[tuple[str | None, str]], packs: Sequence[Pack],
                      default: str) -> None:
    """McrulesError for a corpus file named for a subject no pack is about: an unknown subject
    (naming the close ones), one bulk cannot convert (a case history, whose packs are about each
    of its events: saying why), or one these packs are simply not about."""
    about = {p.subjects[0] if p.subjects else default for p in packs}
    for name, path in corpus:
        if name is None or name in about:
            continue
        named = get(name)
        owner = next((p for p in packs if named.rules_subject in p.subjects), None)
        if owner is not None:
            bulk_subject(owner, named)
        raise InputError(f"no pack in the base or the head is about {name} (they are about "
                         f"{', '.join(sorted(about))})", source=path)
