"""A pack's data files (the field and factor catalogues) decide verdicts, so they are part of its
content hash: a pinned `--ruleset-hash` refuses a changed catalogue, and diff lists the change."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from mcrules.errors import McrulesError
from mcrules.rules.loader import find_pack
from mcrules.rules.pin import check_ruleset_hash, ruleset_hash_of
from mcrules.subjects import load_subject_pack


@pytest.mark.parametrize("pack_id", ["data-sharing-2023", "domv-2023"])
def test_a_changed_catalogue_changes_the_content_hash(pack_id: str, tmp_path: Path) -> None:
    copy = tmp_path / pack_id
    shutil.copytree(find_pack(pack_id), copy)
    before = load_subject_pack(copy)
    catalogue = copy / "catalogue.yaml"
    catalogue.write_text(catalogue.read_text() + "\n# an edit a reviewer must see\n")
    stamp = catalogue.stat().st_mtime + 10  # the pack cache reloads on a newer file
    os.utime(catalogue, (stamp, stamp))
    after = load_subject_pack(copy)
    assert before.content_hash != after.content_hash
    with pytest.raises(McrulesError, match="rule set"):
        check_ruleset_hash([after], ruleset_hash_of([before]))


def test_a_pack_without_data_files_keeps_its_hash_over_its_rules_alone() -> None:
    pack = load_subject_pack("mct-2023")
    assert "data_files" not in pack.fingerprint()
    assert "data_files" in load_subject_pack("data-sharing-2023").fingerprint()
