"""Decision logs in OPA's spirit: one JSON line per decision the service gives, enough to audit
it (which rules, which date, which answer) and nothing about the person it was about.

A record holds only what the service itself made or chose: the decision id, the time, the
subject kind, the packs with their hashes, the rule set hash, the evaluation date, the counts of
outcomes, the decision tables' outputs (words of the pack, like `deny`), whether it was a
refusal, and the caller's own reference from the `X-Mcrules-Subject-Id` header when one was
sent. Never a field of the document: no name, no date of birth, no free text, not even the
document's own id (a case id is the caller's to pass, or not).

Lines are appended to one file opened at start-up (a path that cannot be written stops the
service before it listens), each written whole by one `write` under a lock, and at most
`MAX_LINE_BYTES` long: every value in a record is bounded, so a longer line is a bug and is
refused rather than written.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
import threading
from pathlib import Path
from typing import Any

import orjson

from mcrules.engine.report import Report
from mcrules.errors import McrulesError

#: the header a caller names the subject by in the decision log (its own case or request id)
SUBJECT_ID_HEADER = "X-Mcrules-Subject-Id"
#: the response header carrying the decision's id, which is the log record's `decision_id`
DECISION_ID_HEADER = "X-Mcrules-Decision-Id"
#: what a caller's subject id may be: a reference, not a sentence
SUBJECT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$")
#: the longest line written; a record is far shorter (ids, hashes and counts)
MAX_LINE_BYTES = 16_384


def subject_id(value: str | None) -> str | None:
    """The caller's subject id from its header, checked; McrulesError when it is not a plain
    reference (letters, digits, `._:/-`, at most 128), so no free text reaches the log."""
    if value is None:
        return None
    if not SUBJECT_ID.fullmatch(value):
        raise McrulesError("a subject id is 1 to 128 letters, digits or . _ : / - (an "
                           "application's own reference, never a name)",
                           path=SUBJECT_ID_HEADER)
    return value


def record(report: Report, *, decision_id: str, at: dt.datetime,
           subject_ref: str | None) -> dict[str, Any]:
    """The log record of one decision: only the service's own data about it (see above)."""
    return {
        "decision_id": decision_id,
        "time": at.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "subject": report.subject_name,
        "subject_id": subject_ref,
        "packs": [{"id": p.id, "version": p.version, "hash": p.hash,
                   "variants": list(p.variants)} for p in report.packs],
        "ruleset_hash": report.ruleset_hash,
        "as_of": report.as_of.isoformat() if report.as_of else None,
        "summary": report.summary,
        "decisions": {d.table.id: _output(d.decision) for d in report.decisions},
        "refused": report.refused,
        "failed": report.failed(),
    }


def _output(decision: Any) -> Any:
    """A decision table's output: a word of the pack, or a list of them (hit policy collect)."""
    return list(decision) if isinstance(decision, tuple) else decision


class DecisionLog:
    """An append-only file of decision records, opened once; safe to write from many threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        where = f"--decision-log {path}"
        try:
            # O_NONBLOCK: a FIFO without a reader fails here instead of hanging the start-up
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOCTTY
                         | os.O_CLOEXEC | os.O_NONBLOCK, 0o600)
        except OSError as exc:
            raise McrulesError(f"cannot write: {exc.strerror or exc}", path=where) from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise McrulesError("is not a regular file; name a file to append decisions to",
                               path=where)
        os.set_blocking(fd, True)
        self._fd = fd  # closed when the process ends: each line is written unbuffered
        self._lock = threading.Lock()

    def write(self, entry: dict[str, Any]) -> None:
        """Append one record as one line. A record that cannot be written is an internal
        error (RuntimeError, OSError): the service answers 500 rather than give a decision it
        did not log."""
        line = orjson.dumps(entry, option=orjson.OPT_SORT_KEYS) + b"\n"
        if len(line) > MAX_LINE_BYTES:
            raise RuntimeError(f"a decision record is at most {MAX_LINE_BYTES} bytes, got "
                               f"{len(line)}")
        with self._lock:
            os.write(self._fd, line)
