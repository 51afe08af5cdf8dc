"""mcrules: the operating standards of migrant centres as declarative, cited, tested rules.

The public API is what `__all__` lists; everything else is internal and may change.
"""

from __future__ import annotations

__version__ = "0.1.0"

from mcrules.engine import Fix, Outcome, Result, ScalarEvaluator
from mcrules.engine.report import Report
from mcrules.errors import InputError, McrulesError, RuleLoadError, UnitError
from mcrules.io import read_site, validate_site
from mcrules.models import Site
from mcrules.rules import Pack, Rule, Severity, load_pack
from mcrules.site import check_site, load_site_pack, site_facts, site_schema

__all__ = [
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
    "Site",
    "UnitError",
    "__version__",
    "check_site",
    "load_pack",
    "load_site_pack",
    "read_site",
    "site_facts",
    "site_schema",
    "validate_site",
]
