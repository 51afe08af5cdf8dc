"""YAML pack tests in the style of OpenFisca's: a situation, and the expected outcome per rule.

A case file::

    cases:
      - name: 21 women and 1 female toilet fails
        site: {population: {female: 21, male: 0}, toilets: {female: 1, male: 0}}
        variants: []              # optional
        parameters: {}            # optional overrides, e.g. {water_per_person: 15 L/person/day}
        as_of: 2027-01-01         # optional: the rules and dated parameter values in force then
        expect:
          mct.wash.toilets.female: fail                    # just the outcome, or:
          mct.wash.toilets.male: {outcome: not_applicable}
          mct.wash.water_per_person: {outcome: fail, measured: 18, required: 20,
                                      fix: "increase the water supply by 1000 L/day"}

The situation is keyed by the subject's name (`site:` above, `household:` for a household), one of
the subjects the pack's rule files declare; a pack about one subject may leave it out (an empty one).

`expect` also names values and decision tables::

          case.risk_level: high                            # a value as shown (a label, a number)
          case.days_since_assessment: {outcome: unknown, missing: [assessed_on]}
          case.sharing: deny                               # a decision, or:
          case.priority: {decision: urgent, rows: [1], obligations: [see today]}

Every rule and value of a pack must be expected by at least one case, and every decision-table row
(and default) must decide at least one case that expects its table, so nothing ships untested.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcrules.clock import today
from mcrules.engine.check import check_facts
from mcrules.engine.outcomes import DecisionResult, Outcome, Result, ValueResult
from mcrules.errors import InputError, McrulesError
from mcrules.io.subject_file import validate_subject
from mcrules.located import LocatedDict, LocatedList, load_document
from mcrules.rules.pack import Pack
from mcrules.subjects import Context, Subject, load_subject_pack, pack_subjects
from mcrules.testing.coverage import PackCoverage, pack_coverage

CASE_KEYS = {"name", "variants", "parameters", "as_of", "expect"}  # and one subject's name
VALUE_EXPECT_KEYS = {"value", "outcome", "missing"}
DECISION_EXPECT_KEYS = {"decision", "outcome", "rows", "fallback", "reasons", "obligations",
                        "missing"}
EXPECT_KEYS = {"outcome", "measured", "required", "unit", "fix", "missing", "item", "severity"}


@dataclass(frozen=True)
class CaseResult:
    """One case: where it is, and what did not match (empty when it passed)."""

    pack: str
    file: str
    line: int | None
    name: str
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class PackTestReport:
    """All cases of one pack, the rules no case expects, and the coverage of the pack's rules,
    values, decision-table rows and outcomes (None when only some test files were run)."""

    pack: str
    cases: list[CaseResult] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)
    coverage: PackCoverage | None = None

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.cases) and not self.uncovered and bool(self.cases)


def default_pack_root() -> Path:
    """What `mcrules lint` and `mcrules test` check when given no path: `./rules` when it is a
    folder (a pack author's checkout), else the packs installed with mcrules, so the commands
    work from any folder and check what an installed wheel will evaluate."""
    from mcrules.rules.loader import builtin_pack_dir

    local = Path("rules")
    return local if local.is_dir() else builtin_pack_dir()


def discover_packs(path: Path) -> list[Path]:
    """Pack folders at or below `path` (a pack folder, a folder of packs, or a test file)."""
    if path.is_file():
        return [path.parent.parent] if path.parent.name == "tests" else []
    if (path / "pack.yaml").is_file():
        return [path]
    return sorted(p.parent for p in path.rglob("pack.yaml"))


def run_pack_tests(pack_dir: Path, only: list[Path] | None = None, *,
                   on: dt.date | None = None) -> PackTestReport:
    """Run every case file in `pack_dir/tests` (or just `only`) and check rule coverage.

    A case without `as_of` is evaluated on `on` (default today, read once here, so a run that
    crosses midnight evaluates every case on the same day), each dated parameter at its value in
    force on that date (`check_facts` re-dates the pack)."""
    run_date = today() if on is None else on
    base = load_subject_pack(pack_dir)
    subjects = {s.name: s for s in pack_subjects(base)}
    report = PackTestReport(base.id)
    files = only or sorted((pack_dir / "tests").glob("*.yaml"))
    covered: set[str] = set()
    seen: set[tuple[str, str]] = set()
    for file in files:
        try:
            doc = load_document(file)
        except InputError as exc:
            report.cases.append(CaseResult(base.id, str(file), None, "<file>", (str(exc),)))
            continue
        cases = doc.get("cases") if isinstance(doc, LocatedDict) else None
        if not isinstance(cases, LocatedList):
            report.cases.append(CaseResult(base.id, str(file), None, "<file>",
                                           ("a test file needs `cases:`, a list of cases",)))
            continue
        for node, line in zip(cases, cases.lines, strict=True):
            result, expected, outcomes = _run_case(base, subjects, str(file), line, node,
                                                   run_date)
            report.cases.append(result)
            covered |= expected
            seen |= outcomes
    if only is None:
        # An overlay answers for the rules whose thresholds it tightened; the base pack's own
        # cases cover the rest (and its values and decision rows).
        wanted = [r.id for r in base.rules if base.owns(r.id)]
        if not base.overlays:
            wanted += [v.id for v in base.values if base.owns(v.id)]
            for t in (t for t in base.decisions if base.owns(t.id)):
                wanted += [row_key(t.id, r.number) for r in t.rows]
                if t.default is not None:
                    wanted.append(row_key(t.id, 0))
        report.uncovered = [w for w in wanted if w not in covered]
        report.coverage = pack_coverage(base, subjects.values(), covered, seen)
    return report


def _run_case(base: Pack, subjects: dict[str, Subject[Any]], file: str, line: int | None,
              node: Any, run_date: dt.date) -> tuple[CaseResult, set[str], set[tuple[str, str]]]:
    """One case's result, the ids it expects, and the (id, outcome) pairs it exercised: the
    outcome each expected rule, value or table actually gave.

    The situation is the subject's document, and its facts are derived through the subject's
    contract in a context of the pack under test on the case's date (else the run's): so a
    sharing request is classified by the catalogue of the pack being tested, not the default
    one, and its consent resolved on the case's date."""
    pack_id = base.id
    name = str(node.get("name", f"case at line {line}")) if isinstance(node, dict) else "?"

    def bad(*problems: str) -> tuple[CaseResult, set[str], set[tuple[str, str]]]:
        return CaseResult(pack_id, file, line, name, tuple(problems)), set(), set()

    if not isinstance(node, LocatedDict):
        return bad("a case must be a mapping")
    allowed = CASE_KEYS | set(subjects)
    unknown = sorted(set(node) - allowed)
    if unknown:
        return bad(f"unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")
    given = [key for key in subjects if key in node]
    if len(given) > 1:
        return bad(f"a case describes one subject, got {', '.join(given)}")
    if not given and len(subjects) != 1:
        return bad(f"a case needs its situation under one of {', '.join(sorted(subjects))}")
    subject = subjects[given[0]] if given else next(iter(subjects.values()))
    expect = node.get("expect")
    if not isinstance(expect, dict) or not expect:
        return bad("a case needs `expect:`, a mapping of rule id to outcome")
    try:
        as_of = dt.date.fromisoformat(str(node["as_of"])) if node.get("as_of") else None
        pack = base.configure(node.get("variants") or (),
                              node.get("parameters") or None, as_of)
        obj, _ = validate_subject(node.get(subject.name) or {}, subject, strict=True,
                                  source=f"{file}:{line}")
        on = as_of or run_date
        facts = subject.facts(obj, Context(as_of=on, packs=(pack,)))
    except (McrulesError, ValueError) as exc:
        return bad(str(exc))
    report = check_facts(facts, [pack], subject_name=subject.name,
                         about=subject.about(obj), as_of=on, questions=False)
    by_id = {r.rule.id: r for r in report.results}
    values = {v.value.id: v for v in report.values}
    tables = {d.table.id: d for d in report.decisions}
    problems: list[str] = []
    covered = set(expect)
    outcomes: set[tuple[str, str]] = set()
    for rule_id, want in expect.items():
        if rule_id in values:
            problems += [f"{rule_id}: {p}" for p in _compare_value(values[rule_id], want)]
            outcomes.add((rule_id, "known" if values[rule_id].known else "unknown"))
            continue
        if rule_id in tables:
            d = tables[rule_id]
            problems += [f"{rule_id}: {p}" for p in _compare_decision(d, want)]
            covered |= {row_key(rule_id, n) for n in d.rows}
            outcomes.add((rule_id, str(d.outcome)))
            continue
        got = by_id.get(rule_id)
        if got is None:
            problems.append(f"{rule_id}: no such rule, value or decision table in force in "
                            f"pack {pack.id}")
            continue
        problems += [f"{rule_id}: {p}" for p in _compare(got, want)]
        outcomes |= {(rule_id, r.outcome.value) for r in report.results if r.rule.id == rule_id}
    return CaseResult(pack_id, file, line, name, tuple(problems)), covered, outcomes


def row_key(table_id: str, number: int) -> str:
    """How coverage names a decision-table row: `table.id#2`, `table.id#default`."""
    return f"{table_id}#{number or 'default'}"


def _compare_value(got: ValueResult, want: Any) -> list[str]:
    """`value.id: 3.5`, `value.id: high`, or `{value: ..., outcome: known|unknown, missing: [...]}`."""
    if not isinstance(want, dict):
        want = {"value": want}
    unknown = sorted(set(want) - VALUE_EXPECT_KEYS)
    if unknown:
        return [f"unknown expectation {unknown[0]!r} (allowed: {', '.join(sorted(VALUE_EXPECT_KEYS))})"]
    out = []
    outcome = "known" if got.known else "unknown"
    if "outcome" in want and want["outcome"] != outcome:
        out.append(f"expected {want['outcome']}, got {outcome} ({got.message})")
    if "value" in want:
        have = got.shown
        if isinstance(have, dt.date):
            have = have.isoformat()
        if not _same(have, want["value"]):
            out.append(f"value: expected {want['value']!r}, got {have!r} ({got.message})")
    if "missing" in want and sorted(got.missing) != sorted(want["missing"] or []):
        out.append(f"missing: expected {sorted(want['missing'] or [])}, got {sorted(got.missing)}")
    return out


def _compare_decision(got: DecisionResult, want: Any) -> list[str]:
    """`table.id: deny` or `{decision, outcome: decided|unknown|no_match, rows, fallback,
    obligations, reasons, missing}`; lists of reasons and obligations must be contained."""
    if not isinstance(want, dict):
        want = {"decision": want}
    unknown = sorted(set(want) - DECISION_EXPECT_KEYS)
    if unknown:
        return [f"unknown expectation {unknown[0]!r} "
                f"(allowed: {', '.join(sorted(DECISION_EXPECT_KEYS))})"]
    out = []
    decision = list(got.decision) if isinstance(got.decision, tuple) else got.decision
    if "decision" in want and decision != want["decision"]:
        out.append(f"decision: expected {want['decision']!r}, got {decision!r} ({got.message})")
    for key in ("outcome", "fallback"):
        if key in want and getattr(got, key) != want[key]:
            out.append(f"{key}: expected {want[key]!r}, got {getattr(got, key)!r}")
    if "rows" in want and list(got.rows) != list(want["rows"] or []):
        out.append(f"rows: expected {want['rows']!r}, got {list(got.rows)!r}")
    for key in ("reasons", "obligations"):
        missing = [t for t in want.get(key) or [] if t not in getattr(got, key)]
        if missing:
            out.append(f"{key}: expected {missing!r} among {list(getattr(got, key))!r}")
    if "missing" in want and sorted(got.missing) != sorted(want["missing"] or []):
        out.append(f"missing: expected {sorted(want['missing'] or [])}, got {sorted(got.missing)}")
    return out


def _compare(got: Result, want: Any) -> list[str]:
    if isinstance(want, str):
        want = {"outcome": want}
    if not isinstance(want, dict):
        return ["expected an outcome or a mapping with `outcome`"]
    unknown = sorted(set(want) - EXPECT_KEYS)
    if unknown:
        return [f"unknown expectation {unknown[0]!r} (allowed: {', '.join(sorted(EXPECT_KEYS))})"]
    out = []
    try:
        outcome = Outcome(str(want.get("outcome")))
    except ValueError:
        return [f"outcome must be one of {', '.join(o.value for o in Outcome)}"]
    if got.outcome is not outcome:
        detail = f" ({got.message})"
        out.append(f"expected {outcome.value}, got {got.outcome.value}{detail}")
    for key in ("measured", "required"):
        if key not in want:
            continue
        have = getattr(got, key)
        if isinstance(want[key], str):  # a level's label or an ISO date
            have = got.shown(have)
        if not _same(have, want[key]):
            out.append(f"{key}: expected {want[key]!r}, got {have!r}")
    if "unit" in want and got.unit != want["unit"]:
        out.append(f"unit: expected {want['unit']!r}, got {got.unit!r}")
    if "severity" in want and got.severity.value != want["severity"]:
        out.append(f"severity: expected {want['severity']!r}, got {got.severity.value!r}")
    if "item" in want and got.item != want["item"]:
        out.append(f"item: expected {want['item']!r}, got {got.item!r}")
    if "missing" in want and sorted(got.missing) != sorted(want["missing"] or []):
        out.append(f"missing: expected {sorted(want['missing'] or [])}, got {sorted(got.missing)}")
    if "fix" in want:
        have = got.fix.text if got.fix else None
        if have != want["fix"]:
            out.append(f"fix: expected {want['fix']!r}, got {have!r}")
    return out


def _same(got: Any, want: Any) -> bool:
    if isinstance(want, bool) or isinstance(got, bool):
        return got is want or got == want
    if isinstance(want, int | float) and isinstance(got, int | float):
        return math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12)
    return bool(got == want)
