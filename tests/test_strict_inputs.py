"""Only YAML/JSON `true`/`false` are booleans, only numbers are numbers, a date is YYYY-MM-DD:
on every input model, through the reader, the CLI and bulk. A type-confused value is exit 2 (or
a reject) naming the field; it is never read as the value it looks like (issue 16, item 1)."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import pkgutil
import typing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field, model_validator
from typer.testing import CliRunner

import mcrules.models
from mcrules.assessment import programme
from mcrules.bulk import run_file
from mcrules.cli.main import app
from mcrules.errors import InputError
from mcrules.io import validate_model
from mcrules.models.base import Day, Flag, InputModel, Number
from mcrules.models.fields import FieldKind, Quantity, Whole, field_kind
from mcrules.subjects import load_subject_pack
from tests.conftest import ROOT

for _m in pkgutil.iter_modules(mcrules.models.__path__):
    importlib.import_module(f"mcrules.models.{_m.name}")
assert programme  # its models are input models too


def _all_models() -> list[type[InputModel]]:
    out: list[type[InputModel]] = []
    todo = list(InputModel.__subclasses__())
    while todo:
        m = todo.pop()
        todo.extend(m.__subclasses__())
        if m.__module__.startswith("mcrules."):
            out.append(m)
    return sorted(set(out), key=lambda m: (m.__module__, m.__name__))


def _base(annotation: Any) -> Any:
    """The one type a field holds under Optional and Annotated; None for unions of several."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _base(typing.get_args(annotation)[0])
    if origin in (typing.Union, type(int | None)):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _base(members[0]) if len(members) == 1 else None
    return annotation


def _fields(kind: str) -> list[tuple[type[InputModel], str]]:
    want = {"bool": (bool,), "number": (int, float), "date": (dt.date,)}[kind]
    # A field excluded from output is derived, never input (Threat.paired): the model refuses
    # any value for it, whatever its type, with a message of its own.
    return [(m, name) for m in _all_models() for name, info in m.model_fields.items()
            if _base(info.annotation) in want and not info.exclude]


BOOL_FIELDS = _fields("bool")
NUMBER_FIELDS = _fields("number")
DATE_FIELDS = _fields("date")
MODELS = _all_models()


def _ids(pairs: list[tuple[type[InputModel], str]]) -> list[str]:
    return [f"{m.__name__}.{name}" for m, name in pairs]


def _refused_at(model: type[InputModel], field: str, value: Any) -> str:
    """The reader's message for `value` in `field` of `model` (the field's path, no other)."""
    key = model.model_fields[field].alias or field
    with pytest.raises(InputError) as info:
        validate_model({key: value}, model, noun="test")
    mine = [p for p in info.value.problems if p.path == key]
    assert mine, (model.__name__, field, value, [str(p) for p in info.value.problems])
    return mine[0].message


def test_every_input_model_is_covered() -> None:
    names = {m.__name__ for m in MODELS}
    assert {"Site", "Staffing", "Case", "Intake", "Screening", "Person", "CaseHistory",
            "CaseEvent", "ConsentRecord", "HistoryPerson", "SharingRequest",
            "InlineConsent", "Safeguards", "Waiver", "WaiverFile", "_ProgrammeFile",
            "_Override"} <= names
    assert len(BOOL_FIELDS) >= 50 and len(NUMBER_FIELDS) >= 15 and len(DATE_FIELDS) >= 8


@pytest.mark.parametrize(("model", "field"), BOOL_FIELDS, ids=_ids(BOOL_FIELDS))
@pytest.mark.parametrize("value", ["t", "y", "true", "yes", 1, 0, 1.0, "1"])
def test_a_boolean_field_refuses_anything_but_true_or_false(model: type[InputModel], field: str,
                                                            value: Any) -> None:
    assert "expected true or false" in _refused_at(model, field, value)


@pytest.mark.parametrize(("model", "field"), NUMBER_FIELDS, ids=_ids(NUMBER_FIELDS))
@pytest.mark.parametrize("value", ["3", " 3 ", "3.0", "12,000", True, False])
def test_a_number_field_refuses_text_and_booleans(model: type[InputModel], field: str,
                                                 value: Any) -> None:
    message = _refused_at(model, field, value)
    assert "expected a" in message and ("number" in message or "quantity" in message), message


@pytest.mark.parametrize(("model", "field"), DATE_FIELDS, ids=_ids(DATE_FIELDS))
@pytest.mark.parametrize("value", [1_700_006_400, 19_675, 0, True, 2024.5, "2024-01-01T00:00:00",
                                   "20240101", dt.datetime(2024, 1, 1)])
def test_a_date_field_refuses_timestamps_and_anything_but_an_iso_day(
        model: type[InputModel], field: str, value: Any) -> None:
    assert "expected a date" in _refused_at(model, field, value)


@pytest.mark.parametrize(("model", "field"), DATE_FIELDS, ids=_ids(DATE_FIELDS))
def test_an_iso_day_is_still_a_date(model: type[InputModel], field: str) -> None:
    """JSON has no date type: YYYY-MM-DD text is how a file writes one."""
    key = model.model_fields[field].alias or field
    try:
        validate_model({key: " 2024-01-31 "}, model, noun="test")
    except InputError as exc:
        assert not [p for p in exc.problems if p.path == key], str(exc)


def test_a_quantity_takes_a_number_or_text_with_a_unit() -> None:
    from mcrules.io import validate_site

    site, _ = validate_site({"water_supply": "12 m^3/day", "covered_living_area": 350,
                             "total_site_area": 1.5e3})
    assert (site.water_supply, site.covered_living_area, site.total_site_area) == (
        12000.0, 350.0, 1500.0)
    with pytest.raises(InputError, match="text with its unit such as '20 L/day'"):
        validate_site({"water_supply": "20"})


def test_a_whole_number_may_be_written_with_a_zero_fraction() -> None:
    from mcrules.io import validate_site

    assert validate_site({"beds": 4.0})[0].beds == 4
    with pytest.raises(InputError, match="expected a whole number"):
        validate_site({"beds": 4.5})


# The law, over every model and field ---------------------------------------------------------

NOT_BOOL = st.one_of(st.integers(), st.floats(), st.text(max_size=8), st.binary(max_size=4),
                     st.lists(st.booleans(), max_size=2), st.dictionaries(
                         st.text(max_size=3), st.booleans(), max_size=2))
#: refused by every number field: a quantity reads text with a unit, so only text without one
NOT_NUMBER = st.one_of(st.booleans(), st.integers().map(str), st.floats().map(repr),
                       st.integers().map(lambda i: f" {i:,} "), st.lists(st.integers(), max_size=2))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(BOOL_FIELDS), NOT_BOOL)
def test_any_value_but_a_boolean_is_refused_in_any_boolean_field(
        where: tuple[type[InputModel], str], value: Any) -> None:
    model, field = where
    _refused_at(model, field, value)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(NUMBER_FIELDS), st.data())
def test_any_boolean_or_text_is_refused_in_any_number_field(
        where: tuple[type[InputModel], str], data: st.DataObject) -> None:
    model, field = where
    quantity = isinstance(field_kind(model.model_fields[field]), Quantity)
    value = data.draw(NOT_NUMBER if quantity else st.one_of(NOT_NUMBER, st.text(max_size=8)))
    _refused_at(model, field, value)


# The one mechanism: a lax annotation cannot be defined -----------------------------------------


@pytest.mark.parametrize("annotation", [bool, bool | None, int, float | None, list[int],
                                        dict[str, bool], dt.date | None, tuple[float, ...]])
def test_an_input_model_with_a_lax_annotation_cannot_be_defined(annotation: Any) -> None:
    with pytest.raises(TypeError, match=r"Lax\.x would read values laxly"):
        type("Lax", (InputModel,), {"__annotations__": {"x": annotation}, "__module__": __name__})


def test_a_nested_plain_model_is_lax_too() -> None:
    class Plain(BaseModel):
        flag: bool = False

    with pytest.raises(TypeError, match="not an InputModel"):
        type("Outer", (InputModel,), {"__annotations__": {"inner": Plain | None},
                                      "inner": None, "__module__": __name__})


def test_the_strict_types_and_field_kinds_are_accepted() -> None:
    class Fine(InputModel):
        a: Flag | None = None
        b: Number = 0.0
        c: list[Day] = Field(default_factory=list)
        d: typing.Annotated[int, Whole()] | None = None
        e: typing.Annotated[float, Quantity("m")] | None = None

    assert Fine.model_validate({"a": True, "b": 2, "c": ["2024-01-01"], "d": 3, "e": "3 ft"}).e \
        == 0.9144
    assert isinstance(field_kind(Fine.model_fields["d"]), FieldKind)


def test_a_model_that_runs_validators_says_so_or_is_told() -> None:
    class Checked(InputModel):
        a: Flag = False

        @model_validator(mode="after")
        def _ok(self) -> Checked:
            return self

    assert Checked.runs_validators is True
    with pytest.raises(TypeError, match="runs validators but says"):
        class Liar(InputModel):
            runs_validators: typing.ClassVar[bool] = False

            @model_validator(mode="after")
            def _ok(self) -> Liar:
                return self


# Through the CLI ------------------------------------------------------------------------------

runner = CliRunner()


def run(*args: str) -> Any:
    return runner.invoke(app, list(args), env={"COLUMNS": "200", "CI": "true"})


def test_share_refuses_consent_and_safeguards_that_only_look_true(tmp_path: Path) -> None:
    request = tmp_path / "request.yaml"
    request.write_text("fields: [name, date_of_birth]\ngranularity: record_level\n"
                       "recipient: {type: ngo}\npurpose: referral\n"
                       'consent: {given: "y", purposes: [referral], recipients: [ngo]}\n'
                       'safeguards: {data_sharing_agreement: "t", risk_benefit_assessment: 1}\n')
    result = run("share", str(request))
    assert result.exit_code == 2, result.stdout
    for path, line in (("consent.given", 5), ("safeguards.data_sharing_agreement", 6),
                       ("safeguards.risk_benefit_assessment", 6)):
        assert f"{path} (line {line}): expected true or false" in result.stderr, result.stderr
    assert "permit" not in result.stdout.lower()


def test_eligibility_refuses_an_informed_decision_that_only_looks_true(tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_text("assessed_on: 2026-03-01\nintake:\n  wishes_to_return: true\n"
                    '  informed_decision: "t"\n')
    result = run("eligibility", str(case))
    assert result.exit_code == 2
    assert "intake.informed_decision (line 4): expected true or false, got 't'" in result.stderr


def test_casework_refuses_a_unix_timestamp_for_a_date(tmp_path: Path) -> None:
    history = tmp_path / "history.json"
    history.write_text(json.dumps({"case": "C-1", "events": [
        {"date": 1_767_225_600, "action": "identify"}]}))
    result = run("casework", "check", str(history))
    assert result.exit_code == 2
    assert "events[0].date" in result.stderr and "expected a date as YYYY-MM-DD" in result.stderr


@pytest.mark.parametrize("blank", ["", "   "])
def test_an_empty_field_name_in_a_sharing_request_is_named(tmp_path: Path, blank: str) -> None:
    request = tmp_path / "request.json"
    request.write_text(json.dumps({"fields": ["sex", blank], "granularity": "aggregate",
                                   "recipient": {"type": "public"}, "purpose": "statistics"}))
    result = run("share", str(request))
    assert result.exit_code == 2
    assert "fields[1]" in result.stderr and "must not be empty" in result.stderr


# --as-of: every command refuses a date on which none of its packs is in force ----------------

EXAMPLES = ROOT / "examples"
AS_OF = [
    ("check-site", str(EXAMPLES / "transit-centre.yaml")),
    ("assess", str(EXAMPLES / "cases" / "girl-in-transit.yaml")),
    ("eligibility", str(EXAMPLES / "eligibility" / "avrr-eligible.yaml")),
    ("share", str(EXAMPLES / "sharing" / "referral-request.yaml")),
]


@pytest.mark.parametrize(("command", "file"), AS_OF, ids=[c for c, _ in AS_OF])
def test_a_date_before_every_pack_is_refused_naming_the_dates(command: str, file: str) -> None:
    result = run(command, file, "--as-of", "2022-12-31")
    assert result.exit_code == 2
    assert "--as-of: no rule is in force on 2022-12-31" in result.stderr
    assert "effective from 2023-01-01" in result.stderr
    assert run(command, file, "--as-of", "2023-01-01").exit_code in (0, 1)


def test_bulk_refuses_a_date_before_its_pack_before_reading_a_row(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = run("bulk", str(EXAMPLES / "corpus" / "sites.csv"), "--out", str(out),
                 "--as-of", "2022-12-31")
    assert result.exit_code == 2 and "effective from 2023-01-01" in result.stderr
    assert not out.exists()


# Bulk: the same values are rejects, with their row numbers -----------------------------------


def test_json_lines_rows_with_type_confused_values_are_rejects(tmp_path: Path) -> None:
    rows = [{"name": "ok", "provides_accommodation": True, "beds": 3},
            {"name": "t", "provides_accommodation": "t"},
            {"name": "one", "water_safe_for_drinking": 1},
            {"name": "text count", "beds": "3"},
            {"name": "bare quantity", "water_supply": "20"},
            {"name": "true count", "toilets": {"female": True}},
            {"name": "fine", "water_supply": "20 L/day", "urban": False}]
    src, out, rej = tmp_path / "s.jsonl", tmp_path / "o.jsonl", tmp_path / "r.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    summary = run_file(src, out, load_subject_pack("mct-2023"), rej)
    assert (summary.rows_read, summary.rows_rejected) == (7, 5)
    rejects = [json.loads(line) for line in rej.read_text().splitlines()]
    assert [(r["row"], r["field"]) for r in rejects] == [
        (1, "provides_accommodation"), (2, "water_safe_for_drinking"), (3, "beds"),
        (4, "water_supply"), (5, "toilets.female")]
    assert rejects[0]["reason"] == "expected true or false, got 't'"


def test_a_csv_cell_is_read_as_yaml_reads_the_same_characters(tmp_path: Path) -> None:
    """A CSV cell has no type: `true` and `3` are what they are in YAML; `t`, `yes`, `1` in a
    yes/no column are refused as `flag: t` is in a site file."""
    src, out, rej = tmp_path / "s.csv", tmp_path / "o.jsonl", tmp_path / "r.jsonl"
    src.write_text("name,provides_accommodation,beds,water_supply\n"
                   "a,true,3,20\nb,FALSE,4.0,20 L/day\nc,t,3,20\nd,1,3,20\ne,yes,3,20\n"
                   "f,true,3.5,20\ng,true,3,\"12,000\"\n")
    summary = run_file(src, out, load_subject_pack("mct-2023"), rej)
    assert (summary.rows_read, summary.rows_rejected) == (7, 5)
    rejects = [json.loads(line) for line in rej.read_text().splitlines()]
    assert [(r["row"], r["field"]) for r in rejects] == [
        (2, "provides_accommodation"), (3, "provides_accommodation"),
        (4, "provides_accommodation"), (5, "beds"), (6, "water_supply")]
    assert [r["reason"] for r in rejects[:3]] == [
        "expected true or false, got 't'", "expected true or false, got 1",
        "expected true or false, got 'yes'"]


@given(st.floats(min_value=1e-300, max_value=1e300, allow_nan=False, allow_infinity=False)
       | st.floats(min_value=1e-4, max_value=1e-3, exclude_max=True))
@example(0.00020344665075222674)
@settings(max_examples=50, deadline=None)
def test_any_float_a_program_writes_is_read_back_as_that_number(value: float) -> None:
    """A CSV from Python or pandas writes floats in their shortest form: 17 significant digits
    after up to 4 leading zeros (`0.00020344665075222674`). Such a cell is a number, in a row as
    in a site file, never refused for its precision (the hypothesis run that found it: a bulk
    reject for a site area the scalar path read)."""
    from mcrules.located import loads_yaml, plain_scalar

    assert plain_scalar(repr(value)) == value
    assert loads_yaml(f"x: {value!r}\n")["x"] == value


def test_a_case_row_with_an_informed_decision_that_only_looks_true_is_a_reject(
        tmp_path: Path) -> None:
    src, out, rej = tmp_path / "c.csv", tmp_path / "o.jsonl", tmp_path / "r.jsonl"
    src.write_text("id,assessed_on,intake.wishes_to_return,intake.informed_decision\n"
                   "C-1,2026-03-01,true,true\nC-2,2026-03-01,true,t\nC-3,2026-03-01,y,true\n")
    summary = run_file(src, out, load_subject_pack("eligibility-2023"), rej)
    assert (summary.rows_read, summary.rows_rejected) == (3, 2)
    rejects = [json.loads(line) for line in rej.read_text().splitlines()]
    assert [(r["row"], r["field"]) for r in rejects] == [
        (1, "intake.informed_decision"), (2, "intake.wishes_to_return")]


def test_a_programme_parameter_given_as_a_boolean_is_refused(tmp_path: Path) -> None:
    settings_file = tmp_path / "programme.yaml"
    settings_file.write_text("programme: ngo-x\ntitle: NGO X\npack: domv-2023\nparameters:\n"
                             "  risk_cut_high: {value: true, reason: ours}\n")
    result = run("assess", str(EXAMPLES / "cases" / "girl-in-transit.yaml"),
                 "--programme", str(settings_file))
    assert result.exit_code == 2
    assert "parameters.risk_cut_high.value" in result.stderr


@pytest.mark.parametrize("coordinate", ['"12"', "true"])
def test_a_layout_coordinate_is_a_number_not_text_nor_a_boolean(tmp_path: Path,
                                                                 coordinate: str) -> None:
    """The layout has no pydantic model; its reader holds the same line."""
    path = tmp_path / "site.yaml"
    path.write_text("layout_crs: local\nfeatures:\n  - {id: L1, properties: {kind: latrine},\n"
                    f"     geometry: {{type: Point, coordinates: [{coordinate}, 0]}}}}\n")
    result = run("check-site", str(path))
    assert result.exit_code == 2
    assert "features[0].geometry.coordinates" in result.stderr
