"""Case assessment: the public API for analysing one migrant's case with the DoMV model, the
protection risk equation and the specialised-needs screening (pack domv-2023)."""

from mcrules.assessment.assess import (
    DEFAULT_PACK,
    FLAG_IDS,
    CaseAssessment,
    Flag,
    Risk,
    ThreatRisk,
    assess_case,
    combiner_of,
    load_case_pack,
)
from mcrules.assessment.catalogue import Catalogue, load_catalogue
from mcrules.assessment.domv import DomvProfile, LevelProfile, ResolvedFactor, domv_profile
from mcrules.assessment.subject import CASE

__all__ = [
    "CASE",
    "DEFAULT_PACK",
    "FLAG_IDS",
    "CaseAssessment",
    "Catalogue",
    "DomvProfile",
    "Flag",
    "LevelProfile",
    "ResolvedFactor",
    "Risk",
    "ThreatRisk",
    "assess_case",
    "combiner_of",
    "domv_profile",
    "load_case_pack",
    "load_catalogue",
]
