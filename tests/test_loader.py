"""Loading a pack checks everything once, and every mistake names its file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mcrules.errors import PackNotFoundError, RuleLoadError
from mcrules.rules import load_pack
from mcrules.site import site_facts, site_schema
from tests.conftest import ROOT

GOOD_RULE = """\
subject: site
rules:
  - id: test.beds
    title: Enough beds
    severity: error
    check: beds >= bedding_sets
    fix:
      - {text: "add beds"}
    citations:
      - {document: doc, quote: "a bed for everyone"}
"""


def make_pack(tmp_path: Path, rules: str = GOOD_RULE, head_extra: str = "") -> Path:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "pack.yaml").write_text(
        "id: p\ntitle: Test\nversion: '1'\ndocuments:\n  doc: {title: A document}\n" + head_extra)
    (folder / "rules.yaml").write_text(rules)
    return folder


def load(folder: Path):  # type: ignore[no-untyped-def]
    return load_pack(folder, {"site": site_schema()})


def test_a_good_pack_loads(tmp_path: Path) -> None:
    pack = load(make_pack(tmp_path))
    assert [r.id for r in pack.rules] == ["test.beds"]


@pytest.mark.parametrize(
    ("change", "message", "line"),
    [
        (("beds >= bedding_sets", "beds >= water_supply"), "cannot combine", 6),
        (("beds >= bedding_sets", "bed >= 1"), "did you mean `beds`", 6),
        (("severity: error", "severity: must"), "severity must be", 5),
        (("    title: Enough beds\n", "    title: Enough beds\n    colour: red\n"),
         "unknown key 'colour'", 5),
        (("document: doc", "document: nodoc"), "unknown document 'nodoc'", 10),
        (("      - {text: \"add beds\"}", "      - {field: beds, direction: up, text: \"add {delta}\"}"),
         "direction", 8),
        (("id: test.beds", "id: Test Beds"), "dotted lower case", 3),
        (("check: beds >= bedding_sets", "check: beds"), "must be a condition", 6),
    ],
)
def test_mistakes_name_file_line_and_what_is_wrong(tmp_path: Path, change: tuple[str, str],
                                                   message: str, line: int) -> None:
    folder = make_pack(tmp_path, GOOD_RULE.replace(*change))
    with pytest.raises(RuleLoadError, match=message) as info:
        load(folder)
    assert info.value.file.endswith("rules.yaml")
    assert info.value.line == line


def test_a_rule_without_citations_does_not_load(tmp_path: Path) -> None:
    text = GOOD_RULE[: GOOD_RULE.index("    citations:")]
    with pytest.raises(RuleLoadError, match="citations"):
        load(make_pack(tmp_path, text))


def test_a_fix_lever_must_be_able_to_flip_the_verdict(tmp_path: Path) -> None:
    text = GOOD_RULE.replace('      - {text: "add beds"}',
                             '      - {field: toilets.male, direction: increase, text: "add {delta}"}')
    with pytest.raises(RuleLoadError, match="does not appear in the check"):
        load(make_pack(tmp_path, text))


def test_duplicate_rule_ids_are_refused(tmp_path: Path) -> None:
    rules = GOOD_RULE + GOOD_RULE[GOOD_RULE.index("  - id"):]
    with pytest.raises(RuleLoadError, match="duplicate rule id"):
        load(make_pack(tmp_path, rules))


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(RuleLoadError, match="malformed YAML") as info:
        load(make_pack(tmp_path, GOOD_RULE.replace("title: Enough beds", "title: [Enough")))
    assert info.value.line is not None


def test_a_variant_must_name_real_parameters_and_rules(tmp_path: Path) -> None:
    head = ("variants:\n  v:\n    description: x\n    severity: {test.nope: warning}\n"
            "    citations: [{document: doc, quote: q}]\n")
    with pytest.raises(RuleLoadError, match=r"unknown rule 'test\.nope'"):
        load(make_pack(tmp_path, head_extra=head))


def test_a_parameter_with_an_unknown_unit_names_its_file(tmp_path: Path) -> None:
    folder = make_pack(tmp_path)
    (folder / "parameters").mkdir()
    (folder / "parameters" / "limit.yaml").write_text(
        "value: 3 furlongs/fortnight/wombat\ncitations: [{document: doc, quote: q}]\n")
    with pytest.raises(RuleLoadError) as info:
        load(folder)
    assert info.value.file.endswith("limit.yaml") and info.value.line == 1


def test_an_unknown_pack_lists_the_known_ones() -> None:
    with pytest.raises(PackNotFoundError, match="mct-2023"):
        load_pack("no-such-pack", {"site": site_schema()})


def test_the_shipped_pack_loads_from_a_copy(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "rules" / "mct-2023", tmp_path / "copy")
    pack = load(tmp_path / "copy")
    assert len(pack.rules) >= 30


def test_every_shipped_rule_cites_the_manual_with_a_quote(pack) -> None:  # type: ignore[no-untyped-def]
    for rule in pack.rules:
        assert rule.citations, rule.id
        for c in rule.citations:
            assert c.quote.strip() and c.document.title and (c.section or c.note), rule.id


def test_severity_follows_the_sources_verb(pack) -> None:  # type: ignore[no-untyped-def]
    """shall/must -> error; should/recommended -> warning (the first citation carries the verb)."""
    for rule in pack.rules:
        quote = rule.citations[0].quote.lower()
        if rule.severity.value == "error":
            assert any(v in quote for v in ("shall", "must", "needs", "to 20 people",
                                            "minimum", "20 litres")), rule.id
        if " should " in f" {quote} " or "recommended" in quote:
            assert rule.severity.value != "error", rule.id


def test_the_facts_cover_every_schema_field() -> None:
    from mcrules.models import Site

    facts = site_facts(Site())
    assert set(site_schema().fields) <= set(facts)
    assert all(v is None for v in facts.values())
