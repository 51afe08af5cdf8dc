"""mcrules: the operating standards of migrant centres as declarative, cited, tested rules.

The public API is what `__all__` lists; everything else is internal and may change. Names are
imported on first use, so `import mcrules` (and `mcrules --help`) stays fast: pint, numpy and
pyarrow load only when something needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "evaluate": "mcrules.api.evaluate",
    "read": "mcrules.api.evaluate",
    "Fix": "mcrules.engine.outcomes",
    "Outcome": "mcrules.engine.outcomes",
    "Result": "mcrules.engine.outcomes",
    "ScalarEvaluator": "mcrules.engine.scalar",
    "Report": "mcrules.engine.report",
    "InputError": "mcrules.errors",
    "McrulesError": "mcrules.errors",
    "RuleLoadError": "mcrules.errors",
    "UnitError": "mcrules.errors",
    "read_site": "mcrules.io.site_file",
    "read_site_file": "mcrules.io.site_file",
    "validate_site": "mcrules.io.site_file",
    "read_subject": "mcrules.io.subject_file",
    "validate_subject": "mcrules.io.subject_file",
    "read_waivers": "mcrules.io.waiver_file",
    "Waiver": "mcrules.models.waiver",
    "WaiverFile": "mcrules.models.waiver",
    "Site": "mcrules.models.site",
    "Pack": "mcrules.rules.pack",
    "Rule": "mcrules.rules.ir",
    "Severity": "mcrules.rules.ir",
    "load_pack": "mcrules.rules.pin",
    "check_ruleset_hash": "mcrules.rules.pin",
    "check_site": "mcrules.api.wrappers",
    "load_site_pack": "mcrules.site.check",
    "site_facts": "mcrules.site.check",
    "site_schema": "mcrules.site.check",
    "Subject": "mcrules.subjects.subject",
    "SharingRequest": "mcrules.models.sharing",
    "SharingDecision": "mcrules.sharing.decide",
    "decide_sharing": "mcrules.api.wrappers",
    "aggregate": "mcrules.sharing.aggregate",
    "decision_record": "mcrules.api.wrappers",
    "valid_consent": "mcrules.models.consent_query",
    "ConsentAnswer": "mcrules.models.consent_query",
    "ConsentRecord": "mcrules.models.consent",
    "CaseHistory": "mcrules.models.casework",
    "CaseworkReport": "mcrules.casework.check",
    "check_history": "mcrules.api.wrappers",
    "load_casework_pack": "mcrules.casework.check",
    "read_case_history": "mcrules.io.case_history",
    "validate_case_history": "mcrules.io.case_history",
    "Case": "mcrules.models.case",
    "CaseAssessment": "mcrules.assessment.assess",
    "assess_case": "mcrules.api.wrappers",
    "load_case_pack": "mcrules.assessment.assess",
    "EligibilityReport": "mcrules.eligibility.services",
    "check_eligibility": "mcrules.api.wrappers",
    "load_eligibility_pack": "mcrules.eligibility.services",
}

__all__ = [
    "Case",
    "CaseAssessment",
    "CaseHistory",
    "CaseworkReport",
    "ConsentAnswer",
    "ConsentRecord",
    "EligibilityReport",
    "Fix",
    "InputError",
    "McrulesError",
    "Outcome",
    "Pack",
    "Report",
    "Result",
    "Rule",
    "RuleLoadError",
    "ScalarEvaluator",
    "Severity",
    "SharingDecision",
    "SharingRequest",
    "Site",
    "Subject",
    "UnitError",
    "Waiver",
    "WaiverFile",
    "__version__",
    "aggregate",
    "assess_case",
    "check_eligibility",
    "check_history",
    "check_ruleset_hash",
    "check_site",
    "decide_sharing",
    "decision_record",
    "evaluate",
    "load_case_pack",
    "load_casework_pack",
    "load_eligibility_pack",
    "load_pack",
    "load_site_pack",
    "read",
    "read_case_history",
    "read_site",
    "read_site_file",
    "read_subject",
    "read_waivers",
    "site_facts",
    "site_schema",
    "valid_consent",
    "validate_case_history",
    "validate_site",
    "validate_subject",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mcrules' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:
    from mcrules.api.evaluate import evaluate, read
    from mcrules.api.wrappers import (
        assess_case,
        check_eligibility,
        check_history,
        check_site,
        decide_sharing,
        decision_record,
    )
    from mcrules.assessment.assess import CaseAssessment, load_case_pack
    from mcrules.casework.check import CaseworkReport, load_casework_pack
    from mcrules.eligibility.services import EligibilityReport, load_eligibility_pack
    from mcrules.engine.outcomes import Fix, Outcome, Result
    from mcrules.engine.report import Report
    from mcrules.engine.scalar import ScalarEvaluator
    from mcrules.errors import InputError, McrulesError, RuleLoadError, UnitError
    from mcrules.io.case_history import read_case_history, validate_case_history
    from mcrules.io.site_file import read_site, read_site_file, validate_site
    from mcrules.io.subject_file import read_subject, validate_subject
    from mcrules.io.waiver_file import read_waivers
    from mcrules.models.case import Case
    from mcrules.models.casework import CaseHistory
    from mcrules.models.consent import ConsentRecord
    from mcrules.models.consent_query import ConsentAnswer, valid_consent
    from mcrules.models.sharing import SharingRequest
    from mcrules.models.site import Site
    from mcrules.models.waiver import Waiver, WaiverFile
    from mcrules.rules.ir import Rule, Severity
    from mcrules.rules.pack import Pack
    from mcrules.rules.pin import check_ruleset_hash, load_pack
    from mcrules.sharing.aggregate import aggregate
    from mcrules.sharing.decide import SharingDecision
    from mcrules.site.check import load_site_pack, site_facts, site_schema
    from mcrules.subjects.subject import Subject
