"""A programme's guard pack tightens the default casework-2023, never replaces it unless its
pack.yaml says `replaces: casework-2023` (and the report says so); no pack list at all is an
error, never "no guards, every event allowed"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mcrules import check_history
from mcrules.casework import NoGuardPacksError, guard_packs, load_casework_pack
from mcrules.cli.main import app
from mcrules.errors import McrulesError, RuleLoadError
from mcrules.models.casework import CaseHistory
from mcrules.rules.pack import Pack
from tests.casework.test_history_laws import histories

runner = CliRunner()
# The issue's example: a 12-year-old registered and transferred to the police with no consent and
# no eligibility check.
CHILD_TO_POLICE = {
    "case": "C-ISSUE-17",
    "person": {"age": 12, "sex": "female", "accompanied_by": "none"},
    "events": [{"date": "2026-03-01", "action": "identify"},
               {"date": "2026-03-01", "action": "register"},
               {"date": "2026-03-02", "action": "assess"},
               {"date": "2026-03-03", "action": "transfer",
                "to": {"type": "government", "name": "Police"}}]}
_GUARD = """
  - id: {id}
    title: A programme guard
    severity: error
    applies_if: "{applies}"
    check: "{check}"
    fix:
      - text: "a programme guard"
    citations:
      - {{document: sop, section: '2.1', quote: 'The programme shall check it.'}}
"""


def write_pack(folder: Path, pack_id: str, guards: list[dict[str, str]], **head: str) -> Path:
    """A programme pack of case_event guards in `folder`, with extra pack.yaml keys `head`."""
    folder.mkdir(parents=True, exist_ok=True)
    extra = "".join(f"{k}: {v}\n" for k, v in head.items())
    (folder / "pack.yaml").write_text(
        f"id: {pack_id}\ntitle: Programme guards\nversion: 1.0.0\neffective_from: 2023-01-01\n"
        f"{extra}documents:\n  sop: {{title: Programme SOP, publisher: Programme, edition: '1'}}\n")
    (folder / "guards.yaml").write_text(
        "subject: case_event\nrules:\n" + "".join(_GUARD.format(**g) for g in guards))
    return folder


@pytest.fixture(scope="module")
def programmes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Pack]:
    """Programme packs an adversary or a careless programme might write: one that only adds a
    closure guard, one whose guards reuse the default's ids and always pass, and one that takes
    the default's id."""
    root = tmp_path_factory.mktemp("programmes")
    closure = [{"id": "programme.closure.signed", "applies": "action == 'close'",
                "check": "closure.prepared"}]
    always = "plan.objectives >= 0"
    lenient = [{"id": i, "applies": always, "check": always} for i in (
        "casework.transition.allowed", "casework.registration.consent",
        "casework.registration.eligibility_verified", "casework.transfer.partner_consent",
        "casework.referral.consent", "casework.police_report.consent")]
    return {
        "closure": load_casework_pack(write_pack(root / "closure", "programme-closure", closure)),
        "lenient": load_casework_pack(write_pack(root / "lenient", "programme-lenient", lenient)),
        "impostor": load_casework_pack(write_pack(root / "impostor", "casework-2023", lenient)),
    }


def _events(report: Any) -> list[bool]:
    return [e.allowed for e in report.events]


def test_the_issue_example_is_refused_with_a_programme_pack(programmes: dict[str, Pack]) -> None:
    h = CaseHistory.model_validate(CHILD_TO_POLICE)
    report = check_history(h, [programmes["closure"]])
    assert not report.valid
    assert _events(report) == [True, False, False, False]
    guards = {v.guard for v in report.violations}
    assert {"casework.registration.consent", "casework.registration.eligibility_verified"} <= guards
    assert [p.id for p in report.packs] == ["casework-2023", "programme-closure"]
    assert report.to_dict()["default_guards"] == {"pack": "casework-2023", "evaluated": True,
                                                  "replaced_by": []}


def test_the_issue_example_exits_1_on_the_command_line(tmp_path: Path) -> None:
    history = tmp_path / "h.json"
    history.write_text(json.dumps(CHILD_TO_POLICE))
    pack = write_pack(tmp_path / "prog", "programme-closure",
                      [{"id": "programme.closure.signed", "applies": "action == 'close'",
                        "check": "closure.prepared"}])
    result = runner.invoke(app, ["casework", "check", str(history), "--pack", str(pack)])
    assert result.exit_code == 1, result.output
    assert "Registration refused" in result.stdout
    assert "guards: casework-2023" in result.stdout


@pytest.mark.parametrize("which", ["lenient", "impostor"])
def test_a_pack_that_passes_everything_or_takes_the_default_id_allows_nothing_more(
        programmes: dict[str, Pack], which: str) -> None:
    h = CaseHistory.model_validate(CHILD_TO_POLICE)
    assert _events(check_history(h, [programmes[which]])) == _events(check_history(h))


def test_an_empty_pack_list_is_an_error_of_ours_and_a_value_error() -> None:
    h = CaseHistory.model_validate(CHILD_TO_POLICE)
    with pytest.raises(NoGuardPacksError) as caught:
        check_history(h, [])
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, McrulesError)
    with pytest.raises(ValueError):
        guard_packs(())


@pytest.mark.parametrize("packs", [[""], ["  "], ["casework-2023", ""]])
def test_an_empty_pack_id_exits_2(tmp_path: Path, packs: list[str]) -> None:
    history = tmp_path / "h.json"
    history.write_text(json.dumps(CHILD_TO_POLICE))
    args = [a for p in packs for a in ("--pack", p)]
    result = runner.invoke(app, ["casework", "check", str(history), *args])
    assert result.exit_code == 2, result.output
    assert "--pack: an empty pack id" in result.stderr


def test_the_default_given_explicitly_or_twice_is_evaluated_once(
        programmes: dict[str, Pack]) -> None:
    default = load_casework_pack()
    chosen = guard_packs([default, programmes["closure"], default])
    assert [p.id for p in chosen] == ["casework-2023", "programme-closure"]
    blue = load_casework_pack(variants=["blue-transfer-consent-should"])
    assert guard_packs([blue]) == (blue,)


def test_a_pack_that_says_it_replaces_the_default_does_and_the_report_says_so(
        tmp_path: Path) -> None:
    guards = [{"id": "programme.closure.signed", "applies": "action == 'close'",
               "check": "closure.prepared"}]
    folder = write_pack(tmp_path / "own", "programme-own", guards, replaces="casework-2023")
    own = load_casework_pack(folder)
    assert own.replaces == "casework-2023"
    h = CaseHistory.model_validate(CHILD_TO_POLICE)
    report = check_history(h, [own])
    assert [p.id for p in report.packs] == ["programme-own"]
    assert report.to_dict()["default_guards"] == {"pack": "casework-2023", "evaluated": False,
                                                  "replaced_by": ["programme-own"]}
    history = tmp_path / "h.json"
    history.write_text(json.dumps(CHILD_TO_POLICE))
    result = runner.invoke(app, ["casework", "check", str(history), "--pack", str(folder)],
                           env={"COLUMNS": "200"})
    assert "The default guards casework-2023 were not evaluated: programme-own replaces them" \
        in result.stdout
    # Replaced means replaced: without the default's consent guards the child's registration and
    # transfer go ahead, which is why only a pack.yaml that says so can do it.
    assert report.valid


@pytest.mark.parametrize(("value", "needle"), [
    ("itself-pack", "`replaces` names the pack itself"),
    ("no-such-pack", "`replaces` names no pack 'no-such-pack'"),
    ("'Not An Id!'", "`replaces` must name a pack id"),
])
def test_replaces_must_name_another_pack_that_exists(tmp_path: Path, value: str,
                                                     needle: str) -> None:
    folder = write_pack(tmp_path / "p", "itself-pack", [
        {"id": "programme.x.y", "applies": "plan.objectives >= 0", "check": "plan.actions >= 0"}],
        replaces=value)
    with pytest.raises(RuleLoadError) as caught:
        load_casework_pack(folder)
    assert needle in str(caught.value)
    assert "pack.yaml:5" in str(caught.value)


def _first_refused(report: Any) -> int:
    return next((e.event for e in report.events if not e.allowed), len(report.events))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(histories(), st.lists(st.sampled_from(["closure", "lenient", "impostor"]), min_size=1,
                             max_size=3))
def test_adding_a_programme_pack_never_allows_an_event_the_default_refuses(
        programmes: dict[str, Pack], h: CaseHistory, chosen: list[str]) -> None:
    """Judged from the same state (up to the first refusal), every event the default refuses is
    refused with the programme's packs added, by at least the same guards."""
    alone = check_history(h)
    added = check_history(h, [programmes[c] for c in chosen])
    assert added.valid <= alone.valid
    first = _first_refused(alone)
    assert _first_refused(added) <= first
    if _first_refused(added) == first < len(h.events):
        assert {v.guard for v in alone.events[first].violations} <= \
            {v.guard for v in added.events[first].violations}
