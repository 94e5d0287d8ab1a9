"""The standup brief: what counts as a move, what is discussed first, and how it reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from pipelines.insight.brief import (
    Brief,
    brief_markdown,
    forecast_shifts,
    key_results_to_discuss,
    latest_complete_week_end,
    moves,
    new_findings,
)
from pipelines.okrs.bands import PRESETS
from pipelines.okrs.scoring.columns import KR_COLUMNS, score_frame
from pipelines.service import Answers
from pipelines.standup import week_over_week
from pipelines.workspace import Workspace

AS_OF = dt.date(2026, 11, 22)


def scores(*rows: dict[str, Any]) -> pd.DataFrame:
    """A key-result score frame of rows (kr_id and what matters to the test), the rest blank."""
    blank = dict.fromkeys(KR_COLUMNS) | {"objective_id": "O", "team": "Product", "stale": False}
    return score_frame(
        [blank | {"key_result": f"Title of {r['kr_id']}"} | r for r in rows], KR_COLUMNS
    )


def kr(kr_id: str, band: str | None, status: str, progress: float | None = 0.5) -> dict[str, Any]:
    return {"kr_id": kr_id, "band": band, "status": status, "progress": progress}


def board_of(before: list[dict[str, Any]], now: list[dict[str, Any]]) -> pd.DataFrame:
    """The brief's board when now's scores are compared with before's."""
    changes = moves(week_over_week(scores(*now), scores(*before)), PRESETS["default"])
    return Brief(AS_OF, "2026-Q4", None, changes=changes).board()


@pytest.mark.parametrize(
    ("before", "now", "shown"),
    [
        pytest.param(("met", "on_track"), ("met", "on_track"), None, id="met-to-met-is-no-move"),
        pytest.param(
            ("met", "on_track"),
            ("met", "at_risk"),
            ("", "met", "on track", "at risk"),
            id="a-status-change-shows-the-band-once",
        ),
        pytest.param(
            ("met", "on_track"),
            ("exceeded", "on_track"),
            ("met", "exceeded", "", "on track"),
            id="a-band-change-shows-the-status-once",
        ),
        pytest.param(
            ("missed", "off_track"),
            ("met", "on_track"),
            ("missed", "met", "off track", "on track"),
            id="both-changed",
        ),
        pytest.param(
            (None, "no_data"),
            ("missed", "off_track"),
            ("no data", "missed", "no data", "off track"),
            id="first-data-is-a-move",
        ),
    ],
)
def test_a_move_is_a_band_or_status_that_changed_and_shows_only_what_changed(
    before: tuple[str | None, str], now: tuple[str | None, str], shown: tuple[str, ...] | None
) -> None:
    board = board_of([kr("k", *before)], [kr("k", *now)])
    chips = board[["band was", "band now", "status was", "status now"]]
    assert [tuple(row) for row in chips.to_numpy()] == ([] if shown is None else [shown])


def test_moves_list_the_worse_first_then_the_biggest() -> None:
    before = [
        kr("better-small", "missed", "off_track", 0.50),
        kr("worse-small", "met", "on_track", 0.62),
        kr("better-big", "missed", "off_track", 0.20),
        kr("worse-big", "met", "on_track", 0.70),
        kr("unchanged", "met", "on_track", 0.60),
    ]
    now = [
        kr("better-small", "missed", "on_track", 0.55),
        kr("worse-small", "met", "at_risk", 0.61),
        kr("better-big", "met", "on_track", 0.65),
        kr("worse-big", "missed", "off_track", 0.30),
        kr("unchanged", "met", "on_track", 0.90),
    ]
    board = board_of(before, now)
    assert board["kr_id"].tolist() == ["worse-big", "worse-small", "better-big", "better-small"]
    assert board["progress"].tolist() == [
        "70% → 30% ▼ 40 pts", "62% → 61% ▼ 1 pt", "20% → 65% ▲ 45 pts", "50% → 55% ▲ 5 pts",
    ]  # fmt: skip


def test_to_discuss_are_off_track_then_at_risk_the_furthest_behind_first() -> None:
    expected = {"expected_progress": 0.6}
    frame = scores(
        kr("at-risk-close", "met", "at_risk", 0.55) | expected,
        kr("off-track-close", "missed", "off_track", 0.40) | expected,
        kr("on-track-missed", "missed", "on_track", 0.58) | expected,
        kr("at-risk-far", "missed", "at_risk", 0.48) | expected,
        kr("off-track-far", "missed", "off_track", 0.10) | expected,
        kr("no-data", None, "no_data", None) | expected,
    )
    assert key_results_to_discuss(frame)["kr_id"].tolist() == [
        "off-track-far", "off-track-close", "at-risk-far", "at-risk-close",
    ]  # fmt: skip


def stale(*rows: tuple[str, str, dt.date]) -> pd.DataFrame:
    """Stale key-result rows: (kr_id, metric label, latest data)."""
    return pd.DataFrame(
        [
            {"kr_id": k, "metric": label.lower(), "metric_label": label, "grain": "week"}
            | {"data_as_of": day}
            for k, label, day in rows
        ]
    )


NOV_2, NOV_9 = dt.date(2026, 11, 2), dt.date(2026, 11, 9)


@pytest.mark.parametrize(
    ("rows", "line"),
    [
        pytest.param((), "", id="fresh-data-says-nothing"),
        pytest.param(
            (("k1", "MRR", NOV_2),),
            "1 metric has no data after the week of 2 Nov 2026: MRR (1 key result).",
            id="one-metric",
        ),
        pytest.param(
            (("k1", "MRR", NOV_2), ("k2", "CSAT", NOV_2), ("k3", "MRR", NOV_2)),
            "2 metrics have no data after the week of 2 Nov 2026: MRR, CSAT (3 key results).",
            id="a-metric-read-by-two-krs-counts-once",
        ),
        pytest.param(
            (("k1", "MRR", NOV_9), ("k2", "CSAT", NOV_2)),
            "2 metrics have no data after the week of 2 Nov 2026: CSAT; "
            "the week of 9 Nov 2026: MRR (2 key results).",
            id="different-dates-in-one-line",
        ),
    ],
)
def test_stale_data_is_one_line(rows: tuple[tuple[str, str, dt.date], ...], line: str) -> None:
    frame = stale(*rows) if rows else pd.DataFrame()
    assert Brief(AS_OF, "2026-Q4", None, stale=frame).stale_line() == line


def weeks_to(last_start: str, *, last_complete: bool = True, days: int = 7) -> pd.DataFrame:
    """Two periods of days each, the later starting at last_start."""
    last = pd.Timestamp(last_start)
    starts = pd.Series([last - pd.Timedelta(days=days), last])
    return pd.DataFrame(
        {
            "metric": "m",
            "period_start": starts,
            "period_end": starts + pd.Timedelta(days=days),
            "value": [1.0, 2.0],
            "complete": [True, last_complete],
        }
    )


@pytest.mark.parametrize(
    ("series", "week_end"),
    [
        pytest.param(weeks_to("2026-11-16"), dt.date(2026, 11, 22), id="a-complete-week"),
        pytest.param(
            weeks_to("2026-11-16", last_complete=False),
            dt.date(2026, 11, 15),
            id="a-running-week-is-not-complete",
        ),
        pytest.param(
            weeks_to("2026-11-18", days=1), dt.date(2026, 11, 15), id="days-to-a-wednesday"
        ),
        pytest.param(weeks_to("2026-11-22", days=1), dt.date(2026, 11, 22), id="days-to-a-sunday"),
        pytest.param(weeks_to("2026-11-16").iloc[0:0], None, id="no-data"),
    ],
)
def test_the_default_as_of_is_the_end_of_the_latest_complete_week(
    series: pd.DataFrame, week_end: dt.date | None
) -> None:
    assert latest_complete_week_end(series) == week_end


def test_the_demo_standup_defaults_to_its_last_week_of_data_not_today(
    demo_workspace: Workspace,
) -> None:
    # The demo's events and KPI exports end on Sunday 22 Nov 2026.
    assert Answers(demo_workspace).brief_as_of() == dt.date(2026, 11, 22)


def forecasts(rows: list[tuple[str, float, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"kr_id": k, "key_result": k.upper(), "p_missed": a, "p_met": b, "p_exceeded": c}
            for k, a, b, c in rows
        ]
    )


def test_a_forecast_shifts_when_its_likely_band_or_its_chance_moves() -> None:
    before = forecasts([("a", 0.6, 0.3, 0.1), ("b", 0.1, 0.7, 0.2), ("c", 0.2, 0.2, 0.6)])
    now = forecasts([("a", 0.3, 0.6, 0.1), ("b", 0.1, 0.75, 0.15), ("c", 0.1, 0.1, 0.8)])
    shifted = forecast_shifts(now, before)
    assert shifted[["kr_id", "band_before", "band_now"]].values.tolist() == [
        ["a", "missed", "met"],
        ["c", "exceeded", "exceeded"],
    ]


def test_only_findings_absent_a_week_ago_are_new() -> None:
    columns = ["code", "severity", "objective_id", "kr_id", "message"]
    before = pd.DataFrame([["KR007", "warning", "O", "K1", "vanity"]], columns=columns)
    now = pd.DataFrame(
        [["KR007", "warning", "O", "K1", "vanity"], ["KR011", "warning", "O", "K2", "sandbag"]],
        columns=columns,
    )
    assert new_findings(now, before)["code"].tolist() == ["KR011"]


def test_the_markdown_brief_says_who_when_and_which_period_then_every_section() -> None:
    text = brief_markdown(Brief(as_of=dt.date(2026, 11, 23), period="2026-Q4", team="Product"))
    assert text.splitlines()[0] == "# Standup brief · Product · week ending 23 Nov 2026 · 2026-Q4"
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Moves", "## To discuss", "## Stale data", "## Biggest movers",
        "## Forecasts that shifted", "## Milestones without a recent check-in",
        "## New lint findings",
    ]  # fmt: skip
    assert "Nothing crossed a band or changed status since last week." in text
    assert "Every metric is fresh." in text


HOSTILE = "Grow [MRR](http://evil.example) **now** <b>x</b>\n# heading"


def test_the_markdown_brief_escapes_user_text() -> None:
    changes = moves(
        week_over_week(
            scores(kr("k1", "met", "at_risk") | {"key_result": HOSTILE}),
            scores(kr("k1", "met", "on_track")),
        ),
        PRESETS["default"],
    ).assign(note="see [here](http://evil.example) _now_")
    text = brief_markdown(Brief(AS_OF, "2026-Q4", "<script>", changes=changes))
    assert (
        text.splitlines()[0] == "# Standup brief · \\<script\\> · week ending 22 Nov 2026 · 2026-Q4"
    )
    move = next(line for line in text.splitlines() if line.startswith("- "))
    assert move == (
        "- **Grow \\[MRR\\](http://evil.example) \\*\\*now\\*\\* \\<b\\>x\\</b\\> \\# heading** "
        "(k1): status on track → at risk (band still met); progress 50% → 50%. "
        "Why: see \\[here\\](http://evil.example) \\_now\\_"
    )
