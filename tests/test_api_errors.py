"""The one error object (`mcrules.api.errors.error_object`) the service gives and the CLI's
`--format json` can share: `{"error": {"code", "problems": [{"path", "line", "message"}]}}`."""

from __future__ import annotations

from mcrules.api.errors import error_object
from mcrules.errors import InputError, McrulesError, Problem, RuleLoadError


def test_each_located_problem_is_one_problem_with_its_file_at_the_head() -> None:
    exc = InputError("invalid site file", source="site.yaml", problems=[
        Problem("toilets.female", "must be 0 or more, got -1", 7),
        Problem("population", "expected a mapping", None)])
    assert error_object(exc) == {"error": {"code": 2, "problems": [
        {"path": "toilets.female", "line": 7, "message": "site.yaml: must be 0 or more, got -1"},
        {"path": "population", "line": None, "message": "site.yaml: expected a mapping"}]}}


def test_an_error_without_problems_is_one_problem_naming_its_path() -> None:
    assert error_object(InputError("expected a date YYYY-MM-DD", path="as_of")) == {
        "error": {"code": 2, "problems": [{"path": "as_of", "line": None,
                                           "message": "expected a date YYYY-MM-DD"}]}}
    assert error_object(McrulesError("no pack 'x'", path="")) == {
        "error": {"code": 2, "problems": [{"path": None, "line": None,
                                           "message": "no pack 'x'"}]}}


def test_a_pack_error_names_its_file_and_line() -> None:
    exc = RuleLoadError("unknown field", file="rules/x/wash.yaml", line=12, path="rules[0]")
    assert error_object(exc)["error"]["problems"] == [
        {"path": "rules[0]", "line": 12, "message": "rules/x/wash.yaml: unknown field"}]


def test_anything_else_is_an_internal_error_in_one_line_without_its_text() -> None:
    body = error_object(KeyError("Amina Yusuf, born 2009-03-14"))
    assert body["error"]["code"] == 3
    [problem] = body["error"]["problems"]
    assert problem["path"] is None and "KeyError" in problem["message"]
    assert "Amina" not in problem["message"] and "\n" not in problem["message"]
