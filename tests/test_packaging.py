"""The wheel ships the default packs, so an installed mcrules works without a checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
def test_the_wheel_contains_the_packs_and_their_tests(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    (wheel,) = tmp_path.glob("mcrules-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "mcrules/packs/mct-2023/pack.yaml" in names
    assert "mcrules/packs/mct-2023/wash.yaml" in names
    assert any(n.startswith("mcrules/packs/mct-2023/parameters/") for n in names)
    assert "mcrules/py.typed" in names
    # the JSON Schemas, read back by mcrules.api.schemas.schema(name)
    shipped = {p.name for p in (ROOT / "schemas").glob("*.schema.json")}
    assert "report.schema.json" in shipped
    assert {f"mcrules/schemas/{n}" for n in shipped} <= names
    # installed outside the checkout, the package reads them from itself
    target = tmp_path / "installed"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(target), str(wheel)], capture_output=True, text=True, check=True)
    code = ("import mcrules, mcrules.api.schemas as s; print(mcrules.__file__); "
            "print(s.schema('report')['$id'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=tmp_path, env={"PYTHONPATH": str(target), "PATH": ""})
    where, schema_id = out.stdout.split()
    assert Path(where).is_relative_to(target)
    assert schema_id == "https://mcrules.org/schemas/report.schema.json"
    # The front door, from the installed wheel only: one call, one reader, one dict, one way to
    # the next questions and one `subject` for every subject (issue "One front door").
    examples = Path(__file__).resolve().parent.parent / "examples"
    front = f"""
import mcrules
from pathlib import Path
ex = Path({str(examples)!r})
runs = [("site", ex / "layout" / "transit-centre.yaml", {{}}),
        ("case", ex / "cases" / "girl-in-transit.yaml", {{}}),
        ("case", ex / "eligibility" / "avrr-eligible.yaml", {{"packs": ["eligibility-2023"]}}),
        ("case_history", ex / "casework" / "withdrawal.yaml", {{}}),
        ("sharing_request", ex / "sharing" / "referral-request.yaml",
         {{"extras": {{"history": ex / "sharing" / "case-history.yaml"}}}}),
        ("staff_action", ex / "casework" / "incident" / "ask-if-hurt.yaml", {{}})]
for kind, path, kw in runs:
    by_path = mcrules.evaluate(kind, path, **kw).to_dict()
    read = mcrules.read(kind, path)
    by_model = mcrules.evaluate(kind, read, **kw)  # what was read, its layout with it
    assert by_path["subject"]["kind"] == kind and by_path["subject"]["file"] == str(path)
    assert isinstance(by_model.next_questions(), tuple)
    assert by_model.to_dict()["results"] == by_path["results"], kind
    assert mcrules.evaluate(kind, read.document, **kw).subject_ref["kind"] == kind
    print(kind, sorted(by_model.attachments))
"""
    out = subprocess.run([sys.executable, "-c", front], capture_output=True, text=True,
                         cwd=tmp_path, env={"PYTHONPATH": str(target), "PATH": ""})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split("\n")[:6] == [
        "site ['layout']", "case ['assessment']", "case ['eligibility']",
        "case_history ['casework']", "sharing_request ['sharing']", "staff_action ['response']"]
