"""A period is complete exactly when the exports behind its metric cover every day of it.

Through the CLI: files in the shapes tools write are ingested, then `okrlens metrics show` says
which periods are complete. What a file covers is its declared range, the day stated with
--through, or its rows' span (a row of a monthly or quarterly export stands for its period).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.cli.test_cli import okrlens

METRICS = """\
metrics:
  - {name: logins, label: Logins, kind: leading, source: events, agg: count, grain: week}
  - {name: arr, label: ARR, kind: lagging, source: kpis, agg: last, grain: quarter}
  - {name: mrr, label: MRR, kind: lagging, source: kpis, agg: last, grain: month}
  - {name: signups, label: Signups, kind: leading, source: kpis, agg: sum, grain: month}
  - {name: sessions, label: Sessions, kind: leading, source: kpis, agg: sum, grain: month}
"""


def weekday_events(first: dt.date, last: dt.date) -> str:
    """An events export with one login on every weekday from first to last (none at weekends)."""
    days = (first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    rows = [f"{d}T09:30:00Z,u1,login" for d in days if d.weekday() < 5]
    return "event_time,user_id,event_name\n" + "\n".join(rows) + "\n"


def daily_events(first: dt.date, last: dt.date) -> str:
    """An events export with one login on every day from first to last."""
    days = (first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    return "event_time,user_id,event_name\n" + "".join(f"{d}T09:30:00Z,u1,login\n" for d in days)


QUARTERLY_ARR = "date,metric,value\n2025-10-01,arr,100\n2026-01-01,arr,110\n2026-04-01,arr,120\n2026-07-01,arr,130\n"
# One file, two KPIs at different spacings: daily signups to 20 Nov, monthly MRR.
MIXED_SPACING = (
    "date,metric,value\n"
    + "".join(f"2026-11-{d:02d},signups,{d}\n" for d in range(1, 21))
    + "2026-09-01,mrr,10\n2026-10-01,mrr,11\n2026-11-01,mrr,12\n"
)
# GA4 declares the whole of October; its last row is 30 October (the 31st had no sessions row).
GA4_OCTOBER = (
    "# ----------------------------------------\n"
    "# Acme web\n"
    "# ----------------------------------------\n"
    "# Start date: 20261001\n"
    "# End date: 20261031\n"
    "Nth day,Sessions\n" + "".join(f"{n:04d},{100 + n}\n" for n in range(30))
)


@pytest.fixture
def home(empty_home: Path) -> Path:
    """An empty workspace whose metrics read the files these tests ingest."""
    home = empty_home
    (home / "metrics.yaml").write_text(METRICS)
    (home / "okrs.yaml").write_text("periods: {}\nobjectives: []\n")
    return home


def complete_periods(
    home: Path, capsys: pytest.CaptureFixture[str], metric: str
) -> dict[str, bool]:
    """Which periods of metric `okrlens metrics show` calls complete, by their first day."""
    code, out, err = okrlens(capsys, "--home", str(home), "metrics", "show", metric, "-f", "json")
    assert code == 0, err
    return {r["period_start"][:10]: r["complete"] for r in json.loads(out)}


def ingest(
    home: Path, capsys: pytest.CaptureFixture[str], kind: str, text: str, *args: str
) -> tuple[int, str, str]:
    """Write text as an export and ingest it with okrlens ingest kind."""
    path = home.parent / f"export-{len(list(home.parent.glob('export-*')))}.csv"
    path.write_text(text)
    return okrlens(capsys, "--home", str(home), "ingest", kind, str(path), *args)


@pytest.mark.parametrize(
    ("kind", "export", "args", "metric", "expected"),
    [
        pytest.param(
            "events",
            weekday_events(dt.date(2026, 11, 2), dt.date(2026, 11, 27)),
            (),
            "logins",
            {"2026-11-02": True, "2026-11-09": True, "2026-11-16": True, "2026-11-23": False},
            id="events-ending-on-a-friday-leave-their-last-week-not-yet-covered",
        ),
        pytest.param(
            "events",
            weekday_events(dt.date(2026, 11, 2), dt.date(2026, 11, 27)),
            ("--through", "2026-11-29"),
            "logins",
            {"2026-11-02": True, "2026-11-09": True, "2026-11-16": True, "2026-11-23": True},
            id="through-the-sunday-completes-the-week-of-a-quiet-weekend",
        ),
        pytest.param(
            "events",
            weekday_events(dt.date(2026, 11, 2), dt.date(2026, 11, 20)),
            ("--through", "2026-11-29"),
            "logins",
            {"2026-11-02": True, "2026-11-09": True, "2026-11-16": True, "2026-11-23": True},
            id="a-covered-week-without-events-is-a-complete-week-of-none",
        ),
        pytest.param(
            "events",
            daily_events(dt.date(2026, 11, 4), dt.date(2026, 11, 22)),
            (),
            "logins",
            {"2026-11-02": False, "2026-11-09": True, "2026-11-16": True},
            id="events-starting-on-a-wednesday-leave-their-first-week-partial",
        ),
        pytest.param(
            "kpis",
            QUARTERLY_ARR,
            (),
            "arr",
            {"2025-10-01": True, "2026-01-01": True, "2026-04-01": True, "2026-07-01": True},
            id="a-quarterly-row-covers-its-quarter-q3-and-q4-included",
        ),
        pytest.param(
            "kpis",
            GA4_OCTOBER,
            (),
            "sessions",
            {"2026-10-01": True},
            id="a-ga4-download-covers-the-range-it-declares",
        ),
    ],
)
def test_which_periods_are_complete(
    home: Path,
    capsys: pytest.CaptureFixture[str],
    kind: str,
    export: str,
    args: tuple[str, ...],
    metric: str,
    expected: dict[str, bool],
) -> None:
    code, _, err = ingest(home, capsys, kind, export, *args)
    assert code == 0, err
    assert complete_periods(home, capsys, metric) == expected


def test_every_kpi_of_one_file_agrees_on_which_months_are_complete(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ingest(home, capsys, "kpis", MIXED_SPACING)[0] == 0
    # The file's rows end on 20 November, so November is not yet covered, for both KPIs.
    assert complete_periods(home, capsys, "signups") == {"2026-11-01": False}
    assert complete_periods(home, capsys, "mrr") == {
        "2026-09-01": True,
        "2026-10-01": True,
        "2026-11-01": False,
    }


def test_a_row_for_the_running_month_does_not_complete_it(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    this_month = dt.datetime.now(dt.UTC).date().replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    before = (last_month - dt.timedelta(days=1)).replace(day=1)
    export = "date,metric,value\n" + "".join(
        f"{d},mrr,{v}\n" for d, v in ((before, 10), (last_month, 11), (this_month, 12))
    )
    assert ingest(home, capsys, "kpis", export)[0] == 0
    assert complete_periods(home, capsys, "mrr") == {
        str(before): True,
        str(last_month): True,
        str(this_month): False,
    }


def test_a_later_export_completes_the_period_an_earlier_one_began(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        ingest(home, capsys, "events", daily_events(dt.date(2026, 11, 2), dt.date(2026, 11, 11)))[0]
        == 0
    )
    assert complete_periods(home, capsys, "logins")["2026-11-09"] is False
    assert (
        ingest(home, capsys, "events", daily_events(dt.date(2026, 11, 12), dt.date(2026, 11, 15)))[
            0
        ]
        == 0
    )
    assert complete_periods(home, capsys, "logins") == {"2026-11-02": True, "2026-11-09": True}


@pytest.mark.parametrize(
    ("through", "message"),
    [
        pytest.param("2026-11-20", "--through 2026-11-20 is before the file's last row (2026-11-27)", id="before-the-last-row"),
        pytest.param("2999-01-01", "a file cannot cover days that have not happened", id="in-the-future"),
    ],
)  # fmt: skip
def test_a_through_day_the_file_contradicts_is_refused(
    home: Path, capsys: pytest.CaptureFixture[str], through: str, message: str
) -> None:
    export = weekday_events(dt.date(2026, 11, 2), dt.date(2026, 11, 27))
    code, _, err = ingest(home, capsys, "events", export, "--through", through)
    assert code == 2
    assert message in " ".join(err.split())


def test_the_ingest_says_what_the_file_covers_and_the_gap_to_today(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = ingest(
        home, capsys, "events", weekday_events(dt.date(2026, 11, 2), dt.date(2026, 11, 27))
    )
    assert code == 0
    said = " ".join(out.split())
    assert "covers 2 Nov 2026 – 27 Nov 2026 (its rows; ingested" in said
    assert "say so with --through DATE" in said


QUARTERS = [f"{y}-{m:02d}-01" for y in (2023, 2024, 2025, 2026) for m in (1, 4, 7, 10)]
ARR_OKRS = """\
periods:
  - {name: 2026-Q4, start: 2026-10-01, end: 2026-12-31}
objectives:
  - id: CO-1
    title: Grow ARR
    team: Company
    period: 2026-Q4
    key_results:
      - {id: CO-1.1, title: ARR to 200, metric: arr, baseline: auto, target: 200}
"""


def test_a_forecast_as_of_a_day_is_the_same_after_later_rows_arrive(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (home / "okrs.yaml").write_text(ARR_OKRS)
    through_q3 = QUARTERS[: QUARTERS.index("2026-07-01") + 1]
    export = "date,metric,value\n" + "".join(
        f"{d},arr,{100 + 5 * i + (i % 3)}\n" for i, d in enumerate(through_q3)
    )
    assert ingest(home, capsys, "kpis", export)[0] == 0
    asked = ("--home", str(home), "forecast", "--as-of", "2026-11-15", "-f", "json")
    code, before, err = okrlens(capsys, *asked)
    assert code == 0, err
    # Q3's row (1 Jul) covers the quarter, so the forecast starts from it.
    code, out, _ = okrlens(
        capsys, "--home", str(home), "report", "--as-of", "2026-10-15", "-f", "json"
    )
    assert json.loads(out)[0]["data_through"] == "2026-09-30"
    assert ingest(home, capsys, "kpis", "date,metric,value\n2026-10-01,arr,190\n")[0] == 0
    code, after, err = okrlens(capsys, *asked)
    assert code == 0, err
    assert [r["kr_id"] for r in json.loads(before)] == ["CO-1.1"]
    assert json.loads(after) == json.loads(before)
