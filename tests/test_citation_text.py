"""One rendering of a citation's reference (`mcrules.citation_text`), which the IR, the CLI and
every report renderer share: the same citation reads the same in text, Markdown and HTML."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from mcrules.citation_text import reference
from mcrules.report.html import _citation
from mcrules.rules.ir import Citation, Document

SRC = Path(__file__).resolve().parent.parent / "src" / "mcrules"
FULL = {"document": "Migrant Centres Toolkit Training Manual", "publisher": "IOM",
        "edition": "2023", "module": "Yellow", "section": "", "note": "Facilitator Note 3.4.3",
        "quote": "Staff shall ...", "verified": True}


def test_each_rendering() -> None:
    assert reference(FULL) == ("IOM, Migrant Centres Toolkit Training Manual (2023), Yellow module, "
                               "Facilitator Note 3.4.3")
    assert reference({**FULL, "verified": False}).endswith(
        "Facilitator Note 3.4.3 [not verified against the document]")
    assert reference({**FULL, "verified": False}, unverified=False).endswith("Note 3.4.3")
    assert reference(FULL, publisher=False, unverified=False) == (
        "Migrant Centres Toolkit Training Manual (2023), Yellow module, Facilitator Note 3.4.3")
    assert reference(FULL, document=False) == "IOM 2023, Yellow module, Facilitator Note 3.4.3"
    assert reference(FULL, document=False, publisher=False) == (
        "Yellow module, Facilitator Note 3.4.3")
    assert reference({"document": "A standard"}) == "A standard"


text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@given(document=text.filter(bool), publisher=text, edition=text, module=text, section=text,
       note=text, verified=st.booleans())
def test_the_ir_the_report_json_and_html_read_the_same(document: str, publisher: str, edition: str,
                                                        module: str, section: str, note: str,
                                                        verified: bool) -> None:
    c = Citation(Document("d", document, publisher, edition), "q", module, section, note, verified)
    as_json = c.as_dict()
    assert c.reference() == reference(as_json)
    assert reference(as_json, text=lambda m, k: str(m.get(k) or "")) == c.reference()
    # HTML shows the flag as its own element, the reference otherwise the same (escaped)
    assert _citation(as_json).count("<cite>") == 1
    plain = reference(as_json, unverified=False)
    assert c.reference() in (plain, plain + " [not verified against the document]")


def test_no_renderer_formats_a_citation_itself() -> None:
    # "<module> module" is how a citation names its module: only the one formatter writes it.
    writes = re.compile(r"""(\}|["']) module["']""")
    found = sorted(str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                   if writes.search(p.read_text()))
    assert found == ["citation_text.py"], found
