"""Product-event ingestion: whole files or nothing, every reject with its line, no doubled rows."""

from __future__ import annotations

import json

import duckdb
import pytest

from pipelines import db
from pipelines.errors import OkrlensError
from pipelines.ingest.events import EventOptions, ingest_events
from pipelines.ingest.ledger import IngestRejected
from pipelines.metrics.series import metric_series
from pipelines.metrics.spec import MetricCatalog
from tests.conftest import WriteCsv

GOOD = """event_time,user_id,account_id,event_name,plan
2026-05-18 09:00:00,u1,inst1,signed_up,trial
2026-05-18 10:00:00,u1,inst1,workflow_completed,trial
2026-05-19T08:00:00Z,u2,inst1,workflow_completed,campus
2026-05-19T10:00:00+02:00,u3,inst2,session_started,campus
"""


def count(con: duckdb.DuckDBPyConnection, table: str = "events") -> int:
    return int(db.scalar(con, f"SELECT count(*) FROM {table}"))


def test_a_good_file_is_stored_with_utc_times_and_properties(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv
) -> None:
    report = ingest_events(con, write_csv("events.csv", GOOD), user="ana")
    assert (report.committed, report.rows_added, report.rows_rejected) == (True, 4, 0)
    rows = db.query(
        con, "SELECT event_time, properties ->> 'plan' AS plan FROM events ORDER BY event_time"
    )
    assert [str(t) for t in rows["event_time"]] == [
        "2026-05-18 09:00:00", "2026-05-18 10:00:00", "2026-05-19 08:00:00", "2026-05-19 08:00:00",
    ]  # fmt: skip
    assert rows["plan"].tolist() == ["trial", "trial", "campus", "campus"]
    ledger = db.query(con, "SELECT file_name, rows_added, ingested_by, sha256 FROM ingests")
    assert ledger.iloc[0][["file_name", "rows_added", "ingested_by"]].tolist() == [
        "events.csv",
        4,
        "ana",
    ]
    assert len(ledger.iloc[0]["sha256"]) == 64


def test_the_same_file_twice_adds_zero_rows(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv
) -> None:
    path = write_csv("events.csv", GOOD)
    ingest_events(con, path)
    again = ingest_events(con, path)
    assert again.already_ingested_at is not None
    assert "0 rows added" in again.summary()
    assert count(con) == 4
    assert count(con, "ingests") == 1


def test_an_overlapping_export_adds_only_the_new_rows(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv
) -> None:
    ingest_events(con, write_csv("week1.csv", GOOD))
    overlap = GOOD + "2026-05-20 11:00:00,u4,inst2,workflow_completed,campus\n"
    report = ingest_events(con, write_csv("week1-2.csv", overlap))
    assert (report.rows_added, report.rows_duplicate) == (1, 4)
    assert count(con) == 5


def test_invalid_lines_refuse_the_whole_file_with_line_numbers(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv
) -> None:
    bad = (
        "# exported by Tracker\n"
        "event_time,user_id,event_name\n"
        "2026-05-18 09:00:00,u1,signed_up\n"
        "yesterday,u2,signed_up\n"
        "2026-05-18 09:00:00,u3\n"
        "2026-05-18 09:00:00,,signed_up\n"
        "2026-05-18 09:00:00,u5,signed_up,extra\n"
        "2026-05-18 09:00:00,u6,signed_up\n"
    )
    with pytest.raises(IngestRejected) as caught:
        ingest_events(con, write_csv("bad.csv", bad))
    rejects = caught.value.report.rejects
    assert rejects["line"].tolist() == [4, 5, 6, 7]
    assert rejects["reason"].str.contains("not a date-time").tolist()[0]
    assert "too few fields" in rejects["reason"].iloc[1]
    assert rejects["reason"].iloc[2] == "missing user_id"
    assert "too many fields" in rejects["reason"].iloc[3]
    message = caught.value.message()
    assert (
        "4 of 6 lines are invalid" in message
        and "line 4" in message
        and "--allow-rejects" in message
    )
    assert count(con) == 0 and count(con, "ingests") == 0


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_unreadable_cells_are_rejected_with_their_values_whatever_the_line_endings(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv, newline: str
) -> None:
    bad = (
        "event_time,user_id,event_name,note\n"
        "yesterday,u1,signed_up,plain\n"
        "2026-05-18 09:00:00,u2,signed_up,fine\n"
        'today,u3,signed_up,"two\nlines"\n'
        "last week,u4,signed_up,plain\n"
    )
    with pytest.raises(IngestRejected) as caught:
        ingest_events(con, write_csv("bad.csv", bad, newline=newline))
    rejects = caught.value.report.rejects
    assert rejects["value"].tolist() == ["yesterday", "today", "last week"]
    assert rejects["line"].tolist() == [2, 4, 6]
    assert count(con) == 0


def test_allow_rejects_stores_valid_rows_and_keeps_rejects_in_the_ledger(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv
) -> None:
    bad = "event_time,user_id,event_name\n2026-05-18,u1,a\nnot-a-time,u2,b\n2026-05-19,u3,c\n"
    report = ingest_events(con, write_csv("bad.csv", bad), allow_rejects=True)
    assert (report.rows_added, report.rows_rejected) == (2, 1)
    kept = db.query(con, "SELECT line, column_name, value, reason FROM rejected_lines")
    assert kept.iloc[0][["line", "column_name", "value"]].tolist() == [
        3,
        "event_time",
        "not-a-time",
    ]


def test_line_numbers_stay_exact_deep_into_a_large_file(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv
) -> None:
    rows = [f"2026-05-18 09:00:00,u{i},e" for i in range(300_000)]
    rows[249_999] = "broken,u,e"  # physical line 250,001 (after the header)
    with pytest.raises(IngestRejected) as caught:
        ingest_events(
            con, write_csv("big.csv", "event_time,user_id,event_name\n" + "\n".join(rows) + "\n")
        )
    assert caught.value.report.rejects["line"].tolist() == [250_001]


@pytest.mark.parametrize(
    ("header", "mapping"),
    [
        pytest.param("timestamp,distinct_id,event", None, id="analytics-tool-synonyms"),
        pytest.param(
            "when,who,what",
            {"event_time": "when", "user_id": "who", "event_name": "what"},
            id="explicit-mapping",
        ),
    ],
)
def test_columns_are_found_by_synonym_or_mapping(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv, header: str, mapping: dict[str, str] | None
) -> None:
    path = write_csv("e.csv", f"{header}\n2026-05-18 09:00:00,u1,signed_up\n")
    assert ingest_events(con, path, options=EventOptions(mapping=mapping)).rows_added == 1


def test_a_file_without_required_columns_is_refused_naming_them(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv
) -> None:
    with pytest.raises(OkrlensError) as caught:
        ingest_events(con, write_csv("e.csv", "when,who\n2026-05-18,u1\n"))
    assert "no column for event_time, user_id, event_name" in caught.value.what
    assert "--map" in caught.value.fix


def test_hostile_headers_become_properties_without_running_sql(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv
) -> None:
    path = write_csv(
        "e.csv", 'event_time,user_id,event_name,"x""; DROP TABLE events;--"\n2026-05-18,u1,a,=1+1\n'
    )
    ingest_events(con, path)
    props = db.query(con, "SELECT properties FROM events")["properties"].iloc[0]
    assert json.loads(props) == {"x_drop_table_events": "=1+1"}


def test_line_numbers_count_the_physical_lines_of_multi_line_fields(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv
) -> None:
    content = 'event_time,user_id,event_name,note\n2026-05-18,u1,a,"two\nlines"\n2026-05-18,,b,x\nbad,u3,c,y\n'
    with pytest.raises(IngestRejected) as caught:
        ingest_events(con, write_csv("e.csv", content))
    assert caught.value.report.rejects["line"].tolist() == [4, 5]


def test_a_dry_run_reports_and_previews_but_stores_nothing(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv
) -> None:
    report = ingest_events(con, write_csv("events.csv", GOOD), dry_run=True)
    assert (report.committed, report.rows_added) == (False, 4)
    assert report.preview["user_id"].tolist() == ["u1", "u1", "u2", "u3"]
    assert count(con) == 0 and count(con, "ingests") == 0
    assert ingest_events(con, write_csv("events.csv", GOOD)).rows_added == 4  # then for real


def rows_with_ids(ids: list[str], digit: int) -> str:
    """A CSV of user u1's Upgrade events within 10:00:00, one row per insert id ('' for none).

    digit sets the milliseconds' last digit, so that two exports of one second are two files.
    """
    rows = "".join(
        f"2026-05-18 10:00:00.{i}0{digit},u1,Upgrade,{insert_id}\n"
        for i, insert_id in enumerate(ids)
    )
    return "event_time,user_id,event_name,insert_id\n" + rows


# Stored and arriving insert ids of one user's events of one name within one second.
@pytest.mark.parametrize(
    ("stored", "arriving", "added"),
    [
        pytest.param(["a1"], ["a1"], 0, id="equal-insert-ids-are-one-event"),
        pytest.param(["a1"], ["a2"], 1, id="different-insert-ids-are-two-events"),
        pytest.param([""], ["a1"], 0, id="a-stored-event-without-an-id-is-the-one-with-an-id"),
        pytest.param([""], ["a1", "a2"], 1, id="a-stored-event-stands-for-one-arriving-row-only"),
        pytest.param(["a1"], [""], 0, id="an-arriving-row-without-an-id-is-a-stored-event"),
        pytest.param(["a1", "a2"], ["", ""], 0, id="rows-without-ids-take-one-stored-event-each"),
        pytest.param(["a1"], ["a1", ""], 1, id="a-stored-event-matched-by-its-id-is-taken"),
        pytest.param(["", ""], ["", "", ""], 1, id="a-superset-without-ids-adds-what-is-beyond"),
        pytest.param(["b9"], ["a1", "a1", "a2"], 2, id="an-id-repeated-in-one-file-is-one-event"),
    ],
)
def test_an_arriving_event_is_skipped_only_when_the_store_holds_it(
    con: duckdb.DuckDBPyConnection,
    write_csv: WriteCsv,
    stored: list[str],
    arriving: list[str],
    added: int,
) -> None:
    ingest_events(con, write_csv("first.csv", rows_with_ids(stored, 1)))
    report = ingest_events(con, write_csv("second.csv", rows_with_ids(arriving, 2)))
    assert (report.rows_added, report.rows_duplicate) == (added, len(arriving) - added)
    assert count(con) == len(stored) + added


def test_an_event_in_the_next_second_is_another_event(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv
) -> None:
    ingest_events(
        con, write_csv("a.csv", "event_time,user_id,event_name\n2026-05-18 10:00:00.9,u1,a\n")
    )
    report = ingest_events(
        con, write_csv("b.csv", "event_time,user_id,event_name\n2026-05-18 10:00:01.1,u1,a\n")
    )
    assert report.rows_added == 1


def test_a_store_from_before_event_identities_skips_its_events_exported_again(
    write_csv: WriteCsv,
) -> None:
    identities = next(i for i, step in enumerate(db.MIGRATIONS) if "insert_id" in step)
    old = duckdb.connect(":memory:")
    for step in db.MIGRATIONS[:identities]:
        old.execute(step)
    old.execute("CREATE TABLE schema_version AS SELECT ? AS version", [identities])
    ingest_id = db.scalar(old, "SELECT nextval('ingest_ids')")
    old.execute(
        "INSERT INTO events VALUES ('2026-05-18 10:00:00', 'u1', NULL, 'signed_up', "
        """'{"plan":"trial"}', hash('the whole row, as okrlens hashed it then'), ?)""",
        [ingest_id],
    )
    db.migrate(old)
    assert db.schema_version(old) == db.SCHEMA_VERSION
    again = "event_time,user_id,event_name,platform\n2026-05-18 10:00:00,u1,signed_up,web\n"
    report = ingest_events(old, write_csv("again.csv", again))
    assert (report.rows_added, report.rows_duplicate) == (0, 1)
    old.close()


def test_amounts_with_thousands_separators_sum_wherever_they_first_appear(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv
) -> None:
    small = "".join(
        f"2026-11-02 09:{i // 60:02d}:{i % 60:02d},cus_{i},49.00\n" for i in range(1500)
    )
    big = '2026-11-03 10:00:00,cus_big,"1,234.56"\n'
    path = write_csv("payments.csv", "Created (UTC),Customer ID,Amount\n" + small + big)
    ingest_events(con, path, options=EventOptions(event_name="payment"))
    revenue = {
        "name": "revenue",
        "kind": "lagging",
        "source": "events",
        "agg": "sum",
        "expr": "CAST(properties['amount'] AS DOUBLE)",
    }
    series = metric_series(con, MetricCatalog.model_validate({"metrics": [revenue]}), ["revenue"])
    assert series["value"].tolist() == [pytest.approx(74_734.56)]
