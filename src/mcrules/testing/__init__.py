"""Runs the YAML test cases that ship with each rule pack (`rules/<pack>/tests/*.yaml`)."""

from mcrules.testing.cases import (
    CaseResult,
    PackTestReport,
    default_pack_root,
    discover_packs,
    run_pack_tests,
)

__all__ = ["CaseResult", "PackTestReport", "default_pack_root", "discover_packs", "run_pack_tests"]
