"""A subject is declared once and found by name; the site subject is there for whoever asks first."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from mcrules import Pack, load_site_pack
from mcrules.errors import McrulesError
from mcrules.models.site import Site
from mcrules.site import SITE, check_site
from mcrules.subjects import Subject, get, register, subject_of
from tests.conftest import site


@pytest.mark.parametrize("first", ["mcrules.subjects", "mcrules.testing", "mcrules.bulk",
                                   "mcrules.io"])
def test_the_builtin_subjects_are_registered_whichever_module_is_imported_first(first: str) -> None:
    code = (f"import {first}\nfrom mcrules.subjects import all_subjects\n"
            "print([s.name for s in all_subjects()])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(["case", "case_event", "case_history", "sharing_request",
                                      "site", "staff_action"])


def test_a_site_pack_is_about_the_site_even_before_its_rules_are_in_force(pack: Pack) -> None:
    assert get("site") is SITE and subject_of(pack) is SITE
    empty = load_site_pack("mct-2023", as_of=dt.date(2020, 1, 1))
    assert empty.rules == () and subject_of(empty) is SITE


def test_a_name_is_registered_once_and_must_be_snake_case() -> None:
    assert register(SITE) is SITE  # the same declaration again: a no-op
    with pytest.raises(McrulesError, match="already registered"):
        register(Subject("site", Site, "other-pack", "another site"))
    with pytest.raises(ValueError, match="lower_snake_case"):
        Subject("Site", Site, "mct-2023", "")
    with pytest.raises(ValueError, match="no field 'title'"):
        Subject("site2", Site, "mct-2023", "", label_field="title")


def test_a_site_report_keeps_its_site_key_in_json() -> None:
    report = check_site(site(name="Transit centre"), source="t.yaml")
    assert report.subject_name == "site"
    doc = report.as_dict()
    assert doc["site"] == {"name": "Transit centre", "file": "t.yaml"}
    assert list(doc)[:3] == ["mcrules_version", "subject", "site"]
    assert doc["subject"] == {"kind": "site", "id": "Transit centre", "file": "t.yaml"}
