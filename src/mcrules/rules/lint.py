"""Static checks of a rule pack that report every problem with `file:line: code: message`.

Two passes, so one mistake does not hide the others: a tolerant pass over the YAML (unknown keys,
citations, quotes, verbs, duplicate ids), which works even when the pack does not load; then the
loader, whose first `RuleLoadError` becomes one finding with the code it was raised with; then,
when the pack loads, checks over the IR (applicability that never holds, checks that never fail,
decision-table gaps, overlaps and unreachable rows, effective dates). Codes are documented in
docs/lint.md and never renumbered.
"""

from __future__ import annotations

import difflib
import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcrules.errors import InputError, RuleLoadError, UnitError
from mcrules.limits import MAX_SOURCE_TEXT_BYTES
from mcrules.located import LocatedDict, LocatedList, load_document
from mcrules.rules.assembly import PACK_KEYS, load_pack
from mcrules.rules.context import CITATION_KEYS
from mcrules.rules.decisions import ROW_KEYS, TABLE_KEYS, _describe, _samples, contains
from mcrules.rules.ir import (
    Arith,
    Compare,
    Const,
    DecisionTable,
    Expr,
    FieldRef,
    Logic,
    Not,
    Rule,
    Scale,
)
from mcrules.rules.pack import Pack
from mcrules.rules.parameter_files import PARAM_KEYS
from mcrules.rules.requirements import REQUIREMENTS
from mcrules.rules.rule_files import FILE_KEYS, RULE_KEYS, VALUE_KEYS
from mcrules.rules.schema import Schema
from mcrules.source import read_input
from mcrules.units import conversion_factor, parse_unit


@dataclass(frozen=True)
class LintCode:
    """A stable lint code: its id (never reused), a short name, and its level."""

    id: str
    name: str
    level: str  # "error" or "warning"
    summary: str


CODES: dict[str, LintCode] = {c.id: c for c in (
    LintCode("MCR001", "unknown-field", "error", "a key the pack format does not define"),
    LintCode("MCR002", "invalid-pack", "error", "the pack does not load: YAML syntax, a missing or "
             "mistyped key, an expression outside the grammar or naming an unknown field"),
    LintCode("MCR003", "unit-mismatch", "error", "an expression combines or compares quantities of "
             "different dimensions"),
    LintCode("MCR004", "missing-citation", "error", "a rule, value, table or parameter cites nothing"),
    LintCode("MCR005", "empty-quote", "error", "a citation whose quote is empty"),
    LintCode("MCR006", "quote-not-in-source", "error", "a verified quote that occurs in none of the "
             "source texts given with --sources"),
    LintCode("MCR007", "severity-contradicts-verb", "error", "a severity the quotes' verbs "
             "contradict (shall/must: error; should/recommended: warning; may: info)"),
    LintCode("MCR008", "duplicate-id", "error", "two rules, values or tables with the same id"),
    LintCode("MCR009", "parameter-out-of-bounds", "error", "a parameter or variant value outside "
             "the parameter's declared bounds, or bounds that admit no value"),
    LintCode("MCR010", "effective-dates", "error", "an empty or out-of-order effective interval, or "
             "a rule in force outside its pack's interval"),
    LintCode("MCR011", "never-applies", "warning", "a rule whose applicability can never hold"),
    LintCode("MCR012", "never-fails", "warning", "a rule whose check can never fail"),
    LintCode("MCR013", "table-overlap", "error", "two rows of a unique decision table both match "
             "some input"),
    LintCode("MCR014", "table-gap", "error", "an input no row of a decision table matches, and the "
             "table has no default"),
    LintCode("MCR015", "unreachable-row", "warning", "a row of a first-hit decision table that "
             "earlier rows always pre-empt"),
    LintCode("MCR016", "value-cycle", "error", "values, rules or decisions that depend on each "
             "other in a cycle"),
    LintCode("MCR017", "unknown-requirement", "warning", "a rule's `requirement` that is not one "
             "of the shared requirement keys (a typo, or a key no other pack can line up with)"),
    LintCode("MCR018", "requirement-mismatch", "error", "a rule whose check does not compare the "
             "kind of quantity its `requirement` is about (litres against square metres)"),
)}


@dataclass(frozen=True)
class Finding:
    """One problem: where it is, its code, and what to do about it."""

    code: str
    file: str
    line: int | None
    message: str

    @property
    def name(self) -> str:
        return CODES[self.code].name

    @property
    def level(self) -> str:
        return CODES[self.code].level

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.code} {self.name}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "code": self.code, "name": self.name,
                "level": self.level, "message": self.message}


def lint_pack(folder: Path, schemas: Mapping[str, Schema], sources: Path | None = None
              ) -> list[Finding]:
    """Every finding for the pack in `folder`, sorted by file and line; `sources` is a folder of
    `*.txt` source texts that verified quotes must occur in."""
    texts = source_texts(sources) if sources is not None else None
    found = _YamlPass(folder, texts).run()
    pack = None
    try:
        pack = load_pack(folder, schemas)
    except RuleLoadError as exc:
        finding = Finding(exc.code, exc.file, exc.line, _message(exc))
        if not any(f.file == finding.file and f.line == finding.line and f.code == finding.code
                   for f in found) and not (finding.code == "MCR008" and any(
                       f.code == "MCR008" for f in found)):
            found.append(finding)
    if pack is not None:
        found += check_ir(pack)
    found = [f for f in found if not _suppressed(f)]
    return sorted(set(found), key=lambda f: (f.file, f.line or 0, f.code, f.message))


_IGNORE = re.compile(r"#\s*mcrules-lint:\s*ignore\s+((?:MCR\d{3}[\s,]*)+)\S")


def _suppressed(finding: Finding) -> bool:
    """Whether the finding's line, or the line above it, carries a comment
    `# mcrules-lint: ignore MCR007 <reason>`: a deliberate exception, visible in review, with
    its reason (a comment without a reason does not count)."""
    if finding.line is None:
        return False
    try:
        lines = read_input(finding.file)[0].decode("utf-8", errors="replace").splitlines()
    except InputError:
        return False
    for text in lines[max(0, finding.line - 2):finding.line]:
        m = _IGNORE.search(text)
        if m and finding.code in re.findall(r"MCR\d{3}", m.group(1)):
            return True
    return False


def _message(exc: RuleLoadError) -> str:
    return f"[{exc.path}] {exc.message}" if exc.path else exc.message


# -- source texts -------------------------------------------------------------------------------

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                         "\u2013": "-", "\u2014": "-", "\u00a0": " "})
_TAGS = re.compile(r"<[^>\n]{0,200}>")
_BULLETS = re.compile(r"(?m)^\s*(?:[-*+\u2022]|\d{1,3}[.)])\s+")
_MARKUP = re.compile(r"[*_`#>|~\u2022]+|\[\d+\]")
_PUNCTUATION = re.compile(r"[^\w\s]+")
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|\u2026|\[\.\.\.\])\s*")


def normalise(text: str) -> str:
    """Text compared for quotes: NFKC, no HTML tags, list bullets, Markdown emphasis or
    punctuation, one space between words, lower case: the words, in order."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = _MARKUP.sub(" ", _BULLETS.sub(" ", _TAGS.sub(" ", text)))
    # punctuation too: a quote renders a list as `a; b` or `a - b` where the source has bullets
    text = _PUNCTUATION.sub(" ", text)
    return " ".join(text.split()).lower()


def source_texts(folder: Path) -> list[str]:
    """Every `*.txt` under `folder`, normalised; an empty list if there is none."""
    return [normalise(read_input(p, limit=MAX_SOURCE_TEXT_BYTES)[0].decode("utf-8",
                                                                          errors="replace"))
            for p in sorted(folder.rglob("*.txt"))]


def quote_found(quote: str, texts: Sequence[str]) -> bool:
    """Whether every part of `quote` (split at ellipses) occurs, in order, in one source text."""
    parts = [normalise(p) for p in _ELLIPSIS.split(quote)]
    parts = [p for p in parts if p]
    for text in texts:
        at = 0
        for part in parts:
            at = text.find(part, at)
            if at < 0:
                break
            at += len(part)
        else:
            return True
    return False


# -- the verb of a quote -------------------------------------------------------------------------

_VERBS = (
    ("error", re.compile(r"\b(shall|must|prohibited)\b")),
    ("warning", re.compile(r"\b(should|recommended)\b")),
    ("info", re.compile(r"\bmay\b")),
)


def verb_levels(quote: str) -> set[str]:
    """The severities the modal verbs of a quote call for."""
    text = normalise(quote)
    return {level for level, pattern in _VERBS if pattern.search(text)}


# -- the tolerant YAML pass -----------------------------------------------------------------------

class _YamlPass:
    """Structure checks straight on the YAML, so every file is checked even when one does not
    load."""

    def __init__(self, folder: Path, texts: list[str] | None) -> None:
        self.folder = folder
        self.texts = texts
        self.found: list[Finding] = []
        self.ids: dict[str, str] = {}
        self.file = ""

    def add(self, code: str, line: int | None, message: str) -> None:
        self.found.append(Finding(code, self.file, line, message))

    def read(self, path: Path) -> Any:
        self.file = str(path)
        try:
            return load_document(path)
        except InputError as exc:
            line = exc.problems[0].line if exc.problems else None
            detail = exc.problems[0].message if exc.problems else exc.message
            self.add("MCR002", line, f"{exc.message}: {detail}")
            return None

    def run(self) -> list[Finding]:
        head = self.read(self.folder / "pack.yaml")
        rule_files = None
        if isinstance(head, LocatedDict):
            self.keys(head, PACK_KEYS, "pack.yaml")
            rule_files = head.get("rule_files")
            for vid, spec in (head.get("variants") or {}).items():
                if isinstance(spec, LocatedDict):
                    self.keys(spec, {"description", "parameters", "severity", "citations"},
                              f"variant {vid}")
                    self.citations(spec, f"variant {vid}", None)
        for f in sorted((self.folder / "parameters").glob("*.yaml")):
            node = self.read(f)
            if isinstance(node, LocatedDict):
                self.keys(node, PARAM_KEYS, f"parameter {f.stem}")
                self.citations(node, f"parameter {f.stem}", None)
        files = ([self.folder / str(f) for f in rule_files] if isinstance(rule_files, list)
                 else sorted(p for p in self.folder.glob("*.yaml") if p.name != "pack.yaml"))
        for f in files:
            if f.is_file():
                self.rule_file(f)
        return self.found

    def keys(self, node: LocatedDict, allowed: set[str], what: str) -> None:
        for key in node:
            if key not in allowed:
                self.add("MCR001", node.lines.get(key, node.line),
                         f"unknown key {key!r} in {what} (allowed: {', '.join(sorted(allowed))})")

    def rule_file(self, path: Path) -> None:
        doc = self.read(path)
        if not isinstance(doc, LocatedDict):
            return
        self.keys(doc, FILE_KEYS, path.name)
        for kind, allowed in (("rules", RULE_KEYS), ("values", VALUE_KEYS),
                              ("decisions", TABLE_KEYS)):
            nodes = doc.get(kind)
            if not isinstance(nodes, LocatedList):
                continue
            for node in nodes:
                if not isinstance(node, LocatedDict):
                    continue
                ident = str(node.get("id", "?"))
                self.keys(node, allowed, f"{kind[:-1]} {ident}")
                if ident in self.ids:
                    self.add("MCR008", node.lines.get("id", node.line),
                             f"duplicate id {ident!r} (also at {self.ids[ident]})")
                else:
                    self.ids[ident] = f"{self.file}:{node.lines.get('id', node.line)}"
                severity = str(node.get("severity")) if kind == "rules" else None
                self.citations(node, ident, severity)
                for row in node.get("rows") or () if kind == "decisions" else ():
                    if isinstance(row, LocatedDict):
                        self.keys(row, ROW_KEYS, f"row of {ident}")
                        if row.get("citations") is not None:
                            self.citations(row, f"row of {ident}", None)

    def citations(self, node: LocatedDict, what: str, severity: str | None) -> None:
        cites = node.get("citations")
        if not isinstance(cites, LocatedList) or not cites:
            self.add("MCR004", node.lines.get("citations", node.line),
                     f"{what} needs `citations`: at least one {{document, quote}}")
            return
        levels: set[str] = set()
        for c, line in zip(cites, cites.lines, strict=False):
            if not isinstance(c, LocatedDict):
                continue
            self.keys(c, CITATION_KEYS, f"citation of {what}")
            quote = c.get("quote")
            at = c.lines.get("quote", line)
            if not isinstance(quote, str) or not quote.strip():
                self.add("MCR005", at, f"a citation of {what} has an empty quote")
                continue
            levels |= verb_levels(quote)
            if self.texts is not None and c.get("verified", True) is True and \
                    not quote_found(quote, self.texts):
                self.add("MCR006", at, f"the quote of {what} occurs in no source text: "
                                       f"{_short(quote)!r} (mark it `verified: false` if the "
                                       "source is not among them)")
        if severity in ("error", "warning", "info") and levels and severity not in levels:
            self.add("MCR007", node.lines.get("severity", node.line),
                     f"{what} is `{severity}` but its quotes' verbs call for "
                     f"{' or '.join(sorted(levels))}")


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


# -- checks over the loaded IR ------------------------------------------------------------------

def check_ir(pack: Pack) -> list[Finding]:
    """Findings that need the loaded pack: applicability, checks, tables, effective dates."""
    out: list[Finding] = []
    for rule in (r for r in pack.rules if r.id not in pack.imported):  # linted in their pack
        file, line = _where(rule.source)
        if rule.applies_if is not None and truth(rule.applies_if) is False:
            out.append(Finding("MCR011", file, line, f"{rule.id}: `applies_if: "
                               f"{rule.applies_if_text}` can never hold"))
        if truth(rule.check) is True:
            out.append(Finding("MCR012", file, line,
                               f"{rule.id}: `check: {rule.check_text}` can never fail"))
        out += _dates(rule, pack, file, line)
        if rule.requirement:
            out += _requirement(rule, file, line)
    if pack.effective_from and pack.effective_to and pack.effective_to <= pack.effective_from:
        out.append(Finding("MCR010", str(pack.path / "pack.yaml") if pack.path else pack.id, None,
                           "the pack's effective_to is not after its effective_from"))
    for table in (t for t in pack.decisions if t.id not in pack.imported):
        out += check_table(table)
    return out


def _where(source: str) -> tuple[str, int | None]:
    file, _, line = source.rpartition(":")
    return (file, int(line)) if line.isdigit() else (source, None)


def _requirement(rule: Rule, file: str, line: int | None) -> list[Finding]:
    """A rule's `requirement` is a known key whose rules compare the same kind of quantity."""
    known = REQUIREMENTS.get(rule.requirement)
    if known is None:
        close = difflib.get_close_matches(rule.requirement, list(REQUIREMENTS), n=1)
        hint = f"; did you mean {close[0]}?" if close else \
            f" (known: {', '.join(sorted(REQUIREMENTS))})"
        return [Finding("MCR017", file, line, f"{rule.id}: requirement {rule.requirement!r} is "
                        f"not a shared requirement key{hint}")]
    cmp = rule.comparison
    numeric = cmp is not None and cmp.left.type == "number"
    if known.unit is None:
        ok = not numeric
    else:
        try:
            ok = numeric and conversion_factor(cmp.left.unit,  # type: ignore[union-attr]
                                               parse_unit(known.unit)) > 0
        except UnitError:
            ok = False
    if ok:
        return []
    want = "a yes/no check" if known.unit is None else \
        f"a comparison of {known.unit or 'counts'}"
    return [Finding("MCR018", file, line, f"{rule.id}: requirement {rule.requirement} "
                    f"({known.title}) needs {want}; `check: {_short(rule.check_text)}` is not")]


def _dates(rule: Rule, pack: Pack, file: str, line: int | None) -> list[Finding]:
    start, end = rule.effective_from, rule.effective_to
    out = []
    if start and end and end <= start:
        out.append(Finding("MCR010", file, line, f"{rule.id}: effective_to {end} is not after "
                           f"effective_from {start}, so the rule is never in force"))
        return out
    if pack.effective_to and start and start >= pack.effective_to:
        out.append(Finding("MCR010", file, line, f"{rule.id}: starts on {start}, when its pack "
                           f"has ended ({pack.effective_to})"))
    if pack.effective_from and end and end <= pack.effective_from:
        out.append(Finding("MCR010", file, line, f"{rule.id}: ends on {end}, before its pack "
                           f"starts ({pack.effective_from})"))
    return out


def _nonnegative(expr: Expr) -> bool:
    """A count or a measured amount of a subject: never below zero."""
    return isinstance(expr, FieldRef) and expr.spec.kind == "number" and (
        expr.spec.integer or not expr.name.startswith("value:"))


def _number(expr: Expr) -> float | None:
    if isinstance(expr, Const) and isinstance(expr.value, float) and not isinstance(
            expr.value, bool):
        return expr.value
    if isinstance(expr, Scale):
        inner = _number(expr.arg)
        return None if inner is None else expr.factor * inner
    if isinstance(expr, Arith):
        a, b = _number(expr.left), _number(expr.right)
        if a is None or b is None or expr.date:
            return None
        if expr.op == "/":
            return None if b == 0 else a / b
        return a + b if expr.op == "+" else a - b if expr.op == "-" else a * b
    return None


_OPS = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def truth(expr: Expr) -> bool | None:
    """True or False when a condition has that value whatever the subject holds (whenever it is
    known); None when it depends on the subject. Sound, not complete: constants, and a count
    compared with a number at or below zero."""
    if isinstance(expr, Const) and isinstance(expr.value, bool):
        return expr.value
    if isinstance(expr, Not):
        inner = truth(expr.arg)
        return None if inner is None else not inner
    if isinstance(expr, Logic):
        values = [truth(a) for a in expr.args]
        if expr.op == "and":
            return False if False in values else True if all(v is True for v in values) else None
        return True if True in values else False if all(v is False for v in values) else None
    if isinstance(expr, Compare):
        a, b = _number(expr.left), _number(expr.right)
        if a is not None and b is not None:
            return bool(_OPS[expr.op](a, b))
        op: str = expr.op
        field, bound = expr.left, b
        if a is not None:
            op, field, bound = _FLIP[expr.op], expr.right, a
        if bound is not None and _nonnegative(field) and bound <= 0:
            if op == ">=" or (op in (">", "!=") and bound < 0):
                return True
            if op == "<" or (op in ("<=", "==") and bound < 0):
                return False
    return None


def check_table(table: DecisionTable) -> list[Finding]:
    """Gaps (without a default), overlaps (unique), unreachable rows (first): exhaustive over the
    regions the cells' boundaries cut each input into, as the load-time unique check does."""
    file, line = _where(table.source)
    samples = [_samples(table, i) for i in range(len(table.inputs))]
    total = 1
    for s in samples:
        total *= len(s)
    if total > 200_000:
        return []
    out: list[Finding] = []
    gaps: list[str] = []
    overlaps: dict[tuple[int, int], str] = {}
    first_hits: set[int] = set()
    for combo in itertools.product(*samples):
        hits = [row.number for row in table.rows
                if all(contains(c, v) for c, v in zip(row.cells, combo, strict=True))]
        if hits:
            first_hits.add(hits[0])
        elif table.default is None:
            gaps.append(_describe(table, combo))
        if table.hit_policy == "unique" and len(hits) > 1:
            overlaps.setdefault((hits[0], hits[1]), _describe(table, combo))
    if gaps and table.hit_policy != "collect":  # a collect table may decide nothing
        more = f" (and {len(gaps) - 1} more combinations)" if len(gaps) > 1 else ""
        out.append(Finding("MCR014", file, line, f"{table.id}: no row matches when {gaps[0]}"
                           f"{more}; add a row or a default"))
    for (a, b), example in overlaps.items():
        out.append(Finding("MCR013", file, line,
                           f"{table.id}: rows {a} and {b} overlap, e.g. when {example}"))
    if table.hit_policy == "first":
        for row in table.rows:
            if row.number not in first_hits:
                out.append(Finding("MCR015", file, row.line or line,
                                   f"{table.id}: row {row.number} never decides: earlier rows "
                                   "match every input it matches"))
    return out


def lint_summary(findings: Iterable[Finding]) -> dict[str, int]:
    """How many findings of each level."""
    out = {"error": 0, "warning": 0}
    for f in findings:
        out[f.level] += 1
    return out

