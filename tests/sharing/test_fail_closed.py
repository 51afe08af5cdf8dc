"""Each way issue 16 found `mcrules share` talked into a record-level permit, as the test that
refuses it: unknown is never adult, never covered, never non-personal, and a consent belongs to
one person's case."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mcrules import decision_record
from mcrules.casework.derive import is_child
from mcrules.cli.main import app
from mcrules.errors import McrulesError
from mcrules.io.case_history import validate_case_history
from mcrules.models.casework import CaseHistory
from mcrules.models.consent import ConsentPurpose, ConsentRecord
from mcrules.models.consent_query import valid_consent
from mcrules.sharing import decide_sharing
from mcrules.sharing.records import render_record
from mcrules.subjects import load_subject_pack
from tests.sharing.strategies import build

ON = dt.date(2026, 12, 1)
runner = CliRunner()
SAFEGUARDS = {"data_sharing_agreement": True, "risk_benefit_assessment": True}
PERMITS = ("permit", "permit_with_obligations")


def consent(**over: Any) -> dict[str, Any]:
    """A written consent the person gave to share with the partner NGO."""
    return {"id": "K1", "purpose": "data_sharing", "recipient": {"type": "ngo", "name": "Partner"},
            "kind": "consent", "given_by": "self", "mode": "written", "decision": "given",
            "date": "2026-01-10", **over}


def history_doc(person: dict[str, Any] | None = None, *records: dict[str, Any],
                case: str = "C-1") -> dict[str, Any]:
    doc: dict[str, Any] = {"case": case, "consents": list(records) or [consent()]}
    if person is not None:
        doc["person"] = person
    return doc


def history(person: dict[str, Any] | None = None, *records: dict[str, Any],
            case: str = "C-1") -> CaseHistory:
    return validate_case_history(history_doc(person, *records, case=case))


def request(**over: Any) -> dict[str, Any]:
    """A partner NGO asks for a person's record, on the consent K1 of the case C-1."""
    return {"case": "C-1", "fields": ["name", "date_of_birth"], "granularity": "record_level",
            "recipient": {"type": "ngo", "name": "Partner"}, "purpose": "follow-up",
            "consent_ref": "K1", "safeguards": SAFEGUARDS, **over}


def decide(doc: dict[str, Any], hist: CaseHistory | None):  # type: ignore[no-untyped-def]
    return decide_sharing(build(doc), history=hist, as_of=ON)


# -- unknown age ------------------------------------------------------------------------------

@pytest.mark.parametrize("person", [{"sex": "female"}, None], ids=["no age", "no person"])
def test_a_person_whose_age_is_not_recorded_is_not_an_adult_so_her_own_consent_does_not_count(
        person: dict[str, Any] | None) -> None:
    d = decide(request(fields=["name", "date_of_birth"]), history(person))
    assert d.decision not in PERMITS
    assert any("person.age" in r.text for r in d.reasons), d.reasons


def test_the_same_consent_counts_once_the_person_is_recorded_as_an_adult() -> None:
    assert decide(request(), history({"age": 30})).decision == "permit_with_obligations"
    child = decide(request(), history({"age": 15}))
    assert child.decision not in PERMITS
    assert any("a child's own consent" in r.text for r in child.reasons)


def test_the_adult_age_is_the_one_cited_parameter_for_sharing_and_casework(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import mcrules.assessment  # noqa: F401  (registers the case subject the pack is about)
    from mcrules.subjects import adult_age as adult_age_module

    domv = load_subject_pack("domv-2023")
    assert adult_age_module.adult_age(ON) == domv.parameters["adult_age"].value == 18
    assert adult_age_module.adult_age_parameter().citations
    # Raise it in the one place: both case management and data sharing follow.
    monkeypatch.setattr(adult_age_module, "adult_age", lambda on=None: 21)
    assert is_child(history({"age": 19}), ON) is True
    assert decide(request(), history({"age": 19})).decision not in PERMITS


# -- one strict reader --------------------------------------------------------------------------

LOOSE_HISTORIES = {
    "a withdrawn K1 beside a valid K1": (
        "case: C-1\nperson: {age: 30}\nconsents:\n"
        "  - {id: K1, purpose: data_sharing, recipient: {type: ngo, name: Partner}, kind: consent,"
        " given_by: self, mode: written, decision: given, date: 2026-01-10,"
        " withdrawn_on: 2026-02-01}\n"
        "  - {id: K1, purpose: data_sharing, recipient: {type: ngo, name: Partner}, kind: consent,"
        " given_by: self, mode: written, decision: given, date: 2026-01-10}\n"),
    "a look-alike K1 in Cyrillic": (
        "case: C-1\nperson: {age: 30}\nconsents:\n"
        "  - {id: \u041a1, purpose: data_sharing, recipient: {type: ngo, name: Partner},"
        " kind: consent, given_by: self, mode: written, decision: refused, date: 2026-03-01}\n"
        "  - {id: K1, purpose: data_sharing, recipient: {type: ngo, name: Partner}, kind: consent,"
        " given_by: self, mode: written, decision: given, date: 2026-01-10}\n"),
    "K1 with an invisible character beside K1": (
        "case: C-1\nperson: {age: 30}\nconsents:\n"
        "  - {id: \"K1\\u200b\", purpose: data_sharing, recipient: {type: ngo, name: Partner},"
        " kind: consent, given_by: self, mode: written, decision: refused, date: 2026-03-01}\n"
        "  - {id: K1, purpose: data_sharing, recipient: {type: ngo, name: Partner}, kind: consent,"
        " given_by: self, mode: written, decision: given, date: 2026-01-10}\n"),
    "persons for person": (
        "case: C-1\npersons: {age: 15}\nconsents:\n"
        "  - {id: K1, purpose: data_sharing, recipient: {type: ngo, name: Partner}, kind: consent,"
        " given_by: self, mode: written, decision: given, date: 2026-01-10}\n"),
    "a Cyrillic \u0440 in person": (
        "case: C-1\n\u0440erson: {age: 15}\nconsents:\n"
        "  - {id: K1, purpose: data_sharing, recipient: {type: ngo, name: Partner}, kind: consent,"
        " given_by: self, mode: written, decision: given, date: 2026-01-10}\n"),
}


@pytest.mark.parametrize("text", LOOSE_HISTORIES.values(), ids=LOOSE_HISTORIES.keys())
def test_share_reads_a_history_as_strictly_as_casework_check_with_the_same_message(
        tmp_path: Path, text: str) -> None:
    hist = tmp_path / "history.yaml"
    hist.write_text(text, encoding="utf-8")
    req = tmp_path / "request.yaml"
    req.write_text(yaml.safe_dump(request()))
    shared = runner.invoke(app, ["share", str(req), "--history", str(hist), "--as-of", "2026-12-01"])
    checked = runner.invoke(app, ["casework", "check", str(hist)])
    assert shared.exit_code == checked.exit_code == 2, (shared.output, checked.output)
    assert shared.stderr == checked.stderr
    assert "invalid case history file" in shared.stderr
    assert "did you mean 'person'" in shared.stderr or "earlier record" in shared.stderr


# -- scope, granularity, class --------------------------------------------------------------------

def test_a_consent_scoped_to_some_categories_does_not_cover_a_list_that_names_no_fields() -> None:
    scoped = history({"age": 30}, consent(data_categories=["sex"]))
    d = decide(request(fields=[], data_class="personal",
                       safeguards={**SAFEGUARDS, "data_access_request_form": True}), scoped)
    assert d.decision not in PERMITS
    assert any("does not list the data it asks for" in r.text for r in d.reasons), d.reasons
    # Scoped to what is asked, it covers it.
    assert decide(request(fields=["sex"]), scoped).decision == "permit_with_obligations"


def test_a_list_of_people_declared_non_personal_is_personal_data_and_not_published() -> None:
    d = decide({"data_class": "non_personal", "granularity": "record_level",
                "recipient": {"type": "public"}}, None)
    assert d.decision not in PERMITS
    assert d.data_class == "personal"
    assert ("granularity", "personal", "granularity") in d.fields


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["name", "date_of_birth", "medical_needs", "sogiesc",
                                 "case_history", "nationality", "zz_unknown"]),
                min_size=1, max_size=4, unique=True),
       st.sampled_from([None, "own record", "access request"]))
def test_someone_asking_as_the_data_subject_gets_no_record_of_an_unnamed_case(
        fields: list[str], purpose: str | None) -> None:
    """`recipient: {type: data_subject}` was a PERMIT for any record-level list (names, medical
    needs, SOGIESC), no consent, no case: whoever typed it got everyone's records. The right of
    access is to one's own record, so the request must name the case it is about."""
    doc: dict[str, Any] = {"fields": fields, "granularity": "record_level",
                           "recipient": {"type": "data_subject"}}
    if purpose is not None:
        doc["purpose"] = purpose
    assert decide(doc, None).decision not in PERMITS
    own = decide({**doc, "case": "C-1"}, None).decision
    # their own case named: their record (a field the catalogue does not know stays denied)
    assert own == ("deny" if "zz_unknown" in fields else "permit")


# -- consent belongs to a person ------------------------------------------------------------------

def test_a_consent_ref_resolves_only_in_the_history_of_the_requests_own_case() -> None:
    adult = {"age": 30}
    assert decide(request(), history(adult)).decision == "permit_with_obligations"
    other = decide(request(), history(adult, case="C-2"))
    assert other.decision not in PERMITS
    assert any("another case" in r.text for r in other.reasons)
    nobody = decide({k: v for k, v in request().items() if k != "case"}, history(adult))
    assert nobody.decision not in PERMITS
    assert any("names no `case`" in r.text for r in nobody.reasons)


def test_consent_is_stated_once_inline_or_by_reference() -> None:
    with pytest.raises(ValueError, match="state consent once"):
        build(request(consent={"given": False}))


# -- the catalogue --------------------------------------------------------------------------------

PROTECTED = ["sogiesc", "sexual_orientation", "gender_identity", "victim_of_trafficking",
             "gbv_survivor", "disability", "asylum_status", "international_protection_needs",
             "ethnicity", "religion", "health_status", "hiv_status", "criminal_record", "location"]


def test_a_journalist_asking_for_per_site_counts_of_sogiesc_people_and_trafficking_victims_is_denied(
        ) -> None:
    d = decide({"fields": ["site", "sogiesc_count", "victim_of_trafficking_count"],
                "granularity": "aggregate", "recipient": {"type": "public", "name": "A paper"},
                "purpose": "article"}, None)
    assert d.decision == "deny"
    assert not d.alternatives or all("never for publication" in a or "anonymous" in a
                                     for a in d.alternatives)
    cited = [c.note for r in d.reasons for c in r.citations]
    assert any("3.5.2" in (n or "") for n in cited)


@pytest.mark.parametrize("field", PROTECTED + [f"{f}_count" for f in PROTECTED])
@pytest.mark.parametrize("granularity", ["aggregate", "record_level"])
def test_every_protection_category_and_its_per_site_count_is_catalogued_and_never_public(
        field: str, granularity: str) -> None:
    d = decide({"fields": [field], "granularity": granularity, "recipient": {"type": "public"},
                "purpose": "story",
                "consent": {"given": True, "purposes": ["story", "health_records"],
                            "recipients": ["public"]},
                "safeguards": {"risk_benefit_assessment": True,
                               "data_access_request_form": True}}, None)
    assert d.decision == "deny"
    assert [s for f, _, s in d.fields if f == field] == ["catalogue"]
    if field.endswith("_count") and granularity == "aggregate":
        assert d.data_class == "non_personal_sensitive"


def test_a_field_the_catalogue_does_not_know_ranks_as_the_most_restrictive_class() -> None:
    d = decide({"fields": ["sex", "tribe_count"], "granularity": "aggregate",
                "recipient": {"type": "public"}}, None)
    assert d.decision == "deny"
    assert any("most restrictive class" in r.text and "tribe_count" in r.text for r in d.reasons)


# -- health records and recorded consent ------------------------------------------------------------

def test_health_records_need_a_consent_for_health_records() -> None:
    adult = {"age": 30}
    ask = request(fields=["name", "medical_needs"])
    general = decide(ask, history(adult))
    assert general.decision not in PERMITS
    assert any("is for data_sharing, not health_records" in r.text for r in general.reasons)
    health = history(adult, consent(purpose="health_records"))
    assert decide(ask, health).decision == "permit_with_obligations"


def test_audio_or_video_consent_counts_only_where_written_consent_was_not_feasible() -> None:
    partner = build(request()).recipient

    def answer(**over: Any) -> bool:
        record = ConsentRecord.model_validate(consent(**over))
        return valid_consent([record], ConsentPurpose.DATA_SHARING, partner, ON).valid

    assert answer(mode="written")
    assert not answer(mode="audio")
    assert not answer(mode="video")
    assert answer(mode="audio", written_not_feasible=True)
    assert answer(mode="video", written_not_feasible=True)
    assert not answer(mode="video", written_not_feasible=False)
    with pytest.raises(ValueError, match="only an audio or video consent"):
        ConsentRecord.model_validate(consent(mode="written", written_not_feasible=True))
    assert decide(request(), history({"age": 30}, consent(mode="audio"))).decision \
        not in PERMITS


# -- decision records -----------------------------------------------------------------------------

def test_a_decision_record_counts_uncatalogued_fields_and_copies_no_request_text() -> None:
    secret = "Amina Diallo passport P4820193"
    doc = request(fields=["name", secret, "Date-Of-Birth"], purpose=f"file of {secret}",
                  recipient={"type": "ngo", "name": secret}, case="C-1", consent_ref="K1")
    req = build(doc)
    d = decide_sharing(req, history=history({"age": 30}), as_of=ON)
    assert any(secret in r.text for r in d.reasons)  # shown to the caller on screen
    rec = decision_record(d, req)
    text = render_record(rec).decode()
    assert secret not in text and "Amina" not in text and "C-1" not in text
    assert rec["uncatalogued_fields"] == 1
    assert [f["field"] for f in rec["fields"]] == ["name", "date_of_birth", "granularity"]
    assert '"K1"' not in text and " K1 " not in text
    kept = decision_record(d, req, keep=["case", "consent_ref"])
    assert kept["kept"] == {"case": "C-1", "consent_ref": "K1"}
    with pytest.raises(McrulesError, match="cannot be kept"):
        decision_record(d, req, keep=["purpose"])


def test_share_keeps_only_the_ids_asked_for_in_its_record(tmp_path: Path) -> None:
    req = tmp_path / "request.yaml"
    req.write_text(yaml.safe_dump(request()))
    hist = tmp_path / "history.yaml"
    hist.write_text(yaml.safe_dump(history_doc({"age": 30})))
    log = tmp_path / "log.jsonl"
    args = ["share", str(req), "--history", str(hist), "--as-of", "2026-12-01", "--record",
            str(log)]
    assert runner.invoke(app, args).exit_code == 0
    assert runner.invoke(app, [*args, "--keep", "case"]).exit_code == 0
    bad = runner.invoke(app, [*args, "--keep", "purpose"])
    assert bad.exit_code == 2 and "cannot be kept" in bad.stderr
    first, second = (json.loads(line) for line in log.read_text().splitlines())
    assert first["kept"] == {} and second["kept"] == {"case": "C-1"}


def test_every_catalogue_quote_is_in_the_manual() -> None:
    """The catalogue is not a rule file, so `mcrules lint --sources` does not read it: its
    quotes are checked here against the same source texts."""
    from mcrules.located import load_document
    from mcrules.rules.lint import quote_found, source_texts
    from tests.conftest import ROOT

    sources = ROOT.parent / "shared" / "sources"
    if not sources.is_dir():
        pytest.skip("the source texts are not beside the checkout")
    texts = source_texts(sources)
    doc = load_document(ROOT / "rules" / "data-sharing-2023" / "catalogue.yaml")
    missing = [(name, c["quote"]) for name, cat in doc["categories"].items()
               for c in cat["citations"]
               if c.get("verified", True) and not quote_found(c["quote"], texts)]
    assert missing == []
