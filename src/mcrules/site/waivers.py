"""Apply a file of waivers to a site's report: a waived failure stays a failure, shown as `waived`.

The engine's four outcomes are untouched (invariant 1): a waiver is checked here, against the
packs and the site the report was made with, and the report only records which failing results
it covers. A waiver that no longer holds (expired, approved for a rule whose content hash has
changed, for a rule no pack checked has, or for another site) is invalid input: the check stops
with every such problem named by waiver, field and line, rather than report a stale exception.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection
from dataclasses import replace
from typing import Any

from mcrules.engine.outcomes import Outcome
from mcrules.engine.report import Report, WaiverNote
from mcrules.errors import InputError, Problem
from mcrules.models.waiver import Waiver, WaiverFile


def apply_waivers(report: Report, waivers: WaiverFile, site_names: Collection[str]) -> Report:
    """`report` with `waivers` applied on its evaluation date; InputError listing every waiver
    that does not hold. `site_names` are the names the checked site answers to."""
    on = report.as_of
    assert on is not None, "check_facts always records the evaluation date"
    problems: list[Problem] = []
    notes: list[WaiverNote] = []
    for n, w in enumerate(waivers.waivers):
        def problem(field: str, message: str, n: int = n, w: Waiver = w) -> None:
            problems.append(Problem(f"waivers[{n}].{field}", f"waiver {w.id}: {message}",
                                    waivers.line(n, field)))

        if w.scope.site not in site_names:
            shown = ", ".join(sorted(site_names)) or "a site without a name"
            problem("scope.site", f"is for site {w.scope.site!r}, not this one ({shown})")
        targets = [k for k, p in enumerate(report.packs) if (w.pack is None or p.id == w.pack)]
        if w.pack is not None and not targets:
            problem("pack", f"pack {w.pack} is not among the packs checked "
                    f"({', '.join(p.id for p in report.packs)})")
            continue
        targets = [k for k in targets if w.rule in report.packs[k].rule_hashes]
        if not targets:
            known = [r for k, p in enumerate(report.packs) for r in p.rule_hashes]
            close = difflib.get_close_matches(w.rule, known, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            where = w.pack or ", ".join(p.id for p in report.packs)
            problem("rule", f"no rule {w.rule} in {where}{hint}")
            continue
        for k in targets:
            now = report.packs[k].rule_hashes[w.rule]
            if now != w.rule_hash:
                problem("rule_hash", f"{w.rule} in {report.packs[k].id} has changed since the "
                        f"waiver was approved: its content hash is now {now}, the waiver "
                        f"records {w.rule_hash}; review the waiver against the rule as it is")
        if w.expires < on:
            problem("expires", f"expired on {w.expires}, before the evaluation date {on}; "
                    "renew or remove it")
        notes.append(_note(report, w, targets))
    if problems:
        counted = "problem" if len(problems) == 1 else "problems"
        raise InputError(f"waivers that do not hold: {len(problems)} {counted}",
                         source=waivers.source, problems=problems)
    warnings = [f"waiver {w.id} for {w.rule} not applied: {w.reason}" for w in notes
                if w.status != "applied"]
    applied: dict[str, str] = {}
    for note in notes:  # two approvals of one exception: the register has a duplicate to remove
        if note.status == "applied":
            if note.rule in applied:
                warnings.append(f"waivers {applied[note.rule]} and {note.id} both waive "
                                f"{note.rule}; keep one")
            applied.setdefault(note.rule, note.id)
    return replace(report, waivers=tuple(notes), warnings=(*report.warnings, *warnings))


def _note(report: Report, w: Waiver, targets: list[int]) -> WaiverNote:
    """What the report records of a waiver that holds: the failures it covers, or why none."""
    on = report.as_of
    assert on is not None
    fields: dict[str, Any] = {
        "pack": w.pack, "rule_hash": w.rule_hash, "justification": w.justification,
        "mitigation": w.mitigation, "approved_by": w.approved_by,
        "approved_on": w.approved_on.isoformat() if w.approved_on else None,
        "expires": w.expires.isoformat(),
        "scope": {"site": w.scope.site,
                  "from": w.scope.from_.isoformat() if w.scope.from_ else None,
                  "until": w.scope.until.isoformat() if w.scope.until else None},
    }
    mine = [i for i, r in enumerate(report.results)
            if r.rule.id == w.rule and report.pack_index(i) in targets]
    starts, ends = w.starts, w.ends
    if (starts is not None and on < starts) or on > ends:
        span = f"{starts or 'approval'} to {ends}"
        return WaiverNote(w.id, w.rule, "not_in_force", f"in force {span}, not on {on}", fields)
    failing = tuple(i for i in mine if report.results[i].outcome is Outcome.FAIL)
    if not failing:
        outcomes = ", ".join(sorted({report.results[i].outcome.value for i in mine})) or \
            "not in force on the evaluation date"
        return WaiverNote(w.id, w.rule, "unused", f"the rule does not fail ({outcomes})", fields)
    return WaiverNote(w.id, w.rule, "applied", "", fields, failing)
