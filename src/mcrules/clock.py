"""The one clock: the only place the library reads the date or the time. A base module (below
every layer) so the use cases bulk and testing import it without reaching up into the API; who may
*call* it (the API, the commands, the service, bulk and testing, once per run) is tests/test_clock.py's
rule.

Everything below the API takes `as_of` (and a record its `time`) as an argument, so the same
inputs, packs and date give the same report on any machine and on any day (DESIGN.md, invariant
9). tests/test_clock.py fails on a clock read anywhere else.
"""

from __future__ import annotations

import datetime as dt


def today() -> dt.date:
    """Today in UTC: two machines in different time zones, evaluating at the same instant,
    evaluate on the same date."""
    return now().date()


def now() -> dt.datetime:
    """The current instant in UTC, to the second: when a decision record was made."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def instant() -> dt.datetime:
    """The current instant in UTC at full precision: when a logged event happened (the service's
    decision log keeps milliseconds, to order the decisions of one second)."""
    return dt.datetime.now(dt.UTC)
