"""The laws the rules obey, stated as properties and checked on generated sites."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mcrules import Outcome, Pack, load_site_pack
from mcrules.rules.ir import field_keys
from mcrules.site import site_facts
from tests.conftest import check, site
from tests.strategies import sites

PACK: Pack = load_site_pack("mct-2023")
settings.register_profile("mcrules", max_examples=150, deadline=None)
settings.load_profile("mcrules")

# What "adding a toilet, shower, bed, litre or square metre" means, as paths into the document.
MORE = [
    (("toilets", "female"), 1), (("toilets", "male"), 1), (("showers", "female"), 1),
    (("showers", "male"), 1), (("beds",), 1), (("bedding_sets",), 1), (("water_supply",), 1.0),
    (("water_supply",), 500.0), (("covered_living_area",), 0.5), (("covered_living_area",), 100.0),
    (("total_site_area",), 1.0), (("total_site_area",), 2000.0),
]


def outcomes(doc: dict[str, Any]) -> dict[str, Outcome]:
    return {r.rule.id: r.outcome for r in check(doc, PACK).results}


def _add(doc: dict[str, Any], path: tuple[str, ...], amount: float) -> dict[str, Any] | None:
    out = copy.deepcopy(doc)
    node = out
    for key in path[:-1]:
        if key not in node:
            return None
        node = node[key]
    if path[-1] not in node:
        return None
    node[path[-1]] = node[path[-1]] + amount
    return out


@given(sites(), st.sampled_from(MORE))
def test_more_toilets_showers_beds_water_or_space_never_turn_pass_into_fail(
        doc: dict[str, Any], more: tuple[tuple[str, ...], float]) -> None:
    bigger = _add(doc, *more)
    if bigger is None:
        return
    before, after = outcomes(doc), outcomes(bigger)
    for rule_id, was in before.items():
        if was is Outcome.PASS:
            assert after[rule_id] is not Outcome.FAIL, (rule_id, more)


GALLON = 3.785411784  # litres
FOOT = 0.3048  # metres


def in_other_units(doc: dict[str, Any]) -> dict[str, Any]:
    """The same site written with US gallons, m³, square feet and feet."""
    out = copy.deepcopy(doc)
    if "water_supply" in out:
        out["water_supply"] = f"{out['water_supply'] / GALLON!r} gal/day"
    if "covered_living_area" in out:
        out["covered_living_area"] = f"{out['covered_living_area'] / FOOT**2!r} ft^2"
    if "total_site_area" in out:
        out["total_site_area"] = f"{out['total_site_area'] / 10000!r} hectare"
    for unit in out.get("sanitation", []):
        for key in ("distance_to_water_source", "pit_bottom_above_groundwater"):
            if key in unit:
                unit[key] = f"{unit[key] / FOOT!r} ft"
    return out


@given(sites())
def test_writing_an_input_in_another_unit_never_changes_a_verdict(doc: dict[str, Any]) -> None:
    assert outcomes(doc) == outcomes(in_other_units(doc))


@given(sites())
def test_missing_data_never_passes(doc: dict[str, Any]) -> None:
    s = site(**doc)
    facts = site_facts(s)
    for r in check(doc, PACK).results:
        if r.outcome is Outcome.PASS and r.rule.each is None:
            # A pass needs every input of the check. The applicability may be settled by one
            # side of an `or` ("accommodation or a shelter facility") while the other is missing.
            keys = field_keys(r.rule.check)
            assert all(facts[k] is not None for k in keys), r.rule.id


@given(sites())
def test_every_outcome_is_one_of_four_and_failures_carry_a_fix(doc: dict[str, Any]) -> None:
    for r in check(doc, PACK).results:
        assert r.outcome in set(Outcome)
        if r.outcome is Outcome.FAIL:
            assert r.fixes, r.rule.id
        if r.outcome is Outcome.UNKNOWN:
            assert r.missing or r.reason, r.rule.id


def _set(doc: dict[str, Any], key: str, value: float) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    node = out
    *parents, last = key.split(".")
    for p in parents:
        node = node[p]
    node[last] = int(value) if float(value).is_integer() else value
    return out


@given(sites())
def test_the_fix_flips_the_verdict_and_one_step_less_does_not(doc: dict[str, Any]) -> None:
    for r in check(doc, PACK).results:
        if r.outcome is not Outcome.FAIL or r.rule.each is not None:
            continue
        for fix in r.fixes:
            if fix.field is None or fix.to is None or fix.change is None:
                continue
            fixed = outcomes(_set(doc, fix.field, fix.to))[r.rule.id]
            assert fixed in (Outcome.PASS, Outcome.NOT_APPLICABLE), (r.rule.id, fix)
            lever = next(lv for lv in r.rule.levers if lv.field and lv.field.key == fix.field)
            if lever.field is not None and lever.field.spec.integer and abs(fix.change) > 1:
                step = 1 if fix.change > 0 else -1
                less = outcomes(_set(doc, fix.field, fix.to - step))[r.rule.id]
                assert less is Outcome.FAIL, (r.rule.id, fix)
