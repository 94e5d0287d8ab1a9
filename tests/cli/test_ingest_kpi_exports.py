"""`okrlens ingest kpis` on exports in the shapes their tools write them (files written here).

Google Analytics 4 and Universal Analytics downloads, ad platforms (TikTok, Meta), a European
bank: each is read as it came, or refused with its real cause and a remedy that works.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines import db
from pipelines.workspace import Workspace
from tests.cli.test_cli import okrlens

GA4_PREAMBLE = (
    "# ----------------------------------------\n"
    "# Acme web\n"
    "# Reports snapshot\n"
    "# ----------------------------------------\n"
    "#\n"
    "# Start date: 20261001\n"
    "# End date: 20261014\n"
)
GA4_DAYS = GA4_PREAMBLE + "Nth day,Active users\n0000,310\n0001,295\n0013,402\n"
GA4_WEEKS = GA4_PREAMBLE + "Nth week,Sessions\n0000,1200\n0001,1350\n"
# A snapshot download: the daily table, then a table by channel with its own preamble.
GA4_SNAPSHOT = (
    GA4_DAYS
    + "\n"
    + GA4_PREAMBLE
    + "Session default channel group,Sessions\nDirect,500\nOrganic Search,300\n"
)
GA4_DATE = "Date,Sessions\n20261001,1200\n20261002,1350\n"
# Universal Analytics: a summary table first, then the daily table and its unlabelled total.
UA_OVERVIEW = (
    "# ----------------------------------------\n"
    "# All Web Site Data\n"
    "# Audience Overview\n"
    "# 20261001-20261013\n"
    "# ----------------------------------------\n"
    "\n"
    "Users,New Users,Sessions\n"
    '"1,234","1,000","2,345"\n'
    "\n"
    "Day Index,Users\n"
    "10/1/26,120\n"
    "10/2/26,130\n"
    "10/13/26,125\n"
    ",375\n"
)
TIKTOK_BY_DAY = (
    "Date,Currency,Cost,Impressions\n"
    "2026-10-01,USD,12.50,1000\n"
    "2026-10-02,USD,13.00,1100\n"
    "Total,USD,25.50,2100\n"
)
META_ADS = (
    "Reporting starts,Reporting ends,Amount spent (USD),Impressions\n"
    "2026-10-01,2026-10-01,40.10,5100\n"
    "2026-10-02,2026-10-02,38.00,4900\n"
)
BANK = "Buchungstag;Saldo\n01.10.26;1.234,50\n13.10.26;1.300,00\n"
SECOND_COLUMN_DATES = "Campaign,Reporting date,Spend\nAutumn,2026-10-01,5\nAutumn,2026-10-02,6\n"
WITH_AN_ID = "Date,Campaign ID,Clicks\n2026-10-01,1234567,40\n2026-10-02,1234567,44\n"


@pytest.fixture
def home(empty_home: Path) -> Path:
    """An empty workspace."""
    return empty_home


def stored(home: Path) -> dict[tuple[str, str], float]:
    """What the store holds: (metric, date) -> value."""
    with Workspace(home).reading() as con:
        rows = db.query(con, "SELECT metric, date, value FROM kpis ORDER BY metric, date")
    return {(r.metric, str(r.date)[:10]): r.value for r in rows.itertuples()}


@pytest.mark.parametrize(
    ("content", "args", "expected", "said"),
    [
        pytest.param(
            GA4_DAYS,
            [],
            {
                ("active_users", "2026-10-01"): 310.0,
                ("active_users", "2026-10-02"): 295.0,
                ("active_users", "2026-10-14"): 402.0,
            },
            ["days counted from 2026-10-01", "the export declares 2026-10-01 to 2026-10-14"],
            id="ga4-nth-day-from-the-preamble-start-date",
        ),
        pytest.param(
            GA4_WEEKS,
            [],
            {("sessions", "2026-10-01"): 1200.0, ("sessions", "2026-10-08"): 1350.0},
            ["weeks counted from 2026-10-01"],
            id="ga4-nth-week",
        ),
        pytest.param(
            GA4_SNAPSHOT,
            [],
            {
                ("active_users", "2026-10-01"): 310.0,
                ("active_users", "2026-10-02"): 295.0,
                ("active_users", "2026-10-14"): 402.0,
            },
            ["table 1 of 2, lines 8–11"],
            id="ga4-several-tables-the-time-table-picked",
        ),
        pytest.param(
            GA4_DATE,
            [],
            {("sessions", "2026-10-01"): 1200.0, ("sessions", "2026-10-02"): 1350.0},
            ["dates as %Y%m%d"],
            id="ga4-date-dimension-yyyymmdd",
        ),
        pytest.param(
            UA_OVERVIEW,
            [],
            {
                ("users", "2026-10-01"): 120.0,
                ("users", "2026-10-02"): 130.0,
                ("users", "2026-10-13"): 125.0,
            },
            [
                "table 2 of 2",
                "dates as %m/%d/%y",
                "totals row skipped",
                "the export declares 2026-10-01 to 2026-10-13",
            ],
            id="ua-daily-table-after-a-summary-us-dates-and-total",
        ),
        pytest.param(
            TIKTOK_BY_DAY,
            [],
            {
                ("cost", "2026-10-01"): 12.5,
                ("cost", "2026-10-02"): 13.0,
                ("impressions", "2026-10-01"): 1000.0,
                ("impressions", "2026-10-02"): 1100.0,
            },
            ["Currency → left out: text, not numbers (e.g. 'USD')", "totals row skipped (line 4)"],
            id="tiktok-currency-column-and-total-row",
        ),
        pytest.param(
            META_ADS,
            [],
            {
                ("amount_spent_usd", "2026-10-01"): 40.1,
                ("amount_spent_usd", "2026-10-02"): 38.0,
                ("impressions", "2026-10-01"): 5100.0,
                ("impressions", "2026-10-02"): 4900.0,
            },
            ["Reporting ends → left out: text"],
            id="meta-ads-second-date-column-left-out",
        ),
        pytest.param(
            BANK,
            [],
            {("saldo", "2026-10-01"): 1234.5, ("saldo", "2026-10-13"): 1300.0},
            ["dates as %d.%m.%y", "decimal mark ','"],
            id="bank-dd-mm-yy-and-decimal-comma",
        ),
        pytest.param(
            SECOND_COLUMN_DATES,
            ["--map", "date=Reporting date"],
            {("spend", "2026-10-01"): 5.0, ("spend", "2026-10-02"): 6.0},
            ["Reporting date → date"],
            id="map-date-honoured-in-a-wide-file",
        ),
        pytest.param(
            WITH_AN_ID,
            ["--ignore", "Campaign ID"],
            {("clicks", "2026-10-01"): 40.0, ("clicks", "2026-10-02"): 44.0},
            ["Campaign ID → left out, as asked"],
            id="ignore-leaves-a-numeric-column-out",
        ),
        pytest.param(
            UA_OVERVIEW.replace("10/13/26", "10/3/26"),
            ["--date-format", "%m/%d/%y"],
            {
                ("users", "2026-10-01"): 120.0,
                ("users", "2026-10-02"): 130.0,
                ("users", "2026-10-03"): 125.0,
            },
            ["dates as %m/%d/%y"],
            id="ambiguous-dates-settled-by-the-suggested-format",
        ),
    ],
)
def test_an_export_is_read_as_its_tool_wrote_it(
    capsys: pytest.CaptureFixture[str],
    home: Path,
    tmp_path: Path,
    content: str,
    args: list[str],
    expected: dict[tuple[str, str], float],
    said: list[str],
) -> None:
    export = tmp_path / "export.csv"
    export.write_text(content, encoding="utf-8")
    code, out, err = okrlens(capsys, "--home", str(home), "ingest", "kpis", *args, str(export))
    assert code == 0, err
    assert f"{len(expected)} rows added" in out
    assert [phrase for phrase in said if phrase not in out] == []
    assert stored(home) == expected


@pytest.mark.parametrize(
    ("content", "args", "said"),
    [
        pytest.param(
            "Konto;Betrag\nMiete;1.234,50\nStrom;80,00\n",
            ["--shape", "wide_by_date"],
            [
                "nothing in the date column 'Konto' reads as a date (it holds 'Miete', 'Strom')",
                "--date-format",
                "--map date=<column>",
            ],
            id="no-date-parses-names-the-column-and-the-remedies",
        ),
        pytest.param(
            GA4_DAYS.replace("Nth day", "Period"),
            ["--shape", "wide_by_date"],
            ["nothing in the date column 'Period' reads as a date (it holds '0000', '0001'"],
            id="an-index-that-is-not-a-known-period-index",
        ),
        pytest.param(
            UA_OVERVIEW.replace("10/13/26", "10/3/26"),
            [],
            [
                "dates such as 10/1/26 read both day-first and month-first (10 January 2026 or "
                "October 1, 2026)",
                "--date-format %d/%m/%y (day first) or %m/%d/%y (month first)",
            ],
            id="truly-ambiguous-dates-show-both-readings",
        ),
        pytest.param(
            "Nth day,Active users\n0000,310\n0001,295\n",
            [],
            ["from a start date it does not state", "'# Start date:'"],
            id="nth-day-without-its-preamble",
        ),
        pytest.param(
            GA4_DAYS + "\n" + GA4_WEEKS,
            [],
            [
                "holds 2 tables over time",
                "table 1: Nth day, Active users (lines 8–11)",
                "table 2: Nth week, Sessions (lines 20–22)",
                "--table N",
            ],
            id="two-time-tables-ask-for-table",
        ),
        pytest.param(
            GA4_SNAPSHOT,
            ["--table", "3"],
            ["there is no table 3", "Choose a number from 1 to 2"],
            id="a-table-the-file-lacks",
        ),
        pytest.param(
            TIKTOK_BY_DAY,
            ["--ignore", "Budget"],
            ["--ignore names 'Budget'", "Date, Currency, Cost, Impressions"],
            id="ignore-a-column-the-file-lacks",
        ),
    ],
)
def test_an_export_that_cannot_tell_is_refused_with_its_cause_and_remedy(
    capsys: pytest.CaptureFixture[str],
    home: Path,
    tmp_path: Path,
    content: str,
    args: list[str],
    said: list[str],
) -> None:
    export = tmp_path / "export.csv"
    export.write_text(content, encoding="utf-8")
    code, _, err = okrlens(capsys, "--home", str(home), "ingest", "kpis", *args, str(export))
    assert code == 2
    assert err.startswith("error: ") and "internal error" not in err
    assert [phrase for phrase in said if phrase not in err] == []
    assert stored(home) == {}


def test_the_remedy_a_refusal_names_reads_the_file(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    export = tmp_path / "ga4.csv"
    export.write_text(GA4_DAYS + "\n" + GA4_WEEKS, encoding="utf-8")
    assert okrlens(capsys, "--home", str(home), "ingest", "kpis", str(export))[0] == 2
    code, out, err = okrlens(
        capsys, "--home", str(home), "ingest", "kpis", "--table", "2", str(export)
    )
    assert code == 0, err
    assert "table 2 of 2" in out
    assert stored(home) == {("sessions", "2026-10-01"): 1200.0, ("sessions", "2026-10-08"): 1350.0}


@pytest.mark.parametrize(
    ("bad_lines", "said"),
    [
        pytest.param(
            ["2026-10-02,abc,abc,abc"], "1 of 4 lines are invalid", id="one-line-three-cells"
        ),
        pytest.param(
            ["2026-10-02,abc,abc,abc", "2026-10-03,7,x,9"],
            "2 of 4 lines are invalid",
            id="two-lines",
        ),
    ],
)
def test_rejects_are_counted_in_lines_not_cells(
    capsys: pytest.CaptureFixture[str],
    home: Path,
    tmp_path: Path,
    bad_lines: list[str],
    said: str,
) -> None:
    good = ["2026-10-01,1,2,3", "2026-10-04,4,5,6", "2026-10-05,7,8,9"][: 4 - len(bad_lines)]
    export = tmp_path / "wide.csv"
    export.write_text("Date,Trials,Demos,Signups\n" + "\n".join(good + bad_lines) + "\n")
    code, _, err = okrlens(capsys, "--home", str(home), "ingest", "kpis", str(export))
    assert code == 2
    assert said in err


# A CRM's deals export: `Name` is the customer's; okrlens asks before reading it as the KPI.
CRM_DEALS = "Date,Name,Value\n2026-11-02,Ada Lovelace,3\n2026-11-09,Grace Hopper,5\n"


def test_a_name_column_is_never_taken_as_the_kpi_on_a_guess(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    path = tmp_path / "deals.csv"
    path.write_text(CRM_DEALS)
    code, _, err = okrlens(capsys, "--home", str(home), "ingest", "kpis", str(path))
    assert code == 2
    assert "its column 'Name' usually holds people's names" in err
    assert "--map metric=Name" in err and "--ignore 'Name'" in err
    assert stored(home) == {}


def test_a_name_column_mapped_as_the_kpi_is_read_as_one(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    path = tmp_path / "deals.csv"
    path.write_text(CRM_DEALS)
    args = ("--home", str(home), "ingest", "kpis", str(path), "--map", "metric=Name")
    assert okrlens(capsys, *args)[0] == 0
    assert stored(home) == {("ada_lovelace", "2026-11-02"): 3, ("grace_hopper", "2026-11-09"): 5}
