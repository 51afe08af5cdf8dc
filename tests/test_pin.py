"""Pinned packs: `id@version` refuses any other version of the pack, and a ruleset hash refuses
any other rule set, so upgrading mcrules never silently changes the rules an app applies."""

from __future__ import annotations

import shutil
import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import mcrules
from mcrules.engine.report import Report
from mcrules.errors import McrulesError
from mcrules.rules.pin import (
    PackRef,
    check_ruleset_hash,
    parse_ruleset_hash,
    ruleset_hash_of,
)
from mcrules.subjects import load_subject_pack
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "transit-centre.yaml"
VERSION = load_subject_pack("mct-2023").version

# Pack ids and folders: printable, no whitespace, no @ (the pin's separator).
ids = st.text(alphabet=st.characters(blacklist_characters="@", blacklist_categories=(
    "Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn")), min_size=1, max_size=40).filter(
    lambda s: all(c.isprintable() and not c.isspace() for c in s))
numbers = st.lists(st.integers(0, 99999).map(str), min_size=1, max_size=4).map(".".join)
suffixes = st.lists(st.tuples(st.sampled_from("-+."), st.text(
    string.ascii_letters + string.digits, min_size=1, max_size=6)), max_size=2).map(
    lambda parts: "".join(sep + word for sep, word in parts))
versions = st.builds(lambda n, s: (n + s)[:64], numbers, suffixes).filter(
    lambda v: v[-1] not in "-+.")


# ---- the grammar -----------------------------------------------------------------------------

@given(ids, versions)
def test_any_id_and_plain_version_round_trip(ident: str, version: str) -> None:
    ref = PackRef.parse(f"{ident}@{version}")
    assert ref == PackRef(ident, version)
    assert PackRef.parse(str(ref)) == ref


@given(ids)
def test_a_reference_without_at_is_unpinned(ident: str) -> None:
    assert PackRef.parse(ident) == PackRef(ident, None)


@given(st.text(max_size=20), st.text(max_size=20), st.text(max_size=20))
def test_a_second_at_is_refused_naming_the_reference(a: str, b: str, c: str) -> None:
    text = f"{a}@{b}@{c}"
    with pytest.raises(McrulesError) as caught:
        PackRef.parse(text)
    assert repr(text) in str(caught.value)


@given(st.text(max_size=20), st.sampled_from(" \t\n\r\x0b\x0c\u00a0\u2003\u2028"),
       st.text(max_size=20))
def test_whitespace_anywhere_is_refused_naming_the_reference(a: str, space: str, b: str) -> None:
    text = f"{a}{space}{b}"
    with pytest.raises(McrulesError) as caught:
        PackRef.parse(text)
    assert repr(text) in str(caught.value)


@pytest.mark.parametrize(("text", "says"), [
    ("", "empty"),
    ("@2023.2.0", "no pack id"),
    ("mct-2023@", "no version"),
    ("mct-2023@latest", "not a plain version"),
    ("mct-2023@v1.0", "not a plain version"),
    ("mct-2023@1..2", "not a plain version"),
    ("mct-2023@1.0-", "not a plain version"),
    ("mct-2023@" + "1" * 65, "not a plain version"),
    ("mct-2023@2023.2.0@2023.3.0", "more than one @"),
    ("mct-2023@2023.2.0\x1b[31m", "control character"),
])
def test_a_malformed_reference_is_refused_naming_it(text: str, says: str) -> None:
    with pytest.raises(McrulesError) as caught:
        PackRef.parse(text)
    assert says in str(caught.value)
    assert repr(text) in str(caught.value)


def test_an_existing_folder_with_an_at_is_that_folder(tmp_path: Path) -> None:
    """An existing path wins: `/tmp/x@y/pack` is a folder, not the pack `/tmp/x` at `y/pack`."""
    folder = tmp_path / "x@y" / "pack"
    shutil.copytree(ROOT / "rules" / "mct-2023", folder)
    assert PackRef.of(str(folder)) == PackRef(str(folder))
    assert load_subject_pack(str(folder)).id == "mct-2023"
    with pytest.raises(McrulesError, match="not a plain version"):
        load_subject_pack(str(tmp_path / "x@z" / "pack"))


def test_a_path_object_is_never_parsed(tmp_path: Path) -> None:
    assert PackRef.of(tmp_path / "a@b@c") == PackRef(str(tmp_path / "a@b@c"))


def test_a_folder_path_can_be_pinned() -> None:
    folder = ROOT / "rules" / "mct-2023"
    assert load_subject_pack(f"{folder}@{VERSION}").version == VERSION
    with pytest.raises(McrulesError, match=r"asks for version 0\.0\.1"):
        load_subject_pack(f"{folder}@0.0.1")


# ---- every loader honours the pin ------------------------------------------------------------

def _loaders():  # type: ignore[no-untyped-def]
    from mcrules.assessment import load_case_pack
    from mcrules.casework import load_casework_pack
    from mcrules.casework.staff_action import load_incident_pack
    from mcrules.eligibility import load_eligibility_pack
    from mcrules.sharing.decide import load_sharing_pack
    from mcrules.site import load_site_pack
    from mcrules.subjects import all_subjects

    schemas = {s.name: s.schema() for s in all_subjects()}
    return [
        ("mct-2023", load_site_pack),
        ("mct-2023", load_subject_pack),
        ("mct-2023", lambda ref: mcrules.load_pack(ref, schemas)),
        ("domv-2023", load_case_pack),
        ("eligibility-2023", load_eligibility_pack),
        ("casework-2023", load_casework_pack),
        ("data-sharing-2023", load_sharing_pack),
        ("incident-response-2023", load_incident_pack),
    ]


@pytest.mark.parametrize(("pack_id", "load"), _loaders(),
                         ids=[f"{p}-{i}" for i, (p, _) in enumerate(_loaders())])
def test_every_loader_loads_the_version_asked_for_and_refuses_another(pack_id, load) -> None:  # type: ignore[no-untyped-def]
    actual = load_subject_pack(pack_id).version
    assert load(f"{pack_id}@{actual}").version == actual
    with pytest.raises(McrulesError) as caught:
        load(f"{pack_id}@0.0.1")
    message = str(caught.value)
    assert f"'{pack_id}@0.0.1'" in message and "0.0.1" in message and actual in message
    assert str(Path("packs") / pack_id) in message  # where it was found


def test_evaluate_refuses_a_pin_to_another_version() -> None:
    with pytest.raises(McrulesError, match=f"asks for version 0.0.1.*is version {VERSION}"):
        mcrules.evaluate("site", EXAMPLE, packs=["mct-2023@0.0.1"], as_of="2026-01-01")
    report = mcrules.evaluate("site", EXAMPLE, packs=[f"mct-2023@{VERSION}"],
                              as_of="2026-01-01")
    assert report.packs[0].version == VERSION


def test_a_malformed_pin_is_refused_before_the_search_path() -> None:
    with pytest.raises(McrulesError, match="more than one @"):
        load_subject_pack("mct-2023@1@2")


# ---- the ruleset hash ------------------------------------------------------------------------

def test_the_report_and_the_check_share_one_hash() -> None:
    report: Report = mcrules.evaluate("site", EXAMPLE, as_of="2026-01-01")
    pack = load_subject_pack("mct-2023", as_of=report.as_of)
    assert report.ruleset_hash == ruleset_hash_of([pack])
    check_ruleset_hash([pack], report.ruleset_hash)
    check_ruleset_hash(report.packs, report.ruleset_hash.upper())


def test_another_rule_set_is_refused_naming_the_hash_found() -> None:
    pack = load_subject_pack("mct-2023")
    found = ruleset_hash_of([pack])
    other = ruleset_hash_of([load_subject_pack("mct-2023",
                                               parameters={"water_per_person": "30 L/person/day"})])
    assert other != found
    with pytest.raises(McrulesError) as caught:
        check_ruleset_hash([pack], other)
    assert found in str(caught.value) and other in str(caught.value)
    assert caught.value.path == "ruleset_hash"


@pytest.mark.parametrize("text", ["", "abc", "g" * 64, "a" * 63, "a" * 65, " " + "a" * 64])
def test_a_malformed_ruleset_hash_is_refused_as_such(text: str) -> None:
    with pytest.raises(McrulesError, match="64 hex digits"):
        parse_ruleset_hash(text)


def test_evaluate_refuses_another_ruleset_hash() -> None:
    with pytest.raises(McrulesError, match="has hash"):
        mcrules.evaluate("site", EXAMPLE, as_of="2026-01-01", ruleset_hash="0" * 64)
