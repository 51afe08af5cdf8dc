"""Eligibility: the public API for telling, per service, whether a migrant is eligible, why, and
which question to ask next (pack eligibility-2023, over the case file and its `intake:` block)."""

from mcrules.eligibility.part import EligibilityPart
from mcrules.eligibility.services import (
    DEFAULT_PACK,
    SERVICE_TAG,
    Criterion,
    EligibilityReport,
    NextQuestion,
    Service,
    check_eligibility,
    eligibility,
    load_eligibility_pack,
)

__all__ = [
    "DEFAULT_PACK",
    "SERVICE_TAG",
    "Criterion",
    "EligibilityPart",
    "EligibilityReport",
    "NextQuestion",
    "Service",
    "check_eligibility",
    "eligibility",
    "load_eligibility_pack",
]
