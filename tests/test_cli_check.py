"""`mcrules check SUBJECT FILE` and its aliases: one verb for every subject, one JSON envelope,
the aliases' former keys kept, standard input read as a file is, one meaning for each exit code,
and errors under `--format json` as a JSON object on standard output."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from typer.testing import CliRunner

from mcrules.api.evaluate import evaluate
from mcrules.cli.evaluation import PART_RENDERERS
from mcrules.cli.main import app
from tests.conftest import ROOT
from tests.strategies import sites

runner = CliRunner()
EX = ROOT / "examples"
HISTORY = str(EX / "sharing" / "case-history.yaml")
AS_OF = "2026-06-01"
ENVELOPE = {"mcrules_version", "subject", "as_of", "packs", "ruleset_hash", "results", "values",
            "decisions", "next_questions"}


def run(*args: str, stdin: bytes | None = None) -> Any:
    return runner.invoke(app, list(args), input=stdin, env={"COLUMNS": "200"})


def _case_event(tmp: Path) -> str:
    path = tmp / "event.yaml"
    path.write_text("state: new\naction: identify\n")
    return str(path)


# subject, file (or a maker of one), extra arguments, the part key, the exit code
EXAMPLES: list[tuple[str, Any, tuple[str, ...], str | None, int]] = [
    ("site", str(EX / "transit-centre.yaml"), (), None, 1),
    ("site", str(EX / "compliant-shelter.yaml"), (), None, 0),
    ("site", str(EX / "layout" / "transit-centre.yaml"), (), "layout", 1),
    ("case", str(EX / "cases" / "two-threats.yaml"), (), "assessment", 0),
    ("case", str(EX / "cases" / "returning-grandmother.json"), (), "assessment", 0),
    ("case", str(EX / "eligibility" / "avrr-eligible.yaml"), ("-p", "eligibility-2023"),
     "eligibility", 1),
    ("case_history", str(EX / "casework" / "registration-refused.yaml"), (), "casework", 1),
    ("case_history", str(EX / "casework" / "withdrawal.yaml"), (), "casework", 0),
    ("sharing_request", str(EX / "sharing" / "referral-request.yaml"),
     ("--with", f"history={HISTORY}"), "sharing", 0),
    ("sharing_request", str(EX / "sharing" / "government-list-request.yaml"), (), "sharing", 1),
    ("staff_action", str(EX / "casework" / "incident" / "ask-if-hurt.yaml"), (), None, 0),
    ("case_event", _case_event, (), None, 1),
]
IDS = [f"{s}-{Path(f).stem if isinstance(f, str) else 'made'}" for s, f, *_ in EXAMPLES]


def _file(file: Any, tmp: Path) -> str:
    return file(tmp) if callable(file) else file


def test_every_subject_has_an_example_here() -> None:
    # shipped only: a test subject another test registered (tests/subjects) ships no example
    from mcrules.api.schemas import shipped_subjects

    assert {s.name for s in shipped_subjects()} <= {s for s, *_ in EXAMPLES}


@pytest.mark.parametrize(("subject", "file", "args", "part", "code"), EXAMPLES, ids=IDS)
def test_check_prints_the_envelope_with_the_domain_part(subject: str, file: Any,
                                                         args: tuple[str, ...], part: str | None,
                                                         code: int, tmp_path: Path) -> None:
    path = _file(file, tmp_path)
    result = run("check", subject, path, *args, "--as-of", AS_OF, "-f", "json")
    assert result.exit_code == code, result.output
    doc = json.loads(result.stdout)
    assert set(doc) >= ENVELOPE
    assert doc["subject"] == {"kind": subject, "id": doc["subject"]["id"], "file": path}
    assert doc["as_of"] == AS_OF
    assert all({"id", "version", "hash"} <= set(p) for p in doc["packs"]) and doc["packs"]
    if part is not None:
        assert part in doc


@pytest.mark.parametrize(("subject", "file", "args", "part", "code"), EXAMPLES, ids=IDS)
def test_the_exit_code_is_the_reports_answer(subject: str, file: Any, args: tuple[str, ...],
                                             part: str | None, code: int,
                                             tmp_path: Path) -> None:
    """0 yes or not yet known, 1 no: exactly `Report.failed`, with and without --strict, and
    the text and Markdown say the same as the JSON."""
    path = _file(file, tmp_path)
    pairs = [a.split("=", 1) for a in args[1::2] if "=" in a]
    packs = [a for flag, a in zip(args[::2], args[1::2], strict=True) if flag == "-p"]
    for strict in (False, True):
        report = evaluate(subject, path, packs=packs or None, as_of=AS_OF,
                          extras=dict(pairs) or None)
        flags = ("--strict",) if strict else ()
        for fmt in ("text", "markdown", "json"):
            result = run("check", subject, path, *args, "--as-of", AS_OF, "-f", fmt, *flags)
            assert result.exit_code == int(report.failed(strict=strict)), (fmt, result.output)


@pytest.mark.parametrize(("subject", "file", "args", "part", "code"),
                         [e for e in EXAMPLES if "layout" not in str(e[1])],
                         ids=[i for i, e in zip(IDS, EXAMPLES, strict=True)
                              if "layout" not in str(e[1])])
def test_standard_input_reads_as_the_file_does(subject: str, file: Any, args: tuple[str, ...],
                                               part: str | None, code: int,
                                               tmp_path: Path) -> None:
    path = _file(file, tmp_path)
    from_file = run("check", subject, path, *args, "--as-of", AS_OF, "-f", "json")
    from_stdin = run("check", subject, "-", *args, "--as-of", AS_OF, "-f", "json",
                     stdin=Path(path).read_bytes())
    assert from_stdin.exit_code == from_file.exit_code
    a, b = json.loads(from_file.stdout), json.loads(from_stdin.stdout)
    assert b["subject"]["file"] == "<stdin>"
    for key in ("results", "values", "decisions", "next_questions", "summary", "ruleset_hash",
                "warnings", *((part,) if part else ())):
        assert _unfiled(a[key]) == _unfiled(b[key]), key


def _unfiled(value: Any) -> Any:
    """`value` without the `file` keys, which name where the document came from."""
    if isinstance(value, dict):
        return {k: _unfiled(v) for k, v in value.items() if k != "file"}
    if isinstance(value, list):
        return [_unfiled(v) for v in value]
    return value


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sites())
def test_any_site_through_stdin_gives_the_apis_answer_and_exit_code(site: dict[str, Any]) -> None:
    """For any site: the exit code is `Report.failed` under both meanings of --strict, and the
    JSON is the API's envelope."""
    text = yaml.safe_dump(site).encode()
    report = evaluate("site", dict(site), as_of=AS_OF)
    for strict in (False, True):
        result = run("check", "site", "-", "--as-of", AS_OF, "-f", "json",
                     *(("--strict",) if strict else ()), stdin=text)
        if result.exit_code == 2:  # --strict: an unknown key the strategy writes is an error
            assert strict and "error" in json.loads(result.stdout)
            continue
        assert result.exit_code == int(report.failed(strict=strict)), result.output
        doc = json.loads(result.stdout)
        assert doc["results"] == report.to_dict()["results"]


# --- the aliases ---------------------------------------------------------------------------

ALIASES: list[tuple[list[str], str, str, dict[str, Any]]] = [
    (["check-site", str(EX / "transit-centre.yaml")], "site", "", {}),
    (["assess", str(EX / "cases" / "two-threats.yaml")], "case", "assessment", {}),
    (["eligibility", str(EX / "eligibility" / "first-contact.yaml")], "case", "eligibility",
     {"packs": ["eligibility-2023"]}),
    (["casework", "check", str(EX / "casework" / "child-transfer-refused.yaml")],
     "case_history", "casework", {}),
    (["share", str(EX / "sharing" / "referral-request.yaml"), "--history", HISTORY],
     "sharing_request", "sharing", {"extras": {"history": HISTORY}}),
]


@pytest.mark.parametrize(("args", "subject", "part", "api"), ALIASES,
                         ids=[" ".join(a[0][:2]) for a in ALIASES])
def test_an_alias_prints_its_former_keys_exactly_and_the_envelope(
        args: list[str], subject: str, part: str, api: dict[str, Any]) -> None:
    file = next(a for a in args if a.endswith((".yaml", ".json")))
    result = run(*args, "--as-of", AS_OF, "-f", "json")
    report = evaluate(subject, file, as_of=AS_OF, **api)
    assert result.exit_code == int(report.failed()), result.output
    doc = json.loads(result.stdout)
    assert set(doc) >= ENVELOPE
    assert doc["subject"]["kind"] == subject
    former = json.loads(json.dumps(report.attachment(part).legacy() if part else {}))
    assert {k: doc[k] for k in former} == former
    if part:
        assert part in doc  # the envelope's own key for the part, beside the former keys


@pytest.mark.parametrize(("args", "subject", "part", "api"), ALIASES,
                         ids=[" ".join(a[0][:2]) for a in ALIASES])
def test_every_alias_takes_the_common_options(args: list[str], subject: str, part: str,
                                              api: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    result = run(*args, "--as-of", AS_OF, "-f", "markdown", "--out", str(out), "--strict")
    assert result.exit_code in (0, 1), result.output
    assert out.read_text().startswith("#") and result.stdout == ""
    file = next(a for a in args if a.endswith(".yaml"))
    refused = run(*args, "--out", file)
    assert refused.exit_code == 2 and "is an input" in refused.stderr


def test_the_alias_and_check_give_the_same_text() -> None:
    pairs = [(["assess", str(EX / "cases" / "two-threats.yaml")],
              ["check", "case", str(EX / "cases" / "two-threats.yaml")]),
             (["casework", "check", str(EX / "casework" / "withdrawal.yaml")],
              ["check", "case_history", str(EX / "casework" / "withdrawal.yaml")]),
             (["share", str(EX / "sharing" / "statistics-aggregate.yaml")],
              ["check", "sharing_request", str(EX / "sharing" / "statistics-aggregate.yaml")]),
             (["check-site", str(EX / "transit-centre.yaml")],
              ["check", "site", str(EX / "transit-centre.yaml")])]
    for alias, check in pairs:
        a, b = run(*alias, "--as-of", AS_OF), run(*check, "--as-of", AS_OF)
        assert (a.exit_code, a.stdout) == (b.exit_code, b.stdout), alias


@pytest.mark.parametrize(("args", "code"), [
    (["check-site", str(EX / "transit-centre.yaml")], 1),
    (["check-site", str(EX / "compliant-shelter.yaml")], 0),
    (["assess", str(EX / "cases" / "two-threats.yaml")], 0),
    (["eligibility", str(EX / "eligibility" / "avrr-eligible.yaml")], 1),  # changed: was 0
    (["casework", "check", str(EX / "casework" / "registration-refused.yaml")], 1),
    (["casework", "check", str(EX / "casework" / "withdrawal.yaml")], 0),
    (["share", str(EX / "sharing" / "government-list-request.yaml")], 1),  # changed: was 0
    (["share", str(EX / "sharing" / "journalist-protection-counts.yaml")], 1),
    (["share", str(EX / "sharing" / "statistics-aggregate.yaml")], 0),
    (["casework", "respond", str(EX / "casework" / "incident" / "ask-if-hurt.yaml")], 0),
    (["casework", "respond", str(EX / "casework" / "incident" /
                                 "call-police-not-requested.yaml")], 1),
])
def test_exit_codes_mean_one_thing_for_every_command(args: list[str], code: int) -> None:
    assert run(*args, "-f", "json").exit_code == code


def test_strict_fails_an_unknown_verdict_and_refuses_an_unknown_key(tmp_path: Path) -> None:
    site = tmp_path / "site.yaml"
    site.write_text("name: x\n")  # nothing known: every verdict unknown, none fails
    for command in (["check", "site"], ["check-site"]):
        assert run(*command, str(site)).exit_code == 0
        assert run(*command, str(site), "--strict").exit_code == 1
    site.write_text("name: x\ntoilets_femal: 2\n")
    assert run("check", "site", str(site)).exit_code == 0
    assert run("check", "site", str(site), "--strict").exit_code == 2


def test_a_waived_failure_is_exit_0_and_under_strict_1() -> None:
    site = str(EX / "transit-centre.yaml")
    waivers = str(EX / "waivers" / "transit-centre-waivers.yaml")
    on = "2026-12-01"  # the waiver is in force from 2026-11-01
    report = evaluate("site", site, extras={"waivers": waivers}, as_of=on)
    assert report.summary["waived"] > 0
    for args in (["check", "site", site, "--with", f"waivers={waivers}"],
                 ["check-site", site, "--waivers", waivers]):
        assert run(*args, "--as-of", on).exit_code == int(report.failed())
        assert run(*args, "--as-of", on, "--strict").exit_code == 1


def test_a_sharing_request_with_a_misspelt_key_is_refused_by_check_as_by_share(
        tmp_path: Path) -> None:
    bad = tmp_path / "request.yaml"
    text = (EX / "sharing" / "referral-request.yaml").read_text()
    bad.write_text(text.replace("consent_ref:", "consent_reff:"))
    assert "consent_reff" in bad.read_text()
    for args in (["check", "sharing_request", str(bad)], ["share", str(bad)]):
        result = run(*args, "--with" if args[0] == "check" else "--history",
                     f"history={HISTORY}" if args[0] == "check" else HISTORY)
        assert result.exit_code == 2 and "consent_reff" in result.stderr


# --- usage -----------------------------------------------------------------------------------

def test_version_is_exit_0() -> None:
    from mcrules import __version__

    for args in (["--version"], ["version"]):
        result = run(*args)
        assert result.exit_code == 0 and result.stdout.strip() == __version__


def test_an_unknown_subject_is_exit_2_with_did_you_mean() -> None:
    result = run("check", "sit", str(EX / "transit-centre.yaml"))
    assert result.exit_code == 2 and "did you mean 'site'" in result.stderr


def test_an_unknown_companion_is_exit_2_listing_those_the_subject_takes() -> None:
    result = run("check", "sharing_request", str(EX / "sharing" / "referral-request.yaml"),
                 "--with", f"waivers={HISTORY}")
    assert result.exit_code == 2 and "it takes: history" in result.stderr
    result = run("check", "site", str(EX / "transit-centre.yaml"), "--with", "waivers")
    assert result.exit_code == 2 and "NAME=FILE" in result.stderr


def test_standard_input_is_read_once() -> None:
    result = run("check", "sharing_request", "-", "--with", "history=-", stdin=b"{}")
    assert result.exit_code == 2 and "standard input can be read once" in result.stderr


def test_standard_input_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from mcrules.errors import InputError
    from mcrules.source import read_input

    class Endless(io.RawIOBase):
        read_count = 0

        def readable(self) -> bool:
            return True

        def readinto(self, b: Any) -> int:
            Endless.read_count += len(b)
            b[:] = b"a" * len(b)
            return len(b)

    class Stdin:
        buffer = io.BufferedReader(Endless())

    monkeypatch.setattr("sys.stdin", Stdin())
    with pytest.raises(InputError, match="standard input is at most 10 bytes"):
        read_input("-", limit=10)
    assert Endless.read_count < 100_000  # one buffer, never the endless rest


def test_a_programme_must_be_applied_to_the_pack_it_names() -> None:
    """`--with programme=` alone would name a programme whose weights were not used: refused;
    `assess --programme` configures the pack with it and names it."""
    case = str(EX / "cases" / "girl-in-transit.yaml")
    programme = str(EX / "programme-pack" / "programme.yaml")
    alone = run("check", "case", case, "--with", f"programme={programme}")
    assert alone.exit_code == 2 and "is not applied to pack" in alone.stderr
    doc = json.loads(run("assess", case, "--programme", programme, "-f", "json").stdout)
    assert doc["programme"]["file"] == programme
    assert doc["assessment"]["programme"] == doc["programme"]


def test_every_part_renderer_resolves() -> None:
    for text, markdown in PART_RENDERERS.values():
        for target in filter(None, (text, markdown)):
            module, _, name = target.partition(":")
            assert callable(getattr(importlib.import_module(module), name))


# --- errors under --format json ----------------------------------------------------------------

def _json_error(result: Any, code: int) -> list[dict[str, Any]]:
    assert result.exit_code == code, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    doc = json.loads(lines[0])
    assert set(doc) == {"error"} and set(doc["error"]) == {"code", "problems"}
    assert doc["error"]["code"] == code and doc["error"]["problems"]
    for p in doc["error"]["problems"]:
        assert set(p) == {"path", "line", "message"} and p["message"]
    problems: list[dict[str, Any]] = doc["error"]["problems"]
    return problems


def _commands(bad: str, tmp: Path) -> dict[str, list[str]]:
    return {
        "check": ["check", "case", bad],
        "check-site": ["check-site", bad],
        "assess": ["assess", bad],
        "eligibility": ["eligibility", bad],
        "casework check": ["casework", "check", bad],
        "casework respond": ["casework", "respond", bad],
        "share": ["share", bad],
        "share --history": ["share", str(EX / "sharing" / "referral-request.yaml"), "--history",
                            bad],
        "lint": ["lint", str(tmp / "no-such-folder")],
        "aggregate": ["aggregate", bad, "--by", "sex"],
        "diff": ["diff", "--base", str(ROOT / "rules"), "--head", str(ROOT / "rules"),
                 "--corpus", str(tmp / "no-such.csv")],
    }


@pytest.mark.parametrize("command", sorted(_commands("x", Path("t"))))
def test_an_invalid_file_under_json_is_a_json_error_on_stdout(command: str,
                                                              tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nperson: [a, b\n")
    result = run(*_commands(str(bad), tmp_path)[command], "--format", "json")
    problems = _json_error(result, 2)
    assert result.stderr == ""
    assert any(p["line"] is not None for p in problems) or command in ("lint", "diff", "aggregate")


def test_each_located_problem_is_one_item_with_its_path_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "case.yaml"
    bad.write_text("id: x\nperson:\n  age: old\n  sex: robot\n")
    problems = _json_error(run("check", "case", str(bad), "-f", "json"), 2)
    assert [(p["path"], p["line"]) for p in problems] == [("person.age", 3), ("person.sex", 4)]


@pytest.mark.parametrize("args", [
    ["check", "sit", str(EX / "transit-centre.yaml")],
    ["check", "site", str(EX / "transit-centre.yaml"), "--set", "no-equals"],
    ["check", "site", str(EX / "transit-centre.yaml"), "--as-of", "yesterday"],
    ["check", "site", str(EX / "transit-centre.yaml"), "--as-of", "2022-12-31"],
    ["check", "site", str(EX / "transit-centre.yaml"), "--with", "nope=x"],
    ["check", "site", str(EX / "transit-centre.yaml"), "--pack", "no-such-pack"],
    ["eligibility", str(EX / "eligibility" / "first-contact.yaml"), "--variant", "nope"],
    ["casework", "check", str(EX / "casework" / "withdrawal.yaml"), "--variant", "nope"],
    ["assess", str(EX / "cases" / "two-threats.yaml"), "--set", "risk_cut_high=-1"],
])
def test_a_usage_error_under_json_is_a_json_error(args: list[str]) -> None:
    for where in (["--format", "json"], ["-f", "json"]):
        problems = _json_error(run(*args, *where), 2)
        assert all(p["line"] is None for p in problems)


def test_the_as_of_error_names_the_option(monkeypatch: pytest.MonkeyPatch) -> None:
    problems = _json_error(run("check", "site", str(EX / "transit-centre.yaml"), "--as-of",
                               "2022-12-31", "-f", "json"), 2)
    assert problems[0]["path"] == "--as-of" and "2022-12-31" in problems[0]["message"]


def test_a_bug_under_json_is_one_json_line_with_code_3(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr("mcrules.site.check.check_site", crash)
    result = run("check", "site", str(EX / "compliant-shelter.yaml"), "-f", "json")
    problems = _json_error(result, 3)
    assert problems == [{"path": None, "line": None, "message": problems[0]["message"]}]
    assert problems[0]["message"].startswith("internal error: ZeroDivisionError")
    assert "Traceback" not in result.stdout + result.stderr


def test_text_errors_stay_on_stderr(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nperson: [a, b\n")
    result = run("check", "case", str(bad))
    assert result.exit_code == 2 and result.stdout == "" and "bad.yaml" in result.stderr


def test_the_date_the_document_gives_is_the_default(tmp_path: Path) -> None:
    doc = json.loads(run("check", "case", str(EX / "cases" / "two-threats.yaml"),
                         "-f", "json").stdout)
    assert doc["as_of"] == "2026-05-11"
    assert dt.date.fromisoformat(doc["as_of"])
