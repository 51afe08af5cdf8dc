"""Several packs side by side: a site that passes Sphere 2018's 15 L and fails the Toolkit's 20 L
is shown passing one and failing the other, per requirement, with the disagreement said."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mcrules import Pack, check_site, load_site_pack
from mcrules.cli.main import app
from mcrules.engine.compare import Comparison
from mcrules.errors import RuleLoadError
from mcrules.rules.loader import load_pack
from mcrules.subjects import all_subjects
from tests.conftest import site
from tests.test_lint import RULES, _write

ON = dt.date(2026, 12, 1)
CENTRE: dict[str, Any] = {
    "name": "Riverside collective centre", "setting": "collective_centre",
    "provides_accommodation": True, "population": {"female": 50, "male": 50},
    "toilets": {"female": 3, "male": 3}, "showers": {"female": 3, "male": 3},
    "water_supply": "1700 L/day",            # 17 L/person/day: Sphere's 15 passes, MCT's 20 fails
    "covered_living_area": "400 m^2", "total_site_area": "4000 m^2",
}


@pytest.fixture(scope="module")
def packs() -> list[Pack]:
    return [load_site_pack("mct-2023", as_of=ON), load_site_pack("sphere-2018", as_of=ON)]


def _row(comparison: tuple[Comparison, ...], key: str) -> Comparison:
    return next(c for c in comparison if c.requirement == key)


def test_water_passes_sphere_at_15_and_fails_the_toolkit_at_20(packs: list[Pack]) -> None:
    report = check_site(site(**CENTRE), packs, as_of=ON)
    water = _row(report.comparison, "water.quantity_per_person")
    mct, sphere = water.verdicts
    assert (mct.pack, mct.result and mct.result.rule.id, mct.outcome) == \
        ("mct-2023", "mct.wash.water_per_person", "fail")
    assert (sphere.pack, sphere.result and sphere.result.rule.id, sphere.outcome) == \
        ("sphere-2018", "sphere.wash.water_per_person", "pass")
    assert water.disagree
    assert water.sentence == ("Water per person per day (17 L/person/day measured): fails the "
                              "Migrant Centres Toolkit at 20 L/person/day, passes Sphere 2018 at "
                              "15 L/person/day.")


def test_the_json_keeps_todays_keys_and_adds_by_pack_and_comparison(packs: list[Pack]) -> None:
    doc = check_site(site(**CENTRE), packs, as_of=ON).as_dict()
    assert {"results", "summary", "packs", "ruleset_hash", "warnings"} <= set(doc)
    assert [b["pack"] for b in doc["by_pack"]] == ["mct-2023", "sphere-2018"]
    assert all(set(b) == {"pack", "results", "summary"} for b in doc["by_pack"])
    assert sum(len(b["results"]) for b in doc["by_pack"]) == len(doc["results"])
    assert {r["pack"] for r in doc["by_pack"][1]["results"]} == {"sphere-2018"}
    # The merged summary is the sum of the packs' own.
    for key, total in doc["summary"].items():
        assert total == sum(b["summary"][key] for b in doc["by_pack"])
    water = next(c for c in doc["comparison"] if c["requirement"] == "water.quantity_per_person")
    assert water["disagree"] is True and water["shared"] is True
    assert [(v["pack"], v["rule"], v["outcome"], v["measured"], v["required"], v["unit"])
            for v in water["verdicts"]] == [
        ("mct-2023", "mct.wash.water_per_person", "fail", 17.0, 20.0, "L/person/day"),
        ("sphere-2018", "sphere.wash.water_per_person", "pass", 17.0, 15.0, "L/person/day")]
    assert water["sentence"].startswith("Water per person per day (17 L/person/day measured)")


def test_a_rule_in_one_pack_only_is_not_in_the_other(packs: list[Pack]) -> None:
    doc = check_site(site(**CENTRE), packs, as_of=ON).as_dict()
    beds = next(c for c in doc["comparison"] if c["requirement"] == "mct.shelter.bed_per_person")
    assert beds["shared"] is False and beds["disagree"] is False and beds["sentence"] is None
    assert [v["outcome"] for v in beds["verdicts"]][1] == "not_in_pack"
    assert beds["verdicts"][1]["rule"] is None


def test_one_pack_has_no_comparison_keys(packs: list[Pack]) -> None:
    doc = check_site(site(**CENTRE), packs[:1], as_of=ON).as_dict()
    assert "by_pack" not in doc and "comparison" not in doc


def test_several_rules_for_one_requirement_give_the_worst_verdict() -> None:
    sphere = load_site_pack("sphere-2018", as_of=ON)
    report = check_site(site(**{**CENTRE, "phase": "initial", "toilets": {"female": 1, "male": 0}}),
                        [load_site_pack("unhcr-wash", as_of=ON), sphere], as_of=ON)
    toilets = _row(report.comparison, "sanitation.toilets_per_person")
    assert toilets.verdicts[1].rules == ("sphere.wash.toilets.initial",
                                         "sphere.wash.toilets.medium_term",
                                         "sphere.wash.toilets.transit")
    assert toilets.verdicts[1].result is not None
    assert toilets.verdicts[1].result.rule.id == "sphere.wash.toilets.initial"
    assert toilets.verdicts[1].outcome == "fail"


def test_an_overlay_is_compared_rule_by_rule_with_its_base() -> None:
    base, national = (load_site_pack(p, as_of=ON) for p in ("mct-2023", "example-national"))
    data = {**CENTRE, "water_supply": "2200 L/day"}          # 22 L: the Toolkit's 20, not 25
    report = check_site(site(**data), [base, national], as_of=ON)
    water = _row(report.comparison, "water.quantity_per_person")
    assert [v.outcome for v in water.verdicts] == ["pass", "fail"]
    assert water.sentence == ("Water per person per day (22 L/person/day measured): passes the "
                              "Migrant Centres Toolkit at 20 L/person/day, fails the example "
                              "national standard at 25 L/person/day.")
    # A rule the overlay did not tighten agrees with its base.
    assert not _row(report.comparison, "mct.shelter.bed_per_person").disagree
    # A rule whose title names the tightened threshold ("1 toilet per 20") is called by its id.
    toilets = _row(report.comparison, "mct.wash.toilets.female")
    assert toilets.disagree and toilets.title == "mct.wash.toilets.female"
    assert toilets.sentence == ("mct.wash.toilets.female (3 measured): passes the Migrant Centres "
                                "Toolkit at 3, fails the example national standard at 4.")


def _cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def _site_file(tmp_path: Path) -> Path:
    path = tmp_path / "centre.json"
    path.write_text(json.dumps(CENTRE))
    return path


def test_the_cli_shows_the_packs_side_by_side_and_says_the_disagreement(tmp_path: Path) -> None:
    path = _site_file(tmp_path)
    result = _cli("check-site", str(path), "--pack", "mct-2023", "--pack", "sphere-2018",
                  "--as-of", ON.isoformat())
    assert result.exit_code == 1                 # a failure in any pack fails
    out = result.stdout
    assert "Side by side" in out and "Where the packs disagree:" in out
    assert "passes Sphere 2018 at 15 L/person/day" in out
    assert "fails the Migrant Centres Toolkit at 20 L/person/day" in out
    md = _cli("check-site", str(path), "-p", "mct-2023", "-p", "sphere-2018", "--as-of",
              ON.isoformat(), "--format", "markdown").stdout
    assert "## Side by side" in md and "| **≠** | Water per person per day" in md
    assert "- Water per person per day (17 L/person/day measured): fails the Migrant" in md


def test_the_cli_json_has_the_comparison(tmp_path: Path) -> None:
    result = _cli("check-site", str(_site_file(tmp_path)), "-p", "mct-2023", "-p", "sphere-2018",
                  "--as-of", ON.isoformat(), "--format", "json")
    doc = json.loads(result.stdout)
    assert result.exit_code == 1 and {"by_pack", "comparison"} <= set(doc)


@settings(max_examples=25, deadline=None)
@given(water=st.integers(min_value=0, max_value=4000))
def test_the_comparison_repeats_each_packs_own_verdict(packs: list[Pack], water: int) -> None:
    """Comparing never recomputes: each pack's verdict is the one it gives checked alone, and
    the packs disagree exactly when their outcomes differ."""
    data = {**CENTRE, "water_supply": f"{water} L/day"}
    row = _row(check_site(site(**data), packs, as_of=ON).comparison, "water.quantity_per_person")
    alone = [check_site(site(**data), p, as_of=ON) for p in packs]
    assert [v.outcome for v in row.verdicts] == [
        a.result(r).outcome.value for a, r in zip(
            alone, ("mct.wash.water_per_person", "sphere.wash.water_per_person"), strict=True)]
    assert row.disagree == (len({v.outcome for v in row.verdicts}) > 1)
    assert row.disagree == (1500 <= water < 2000)


def test_the_site_packs_give_requirements_to_their_comparable_rules() -> None:
    for ref in ("mct-2023", "sphere-2018", "unhcr-wash", "example-national"):
        keyed = {r.requirement for r in load_site_pack(ref).rules if r.requirement}
        assert {"water.quantity_per_person", "sanitation.toilets_per_person"} <= keyed, ref


def test_a_requirement_that_is_not_a_dotted_key_is_a_load_error(tmp_path: Path) -> None:
    folder = _write(tmp_path / "pack", rules=RULES.replace(
        "    title: A quiet room\n", "    title: A quiet room\n    requirement: Quiet Room\n"))
    with pytest.raises(RuleLoadError, match="requirement 'Quiet Room' must be dotted lower case"):
        load_pack(folder, {s.name: s.schema() for s in all_subjects()})


def test_a_failure_without_a_waiver_decides_over_a_waived_one() -> None:
    """Two rules of one pack fail one requirement, one of them waived: the row says `fail`,
    never `waived`, since the pack still has a failure nobody approved."""
    from mcrules.engine.compare import compare

    unhcr = load_site_pack("unhcr-wash", as_of=ON)
    failing = [next(r for r in check_site(site(**{**CENTRE, "water_supply": "500 L/day",
                                                   "phase": phase}), [unhcr], as_of=ON).results
                    if r.rule.id == rule)
               for phase, rule in (("initial", "unhcr.wash.water.emergency"),
                                   ("medium_term", "unhcr.wash.water.post_emergency"))]
    assert [r.outcome.value for r in failing] == ["fail", "fail"]
    for statuses in (("waived", "fail"), ("fail", "waived")):
        (row,) = compare([("unhcr-wash", "UNHCR", list(zip(failing, statuses, strict=True)))])
        assert row.verdicts[0].status == "fail", statuses
