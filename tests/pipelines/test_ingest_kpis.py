"""Business-KPI ingestion: three layouts, locale-aware numbers, revisions kept, nothing doubled."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from pipelines import db
from pipelines.errors import OkrlensError
from pipelines.ingest.kpis import KpiOptions, ingest_kpis
from pipelines.ingest.ledger import IngestRejected
from tests.conftest import WriteCsv

LONG = '# Exported from Chartwell Billing\ndate,metric,value\n2026-05-18,MRR,"$412,345.50"\n2026-05-18,New subscriptions,12\n2026-05-25,MRR,"$413,000.00"\n'
WIDE_BY_DATE = "\ufeffWeek;First response time (h);CSAT;Downtime minutes\n2026-05-18;5,4;87,5%;12\n2026-05-25;5,1;88%;\n"
WIDE_BY_METRIC = "Metric,2026-05-18,2026-05-25\nTrials started,34,41\nDemo requests,5,n/a\n"


def stored(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], float]:
    rows = db.query(con, "SELECT metric, date, value FROM kpis")
    return {(r.metric, str(r.date)[:10]): r.value for r in rows.itertuples()}


@pytest.mark.parametrize(
    ("content", "newline", "shape", "expected"),
    [
        pytest.param(
            LONG,
            "\n",
            "long",
            {
                ("mrr", "2026-05-18"): 412345.5,
                ("new_subscriptions", "2026-05-18"): 12.0,
                ("mrr", "2026-05-25"): 413000.0,
            },
            id="long-with-comment-and-currency",
        ),
        pytest.param(
            WIDE_BY_DATE,
            "\r\n",
            "wide_by_date",
            {
                ("first_response_time_h", "2026-05-18"): 5.4,
                ("csat", "2026-05-18"): 0.875,
                ("downtime_minutes", "2026-05-18"): 12.0,
                ("first_response_time_h", "2026-05-25"): 5.1,
                ("csat", "2026-05-25"): 0.88,
            },
            id="wide-by-date-bom-crlf-decimal-comma-percent",
        ),
        pytest.param(
            WIDE_BY_METRIC,
            "\n",
            "wide_by_metric",
            {
                ("trials_started", "2026-05-18"): 34.0,
                ("trials_started", "2026-05-25"): 41.0,
                ("demo_requests", "2026-05-18"): 5.0,
            },
            id="wide-by-metric-chart-export",
        ),
    ],
)
def test_each_layout_becomes_tidy_rows(
    con: duckdb.DuckDBPyConnection,
    write_csv: WriteCsv,
    content: str,
    newline: str,
    shape: str,
    expected: dict[tuple[str, str], float],
) -> None:
    report = ingest_kpis(con, write_csv("k.csv", content, newline=newline))
    assert report.shape == shape
    assert report.rows_added == len(expected)
    assert stored(con) == pytest.approx(expected)


def test_units_are_remembered_from_symbols(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv
) -> None:
    ingest_kpis(con, write_csv("a.csv", LONG))
    ingest_kpis(con, write_csv("b.csv", WIDE_BY_DATE))
    units = dict(db.query(con, "SELECT metric, unit FROM kpi_labels").itertuples(index=False))
    assert (units["mrr"], units["csat"], units["new_subscriptions"]) == ("$", "%", "")


def test_a_revised_export_supersedes_values_and_skips_identical_ones(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv
) -> None:
    ingest_kpis(
        con, write_csv("v1.csv", "date,metric,value\n2026-05-18,mrr,100\n2026-05-25,mrr,110\n")
    )
    report = ingest_kpis(
        con,
        write_csv(
            "v2.csv",
            "date,metric,value\n2026-05-18,mrr,100\n2026-05-25,mrr,115\n2026-06-01,mrr,120\n",
        ),
    )
    assert (report.rows_added, report.rows_duplicate, report.rows_revised) == (1, 1, 1)
    assert stored(con)[("mrr", "2026-05-25")] == 115
    assert (
        int(db.scalar(con, "SELECT count(*) FROM kpi_rows")) == 4
    )  # the old 110 stays for the audit trail


def test_the_same_file_twice_adds_zero_rows(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv
) -> None:
    path = write_csv("k.csv", LONG)
    ingest_kpis(con, path)
    assert ingest_kpis(con, path).already_ingested_at is not None
    assert int(db.scalar(con, "SELECT count(*) FROM kpi_rows")) == 3


@pytest.mark.parametrize(
    ("content", "line", "column", "reason"),
    [
        pytest.param(
            "date,metric,value\n2026-05-18,mrr,100\n2026-05-25,mrr,twelve\n",
            3,
            "value",
            "not a number",
            id="bad-number",
        ),
        pytest.param(
            "date,metric,value\n2026-05-18,mrr,100\n2026-13-45,mrr,100\n",
            3,
            "value",
            "not a date",
            id="bad-date",
        ),
        pytest.param(
            "date,metric,value\n2026-05-18,mrr,100\n2026-05-18,mrr,101\n",
            3,
            "value",
            "more than once",
            id="duplicate-key",
        ),
        pytest.param(
            "Week,MRR,Churn\n2026-05-18,100,1\n2026-05-25,100,x\n",
            3,
            "Churn",
            "not a number",
            id="wide-cell-names-its-column",
        ),
        pytest.param(
            "date,metric,value\n2026-05-18,mrr,inf\n", 2, "value", "not a number", id="non-finite"
        ),
    ],
)
def test_bad_cells_refuse_the_file_with_line_and_column(
    con: duckdb.DuckDBPyConnection,
    write_csv: WriteCsv,
    content: str,
    line: int,
    column: str,
    reason: str,
) -> None:
    with pytest.raises(IngestRejected) as caught:
        ingest_kpis(con, write_csv("k.csv", content))
    rejects = caught.value.report.rejects
    assert rejects.iloc[-1][["line", "column_name"]].tolist() == [line, column]
    assert reason in rejects.iloc[-1]["reason"]
    assert int(db.scalar(con, "SELECT count(*) FROM kpi_rows")) == 0


@pytest.mark.parametrize(
    ("content", "message", "fix"),
    [
        pytest.param(
            "date;metric;value\n2026-05-18;mrr;1.234\n",
            "read differently",
            "--decimal",
            id="ambiguous-thousands",
        ),
        pytest.param(
            "date;metric;value\n2026-05-18;a;1,5\n2026-05-18;b;2.5\n",
            "mixes",
            "--decimal",
            id="mixed-decimal-marks",
        ),
        pytest.param(
            "date,metric,value\n01/02/2026,mrr,1\n03/04/2026,mrr,2\n",
            "day-first and month-first",
            "--date-format",
            id="ambiguous-dates",
        ),
        pytest.param("a,b\nx,y\n", "cannot tell the layout", "--shape", id="unknown-layout"),
        pytest.param(
            "date,metric,value,notes\n2026-05-18,mrr,1,hi\n",
            "does not know what to do with: notes",
            "segment",
            id="unknown-column-in-long",
        ),
    ],
)
def test_files_that_cannot_tell_are_refused_with_the_option_that_settles_them(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv, content: str, message: str, fix: str
) -> None:
    with pytest.raises(OkrlensError) as caught:
        ingest_kpis(con, write_csv("k.csv", content))
    assert message in caught.value.what
    assert fix in caught.value.fix


def test_stating_the_decimal_mark_and_date_format_reads_the_file(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv
) -> None:
    path = write_csv("k.csv", "date;metric;value\n01/02/2026;mrr;1.234\n")
    ingest_kpis(con, path, options=KpiOptions(decimal=",", date_format="%d/%m/%Y"))
    assert stored(con) == {("mrr", "2026-02-01"): 1234.0}  # "." groups thousands under ","


def test_segments_are_kept_apart(con: duckdb.DuckDBPyConnection, write_csv: WriteCsv) -> None:
    content = "date,metric,segment,value\n2026-05-18,mrr,campus,80\n2026-05-18,mrr,department,20\n"
    assert ingest_kpis(con, write_csv("k.csv", content)).rows_added == 2
    rows = db.query(con, "SELECT segment, value FROM kpis ORDER BY segment")
    assert rows.values.tolist() == [["campus", 80.0], ["department", 20.0]]


def test_allow_rejects_keeps_good_values_and_records_bad_ones(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv
) -> None:
    content = "date,metric,value\n2026-05-18,mrr,100\n2026-05-25,mrr,oops\n"
    report = ingest_kpis(con, write_csv("k.csv", content), allow_rejects=True)
    assert (report.rows_added, report.rows_rejected) == (1, 1)
    assert db.query(con, "SELECT line, value FROM rejected_lines").values.tolist() == [[3, "oops"]]
    assert stored(con) == {("mrr", "2026-05-18"): 100.0}
    assert isinstance(db.scalar(con, "SELECT max(date) FROM kpis"), dt.date)


def test_a_dry_run_reports_and_previews_but_stores_nothing(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv
) -> None:
    content = "date,metric,value\n2026-05-18,mrr,100\n2026-05-25,mrr,oops\n"
    report = ingest_kpis(con, write_csv("k.csv", content), dry_run=True)
    assert (report.committed, report.rows_added, report.rows_rejected) == (False, 1, 1)
    assert report.preview[["metric", "value"]].values.tolist() == [["mrr", 100.0]]
    assert int(db.scalar(con, "SELECT count(*) FROM kpi_rows")) == 0
    assert int(db.scalar(con, "SELECT count(*) FROM ingests")) == 0


def test_a_wide_line_with_several_bad_cells_is_one_rejected_line_in_the_ledger(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv
) -> None:
    content = "Date,Trials,Demos\n2026-05-18,4,2\n2026-05-25,oops,n.v.\n"
    report = ingest_kpis(con, write_csv("k.csv", content), allow_rejects=True)
    assert (report.rows_read, report.rows_added, report.rows_rejected) == (1, 2, 1)
    assert db.query(con, "SELECT line, column_name, value FROM rejected_lines").values.tolist() == [
        [3, "Trials, Demos", "oops | n.v."]
    ]


def test_the_table_read_and_the_range_the_export_declares_are_kept_in_the_ledger(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv
) -> None:
    table = "# Start date: 20261001\n# End date: 20261007\nNth day,Active users\n0000,10\n0006,14\n"
    by_channel = "# Start date: 20261001\n# End date: 20261007\nChannel,Sessions\nDirect,5\n"
    ingest_kpis(con, write_csv("ga4.csv", table + "\n" + by_channel))
    assert db.scalar(con, "SELECT dialect FROM ingests") == (
        "comma-separated, 2 columns (2 preamble line(s) skipped, table 1 of 2, lines 3–5, the "
        "export declares 2026-10-01 to 2026-10-07); decimal mark '.', dates as %Y-%m-%d; days "
        "counted from 2026-10-01"
    )
    assert stored(con) == {
        ("active_users", "2026-10-01"): 10.0,
        ("active_users", "2026-10-07"): 14.0,
    }
