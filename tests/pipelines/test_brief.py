"""The standup brief: which forecasts shifted, which findings are new, and how it reads."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from pipelines.insight.brief import Brief, brief_markdown, forecast_shifts, new_findings


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


def test_the_markdown_brief_has_every_section_and_says_when_they_are_empty() -> None:
    text = brief_markdown(Brief(as_of=dt.date(2026, 11, 23), period="2026-Q4", team="Product"))
    assert text.startswith("# Standup brief · Product · week ending 23 Nov 2026")
    for heading in (
        "## Changed band or status", "## Biggest movers", "## Forecasts that shifted", "## Stale data",
        "## Milestones without a recent check-in", "## New lint findings",
    ):  # fmt: skip
        assert heading in text
    assert "No forecast changed its likely outcome." in text
