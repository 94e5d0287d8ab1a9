"""The standup's week-over-week answers, on hand-made scores."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from pipelines.okrs.history import weekly_as_of_dates
from pipelines.standup import band_or_status_changes, biggest_movers, stale_data, week_over_week


def scores(rows: list[tuple[str, str | None, str, float | None, bool]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "objective_id": "O",
                "kr_id": k,
                "band": b,
                "status": s,
                "progress": p,
                "current": p,
                "stale": st,
            }
            for k, b, s, p, st in rows
        ]
    )


LAST = scores(
    [
        ("a", "met", "on_track", 0.6, False),
        ("b", "missed", "at_risk", 0.3, False),
        ("c", "missed", "off_track", 0.1, False),
    ]
)
NOW = scores(
    [
        ("a", "exceeded", "on_track", 0.9, False),
        ("b", "missed", "off_track", 0.25, True),
        ("c", "missed", "off_track", 0.1, False),
    ]
)


def test_changes_list_band_and_status_crossings() -> None:
    changed = band_or_status_changes(week_over_week(NOW, LAST))
    assert changed[["kr_id", "band_before", "band", "status_before", "status"]].values.tolist() == [
        ["a", "met", "exceeded", "on_track", "on_track"],
        ["b", "missed", "missed", "at_risk", "off_track"],
    ]


def test_biggest_movers_rank_by_absolute_change_and_skip_the_still() -> None:
    movers = biggest_movers(week_over_week(NOW, LAST))
    assert movers["kr_id"].tolist() == ["a", "b"]
    assert movers["progress_change"].round(2).tolist() == [0.3, -0.05]


def test_stale_data_lists_flagged_key_results() -> None:
    assert stale_data(NOW)["kr_id"].tolist() == ["b"]


def test_a_key_result_new_this_week_has_no_before() -> None:
    now = pd.concat([NOW, scores([("d", "met", "on_track", 0.7, False)])], ignore_index=True)
    changes = week_over_week(now, LAST).set_index("kr_id")
    assert pd.isna(changes.loc["d", "progress_before"]) and changes.loc["d", "band_changed"]


def test_weekly_as_of_dates_step_back_a_week_at_a_time() -> None:
    assert weekly_as_of_dates(dt.date(2026, 10, 1), dt.date(2026, 10, 20)) == [
        dt.date(2026, 10, 6), dt.date(2026, 10, 13), dt.date(2026, 10, 20),
    ]  # fmt: skip
