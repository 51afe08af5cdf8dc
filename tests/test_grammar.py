"""The expression grammar: only the whitelist parses, names are declared, units are checked."""

from __future__ import annotations

import pytest

from mcrules.errors import ExpressionError
from mcrules.rules.expr import Scope, parse_expression
from mcrules.rules.ir import Compare, Scale
from mcrules.site import site_schema


@pytest.fixture(scope="module")
def scope(pack):  # type: ignore[no-untyped-def]
    return Scope(site_schema(), pack.parameters, pack.definitions)


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "beds.__class__",
        "(lambda: 1)()",
        "beds[0] > 1",
        "open('x')",
        "exec('1')",
        "eval('1') > 0",
        "[x for x in spaces]",
        "beds if beds else 0",
        "beds ** 2 > 1",
        "f'{beds}'",
        "{1: 2}",
    ],
)
def test_anything_outside_the_grammar_is_refused(scope: Scope, text: str) -> None:
    with pytest.raises(ExpressionError):
        parse_expression(text, scope)


def test_comparing_litres_with_square_metres_is_an_error(scope: Scope) -> None:
    with pytest.raises(ExpressionError, match="cannot combine"):
        parse_expression("water_supply >= covered_living_area", scope)


def test_a_bare_threshold_against_a_quantity_is_an_error(scope: Scope) -> None:
    with pytest.raises(ExpressionError, match="bare number"):
        parse_expression("total_site_area >= 30", scope)


def test_ceil_needs_a_plain_number(scope: Scope) -> None:
    with pytest.raises(ExpressionError, match="plain number"):
        parse_expression("toilets.female >= ceil(population.female / 20)", scope)


def test_unknown_names_get_a_suggestion(scope: Scope) -> None:
    with pytest.raises(ExpressionError, match=r"did you mean `toilets\.female`"):
        parse_expression("toilet.female > 0", scope)


def test_unknown_enum_values_are_refused(scope: Scope) -> None:
    with pytest.raises(ExpressionError, match="did you mean 'infirmary'"):
        parse_expression("'infirmery' in spaces", scope)


def test_units_of_the_same_dimension_are_converted_by_an_explicit_scale(scope: Scope) -> None:
    expr = parse_expression("water_supply / population.total >= water_per_person", scope)
    assert isinstance(expr, Compare)
    assert not isinstance(expr.right, Scale)  # L/day/person and L/person/day are the same unit


def test_zero_is_comparable_with_any_unit(scope: Scope) -> None:
    parse_expression("total_site_area > 0", scope)


def test_chained_comparisons_are_refused(scope: Scope) -> None:
    with pytest.raises(ExpressionError, match="chained"):
        parse_expression("0 < beds < 3", scope)


def test_item_fields_need_each(scope: Scope) -> None:
    with pytest.raises(ExpressionError, match="each"):
        parse_expression("item.kind == 'pit_latrine'", scope)
