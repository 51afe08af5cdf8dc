"""Exit codes that mean one thing: 0 nothing fails, 1 a rule fails, 2 invalid input or arguments,
3 a bug (one line, the traceback only with --debug). Every command, over bad inputs, under a
harness that fails on any traceback."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.hostile.harness import command_names, mcrules

COMPLIANT = str(ROOT / "examples" / "compliant-shelter.yaml")
EXAMPLE = str(ROOT / "examples" / "transit-centre.yaml")


def bad_files(tmp: Path) -> dict[str, Path]:
    """Files a hostile but realistic user hands to a command that reads one."""
    files = {
        "empty": b"",
        "binary": b"\x00\xff\xfe\x80garbage\x81",
        "latin-1": "name: caf\u00e9\n".encode("latin-1"),
        "a list": b"- 1\n- 2\n",
        "a scalar": b"12\n",
        "markup": b"name: '[/]'\n'[link=http://x]': 1\n",
        "tabs": b"name:\t\tx\n\tbeds: 2\n",
        "unclosed": b"name: [a, b\n",
        "json array": b"[1, 2, 3]",
        "duplicate keys": b'{"beds": 1, "beds": 2}',
        "huge float": b"beds: 1e999\n",
        "nul in a key": b'{"a\\u0000b": 1}',
    }
    out: dict[str, Path] = {}
    for name, data in files.items():
        path = tmp / f"{name.replace(' ', '-')}.yaml"
        path.write_bytes(data)
        out[name] = path
    folder = tmp / "a-folder.yaml"
    folder.mkdir()
    out["a folder"] = folder
    out["missing"] = tmp / "missing.yaml"
    return out


def bad_pack(tmp: Path, pack_yaml: bytes) -> Path:
    folder = tmp / "pack"
    shutil.copytree(ROOT / "rules" / "mct-2023", folder)
    (folder / "pack.yaml").write_bytes(pack_yaml)
    return folder


BAD_PACK_YAML = {
    "empty": b"",
    "binary": b"\x00\xff\xfe",
    "a list": b"- 1\n",
    "no rules": b"id: x\ntitle: t\nversion: '1'\nrule_files: []\n",
    "rule file missing": b"id: x\ntitle: t\nversion: '1'\nrule_files: [nope.yaml]\n",
    "markup in id": b"id: '[/]'\ntitle: '[link=http://x]t'\nversion: '1'\nrule_files: []\n",
    "bad date": b"id: x\ntitle: t\nversion: '1'\neffective_from: 2023-13-45\nrule_files: []\n",
}

Cmd = Callable[[Path], list[str]]
FILE_COMMANDS: dict[str, Cmd] = {
    "check-site": lambda f: ["check-site", str(f)],
    "check-site --format json": lambda f: ["check-site", str(f), "--format", "json"],
    "check-site --format markdown --strict": lambda f: ["check-site", str(f), "-f", "markdown",
                                                        "--strict"],
    "check-site --format html --out": lambda f: ["check-site", COMPLIANT, "-f", "html", "--out",
                                                 str(f)],
    "test": lambda f: ["test", str(f)],
    "check": lambda f: ["check", "site", str(f)],
    "check --format json --strict": lambda f: ["check", "case", str(f), "-f", "json", "--strict"],
    "check --format markdown": lambda f: ["check", "case_history", str(f), "-f", "markdown"],
    "check --with": lambda f: ["check", "sharing_request", str(ROOT / "examples" / "sharing" /
                                                              "referral-request.yaml"),
                               "--with", f"history={f}", "-f", "json"],
    "check --out": lambda f: ["check", "staff_action", str(ROOT / "examples" / "casework" /
                                                           "incident" / "ask-if-hurt.yaml"),
                              "--out", str(f)],
    "assess": lambda f: ["assess", str(f)],
    "assess --format json --strict": lambda f: ["assess", str(f), "-f", "json", "--strict"],
    "assess --programme": lambda f: ["assess", str(ROOT / "examples" / "cases" / "girl-in-transit.yaml"),
                                     "--programme", str(f)],
    "eligibility": lambda f: ["eligibility", str(f)],
    "eligibility --format json --strict": lambda f: ["eligibility", str(f), "-f", "json",
                                                     "--strict"],
    "eligibility --pack": lambda f: ["eligibility", str(ROOT / "examples" / "eligibility" /
                                                        "first-contact.yaml"), "--pack", str(f)],
    "rules list --pack": lambda f: ["rules", "list", "--pack", str(f)],
    "rules variants --pack": lambda f: ["rules", "variants", "--pack", str(f)],
    "rules show --pack": lambda f: ["rules", "show", "mct.wash.toilets.female", "--pack", str(f)],
    "bulk": lambda f: ["bulk", str(f), "--out", str(f.parent / "out.parquet")],
    "bulk --out": lambda f: ["bulk", COMPLIANT.replace(".yaml", ".csv"), "--out", str(f)],
    "schema --check --out": lambda f: ["schema", "--check", "--out", str(f)],
    "lint": lambda f: ["lint", str(f)],
    "lint --format sarif": lambda f: ["lint", str(f), "--format", "sarif"],
    "diff --corpus": lambda f: ["diff", "--base", str(ROOT / "rules"), "--head", str(ROOT / "rules"),
                                "--corpus", str(f)],
    "share": lambda f: ["share", str(f)],
    "share --format json --history": lambda f: ["share", str(ROOT / "examples" / "sharing" /
                                                          "government-list-request.yaml"),
                                                "--format", "json", "--history", str(f)],
    "aggregate --by": lambda f: ["aggregate", str(f), "--by", "sex"],
    "casework check": lambda f: ["casework", "check", str(f)],
    "casework check --format json --pack": lambda f: [
        "casework", "check", str(ROOT / "examples" / "casework" / "withdrawal.yaml"),
        "--format", "json", "--pack", str(f)],
    "casework respond": lambda f: ["casework", "respond", str(f)],
    "casework respond --format json": lambda f: ["casework", "respond", str(f), "--format", "json"],
    # a pack that does not load stops start-up (exit 2) before the service listens
    "serve --pack": lambda f: ["serve", "--pack", str(f), "--host", "127.0.0.1", "--port", "0"],
}


def test_the_harness_covers_every_command() -> None:
    """A new command must be added here and to FILE_COMMANDS: nothing escapes the harness."""
    covered = {name.split(" --")[0] for name in FILE_COMMANDS} | {"version"}
    assert command_names() == covered


@pytest.mark.parametrize("command", sorted(FILE_COMMANDS))
def test_every_command_gives_0_1_or_2_on_bad_files(command: str, tmp_path: Path) -> None:
    for name, path in bad_files(tmp_path).items():
        ran = mcrules(*FILE_COMMANDS[command](path))
        assert ran.code in (0, 1, 2), name


@pytest.mark.parametrize("name", sorted(BAD_PACK_YAML))
def test_a_bad_pack_is_exit_2_for_every_command_that_loads_one(name: str, tmp_path: Path) -> None:
    folder = str(bad_pack(tmp_path, BAD_PACK_YAML[name]))
    for args in (["check-site", COMPLIANT, "--pack", folder], ["rules", "list", "--pack", folder],
                 ["rules", "variants", "--pack", folder],
                 ["rules", "show", "mct.wash.toilets.female", "--pack", folder],
                 ["test", folder]):
        ran = mcrules(*args)
        assert ran.code in (1, 2), (args, ran.output)  # `test` of a pack without rules fails (1)


@pytest.mark.parametrize("args", [
    ["check-site", COMPLIANT, "--format", "nope"],
    ["check-site", COMPLIANT, "--as-of", "2023-13-45"],
    ["check-site", COMPLIANT, "--as-of", "yesterday"],
    ["check-site", COMPLIANT, "--set", "no-equals-sign"],
    ["check-site", COMPLIANT, "--set", "no_such_parameter=1"],
    ["check-site", COMPLIANT, "--set", "water_per_person=[/]"],
    ["check-site", COMPLIANT, "--set", "water_per_person=12 m"],
    ["check-site", COMPLIANT, "--variant", "[link=x]nope"],
    ["check-site", COMPLIANT, "--pack", "no-such-pack"],
    ["rules", "show", "no.such.rule"],
    ["rules", "show", "[/]"],
    ["bulk", COMPLIANT, "--out", "x.parquet", "--batch-size", "0"],
    ["bulk", COMPLIANT, "--out", "x.unknown"],
    ["no-such-command"],
    ["check-site"],
])
def test_invalid_arguments_are_exit_2(args: list[str]) -> None:
    ran = mcrules(*args)
    assert ran.code == 2, ran.output


def test_version_and_help_exit_0() -> None:
    assert mcrules("version").code == 0
    assert mcrules("--help").code == 0
    assert mcrules("rules", "--help").code == 0


def test_as_of_before_every_rule_is_exit_2_naming_the_packs_dates() -> None:
    for strict in ([], ["--strict"]):
        ran = mcrules("check-site", COMPLIANT, "--as-of", "2022-12-31", *strict)
        assert ran.code == 2
        assert "--as-of: no rule is in force on 2022-12-31" in ran.stderr
        assert "mct-2023 is effective from 2023-01-01" in ran.stderr


def test_as_of_a_date_in_force_still_checks() -> None:
    assert mcrules("check-site", EXAMPLE, "--as-of", "2024-06-01").code == 1


def _crash(*args: object, **kwargs: object) -> None:
    raise ZeroDivisionError("float division by zero")


def test_a_bug_is_exit_3_in_one_line_with_a_hint_to_report_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from mcrules.cli.main import app

    monkeypatch.setattr("mcrules.site.check.check_site", _crash)
    result = CliRunner().invoke(app, ["check-site", COMPLIANT])
    assert result.exit_code == 3
    assert result.stderr.strip().count("\n") == 0
    assert "internal error: ZeroDivisionError: float division by zero" in result.stderr
    assert "please report it" in result.stderr and "--debug" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_debug_adds_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from mcrules.cli.main import app

    monkeypatch.setattr("mcrules.site.check.check_site", _crash)
    result = CliRunner().invoke(app, ["--debug", "check-site", COMPLIANT])
    assert result.exit_code == 3
    assert "Traceback (most recent call last)" in result.stderr
    assert "internal error: ZeroDivisionError" in result.stderr.splitlines()[-1]


def test_a_rule_failing_is_still_exit_1_and_passing_exit_0() -> None:
    assert mcrules("check-site", EXAMPLE).code == 1
    assert mcrules("check-site", COMPLIANT).code == 0


@pytest.mark.parametrize(("args", "option"), [
    (["lint", str(ROOT / "rules" / "unhcr-wash"), "--output", "{out}"], "--output"),
    (["test", str(ROOT / "rules" / "unhcr-wash"), "--junit", "{out}"], "--junit"),
    (["share", str(ROOT / "examples" / "sharing" / "referral-request.yaml"), "--record", "{out}"],
     "--record"),
])
def test_a_report_file_that_cannot_be_written_is_exit_2_naming_its_option(
        args: list[str], option: str, tmp_path: Path) -> None:
    for out, needle in ((tmp_path / "no" / "such" / "dir" / "f", "cannot write"),
                        (tmp_path, "is a folder")):
        ran = mcrules(*(a.replace("{out}", str(out)) for a in args))
        assert ran.code == 2, ran.output
        assert f"{option} {out}" in ran.stderr and needle in ran.stderr
