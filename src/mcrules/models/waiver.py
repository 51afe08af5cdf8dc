"""The waiver file: an approved, dated, justified exception to a failing rule on one site.

A waiver never turns a failure into a pass: the report shows the failure as `waived`, with the
waiver beside it, and `--strict` still fails on it. It names the rule and records the rule's
content hash when it was approved, so a changed rule (a new threshold, a new check) is never
waived by an approval given for the old one.
"""

from __future__ import annotations

import datetime as dt

from pydantic import ConfigDict, Field, PrivateAttr, model_validator

from mcrules.models.base import Day, InputModel

RULE_HASH_PATTERN = r"^[0-9a-f]{64}$"


class WaiverScope(InputModel):
    """Where and when the waiver holds: one site, from one date until another."""

    site: str = Field(min_length=1, description="The site's `name` in its site file (or the "
                      "file's name without its extension, for a site without a name).")
    from_: Day | None = Field(default=None, alias="from", description="First day the waiver "
                                  "is in force (default: from its approval on).")
    until: Day | None = Field(default=None, description="Last day the waiver is in force "
                                  "(default: its expiry). Not after `expires`.")

    model_config = ConfigDict(populate_by_name=True)


class Waiver(InputModel):
    """One approved exception: which rule, where and when, why, what is done meanwhile, who
    approved it, and when it expires."""

    id: str = Field(min_length=1, max_length=100, description="A reference for the waiver, "
                    "unique in its file (W-2026-014).")
    rule: str = Field(min_length=1, max_length=200, description="The id of the rule waived.")
    pack: str | None = Field(default=None, description="The pack whose rule is waived (default: "
                             "every pack checked that has the rule).")
    rule_hash: str = Field(pattern=RULE_HASH_PATTERN, description="The rule's content hash when "
                           "the waiver was approved (`mcrules rules show RULE`, or `rule_hash` "
                           "in the JSON report).")
    scope: WaiverScope
    justification: str = Field(min_length=1, description="Why the rule cannot be met here, now.")
    mitigation: str = Field(min_length=1, description="What is done meanwhile to protect the "
                            "people the rule protects.")
    approved_by: str = Field(min_length=1, description="Who approved it: name and role.")
    approved_on: Day | None = Field(default=None, description="When it was approved.")
    expires: Day = Field(description="Last day the waiver may be relied on; a check after "
                             "it is an error, so the waiver is reviewed, not forgotten.")

    @model_validator(mode="after")
    def _dates_in_order(self) -> Waiver:
        start, until = self.scope.from_ or self.approved_on, self.scope.until
        if until is not None and until > self.expires:
            raise ValueError(f"scope.until {until} is after expires {self.expires}")
        if start is not None and start > (until or self.expires):
            raise ValueError(f"the waiver starts on {start}, after it ends on "
                             f"{until or self.expires}")
        return self

    @property
    def starts(self) -> dt.date | None:
        return self.scope.from_ or self.approved_on

    @property
    def ends(self) -> dt.date:
        return self.scope.until or self.expires


class WaiverFile(InputModel):
    """A file of waivers (`--waivers FILE`)."""

    waivers: list[Waiver] = Field(default_factory=list, max_length=1000)
    _source: str | None = PrivateAttr(default=None)
    _lines: dict[tuple[int, str], int] = PrivateAttr(default_factory=dict)

    def located(self, source: str | None, lines: dict[tuple[int, str], int]) -> WaiverFile:
        """The same waivers, remembering the file and the line of each field they came from,
        so a waiver that does not hold on a check is reported at its line."""
        self._source, self._lines = source, dict(lines)
        return self

    @property
    def source(self) -> str | None:
        return self._source

    def line(self, index: int, field: str) -> int | None:
        """The line of field `field` (`expires`, `scope.site`) of waiver `index`, if known."""
        return self._lines.get((index, field), self._lines.get((index, "")))

    @model_validator(mode="after")
    def _unique_ids(self) -> WaiverFile:
        seen: set[str] = set()
        for w in self.waivers:
            if w.id in seen:
                raise ValueError(f"waiver id {w.id!r} is used twice")
            seen.add(w.id)
        return self
