"""`mcrules diff`: the impact of a rule change on a corpus, checked against an independent
computation of which sites flip."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from benchmarks.bulk_data import site_table
from typer.testing import CliRunner

import mcrules.site  # noqa: F401  (registers the site subject)
from mcrules.bulk.diff import diff_folders
from mcrules.cli.main import app

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "rules" / "mct-2023"
EXAMPLE = ROOT / "examples" / "corpus" / "sites.csv"
WATER = "mct.wash.water_per_person"


def _packs(folder: Path, water: str | None = None) -> Path:
    """A folder of packs holding a copy of mct-2023, its water minimum optionally changed."""
    shutil.copytree(SHIPPED, folder / "mct-2023")
    if water is not None:
        p = folder / "mct-2023" / "parameters" / "water_per_person.yaml"
        text = p.read_text()
        assert "value: 20 L/person/day" in text
        p.write_text(text.replace("value: 20 L/person/day", f"value: {water}"))
    return folder


def _flipping_csv_rows() -> set[int]:
    """Sites of the example corpus with people and between 20 (inclusive) and 25 L per person
    per day: exact arithmetic on the text of the file, no mcrules."""
    out = set()
    with EXAMPLE.open() as fh:
        for i, row in enumerate(csv.DictReader(fh)):
            people = int(row["population.female"]) + int(row["population.male"])
            number, unit = row["water_supply"].split()
            assert unit == "m^3/day"
            litres = Fraction(number) * 1000
            if people and 20 <= litres / people < 25:
                out.add(i)
    return out


def _flipping_parquet_rows(table: pa.Table) -> set[int]:
    female = table.column("population.female").to_pylist()
    male = table.column("population.male").to_pylist()
    water = table.column("water_supply").to_pylist()  # litres per day
    out = set()
    for i, (f, m, w) in enumerate(zip(female, male, water, strict=True)):
        if None in (f, m, w) or f + m == 0:
            continue
        per_person = Fraction(w) / (Fraction(f) + Fraction(m))
        if 20 <= per_person < 25:
            out.add(i)
    return out


def _flipped(report: object, rule: str = WATER) -> tuple[set[int], dict[str, int]]:
    pack = report.packs[0]  # type: ignore[attr-defined]
    impact = pack.rules[rule]
    return {f.row for f in impact.examples}, impact.as_dict()["flips"]


def test_raising_the_water_minimum_to_25_litres_flips_exactly_the_sites_between(
        tmp_path: Path) -> None:
    head = _packs(tmp_path / "head", "25 L/person/day")
    report = diff_folders(SHIPPED, head, [(None, str(EXAMPLE))], base_label="shipped",
                          head_label="25 L", examples=10_000)
    rows, flips = _flipped(report)
    expected = _flipping_csv_rows()
    assert expected and rows == expected
    assert flips == {"pass->fail": len(expected)}
    # nothing else moves, and the change is named as a threshold change
    assert {r.id for r in report.packs[0].rules.values() if r.flipped} == {WATER}
    change = [c for c in report.packs[0].changes if c.status != "same"]
    assert [(c.id, c.changes) for c in change] == [(WATER, ["threshold"]),
                                                   ("water_per_person", ["value"])]
    assert change[0].details == ["water_per_person: 20 L/person/day -> 25 L/person/day"]


def test_the_same_holds_on_a_generated_corpus_with_sites_on_the_boundaries(tmp_path: Path) -> None:
    table = site_table(5000, seed=7)
    corpus = tmp_path / "sites.parquet"
    pq.write_table(table, corpus)
    head = _packs(tmp_path / "head", "25 L/person/day")
    report = diff_folders(SHIPPED, head, [(None, str(corpus))], base_label="a", head_label="b",
                          examples=10_000, batch_size=1024)
    rows, _ = _flipped(report)
    assert rows == _flipping_parquet_rows(table)
    assert report.packs[0].rows == 5000


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, timeout=60)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose `rules/` holds mct-2023 at HEAD~1 and the 25 L version at HEAD."""
    repo = tmp_path / "repo"
    _packs(repo / "rules")
    _git(repo, "init", "-q")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "add", "rules")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "base")
    p = repo / "rules" / "mct-2023" / "parameters" / "water_per_person.yaml"
    p.write_text(p.read_text().replace("value: 20 L/person/day", "value: 25 L/person/day"))
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qam", "25 L")
    return repo


def _cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["diff", *args])
    return result.exit_code, result.stdout, result.stderr


def test_base_and_head_may_be_git_refs(repo: Path) -> None:
    code, out, _ = _cli("--base", "HEAD~1", "--head", "HEAD", "--repo", str(repo), "--corpus",
                        str(EXAMPLE), "--format", "json", "--examples", "1000")
    assert code == 0, out
    doc = json.loads(out)
    water = next(r for r in doc["packs"][0]["rules"] if r["rule"] == WATER)
    assert {e["row"] for e in water["examples"]} == _flipping_csv_rows()
    assert doc["packs"][0]["base"]["hash"] != doc["packs"][0]["head"]["hash"]


def test_fail_on_policies_gate_ci(repo: Path) -> None:
    common = ["--repo", str(repo), "--corpus", str(EXAMPLE)]
    code, out, err = _cli("--base", "HEAD~1", "--head", "HEAD", *common,
                          "--fail-on", "fail-increase")
    assert code == 1 and f"fail-increase: {WATER}" in err
    assert "**CI policy broken:**" in out and "| `mct.wash.water_per_person` | pass → fail" in out
    # lowering the minimum again only turns failures into passes
    code, _, _ = _cli("--base", "HEAD", "--head", "HEAD~1", *common, "--fail-on", "fail-increase",
                      "--fail-on", "pass-to-fail")
    assert code == 0
    code, _, _ = _cli("--base", "HEAD", "--head", "HEAD~1", *common, "--fail-on", "any-flip")
    assert code == 1
    code, _, _ = _cli("--base", "HEAD", "--head", "HEAD", *common, "--fail-on", "any-flip",
                      "--fail-on", "rules-changed")
    assert code == 0


def test_rules_added_removed_and_changed_are_named(tmp_path: Path) -> None:
    head = _packs(tmp_path / "head")
    wash = head / "mct-2023" / "wash.yaml"
    text = wash.read_text()
    text = text.replace("applies_if: population.total > 0\n    check: water_supply",
                        "applies_if: population.female > 0\n    check: water_supply")
    text = text.replace("id: mct.wash.water_safe\n", "id: mct.wash.water_safe_renamed\n")
    wash.write_text(text)
    report = diff_folders(SHIPPED, head, [(None, str(EXAMPLE))], base_label="a", head_label="b")
    changes = {(c.id, c.status, tuple(c.changes)) for c in report.packs[0].changes
               if c.status != "same"}
    assert changes == {(WATER, "changed", ("applicability",)),
                       ("mct.wash.water_safe_renamed", "added", ()),
                       ("mct.wash.water_safe", "removed", ())}
    _, flips = _flipped(report)
    assert set(flips) <= {"pass->not_applicable", "fail->not_applicable"}


def test_a_bad_ref_is_an_input_error(repo: Path) -> None:
    code, _, err = _cli("--base", "no-such-branch", "--head", "HEAD", "--repo", str(repo),
                        "--corpus", str(EXAMPLE))
    assert code == 2 and "neither a folder nor a git ref" in err


def test_json_is_deterministic(tmp_path: Path) -> None:
    head = _packs(tmp_path / "head", "25 L/person/day")
    args = ["--base", str(SHIPPED.parent), "--head", str(head), "--corpus", str(EXAMPLE),
            "--format", "json"]
    assert _cli(*args)[1] == _cli(*args)[1]


CASES = ROOT / "examples" / "corpus" / "cases.jsonl"


def test_a_case_corpus_diffs_against_the_case_pack(tmp_path: Path) -> None:
    head = tmp_path / "head"
    shutil.copytree(ROOT / "rules", head)
    cut = head / "domv-2023" / "parameters" / "risk_cut_high.yaml"
    cut.write_text(cut.read_text().replace("\nvalue: 3\n", "\nvalue: 2.5\n"))
    report = diff_folders(ROOT / "rules", head, [("case", str(CASES)), (None, str(EXAMPLE))],
                          base_label="a", head_label="b")
    by_id = {p.pack: p for p in report.packs}
    domv, mct = by_id["domv-2023"], by_id["mct-2023"]
    assert domv.rows == 40 and domv.rejected == 0 and mct.rows == 60
    assert [(c.id, c.kind) for c in domv.changes if c.status != "same"] == \
        [("risk_cut_high", "parameter")]
    assert domv.values_changed["assess.risk.level"] >= 1 and mct.flipped == 0


SHARING_CORPUS = (
    '{"fields": ["sex"], "granularity": "aggregate", "recipient": {"type": "public"}}\n'
    '{"fields": ["tribe"], "granularity": "aggregate", "recipient": {"type": "public"}}\n'
    '{"fields": ["name"], "granularity": "record_level", "recipient": {"type": "ngo"}}\n'
    '{"fields": ["sex"], "consent": {"given": true}, "consent_ref": "K-1"}\n')


@pytest.fixture
def sharing_repo(tmp_path: Path) -> Path:
    """A git repository whose `rules/` holds data-sharing-2023 at HEAD~2; at HEAD~1 a table of
    non-personal counts is only `aggregate_only` in its open part; at HEAD its catalogue also
    knows `tribe` as a demographic breakdown (so it is no longer uncatalogued)."""
    from tests.sharing.packs import sharing_pack_copy

    repo = tmp_path / "repo"
    sharing_pack_copy(repo / "rules" / "data-sharing-2023")
    who = ["-c", "user.name=t", "-c", "user.email=t@example.org"]
    _git(repo, "init", "-q")
    _git(repo, *who, "add", "rules")
    _git(repo, *who, "commit", "-qm", "base")
    table = repo / "rules" / "data-sharing-2023" / "sharing.yaml"
    text = table.read_text()
    old = "      - when: {open: true, granularity: aggregate}\n        decision: permit_with_obligations\n"
    assert old in text
    table.write_text(text.replace(old, old.replace("permit_with_obligations", "aggregate_only")))
    _git(repo, *who, "commit", "-qam", "open counts: aggregate only")
    catalogue = repo / "rules" / "data-sharing-2023" / "catalogue.yaml"
    catalogue.write_text(catalogue.read_text().replace(
        "\nfields:\n", "\nfields:\n  tribe: demographic_breakdown\n"))
    _git(repo, *who, "commit", "-qam", "tribe is a demographic breakdown")
    return repo


def test_a_sharing_corpus_is_derived_per_side_and_a_flipped_decision_is_reported(
        sharing_repo: Path, tmp_path: Path) -> None:
    """`diff` over sharing requests used to stop at exit 3: the corpus was read as if each
    request were its facts. Each side now derives every request in its own context (its own
    catalogue), so a changed decision row and a changed catalogue both show in the decisions
    that change; the request refused by the model is a reject on both sides."""
    corpus = tmp_path / "requests.jsonl"
    corpus.write_text(SHARING_CORPUS)
    common = ["--repo", str(sharing_repo), "--corpus", f"sharing_request={corpus}",
              "--format", "json", "--as-of", "2026-03-01"]
    code, out, err = _cli("--base", "HEAD~2", "--head", "HEAD~1", *common)
    assert code == 0, out + err
    (impact,) = json.loads(out)["packs"]
    assert impact["pack"] == "data-sharing-2023"
    assert (impact["records"], impact["rejected"]) == (3, 1)
    assert impact["decisions_changed"]["sharing.open_part"] == 1
    assert impact["decisions_changed"]["sharing.decision"] == 1
    assert [(c["id"], c["status"]) for c in impact["changes"]] == \
        [("sharing.open_part", "changed")]
    code, out, err = _cli("--base", "HEAD~1", "--head", "HEAD", *common)
    assert code == 0, out + err
    (impact,) = json.loads(out)["packs"]
    assert impact["values_changed"]["sharing.uncatalogued_fields"] == 1  # tribe, row 1
    assert impact["values_changed"]["sharing.data_class"] == 1
    code, same, _ = _cli("--base", "HEAD", "--head", "HEAD", *common)
    assert code == 0
    assert json.loads(same)["packs"][0]["decisions_changed"]["sharing.decision"] == 0


def test_a_corpus_of_case_histories_is_refused_naming_why(repo: Path, tmp_path: Path) -> None:
    """A case history's rules are about each event, so bulk cannot make one row of it: exit 2
    before anything is evaluated; a subject no pack is about is exit 2 too, never a corpus
    quietly left out of a gate."""
    casework = tmp_path / "packs"
    shutil.copytree(ROOT / "rules" / "casework-2023", casework / "casework-2023")
    corpus = tmp_path / "histories.jsonl"
    corpus.write_text('{"case": "C-1"}\n')
    code, _, err = _cli("--base", str(casework), "--head", str(casework),
                        "--corpus", f"case_history={corpus}")
    assert code == 2
    assert "bulk cannot evaluate case history rows" in err and "case event" in err
    code, _, err = _cli("--base", "HEAD~1", "--head", "HEAD", "--repo", str(repo),
                        "--corpus", f"sharing_request={corpus}")
    assert code == 2 and "no pack in the base or the head is about sharing_request" in err
