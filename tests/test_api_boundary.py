"""The boundary of the public API: `mcrules.evaluate` and the domain wrappers take documents as
paths, mappings or models and packs as ids, folders or Packs, in one argument order; any other
value is a TypeError naming the argument or our McrulesError naming the field, never an
AttributeError, KeyError, RecursionError or a raw pydantic ValidationError from deep inside."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import mcrules
from mcrules import InputError, McrulesError
from mcrules.models.consent import ConsentPurpose, ConsentRecord

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
ON = dt.date(2026, 3, 14)


def example(rel: str) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((EXAMPLES / rel).read_text())
    return doc


SITE = example("compliant-shelter.yaml")
CASE = example("cases/girl-in-transit.yaml")
HISTORY = example("casework/adult-walk-to-closure.yaml")
REQUEST = example("sharing/government-list-request.yaml")

# Each wrapper with a document it accepts, so one argument at a time can be made junk.
WRAPPERS: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
    "check_site": (mcrules.check_site, SITE),
    "assess_case": (mcrules.assess_case, CASE),
    "check_eligibility": (mcrules.check_eligibility, CASE),
    "check_history": (mcrules.check_history, HISTORY),
    "decide_sharing": (mcrules.decide_sharing, REQUEST),
}

# Strings a path or a pack id must survive ("-" is standard input, which a test cannot give).
NASTY = st.sampled_from(["", " ", "\x00", "a\x00b", "x" * 5000, "/", ".", "..", "src",
                         "mct-2023@", "mct-2023@0.0.0", "@", "rules", "site", "\u202e"])
junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.binary(max_size=8) | NASTY
    | st.text(max_size=12).filter(lambda s: s.strip() != "-")
    | st.dates() | st.datetimes() | st.decimals(allow_nan=True) | st.complex_numbers(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=3),
    max_leaves=8)
ALLOWED = (TypeError, McrulesError)
FORBIDDEN = (AttributeError, KeyError, RecursionError, ValidationError, IndexError)


def only_ours(call: Callable[[], Any]) -> None:
    """Run `call`: it may succeed, or fail with a TypeError or one of ours, nothing else."""
    try:
        call()
    except ALLOWED as exc:
        assert not isinstance(exc, FORBIDDEN) or isinstance(exc, McrulesError), repr(exc)
        assert str(exc)
    except BaseException as exc:  # the law: nothing else escapes
        raise AssertionError(f"{type(exc).__name__} escaped the boundary: {exc!r}") from exc


FAST = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# -- laws: junk in any one argument is refused cleanly ----------------------------------------


@FAST
@given(data=junk)
def test_evaluate_refuses_junk_data_cleanly(data: Any) -> None:
    for subject in ("site", "case", "case_history", "sharing_request"):
        only_ours(lambda s=subject: mcrules.evaluate(s, data, as_of=ON))


@FAST
@given(subject=junk, packs=junk, as_of=junk, variants=junk, parameters=junk)
def test_evaluate_refuses_junk_arguments_cleanly(subject: Any, packs: Any, as_of: Any,
                                                  variants: Any, parameters: Any) -> None:
    only_ours(lambda: mcrules.evaluate(subject, SITE, as_of=ON))
    only_ours(lambda: mcrules.evaluate("site", SITE, packs=packs, as_of=ON))
    only_ours(lambda: mcrules.evaluate("site", SITE, as_of=as_of))
    only_ours(lambda: mcrules.evaluate("site", SITE, as_of=ON, variants=variants))
    only_ours(lambda: mcrules.evaluate("site", SITE, as_of=ON, parameters=parameters))
    only_ours(lambda: mcrules.evaluate("sharing_request", REQUEST, as_of=ON,
                                       extras={"history": as_of}))


@pytest.mark.parametrize("name", sorted(WRAPPERS))
@FAST
@given(value=junk, argument=st.sampled_from(["document", "packs", "as_of", "variants",
                                             "parameters", "source"]))
def test_every_wrapper_refuses_junk_in_any_argument_cleanly(name: str, value: Any,
                                                            argument: str) -> None:
    wrapper, document = WRAPPERS[name]
    if argument == "document":
        only_ours(lambda: wrapper(value, as_of=ON))
    elif argument == "packs":
        only_ours(lambda: wrapper(document, value, as_of=ON))
    elif argument == "source" and name == "decide_sharing":
        only_ours(lambda: wrapper(document, as_of=ON, history=value))
    else:
        kwargs = {"as_of": ON, argument: value}
        only_ours(lambda: wrapper(document, **kwargs))


@FAST
@given(purpose=junk | st.sampled_from([p.value for p in ConsentPurpose]), on=junk,
       recipient=junk)
def test_valid_consent_takes_the_purposes_value_and_refuses_junk_cleanly(
        purpose: Any, on: Any, recipient: Any) -> None:
    record = ConsentRecord.model_validate(
        {"id": "K1", "purpose": "registration", "date": "2026-01-01", "mode": "written",
         "kind": "consent", "decision": "given", "given_by": "self"})
    only_ours(lambda: mcrules.valid_consent([record], purpose, None, ON))
    only_ours(lambda: mcrules.valid_consent([record], "registration", None, on))
    only_ours(lambda: mcrules.valid_consent([record], "registration", recipient, ON))
    only_ours(lambda: mcrules.valid_consent(recipient, "registration", None, ON))


# -- the named cases ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["\x00", "a\x00b", "x" * 5000, "", "/", ".", "mct-2023@"])
def test_a_path_or_pack_id_the_os_refuses_is_an_error_of_ours(text: str) -> None:
    only_ours(lambda: mcrules.evaluate("site", text, as_of=ON))
    only_ours(lambda: mcrules.evaluate("site", SITE, packs=text, as_of=ON))
    only_ours(lambda: mcrules.evaluate("site", SITE, packs=[text], as_of=ON))
    for wrapper, document in WRAPPERS.values():
        only_ours(lambda w=wrapper: w(text, as_of=ON))
        only_ours(lambda w=wrapper, d=document: w(d, text, as_of=ON))


def test_a_plain_string_purpose_is_its_enum_and_an_unknown_one_names_purpose() -> None:
    record = ConsentRecord.model_validate(
        {"id": "K1", "purpose": "registration", "date": "2026-01-01", "mode": "written",
         "kind": "consent", "decision": "given", "given_by": "self"})
    by_value = mcrules.valid_consent([record], "registration", None, ON)
    by_enum = mcrules.valid_consent([record], ConsentPurpose.REGISTRATION, None, ON)
    assert by_value == by_enum and by_value.valid
    assert not mcrules.valid_consent([record], "referral", None, ON).valid
    with pytest.raises(McrulesError, match="unknown purpose 'registraton'") as caught:
        mcrules.valid_consent([record], "registraton", None, ON)
    assert caught.value.path == "purpose"
    with pytest.raises(TypeError, match="records\\[0\\] must be a ConsentRecord"):
        mcrules.valid_consent([record.model_dump()], "registration", None, ON)


def test_a_mapping_is_validated_like_a_file_wherever_a_model_is_taken() -> None:
    report = mcrules.check_site(SITE, as_of=ON)
    model = mcrules.validate_site(SITE)[0]
    assert report.results == mcrules.check_site(model, as_of=ON).results
    with pytest.raises(InputError) as caught:
        mcrules.check_site({**SITE, "population": {"female": "many"}}, as_of=ON)
    assert any(p.path.startswith("population.female") for p in caught.value.problems)


def test_a_pack_id_is_taken_where_packs_are() -> None:
    case = EXAMPLES / "cases"
    first = sorted(case.glob("*.yaml"))[0]
    by_id = mcrules.assess_case(first, "domv-2023")
    by_list = mcrules.assess_case(first, ["domv-2023"])
    by_pack = mcrules.assess_case(first, mcrules.load_case_pack("domv-2023"))
    assert by_id.as_dict() == by_list.as_dict() == by_pack.as_dict()
    assert mcrules.check_site(SITE, "mct-2023", as_of=ON).packs[0].id == "mct-2023"


@pytest.mark.parametrize("name", sorted(WRAPPERS))
def test_a_datetime_as_of_is_a_type_error_naming_as_of(name: str) -> None:
    wrapper, document = WRAPPERS[name]
    with pytest.raises(TypeError, match="as_of must be a date, got a datetime"):
        wrapper(document, as_of=dt.datetime(2026, 3, 14, 12, 0))


@pytest.mark.parametrize("name", sorted(WRAPPERS))
@pytest.mark.parametrize("value", [None, 7, [SITE], b"site: {}"])
def test_a_document_of_the_wrong_type_is_a_type_error_naming_the_argument(
        name: str, value: Any) -> None:
    wrapper, _ = WRAPPERS[name]
    argument = wrapper.__code__.co_varnames[0]
    with pytest.raises(TypeError, match=f"^{argument} must be a path, a mapping or a "):
        wrapper(value, as_of=ON)


def _deep(depth: int) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    node = doc
    for _ in range(depth):
        node["x"] = {}
        node = node["x"]
    return doc


@pytest.mark.parametrize("name", sorted(WRAPPERS))
def test_a_deeply_nested_mapping_is_refused_before_any_copy(name: str) -> None:
    wrapper, document = WRAPPERS[name]
    deep = {**document, "name": _deep(50_000)}
    with pytest.raises(InputError, match="nested more than"):
        wrapper(deep, as_of=ON)
    with pytest.raises(InputError, match="nested more than"):
        mcrules.evaluate("site", {"name": "x", "extra": _deep(50_000)}, as_of=ON)


def test_decide_sharing_takes_a_history_mapping_and_its_former_pack_keyword() -> None:
    history = example("sharing/case-history.yaml")
    by_packs = mcrules.decide_sharing(REQUEST, "data-sharing-2023", as_of=ON, history=history)
    by_pack = mcrules.decide_sharing(REQUEST, pack="data-sharing-2023", as_of=ON,
                                     history=history)
    assert by_packs.as_dict() == by_pack.as_dict()
    with pytest.raises(TypeError, match="packs or pack"):
        mcrules.decide_sharing(REQUEST, "data-sharing-2023", pack="data-sharing-2023", as_of=ON)


def test_a_pack_without_the_domains_part_names_what_is_needed() -> None:
    with pytest.raises(McrulesError, match="gave no assessment: it needs an assessment pack"):
        mcrules.assess_case(CASE, "eligibility-2023", as_of=ON)


def test_the_wrappers_are_the_public_names_in_one_argument_order() -> None:
    import inspect

    for name, (wrapper, _) in WRAPPERS.items():
        assert getattr(mcrules, name) is wrapper
        params = list(inspect.signature(wrapper).parameters.values())
        assert [p.name for p in params[1:5]] == ["packs", "as_of", "variants", "parameters"]
        assert params[1].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[2:])
