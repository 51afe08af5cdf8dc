"""Bulk over a subject whose facts are derived (a sharing request): every row is validated as the
document, derived in the run's context and evaluated by the columnar evaluator, and the verdict
of each row is the verdict of the same document checked alone (`check_facts` on
`subject.facts(document, context)`). A subject bulk cannot convert at all is refused before any
row is read."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mcrules.bulk import compile_pack, evaluate, evaluate_batch, run_file
from mcrules.cli.main import app
from mcrules.engine.check import check_facts
from mcrules.engine.report import Report
from mcrules.errors import InputError, McrulesError
from mcrules.io.subject_file import validate_model
from mcrules.io.tables import TableSource
from mcrules.models.sharing import SharingRequest
from mcrules.rules.pack import Pack
from mcrules.sharing.subject import SHARING_REQUEST, default_catalogue
from mcrules.subjects import Context, load_subject_pack
from tests.sharing.packs import sharing_pack_copy

AS_OF = dt.date(2026, 3, 1)
PACK = load_subject_pack("data-sharing-2023", as_of=AS_OF)
CATALOGUED = sorted(default_catalogue().fields)
UNKNOWN = ["tribe", "favourite_colour", "Shoe Size"]
RECIPIENTS = ["public", "government", "un_agency", "ngo", "implementing_partner", "donor",
              "data_subject"]
SAFEGUARDS = ["data_sharing_agreement", "risk_benefit_assessment", "data_access_request_form"]
PURPOSES = ["statistical report", "referral", "health_records", "own record"]
maybe_bool = st.sampled_from([True, False, None])


def _spelt(name: str) -> st.SearchStrategy[str]:
    """A catalogue name as a caller may write it: the catalogue reads `-`, spaces and case."""
    return st.sampled_from([name, name.upper(), name.replace("_", " "), name.replace("_", "-")])


@st.composite
def request_docs(draw: st.DrawFn) -> dict[str, Any]:
    """A request document: catalogued and unknown fields, every granularity and recipient,
    consent blocks or references, safeguards, urgency; sometimes a key the model does not know,
    sometimes both consent statements (which the model refuses)."""
    names = draw(st.lists(st.sampled_from(CATALOGUED + UNKNOWN), max_size=6, unique=True))
    doc: dict[str, Any] = {"fields": [draw(_spelt(n)) for n in names]}
    granularity = draw(st.sampled_from(["record_level", "aggregate", None]))
    if granularity:
        doc["granularity"] = granularity
    declared = draw(st.sampled_from(["non_personal", "non_personal_sensitive", "personal", None]))
    if declared:
        doc["data_class"] = declared
    if draw(st.booleans()):
        doc["recipient"] = {"type": draw(st.sampled_from(RECIPIENTS))}
        if draw(st.booleans()):
            doc["recipient"]["name"] = "National statistics office"
    purpose = draw(st.sampled_from([*PURPOSES, None]))
    if purpose:
        doc["purpose"] = purpose
    if draw(st.booleans()):
        doc["case"] = "C-2026-0042"
    statement = draw(st.sampled_from(["none", "inline", "inline", "ref", "ref", "both"]))
    if statement in ("inline", "both"):
        block: dict[str, Any] = {"purposes": draw(st.lists(st.sampled_from(PURPOSES), max_size=2)),
                                 "recipients": draw(st.lists(st.sampled_from(RECIPIENTS),
                                                             max_size=3))}
        given_ = draw(maybe_bool)
        if given_ is not None:
            block["given"] = given_
        doc["consent"] = block
    if statement in ("ref", "both"):
        doc["consent_ref"] = "K-1"
    flags = {k: draw(maybe_bool) for k in SAFEGUARDS}
    if any(v is not None for v in flags.values()) or draw(st.booleans()):
        doc["safeguards"] = {k: v for k, v in flags.items() if v is not None}
    if draw(st.booleans()):
        doc["urgent"] = draw(st.booleans())
    if draw(st.integers(0, 9)) == 0:
        doc["requested_by"] = "someone"  # not a key of the model: a warning, as for a file
    return doc


def _scalar(doc: dict[str, Any], pack: Pack, on: dt.date) -> Report | None:
    """The report of one document checked alone (None when the model refuses it)."""
    try:
        request, _ = validate_model(doc, SharingRequest, noun="sharing request")
    except InputError:
        return None
    facts = SHARING_REQUEST.facts(request, Context(on, (pack,)))
    return check_facts(facts, [pack], subject_name=SHARING_REQUEST.name, as_of=on, about={},
                       questions=False)


def _expected(report: Report) -> dict[str, tuple[str, Any]]:
    """Per value and decision table: its outcome and what bulk writes for it."""
    out: dict[str, tuple[str, Any]] = {}
    for v in report.values:
        shown = v.shown if v.known else None
        out[v.value.id] = ("known" if v.known else "unknown", shown)
    for d in report.decisions:
        decision = d.decision
        if isinstance(decision, tuple):
            decision = ";".join(dict.fromkeys(decision)) or None
        out[d.table.id] = (str(d.outcome), decision)
    return out


def _bulk_rows(path: Path, pack: Pack, on: dt.date) -> tuple[dict[int, dict[str, tuple[str, Any]]],
                                                              set[int], int]:
    compiled = compile_pack(pack, as_of=on)
    got: dict[int, dict[str, tuple[str, Any]]] = {}
    rejected: set[int] = set()
    read = offset = 0
    for batch in TableSource(path, 7):  # several batches, so row numbers cross batches
        result = evaluate_batch(batch, compiled, offset)
        offset += batch.num_rows
        read += result.rows_read
        rejected |= {r.row for r in result.rejects}
        for rec in result.output.to_pylist():
            shown: Any = rec["value"]
            if shown is None and rec["measured"] is not None and rec["outcome"] == "known":
                shown = rec["measured"]
            got.setdefault(rec["row"], {})[rec["rule"]] = (rec["outcome"], shown)
    return got, rejected, read


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(request_docs(), min_size=1, max_size=25))
def test_bulk_over_sharing_requests_equals_each_request_decided_alone(
        docs: list[dict[str, Any]]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "requests.jsonl"
        path.write_text("".join(json.dumps(d) + "\n" for d in docs))
        got, rejected, read = _bulk_rows(path, PACK, AS_OF)
    assert read == len(docs) == len(got) + len(rejected)  # rows in = rows out + rejects
    for row, doc in enumerate(docs):
        report = _scalar(doc, PACK, AS_OF)
        if report is None:
            assert row in rejected, doc
            continue
        assert row not in rejected, doc
        want = _expected(report)
        assert set(got[row]) == set(want)
        for ident, (outcome, shown) in want.items():
            have_outcome, have = got[row][ident]
            assert have_outcome == outcome, (ident, doc)
            if isinstance(shown, float) or isinstance(have, float):
                assert shown is not None and have is not None and math.isclose(have, shown), \
                    (ident, doc, have, shown)
            else:
                assert have == shown, (ident, doc)


def test_a_run_of_requests_decides_each_row_and_a_consent_reference_fails_closed(
        tmp_path: Path) -> None:
    """Bulk carries no case history: a `consent_ref` resolves to no consent, so personal data
    to a partner is refused, exactly as `mcrules share` decides it without `--history`."""
    src, out = tmp_path / "requests.jsonl", tmp_path / "out.jsonl"
    src.write_text(
        '{"fields": ["sex"], "granularity": "aggregate", "recipient": {"type": "public"}}\n'
        '{"case": "C-1", "consent_ref": "K-1", "fields": ["name"], "granularity": '
        '"record_level", "recipient": {"type": "ngo"}, "purpose": "referral", '
        '"safeguards": {"data_sharing_agreement": true, "risk_benefit_assessment": true}}\n'
        '{"consent": {"given": true}, "consent_ref": "K-1"}\n')
    summary = run_file(src, out, PACK, as_of=AS_OF)
    assert (summary.rows_read, summary.rows_evaluated, summary.rows_rejected) == (3, 2, 1)
    decisions = {(r["row"], r["value"]) for r in map(json.loads, out.read_text().splitlines())
                 if r["rule"] == "sharing.decision"}
    for row, doc in enumerate(map(json.loads, src.read_text().splitlines()[:2])):
        report = _scalar(doc, PACK, AS_OF)
        assert report is not None
        (decision,) = [d.decision for d in report.decisions if d.table.id == "sharing.decision"]
        assert (row, decision) in decisions
    assert (1, "permit") not in decisions and (1, "permit_with_obligations") not in decisions


def test_flat_csv_requests_nest_by_dotted_columns_and_type_their_cells(tmp_path: Path) -> None:
    """A CSV of requests: `recipient.type` nests, `fields` is a `;` list or a JSON array,
    `urgent` a yes/no cell; each row's verdict is the JSON document's."""
    src, out = tmp_path / "requests.csv", tmp_path / "out.parquet"
    src.write_text("fields,granularity,recipient.type,urgent,safeguards.data_sharing_agreement\n"
                   "name;sex,record_level,government,true,false\n"
                   '"[""sex""]",aggregate,public,,\n'
                   "sex,aggregate,martians,,\n")
    rejects = tmp_path / "rejects.csv"
    summary = run_file(src, out, PACK, rejects, as_of=AS_OF)
    assert (summary.rows_evaluated, summary.rows_rejected) == (2, 1)
    assert "recipient.type" in rejects.read_text()
    table = pq.read_table(out).to_pylist()
    docs = [{"fields": ["name", "sex"], "granularity": "record_level",
             "recipient": {"type": "government"}, "urgent": True,
             "safeguards": {"data_sharing_agreement": False}},
            {"fields": ["sex"], "granularity": "aggregate", "recipient": {"type": "public"}}]
    for row, doc in enumerate(docs):
        report = _scalar(doc, PACK, AS_OF)
        assert report is not None
        want = _expected(report)
        have = {r["rule"]: r["value"] for r in table if r["row"] == row}
        assert {k: have[k] for k in want if k.startswith("sharing.decision")} == \
            {k: v[1] for k, v in want.items() if k.startswith("sharing.decision")}
        assert have["sharing.notes"] == want["sharing.notes"][1]


def test_rows_are_derived_on_the_run_date_with_the_packs_catalogue(tmp_path: Path) -> None:
    """A programme's copy of the pack that catalogues `tribe` classifies it in bulk too: the
    catalogue is the configured pack's, not the default one."""
    folder = sharing_pack_copy(tmp_path / "programme", catalogued={"tribe": "biographical"})
    src = tmp_path / "r.jsonl"
    src.write_text('{"fields": ["tribe"], "granularity": "record_level"}\n')
    counts = {}
    for name, pack in (("default", PACK), ("programme", load_subject_pack(folder, as_of=AS_OF))):
        run = evaluate(TableSource(src), pack, as_of=AS_OF, workers=1)
        rows = [r for b in run for r in b.to_pylist()]
        (uncatalogued,) = [r["measured"] for r in rows
                           if r["rule"] == "sharing.uncatalogued_fields"]
        counts[name] = uncatalogued
    assert counts == {"default": 1.0, "programme": 0.0}


def test_a_case_history_is_refused_before_any_row_naming_why() -> None:
    """A case history's packs judge each event, not the history as one row: bulk cannot turn
    a row into one set of facts, so it is refused when the pack is compiled, never as rejects."""
    casework = load_subject_pack("casework-2023")
    with pytest.raises(McrulesError) as err:
        compile_pack(casework, subject="case_history")
    assert err.value.path == "subject"
    assert "bulk cannot evaluate case history rows" in err.value.message
    assert "case event" in err.value.message
    with pytest.raises(McrulesError, match="bulk cannot evaluate case history rows"):
        evaluate(iter(()), casework, subject="case_history")


def test_the_cli_runs_a_table_of_requests(tmp_path: Path) -> None:
    src, out = tmp_path / "requests.jsonl", tmp_path / "out.csv"
    src.write_text('{"fields": ["sex"], "granularity": "aggregate", '
                   '"recipient": {"type": "public"}}\n')
    result = CliRunner().invoke(app, ["bulk", str(src), "--pack", "data-sharing-2023", "--out",
                                      str(out), "--as-of", "2026-03-01"],
                                env={"COLUMNS": "200", "CI": "true"})
    assert result.exit_code == 0, result.output
    assert "rows read 1, evaluated 1, rejected 0" in result.stdout
    assert "sharing.decision: 1 decided" in result.stdout
    assert "internal error" not in result.output
    assert not result.stderr


def test_only_a_derived_subject_is_converted_row_by_row() -> None:
    """Every subject whose facts are its document stays columnar (converted column by column);
    the sharing request, whose facts are derived, goes through `derive` row by row."""
    from mcrules.api.schemas import shipped_subjects
    from mcrules.bulk.derived import DerivedConverter

    columnar = {s.name: s.columnar for s in shipped_subjects()}  # not the tests' own subjects
    assert columnar["sharing_request"] is False
    assert all(v for k, v in columnar.items() if k not in ("sharing_request", "case_history"))
    assert isinstance(compile_pack(PACK, as_of=AS_OF).converter, DerivedConverter)


def test_a_pack_whose_catalogue_is_broken_is_refused_before_any_row(tmp_path: Path) -> None:
    """Every row would otherwise be rejected with the same catalogue error, exit 0."""
    folder = sharing_pack_copy(tmp_path / "broken")
    (folder / "catalogue.yaml").write_text("categories: 3\n")
    broken = load_subject_pack(folder, as_of=AS_OF)
    with pytest.raises(McrulesError, match="catalogue"):
        compile_pack(broken, as_of=AS_OF)


def test_a_plain_converter_of_a_derived_subject_is_refused_at_once() -> None:
    """`Converter(schema)` reads each row as the facts: for a sharing request that rejected
    every row as an internal error. It is a TypeError naming the way that works."""
    from mcrules.bulk import Converter, to_columns

    with pytest.raises(TypeError, match="converter_for"):
        Converter(SHARING_REQUEST.schema())
    with pytest.raises(TypeError, match="derives its facts"):
        to_columns(pa.RecordBatch.from_pylist([{"fields": ["sex"]}]), SHARING_REQUEST.schema())


def test_a_run_reads_the_catalogue_and_the_adult_age_once(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """What the context gives every row is read once per run: a catalogue edited while a run
    is going cannot classify the rows after the edit differently from the rows before, and
    a million rows do not read the file a million times."""
    import dataclasses

    import mcrules.sharing.subject as sharing_subject
    import mcrules.subjects.adult_age as adult

    calls = {"catalogue": 0, "adult_age": 0}
    real_catalogue, real_age = sharing_subject.catalogue_of, adult.adult_age

    def catalogue_of(context: Context) -> Any:
        calls["catalogue"] += 1
        return real_catalogue(context)

    def adult_age(on: dt.date | None = None) -> int:
        calls["adult_age"] += 1
        return real_age(on)

    monkeypatch.setattr(sharing_subject, "catalogue_of", catalogue_of)
    monkeypatch.setattr(adult, "adult_age", adult_age)
    src, out = tmp_path / "r.jsonl", tmp_path / "o.jsonl"
    src.write_text('{"fields": ["sex"], "granularity": "aggregate"}\n' * 50)
    summary = run_file(src, out, PACK, as_of=AS_OF, batch_size=7, workers=1)
    assert summary.rows_evaluated == 50
    assert calls == {"catalogue": 1, "adult_age": 1}
    context = Context(AS_OF, (PACK,))
    assert context.once("k", lambda: 1) == 1 and context.once("k", lambda: 2) == 1
    assert dataclasses.replace(context, as_of=dt.date(2020, 1, 1)).once("k", lambda: 2) == 2
