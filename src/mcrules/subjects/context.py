"""What a subject's facts are derived in: the evaluation date, the packs configured for it, and
the documents that come with it (a sharing request's case history, a site's waivers).

The API builds one context per evaluation, reading the clock at most once, and passes it down:
`derive` and the domain checks read the date and the parameters from here, never from the clock
or from a pack they load themselves, so the same context gives the same facts.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from mcrules.errors import McrulesError
from mcrules.rules.ir import Parameter
from mcrules.rules.pack import Pack
from mcrules.rules.parameter_values import value_in_force

T = TypeVar("T")


def dated(on: dt.date | None, via: str) -> dt.date:
    """`on`, the evaluation date a domain function was given (or its document gave); below the
    API nothing reads the clock, so without one the caller is told to pass `as_of` or to call
    `via`, the public function that reads the clock once."""
    if on is None:
        raise McrulesError(f"no evaluation date: pass as_of (or call {via}, which uses today's)",
                           path="as_of")
    if isinstance(on, dt.datetime) or not isinstance(on, dt.date):
        raise TypeError(f"as_of must be a date, got {type(on).__name__}")
    return on


@dataclass(frozen=True)
class Context:
    """One evaluation's surroundings. `extras` are the companion documents a subject declares
    (`Subject.extras`), already validated; `source` names the file the document came from."""

    as_of: dt.date
    packs: tuple[Pack, ...] = ()
    extras: Mapping[str, Any] = field(default_factory=dict)
    source: str | None = None
    warnings: tuple[str, ...] = ()
    _memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def once(self, key: str, make: Callable[[], T]) -> T:
        """`make()` the first time `key` is asked of this context, the same answer after. What
        a context gives every document (the adult age, a pack's catalogue) is read once per
        context: a bulk run of a million rows reads it once, and a file edited during the run
        cannot change the answer for the rows after it. (`dataclasses.replace` starts afresh.)"""
        if key not in self._memo:
            self._memo[key] = make()
        found: T = self._memo[key]
        return found

    def parameter(self, name: str) -> Parameter | None:
        """The parameter `name` of the first configured pack that has it (so a programme's
        pack given first overrides the default's), None when no pack has it."""
        for pack in self.packs:
            found = pack.parameters.get(name)
            if found is not None:
                return found
        return None

    def adult_age(self) -> int:
        """The adult age in whole years on `as_of`: the packs' own `adult_age` parameter when one
        of them carries it, else domv-2023's cited one. A fractional value rounds up, so nobody
        younger counts as an adult."""
        from mcrules.subjects.adult_age import ADULT_AGE_PARAMETER, adult_age

        def read() -> int:
            param = self.parameter(ADULT_AGE_PARAMETER)
            if param is None:
                return adult_age(self.as_of)
            return math.ceil(value_in_force(param, self.as_of))

        return self.once("adult_age", read)

    def is_child(self, age: int | None) -> bool | None:
        """Whether a person of `age` whole years is a child on `as_of`; None when the age is not
        recorded (unknown is never adult: callers fail closed on None)."""
        return None if age is None else age < self.adult_age()

    def extra(self, name: str) -> Any:
        """The companion document `name`, None when none was given."""
        return self.extras.get(name)
