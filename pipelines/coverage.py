"""The span of days an export covers: what makes a period of its metrics complete.

A period is complete exactly when the files behind a metric cover every day of it, so the newest
period no longer depends on when the last row happened to fall, and every metric of one file
agrees. A file covers, in order of authority:

1. the range it declares itself (GA4 and UA write ``# Start date`` / ``# End date``);
2. the last day the analyst states (``--through``), from its first row;
3. the span of its rows: daily rows cover their first to last day; rows one per month (dated the
   1st), quarter or week stand for the whole period each starts (a row dated 1 Jul of a
   quarterly export covers Q3), and rows dated at month ends stand for the month they end.

No file covers a day after it was ingested: a row for the running month is part of a month.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import duckdb
import pandas as pd

from pipelines import db
from pipelines.errors import OkrlensError

DECLARED = "declared by the export"
STATED = "stated with --through"
ROWS = "its rows"


@dataclass(frozen=True)
class Coverage:
    """The first and last day a file covers, and what says so."""

    first: dt.date
    through: dt.date
    basis: str  # DECLARED | STATED | ROWS

    def words(self, ingested: dt.date) -> str:
        """The span for people, with the gap to the ingest: "2 Nov – 27 Nov 2026 (its rows; …)"."""
        span = f"{self.first:%-d %b %Y} – {self.through:%-d %b %Y} ({self.basis}"
        gap = (ingested - self.through).days
        if gap <= 1 or self.basis != ROWS:
            return span + ")"
        return (
            span + f"; ingested {gap} days later: if the export ran through a later day, "
            "say so with --through DATE, or those days count as not yet covered)"
        )


def _month_start(day: dt.date, months: int = 0) -> dt.date:
    """The first day of the month months after day's month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _months_apart(days: Sequence[dt.date]) -> int:
    """The smallest whole number of months between consecutive days (0 with one day)."""
    steps = [(b.year - a.year) * 12 + b.month - a.month for a, b in pairwise(days)]
    return min(steps, default=0)


def rows_span(days: Sequence[dt.date]) -> tuple[dt.date, dt.date]:
    """The first and last day that rows dated days cover, by the period each row stands for.

    Example:
        >>> rows_span([dt.date(2026, 4, 1), dt.date(2026, 7, 1)])  # quarterly rows
        (datetime.date(2026, 4, 1), datetime.date(2026, 9, 30))
        >>> rows_span([dt.date(2026, 1, 31), dt.date(2026, 2, 28)])  # month ends
        (datetime.date(2026, 1, 1), datetime.date(2026, 2, 28))
        >>> rows_span([dt.date(2026, 11, 2), dt.date(2026, 11, 9)])  # weekly rows
        (datetime.date(2026, 11, 2), datetime.date(2026, 11, 15))
        >>> rows_span([dt.date(2026, 11, 2), dt.date(2026, 11, 6)])  # daily rows
        (datetime.date(2026, 11, 2), datetime.date(2026, 11, 6))
    """
    days = sorted(set(days))
    first, last = days[0], days[-1]
    if len(days) < 2:
        return first, last  # one row says nothing of the period it stands for
    months = _months_apart(days)
    if all(d.day == 1 for d in days) and months in (1, 3, 12):
        return first, _month_start(last, months) - dt.timedelta(days=1)
    if all((d + dt.timedelta(days=1)).day == 1 for d in days) and months in (1, 3, 12):
        return _month_start(first, 1 - months), last
    gaps = {(b - a).days for a, b in pairwise(days)}
    if all(g % 7 == 0 for g in gaps) and min(gaps) == 7:
        return first, last + dt.timedelta(days=6)
    return first, last


def file_coverage(
    rows: tuple[dt.date, dt.date],
    *,
    declared: tuple[dt.date, dt.date] | None,
    through: dt.date | None,
    ingested: dt.date,
    where: str,
) -> Coverage:
    """What a file whose rows cover rows covers; OkrlensError when --through contradicts it."""
    if through is not None:
        if through > ingested:
            raise OkrlensError(
                f"--through {through} is after today ({ingested}): a file cannot cover days "
                "that have not happened",
                where=where,
                fix="give the last day the export ran through, today at the latest",
            )
        if through < rows[1]:
            raise OkrlensError(
                f"--through {through} is before the file's last row ({rows[1]})",
                where=where,
                fix=f"give a day on or after {rows[1]}, or leave --through out",
            )
        return Coverage(rows[0], through, STATED)
    if declared is not None:
        return Coverage(declared[0], min(declared[1], ingested), DECLARED)
    return Coverage(rows[0], min(rows[1], ingested), ROWS)


# What each metric source's files cover: one span per events ingest (every event metric reads
# them all), and per KPI ingest one span for each KPI the file holds.
_RECORDED = """
SELECT 'events' AS key, covers_from AS first, covers_through AS through
FROM ingests WHERE kind = 'events' AND covers_from IS NOT NULL
UNION ALL
SELECT 'kpi ' || k.metric, i.covers_from, i.covers_through
FROM ingests i JOIN ingest_kpis k USING (ingest_id) WHERE i.covers_from IS NOT NULL
"""
# KPI ingests from before okrlens recorded coverage: their rows' span, by the same rule.
_UNRECORDED = """
SELECT DISTINCT i.ingest_id, r.metric, r.date, CAST(i.ingested_at AS DATE) AS ingested
FROM ingests i JOIN kpi_rows r USING (ingest_id)
WHERE i.kind = 'kpis' AND i.covers_from IS NULL
"""
EVENTS_KEY = "events"


def kpi_key(name: str) -> str:
    """The coverage key of the stored KPI name."""
    return f"kpi {name}"


def _merged(spans: pd.DataFrame) -> pd.DataFrame:
    """spans (key, first, through) with overlapping and adjoining spans of a key joined."""
    out: list[tuple[str, pd.Timestamp, pd.Timestamp]] = []
    day = pd.Timedelta(days=1)
    ordered = spans.sort_values(["key", "first"])
    for key, first, through in zip(
        ordered["key"], ordered["first"], ordered["through"], strict=True
    ):
        if out and out[-1][0] == key and first <= out[-1][2] + day:
            out[-1] = (key, out[-1][1], max(out[-1][2], through))
        else:
            out.append((key, first, through))
    return pd.DataFrame(out, columns=["key", "first", "through"])


def spans(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The days the store's files cover, per key (EVENTS_KEY, or kpi_key(name)), merged."""
    recorded = db.query(con, _RECORDED)
    unrecorded = db.query(con, _UNRECORDED)
    extra = [
        (kpi_key(str(metric)), *rows_span(list(days["date"].dt.date)), ingested)
        for (_, metric, ingested), days in unrecorded.groupby(["ingest_id", "metric", "ingested"])
    ]
    old = pd.DataFrame(extra, columns=["key", "first", "through", "ingested"])
    through = pd.to_datetime(old["through"]).combine(pd.to_datetime(old["ingested"]), min)
    old = old.assign(through=through).drop(columns="ingested")
    frame = pd.concat([recorded, old], ignore_index=True) if extra else recorded
    # One resolution for both, whatever each source gave: merge_asof needs equal key dtypes.
    first = pd.to_datetime(frame["first"]).astype("datetime64[us]")
    through = pd.to_datetime(frame["through"]).astype("datetime64[us]")
    return _merged(frame.assign(first=first, through=through))


def last_covered(covered: pd.DataFrame, key: str) -> str | None:
    """The last day key's files cover (ISO), or None when they cover none."""
    mine = covered.loc[covered["key"] == key, "through"]
    return None if mine.empty else f"{mine.max():%Y-%m-%d}"


def marked(periods: pd.DataFrame, key: str, covered: pd.DataFrame) -> pd.DataFrame:
    """periods (period_start, period_end exclusive) with complete and covered_through.

    complete: one span of key's covered spans holds every day of the period. covered_through:
    the last day of the period that span covers (NaT when it covers none of the period).
    """
    out = periods.assign(
        period_start=pd.to_datetime(periods["period_start"]).astype("datetime64[us]"),
        period_end=pd.to_datetime(periods["period_end"]).astype("datetime64[us]"),
    )
    last = out["period_end"] - pd.Timedelta(days=1)
    mine = covered[covered["key"] == key].sort_values("first")
    if mine.empty or out.empty:
        return out.assign(complete=False, covered_through=pd.Series(pd.NaT, index=out.index))
    # The latest span starting by the period's last day is the only one that can cover it.
    found = pd.merge_asof(
        pd.DataFrame({"last": last.to_numpy(), "order": range(len(out))}).sort_values("last"),
        mine[["first", "through"]],
        left_on="last",
        right_on="first",
    ).sort_values("order")
    first, through = found["first"].to_numpy(), found["through"].to_numpy()
    start = out["period_start"].to_numpy()
    reaches = through >= start
    return out.assign(
        complete=(first <= start) & (through >= last.to_numpy()),
        covered_through=pd.Series(through, index=out.index).where(reaches).clip(upper=last),
    )
