"""The weekly standup's questions: what changed since last week, what moved most, what is stale.

Pure functions over two scorings of the same key results (this week and a week earlier), so
the standup page, the CLI and tests share one answer.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from pipelines.okrs.spec import OkrSet

# A milestone nobody has updated for two weeks is as stale as data two grains old.
CHECKIN_STALE_DAYS = 14
MOVERS = 5
_KEY = ["objective_id", "kr_id"]


def week_over_week(this_week: pd.DataFrame, last_week: pd.DataFrame) -> pd.DataFrame:
    """Per key result: band, status and progress now and a week earlier, and what changed."""
    before = last_week[[*_KEY, "band", "status", "progress", "current"]].rename(
        columns={
            "band": "band_before",
            "status": "status_before",
            "progress": "progress_before",
            "current": "current_before",
        }
    )
    merged = this_week.merge(before, on=_KEY, how="left")
    merged["progress_change"] = merged["progress"] - merged["progress_before"]
    merged["band_changed"] = merged["band"].fillna("") != merged["band_before"].fillna("")
    merged["status_changed"] = merged["status"].fillna("") != merged["status_before"].fillna("")
    return merged


def band_or_status_changes(changes: pd.DataFrame) -> pd.DataFrame:
    """Key results whose band or status is not what it was a week ago."""
    return changes[changes["band_changed"] | changes["status_changed"]]


def biggest_movers(changes: pd.DataFrame, n: int = MOVERS) -> pd.DataFrame:
    """The n key results whose progress moved most since last week, either way."""
    moved = changes[changes["progress_change"].notna() & (changes["progress_change"] != 0)]
    order = moved["progress_change"].abs().sort_values(ascending=False).index
    return moved.loc[order].head(n)


def stale_data(scores: pd.DataFrame) -> pd.DataFrame:
    """Key results whose metric has no data for more than two of its periods."""
    return scores[scores["stale"].astype(bool)]


def milestones_without_recent_checkin(
    okrs: OkrSet, scores: pd.DataFrame, as_of: dt.date, days: int = CHECKIN_STALE_DAYS
) -> pd.DataFrame:
    """Milestone key results in scores whose latest check-in is older than days (or missing)."""
    latest = {
        kr.id: max((c.date for c in kr.checkins if c.date <= as_of), default=None)
        for o in okrs.objectives
        for kr in o.key_results
        if kr.kr_type == "milestone" and kr.metric is None
    }
    rows = scores[scores["kr_id"].isin(latest.keys()) & (scores["type"] == "milestone")].copy()
    rows["last_checkin"] = rows["kr_id"].map(latest)
    overdue = rows["last_checkin"].map(lambda d: d is None or (as_of - d).days > days)
    return rows[overdue.astype(bool)]
