"""Hypothesis strategies for case files: fully assessed ones for the risk laws, and ones with any
key absent for the unknown law and the scalar/columnar agreement."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from mcrules.models.case import Severity, Strength

SEVERITIES = [s.value for s in Severity]
STRENGTHS = [s.value for s in Strength]
THREAT_IDS = ["arrest_and_detention", "robbery", "exploitation", "extortion"]
FACTORS = [{"id": "literacy"}, {"id": "illiteracy"}, {"id": "weak_rule_of_law"},
           {"id": "racialized_group_membership", "group": "marginalised"},
           {"text": "cousin in the destination country", "level": "family_household",
            "direction": "protective"}]


@st.composite
def assessed_cases(draw: st.DrawFn) -> dict[str, Any]:
    """A case whose threats, vulnerabilities, capacities and exposure are all assessed."""
    ids = draw(st.lists(st.sampled_from(THREAT_IDS), unique=True, max_size=3))
    threats = [{"id": t, "severity": draw(st.sampled_from(SEVERITIES))} for t in ids]
    vulns = [{"id": f"v{i}", "threat": draw(st.sampled_from(ids)),
              "severity": draw(st.sampled_from(SEVERITIES))}
             for i in range(draw(st.integers(0, 3) if ids else st.just(0)))]
    caps = [{"id": f"c{i}", "strength": draw(st.sampled_from(STRENGTHS)),
             **draw(st.fixed_dictionaries({}, optional={
                 "valence": st.sampled_from(["positive", "negative"])}))}
            for i in range(draw(st.integers(0, 2)))]
    return {
        "threats": threats, "vulnerabilities": vulns, "capacities": caps,
        "factors": draw(st.lists(st.sampled_from(FACTORS), max_size=3)),
        "migration": {"exposure_days": draw(st.sampled_from([0, 1, 21, 45, 89.5, 90, 91, 400]))},
    }


@st.composite
def any_cases(draw: st.DrawFn) -> dict[str, Any]:
    """A case as an app might send it at intake, with any key possibly absent."""
    doc = draw(assessed_cases())
    for key in ("threats", "vulnerabilities", "capacities", "factors", "migration"):
        if draw(st.booleans()):
            doc.pop(key)
    for item in (*doc.get("threats", ()), *doc.get("vulnerabilities", ())):
        if draw(st.integers(0, 7)) == 0:  # an item whose severity was not rated
            item.pop("severity")
    if draw(st.booleans()):
        doc["person"] = draw(st.fixed_dictionaries({}, optional={
            "age": st.sampled_from([0, 15, 17, 18, 40]),
            "accompanied_by": st.sampled_from(["parent", "legal_guardian", "other_adult", "none"]),
            "disabilities": st.lists(st.sampled_from(["physical", "sensory", "intellectual",
                                                      "psychosocial"]), unique=True, max_size=2),
        }))
    if draw(st.booleans()):
        flags = ["unaccompanied_or_separated_child", "victim_of_trafficking", "gbv_survivor",
                 "sogiesc", "person_with_disability", "medical_needs", "psychological_needs",
                 "severe_mental_disorder", "international_protection_need"]
        doc["screening"] = draw(st.fixed_dictionaries({}, optional={f: st.booleans()
                                                                    for f in flags}))
    return doc
