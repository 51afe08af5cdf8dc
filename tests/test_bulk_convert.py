"""Bulk conversion reads a row exactly as the scalar path reads a site file: same values, same
units, same defaults and validators, same rejections in the same words."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcrules import InputError, validate_site
from mcrules.bulk import Converter
from mcrules.bulk.convert import Converted
from mcrules.bulk.layout import layout_for
from mcrules.bulk.values import list_cell
from mcrules.io.tables import TableSource
from mcrules.located import plain_scalar
from mcrules.models.declarations import DefaultWhenSiblingGiven, runs_validators
from mcrules.models.rounding import round12
from mcrules.models.site import Counts, Site
from mcrules.site import site_facts, site_schema
from tests.bulk_support import (
    assert_same_columns,
    expected_columns,
    write_csv,
    write_jsonl,
    write_parquet,
)
from tests.strategies import sites

WRITERS = {"csv": write_csv, "jsonl": write_jsonl, "parquet": write_parquet}
SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


def convert_file(path: Path, converter: Converter, batch_size: int = 7) -> list[Converted]:
    out, offset = [], 0
    for batch in TableSource(path, batch_size):
        out.append(converter.convert(batch, offset))
        offset += batch.num_rows
    return out


def only(converted: list[Converted]) -> Converted:
    assert len(converted) == 1
    return converted[0]


@pytest.mark.parametrize("fmt", sorted(WRITERS))
@SETTINGS
@given(docs=st.lists(sites(), min_size=1, max_size=12))
def test_valid_rows_become_the_columns_the_scalar_path_builds(tmp_path: Path, fmt: str,
                                                              docs: list[dict[str, Any]]) -> None:
    path = tmp_path / f"sites.{fmt}"
    WRITERS[fmt](path, docs)
    got = only(convert_file(path, Converter(site_schema()), batch_size=100))
    assert got.rejects == []
    assert list(got.rows) == list(range(len(docs)))
    assert_same_columns(got.columns, expected_columns(docs))


@SETTINGS
@given(docs=st.lists(sites(), min_size=1, max_size=12))
def test_the_whole_row_fallback_gives_the_same_columns(tmp_path: Path,
                                                       docs: list[dict[str, Any]]) -> None:
    path = tmp_path / "sites.csv"
    write_csv(path, docs)
    converter = Converter(site_schema())
    converter.layout = dataclasses.replace(converter.layout, row_reason="forced by the test")
    got = only(convert_file(path, converter, batch_size=100))
    assert got.rejects == []
    assert_same_columns(got.columns, expected_columns(docs))


BAD_DOCS: list[dict[str, Any]] = [
    {"toilets": {"female": -1}},
    {"toilets": {"female": "ten"}},
    {"water_supply": "3 m"},
    {"spaces": ["infirmary", "ballroom"]},
    {"beds": 2.5},
    {"water_supply": -5},
    {"setting": "palace"},
    {"provides_accommodation": "maybe"},
    {"staffing": {"hours_per_week": 200}},
    {"staffing": {"hours_per_week": "30 h/day"}},
    {"sanitation": [{"id": "L1", "kind": "pit_latrine"}, {"id": " ", "kind": "moat"}]},
    {"sanitation": [{"kind": "pit_latrine", "distance_to_water_source": "3 kg"}]},
    {"population": 5},
    {"water_supply": True},
    {"name": 5},
    {"water_supply": "1e400"},
    {"spaces": "infirmary"},
    {"water_supply": "12,000 L/day", "beds": "3_000"},  # valid: the scalar path takes both
]


@pytest.mark.parametrize("strict", [False, True])
def test_rejects_name_the_row_field_and_reason_in_the_scalar_paths_words(
        tmp_path: Path, strict: bool) -> None:
    docs = [*BAD_DOCS,
            {"sanitation": [{"id": "L1", "kind": "pit_latrine", "colour": "red"}]},
            {"sanitation": [{"id": "L1", "kind": "pit_latrine"}, {"id": "L2", "kin": "x"}]},
            {"population": {"female": 3, "femal": 2}},
            {"toilet": 3}]
    path = tmp_path / "bad.jsonl"
    write_jsonl(path, docs)
    got = convert_file(path, Converter(site_schema(), strict=strict))
    found: dict[int, set[tuple[str, str]]] = {}
    for c in got:
        for r in c.rejects:
            found.setdefault(r.row, set()).add((r.field, r.reason))
    for row, doc in enumerate(docs):
        try:
            validate_site(doc, strict=strict)
            want: set[tuple[str, str]] = set()
        except InputError as exc:
            want = {(p.path, p.message) for p in exc.problems}
        assert found.get(row, set()) == want, (row, doc)
    assert sum(c.columns.n for c in got) + len(found) == len(docs)


def test_unknown_columns_warn_once_each_or_reject_their_rows_under_strict(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("toilet,toilets.femal,beds\n3,,1\n,,2\n")
    (lenient,) = convert_file(path, Converter(site_schema()))
    assert lenient.rejects == []
    assert lenient.warnings == ["toilet: unknown key 'toilet'; did you mean 'toilets'?",
                                "toilets.femal: unknown key 'femal'; did you mean 'female'?"]
    (strict,) = convert_file(path, Converter(site_schema(), strict=True))
    assert [(r.row, r.field) for r in strict.rejects] == [(0, "toilet")]
    assert list(strict.rows) == [1]


def test_a_csv_cell_may_hold_a_list_a_jsonl_string_may_not(tmp_path: Path) -> None:
    csv_path, jsonl_path = tmp_path / "s.csv", tmp_path / "s.jsonl"
    csv_path.write_text('spaces\ninfirmary; storage\n"[""storage""]"\n')
    write_jsonl(jsonl_path, [{"spaces": "infirmary; storage"}])
    (from_csv,) = convert_file(csv_path, Converter(site_schema()))
    assert from_csv.rejects == []
    assert from_csv.columns.columns["spaces[infirmary]"].tolist() == [1.0, 0.0]
    assert from_csv.columns.columns["spaces[storage]"].tolist() == [1.0, 1.0]
    (from_jsonl,) = convert_file(jsonl_path, Converter(site_schema()))
    assert [(r.field, r.reason) for r in from_jsonl.rejects] == [
        ("spaces", "expected a list, got 'infirmary; storage'")]


@pytest.mark.parametrize("text", [pa.string(), pa.large_string(), pa.string_view()])
def test_text_columns_of_every_arrow_string_type_are_read_alike(text: pa.DataType) -> None:
    cells = [{"water_supply": "12 m^3/day", "beds": "4.0", "name": " A", "setting": "camp",
              "spaces": ["infirmary"], "provides_accommodation": "true"},
             {"water_supply": "5", "beds": "3", "name": "B", "setting": "hotel", "spaces": [],
              "provides_accommodation": "FALSE"}]
    # what a site file means by the same characters unquoted
    docs = [{**c, "water_supply": plain_scalar(c["water_supply"]), "beds": plain_scalar(c["beds"]),
             "provides_accommodation": plain_scalar(c["provides_accommodation"])} for c in cells]
    columns = {k: pa.array([d[k] for d in cells], pa.list_(text) if k == "spaces" else text)
               for k in cells[0]}
    got = Converter(site_schema()).convert(pa.record_batch(columns))
    assert got.rejects == []
    assert_same_columns(got.columns, expected_columns(docs))
    assert got.texts["name"].to_pylist() == ["A", "B"]
    dictionary = {k: (v.dictionary_encode() if k != "spaces" else v) for k, v in columns.items()}
    assert_same_columns(Converter(site_schema()).convert(pa.record_batch(dictionary)).columns,
                        expected_columns(docs))


def test_an_empty_nested_object_is_given_and_keeps_its_fields_unknown(tmp_path: Path) -> None:
    docs = [{"toilets": {}}, {"toilets": {"female": 2}}, {}]
    path = tmp_path / "s.jsonl"
    write_jsonl(path, docs)
    got = only(convert_file(path, Converter(site_schema())))
    assert_same_columns(got.columns, expected_columns(docs))
    assert got.columns.columns["toilets.shared"][1] == 0.0  # the declared default, vectorised


# The fast paths against the scalar validator, value by value -------------------------------

UNITS = ["", " ", "L/day", "m^3/day", "gal/day", "L/hour", "m", "kg", "m^2", "ft^2", "litres/day",
         "L / day", "foo", "e3L", "h/day", "hour/week"]
NUMBERS = st.one_of(
    st.integers(-5, 10**7).map(str),
    st.floats(-1e3, 1e22, allow_nan=False).map(repr),
    st.sampled_from(["5.", ".5", "+5", "1e400", "007", "1,200", "١٢", "", "ten", "12.000000000001",
                     "0.1", "1e-30", "-0", "3_000", " 4 ", "12.000", "3.", "3.0e0", "1702.0"]))


def _scalar(field: str, value: Any) -> float | None:
    """The scalar path's value for one field, or None when it rejects the value."""
    doc: dict[str, Any] = {}
    node = doc
    parts = field.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    try:
        site, _ = validate_site(doc)
    except InputError:
        return None
    got: Any = site
    for part in parts:
        got = getattr(got, part)
    return float(got)


def _bulk(field: str, values: list[Any]) -> list[float | None]:
    batch = pa.record_batch({field: pa.array(values)})
    got = Converter(site_schema()).convert(batch)
    rejected = {r.row for r in got.rejects}
    col = got.columns.columns[field]
    out: list[float | None] = []
    k = 0
    for i in range(len(values)):
        if i in rejected:
            out.append(None)
        else:
            out.append(float(col[k]))
            k += 1
    return out


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return a == b and math.copysign(1, a) == math.copysign(1, b)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(NUMBERS, st.sampled_from(UNITS)), min_size=1, max_size=20),
       st.sampled_from(["water_supply", "staffing.hours_per_week", "covered_living_area"]))
def test_quantity_text_is_read_as_the_scalar_path_reads_it(pairs: list[tuple[str, str]],
                                                          field: str) -> None:
    values = [f"{num} {unit}" if unit.strip() else num + unit for num, unit in pairs]
    # A batch without a format is a flat table: a bare number in a cell is a number, as in YAML.
    assert [_scalar(field, plain_scalar(v)) for v in values] == _bulk(field, values)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(NUMBERS, st.sampled_from(["3.0", "3.5", "-1", "1e3", "2.0"])),
                min_size=1, max_size=20),
       st.sampled_from(["toilets.female", "beds", "population.male"]))
def test_count_text_is_read_as_the_scalar_path_reads_it(values: list[str], field: str) -> None:
    assert [_scalar(field, plain_scalar(v)) for v in values] == _bulk(field, values)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-10, 1e21), min_size=1, max_size=20),
       st.sampled_from(["toilets.female", "water_supply", "staffing.hours_per_week"]))
def test_numbers_are_read_as_the_scalar_path_reads_them(values: list[float], field: str) -> None:
    values = [v + 0.0 if v == v else v for v in values]
    got = _bulk(field, values)
    for v, g in zip(values, got, strict=True):
        assert _same(_scalar(field, v), g), (v, g)


TOKENS = st.sampled_from(["infirmary", " storage ", "ballroom", "", " ", "Infirmary", "perimeter",
                          "storage\t", "ｓtorage"])
CELLS = st.one_of(
    st.lists(TOKENS, max_size=4).map(";".join),
    st.lists(TOKENS, max_size=3).map(json.dumps),
    st.sampled_from(["[broken", ' ["storage"] ', "[1]", '"storage"', "{}", "  "]))


@settings(max_examples=60, deadline=None)
@given(st.lists(CELLS, min_size=1, max_size=12))
def test_list_cells_are_read_as_a_list_of_their_tokens(cells: list[str]) -> None:
    got = Converter(site_schema()).convert(pa.record_batch({"spaces": pa.array(cells)}))
    rejected = {r.row for r in got.rejects}
    kept = iter(range(got.columns.n))
    for i, cell in enumerate(cells):
        parsed, error = list_cell(cell)
        try:
            want = None if error else validate_site({"spaces": parsed})[0].spaces
        except InputError:
            want = None
        if want is None:
            assert i in rejected, cell
            continue
        k = next(kept)
        listed = {s for s in site_schema().fields["spaces"].choices
                  if got.columns.columns[f"spaces[{s}]"][k] == 1.0}
        assert listed == {s.value for s in want}, cell


def test_latrines_in_a_json_cell_are_checked_like_latrines_in_a_site_file(tmp_path: Path) -> None:
    docs: list[dict[str, Any]] = [
        {"sanitation": [{"id": "L1", "kind": "moat"}]},
        {"sanitation": [{"kind": "pit_latrine", "distance_to_water_source": "3 kg"}]},
        {"sanitation": ["L1"]},
        {"sanitation": {"id": "L1"}},
        {"sanitation": [{"id": "L1", "kind": "pit_latrine", "distance_to_water_source": "100 ft"}]},
    ]
    path = tmp_path / "s.csv"
    cells = [json.dumps(d["sanitation"]) for d in docs] + ['[{"id": "L9"']
    path.write_text("sanitation\n" + "".join('"' + c.replace('"', '""') + '"\n' for c in cells))
    (got,) = convert_file(path, Converter(site_schema()), batch_size=100)
    found: dict[int, set[tuple[str, str]]] = {}
    for r in got.rejects:
        found.setdefault(r.row, set()).add((r.field, r.reason))
    for row, doc in enumerate(docs[:4]):
        with pytest.raises(InputError) as exc:
            validate_site(doc)
        assert found[row] == {(p.path, p.message) for p in exc.value.problems}, doc
    assert 4 not in found
    assert got.columns.collections["sanitation"].columns["item.distance_to_water_source"][0] \
        == 30.48
    ((field, reason),) = found[5]
    assert field == "sanitation" and reason.startswith("invalid JSON")


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=50))
def test_round12_is_formatting_to_twelve_significant_digits(values: list[float]) -> None:
    edges = [1e12, 999999999999.5, 1e-11, 0.1 + 0.2, 1 / 3, 12000.000000000002, 5e-324, -0.0]
    arr = np.array(values + edges)
    want = [float(f"{v:.12g}") for v in arr.tolist()]
    assert round12(arr).tolist() == want


# Declared domain defaults: one declaration, applied by facts and by bulk --------------------

SHARED = Counts.model_fields["shared"].metadata[0]
COUNTS = st.fixed_dictionaries({}, optional={"female": st.integers(0, 30), "male": st.integers(0, 30),
                                             "shared": st.integers(0, 3)})


def test_listing_gendered_toilets_without_shared_means_none_shared() -> None:
    assert site_facts(validate_site({"toilets": {"female": 2}})[0])["toilets.shared"] == 0.0
    assert site_facts(validate_site({"toilets": {"male": 0}})[0])["toilets.shared"] == 0.0
    assert site_facts(validate_site({"toilets": {"female": 2, "shared": 3}})[0])[
        "toilets.shared"] == 3.0


def test_an_empty_or_missing_toilet_list_says_nothing_about_shared_toilets() -> None:
    assert site_facts(validate_site({"toilets": {}})[0])["toilets.shared"] is None
    assert site_facts(validate_site({})[0])["toilets.shared"] is None
    assert site_facts(validate_site({"toilets": {"shared": 1}})[0])["toilets.shared"] == 1.0


def test_the_site_model_keeps_what_was_written_and_facts_apply_the_default() -> None:
    site, _ = validate_site({"toilets": {"female": 2}})
    assert site.toilets is not None and site.toilets.shared is None
    assert isinstance(SHARED, DefaultWhenSiblingGiven)
    assert SHARED.siblings == ("female", "male") and SHARED.value == 0


def test_bulk_converts_every_site_model_with_numpy_and_applies_its_declared_defaults() -> None:
    layout = layout_for(Site, site_schema())
    assert layout.row_reason is None
    assert not any(group.validators for group in layout.groups.values())
    assert layout.groups["toilets"].defaults == {"shared": SHARED}
    assert layout.groups["showers"].defaults == {"shared": SHARED}


def test_a_model_that_does_not_say_whether_it_runs_validators_is_assumed_to() -> None:
    class Undeclared(pydantic.BaseModel):
        x: int | None = None

    assert runs_validators(Undeclared)
    assert not runs_validators(Counts)


@given(st.lists(st.tuples(st.one_of(st.none(), st.integers(0, 5)),
                          st.one_of(st.none(), st.integers(0, 5)),
                          st.one_of(st.none(), st.integers(0, 5)), st.booleans()),
                min_size=1, max_size=30))
def test_the_declarations_scalar_and_array_halves_agree(
        rows: list[tuple[int | None, int | None, int | None, bool]]) -> None:
    def col(values: list[int | None]) -> np.ndarray[Any, np.dtype[np.float64]]:
        return np.array([math.nan if v is None else float(v) for v in values])

    own = col([r[2] for r in rows])
    siblings = {"female": col([r[0] for r in rows]), "male": col([r[1] for r in rows])}
    given_rows = np.array([r[3] for r in rows], dtype=np.bool_)
    SHARED.apply_array(own, siblings, given_rows)
    for (female, male, shared, present), got in zip(rows, own.tolist(), strict=True):
        want = SHARED.apply_scalar(shared, {"female": female, "male": male}) if present else shared
        assert _same(None if want is None else float(want), None if got != got else got)


def _toilet_docs() -> list[dict[str, Any]]:
    choices: list[Any] = [None, 0, 3]
    docs: list[dict[str, Any]] = [
        {"toilets": {k: v for k, v in zip(("female", "male", "shared"), combo, strict=True)
                     if v is not None}} for combo in itertools.product(choices, repeat=3)]
    return [*docs, {}, {"showers": {"male": 4}}, {"toilets": {"female": -1}}]


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_bulk_reads_gendered_toilets_without_shared_as_none_shared_like_a_site_file(
        tmp_path: Path, fmt: str) -> None:
    docs = _toilet_docs()
    path = tmp_path / f"toilets.{fmt}"
    WRITERS[fmt](path, docs)
    got = only(convert_file(path, Converter(site_schema()), batch_size=100))
    assert [r.row for r in got.rejects] == [len(docs) - 1]
    assert_same_columns(got.columns, expected_columns(docs[:-1]))


def test_models_that_run_validators_are_revalidated_by_pydantic_with_the_same_result(
        tmp_path: Path) -> None:
    docs = _toilet_docs()[:-1]
    path = tmp_path / "toilets.jsonl"
    write_jsonl(path, docs)
    converter = Converter(site_schema())
    converter.layout = dataclasses.replace(converter.layout, groups={
        g: dataclasses.replace(group, validators=True)
        for g, group in converter.layout.groups.items()})
    got = only(convert_file(path, converter, batch_size=100))
    assert_same_columns(got.columns, expected_columns(docs))


@pytest.mark.parametrize("fmt", sorted(WRITERS))
@SETTINGS
@given(rows=st.lists(st.fixed_dictionaries({}, optional={"toilets": COUNTS, "showers": COUNTS}),
                     min_size=1, max_size=15))
def test_the_declared_default_is_applied_alike_by_facts_and_by_bulk(
        tmp_path: Path, fmt: str, rows: list[dict[str, Any]]) -> None:
    path = tmp_path / f"counts.{fmt}"
    WRITERS[fmt](path, rows)
    got = only(convert_file(path, Converter(site_schema()), batch_size=100))
    assert got.rejects == []
    assert_same_columns(got.columns, expected_columns(rows))
