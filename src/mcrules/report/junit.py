"""JUnit XML for CI dashboards: one test suite per pack, one test case per YAML case, and one
failed test case per rule, value or row no case covers. Reads plain data, so it needs nothing
from the testing layer that produces it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class JUnitCase:
    """One test case: `classname` groups cases (the test file), `failures` empty when it passed."""

    classname: str
    name: str
    failures: tuple[str, ...] = ()
    file: str = ""
    line: int | None = None


@dataclass(frozen=True)
class JUnitSuite:
    name: str
    cases: Sequence[JUnitCase]


def render_junit(suites: Sequence[JUnitSuite]) -> bytes:
    """The `<testsuites>` document, UTF-8, deterministic (no timestamps or durations)."""
    root = ET.Element("testsuites", name="mcrules test",
                      tests=str(sum(len(s.cases) for s in suites)),
                      failures=str(sum(bool(c.failures) for s in suites for c in s.cases)))
    for suite in suites:
        el = ET.SubElement(root, "testsuite", name=suite.name, tests=str(len(suite.cases)),
                           failures=str(sum(bool(c.failures) for c in suite.cases)), errors="0",
                           skipped="0")
        for case in suite.cases:
            attrs = {"classname": case.classname, "name": case.name}
            if case.file:
                attrs["file"] = case.file
            if case.line is not None:
                attrs["line"] = str(case.line)
            tc = ET.SubElement(el, "testcase", attrs)
            if case.failures:
                failure = ET.SubElement(tc, "failure", message=case.failures[0])
                failure.text = "\n".join(case.failures)
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data + b"\n"
