"""Bulk evaluation: every row evaluated or rejected, the scalar verdicts row by row, any format
in or out, the same output on one thread or two."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcrules import Pack, check_site, validate_site
from mcrules.bulk import OUTPUT_SCHEMA, BulkIntegrityError, BulkSummary, evaluate, run_file
from mcrules.errors import InputError
from mcrules.io.tables import TableSource
from tests.bulk_support import write_csv, write_jsonl, write_parquet
from tests.strategies import sites

WRITERS = {"csv": write_csv, "jsonl": write_jsonl, "parquet": write_parquet}
Row = tuple[int, str, str, float | None, float | None, str, str | None, str | None]
SETTINGS = settings(max_examples=8, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

BAD_CSV = """name,population.female,population.male,toilets.female,toilets.male,water_supply,spaces
ok-1,40,40,2,2,12 m^3/day,infirmary;isolation_room
negative,40,40,-1,2,1600,
ten,40,40,ten,2,1600,
metres,40,40,2,2,3 m,
ballroom,40,40,2,2,1600,infirmary;ballroom
ok-2,10,0,1,0,200 L/day,
"""


def read_output(path: Path) -> list[Row]:
    """An output file in any format, as plain tuples."""
    if path.suffix == ".jsonl":
        rows = [json.loads(line) for line in path.read_text().splitlines()]
    elif path.suffix == ".csv":
        types = {"row": pa.int64(), "measured": pa.float64(), "required": pa.float64(),
                 **{c: pa.string() for c in ("rule", "outcome", "unit", "item", "name")}}
        rows = pcsv.read_csv(path, convert_options=pcsv.ConvertOptions(
            column_types=types, strings_can_be_null=True,
            quoted_strings_can_be_null=False)).to_pylist()
    else:
        rows = pq.read_table(path).to_pylist()
    return [(r["row"], r["rule"], r["outcome"], r["measured"], r["required"], r["unit"],
             r["item"], r["name"]) for r in rows]


def test_rows_in_equal_rows_evaluated_plus_rows_rejected(tmp_path: Path, pack: Pack) -> None:
    src, out, rej = tmp_path / "sites.csv", tmp_path / "out.parquet", tmp_path / "rejects.csv"
    src.write_text(BAD_CSV)
    summary = run_file(src, out, pack, rej, batch_size=2)
    assert (summary.rows_read, summary.rows_evaluated, summary.rows_rejected) == (6, 2, 4)
    rejects = pcsv.read_csv(rej).to_pylist()
    assert [(r["row"], r["field"]) for r in rejects] == [
        (1, "toilets.female"), (2, "toilets.female"), (3, "water_supply"), (4, "spaces[1]")]
    reasons = [r["reason"] for r in rejects]
    assert reasons[0] == "must be 0 or more, got -1"  # the cell -1 is the number -1
    assert reasons[1] == "expected a whole number, got 'ten'"
    assert reasons[2].startswith("'3 m' has the wrong dimension")
    assert reasons[3].startswith("unknown value 'ballroom'")
    rows = read_output(out)
    assert {r[0] for r in rows} == {0, 5}
    assert len(rows) == 2 * len(pack.rules)
    assert {r[7] for r in rows} == {"ok-1", "ok-2"}
    water = {r[0]: r for r in rows if r[1] == "mct.wash.water_per_person"}
    assert water[0][3:6] == (150.0, 20.0, "L/person/day")  # 12 m^3/day for 80 people


def test_the_summary_counts_are_the_outputs_counts(tmp_path: Path, pack: Pack) -> None:
    src, out = tmp_path / "sites.csv", tmp_path / "out.jsonl"
    src.write_text(BAD_CSV)
    summary = run_file(src, out, pack)
    rows = read_output(out)
    for rule_id, counts in summary.outcomes.items():
        for outcome, count in counts.items():
            assert count == sum(1 for r in rows if r[1] == rule_id and r[2] == outcome)
    assert summary.rows_rejected == len({r.row for r in summary.sample_rejects})


def test_rows_that_go_missing_are_an_error() -> None:
    summary = BulkSummary(["r"], rows_read=3, rows_evaluated=1, rows_rejected=1)
    with pytest.raises(BulkIntegrityError, match="3 rows read"):
        summary.check()


def test_the_output_is_dictionary_encoded_where_values_repeat(tmp_path: Path, pack: Pack) -> None:
    src = tmp_path / "s.jsonl"
    write_jsonl(src, [{"name": "A", "beds": 3}])
    (batch,) = evaluate(TableSource(src), pack)
    assert batch.schema == OUTPUT_SCHEMA
    assert pa.types.is_dictionary(batch.schema.field("rule").type)
    assert pa.types.is_dictionary(batch.schema.field("outcome").type)


def test_input_and_output_must_differ(tmp_path: Path, pack: Pack) -> None:
    src = tmp_path / "s.csv"
    src.write_text(BAD_CSV)
    with pytest.raises(InputError, match="must all differ"):
        run_file(src, src, pack)


@SETTINGS
@given(docs=st.lists(sites(), min_size=1, max_size=30))
def test_every_format_in_and_out_gives_the_same_results(tmp_path_factory: pytest.TempPathFactory,
                                                        pack: Pack,
                                                        docs: list[dict[str, Any]]) -> None:
    tmp = tmp_path_factory.mktemp("formats")
    named = [{**d, "name": f"site {i}"} for i, d in enumerate(docs)]
    results: dict[tuple[str, str], list[Row]] = {}
    for fmt_in, write in WRITERS.items():
        src = tmp / f"in.{fmt_in}"
        write(src, named)
        for fmt_out in WRITERS:
            out = tmp / f"out-{fmt_in}.{fmt_out}"
            summary = run_file(src, out, pack, batch_size=7)
            assert summary.rows_evaluated == len(docs) and summary.rows_rejected == 0
            results[fmt_in, fmt_out] = read_output(out)
    first = next(iter(results.values()))
    assert len(first) == len(docs) * len(pack.rules)
    for key, rows in results.items():
        assert rows == first, key


def _scalar_rows(docs: list[dict[str, Any]], pack: Pack) -> list[Row]:
    rows: list[Row] = []
    for i, doc in enumerate(docs):
        site = validate_site(doc)[0]
        for res in check_site(site, pack).results:
            decided = res.outcome.value in ("pass", "fail")
            m = float(res.measured) if decided and res.measured is not None else None
            q = float(res.required) if decided and res.required is not None else None
            rows.append((i, res.rule.id, res.outcome.value, m, q, res.unit, res.item, site.name))
    return rows


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
@SETTINGS
@given(docs=st.lists(sites(), min_size=1, max_size=30))
def test_bulk_verdicts_equal_check_site_row_by_row(tmp_path_factory: pytest.TempPathFactory,
                                                   pack: Pack, fmt: str,
                                                   docs: list[dict[str, Any]]) -> None:
    src = tmp_path_factory.mktemp("verdicts") / f"sites.{fmt}"
    WRITERS[fmt](src, docs)
    run = evaluate(TableSource(src, 7), pack, workers=2)
    got = [(r["row"], r["rule"], r["outcome"], r["measured"], r["required"], r["unit"], r["item"],
            r["name"]) for batch in run for r in batch.to_pylist()]
    assert run.rejects == []
    assert got == _scalar_rows(docs, pack)


def test_two_threads_give_the_output_of_one(tmp_path: Path, pack: Pack) -> None:
    docs = [{"population": {"female": i % 50, "male": 3}, "toilets": {"female": i % 4},
             "water_supply": f"{i} m^3/day", "beds": -1 if i % 17 == 0 else i,
             "sanitation": [{"id": f"L{i}", "kind": "pit_latrine",
                             "distance_to_water_source": i % 40}]} for i in range(300)]
    src = tmp_path / "s.parquet"
    write_parquet(src, docs)
    one = evaluate(TableSource(src, 16), pack, workers=1)
    two = evaluate(TableSource(src, 16), pack, workers=2)
    assert pa.Table.from_batches(list(one)).equals(pa.Table.from_batches(list(two)))
    assert one.rejects == two.rejects and len(one.rejects) == 18
    assert one.summary.as_dict() == two.summary.as_dict()
