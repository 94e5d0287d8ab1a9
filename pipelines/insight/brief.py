"""The weekly standup brief, written from the data: what changed, what moved, what to discuss.

Everything in it is computed by other modules (scoring, standup, forecast, lint) at two dates a
week apart; this module only chooses, compares and words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pipelines import standup
from pipelines.exports import records
from pipelines.insight.forecast import kr_forecasts
from pipelines.insight.lint import lint
from pipelines.metrics.spec import MetricCatalog
from pipelines.okrs.scoring import key_result_scores
from pipelines.okrs.spec import OkrSet

WEEK = dt.timedelta(days=7)
# A forecast "shifted" when the chance of its most likely band moved by this much in a week.
FORECAST_SHIFT = 0.15


@dataclass
class Brief:
    """The standup brief of one team (or all) for the week ending at as_of."""

    as_of: dt.date
    period: str | None
    team: str | None
    changes: pd.DataFrame = field(default_factory=pd.DataFrame)
    movers: pd.DataFrame = field(default_factory=pd.DataFrame)
    forecast_shifts: pd.DataFrame = field(default_factory=pd.DataFrame)
    stale: pd.DataFrame = field(default_factory=pd.DataFrame)
    overdue_milestones: pd.DataFrame = field(default_factory=pd.DataFrame)
    new_findings: pd.DataFrame = field(default_factory=pd.DataFrame)

    def record(self) -> dict[str, Any]:
        """The brief as JSON-ready data."""
        return {
            "as_of": self.as_of.isoformat(),
            "period": self.period,
            "team": self.team,
            "changed_band_or_status": records(self.changes),
            "biggest_movers": records(self.movers),
            "forecast_shifts": records(self.forecast_shifts),
            "stale_data": records(self.stale),
            "milestones_without_recent_checkin": records(self.overdue_milestones),
            "new_lint_findings": records(self.new_findings),
        }


def _for_team(frame: pd.DataFrame, krs: pd.DataFrame) -> pd.DataFrame:
    """frame's rows whose key result is among krs."""
    if frame.empty or "kr_id" not in frame:
        return frame
    return frame[frame["kr_id"].isin(krs["kr_id"])]


def _probability_columns(frame: pd.DataFrame) -> list[str]:
    """The p_<band> columns of a forecast frame."""
    return [c for c in frame.columns if c.startswith("p_")]


def forecast_shifts(
    now: pd.DataFrame, before: pd.DataFrame, threshold: float = FORECAST_SHIFT
) -> pd.DataFrame:
    """Key results whose most likely end band, or its probability, moved since a week ago."""
    if now.empty or before.empty:
        return pd.DataFrame(
            columns=["kr_id", "key_result", "band_before", "band_now", "p_before", "p_now"]
        )
    columns = _probability_columns(now)
    merged = now.merge(before[["kr_id", *columns]], on="kr_id", suffixes=("", "_before"))
    rows = []
    for row in merged.to_dict("records"):
        probs = {c[2:]: row[c] for c in columns}
        if any(pd.isna(v) for v in probs.values()):
            continue
        likely = max(probs, key=lambda band: probs[band])
        before_probs = {c[2:]: row[f"{c}_before"] for c in columns}
        if any(pd.isna(v) for v in before_probs.values()):
            continue
        likely_before = max(before_probs, key=lambda band: before_probs[band])
        if likely != likely_before or abs(probs[likely] - before_probs[likely]) >= threshold:
            rows.append(
                {
                    "kr_id": row["kr_id"],
                    "key_result": row["key_result"],
                    "band_before": likely_before,
                    "band_now": likely,
                    "p_before": before_probs[likely],
                    "p_now": probs[likely],
                }
            )
    return pd.DataFrame(
        rows, columns=["kr_id", "key_result", "band_before", "band_now", "p_before", "p_now"]
    )


def new_findings(now: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    """Lint findings present now that were not there a week ago."""
    key = ["code", "objective_id", "kr_id"]
    if before.empty:
        return now
    seen = set(map(tuple, before[key].astype(str).to_numpy()))
    fresh = [tuple(r) not in seen for r in now[key].astype(str).to_numpy()]
    return now[fresh]


def weekly_brief(
    okrs: OkrSet,
    catalog: MetricCatalog,
    series: pd.DataFrame,
    as_of: dt.date,
    *,
    team: str | None = None,
    links: pd.DataFrame | None = None,
) -> Brief:
    """The brief for the week ending at as_of: this week's scores, forecasts and lint against last week's."""
    found = okrs.period_at(as_of)
    period = found.name if found else None
    brief = Brief(as_of=as_of, period=period, team=team)
    if period is None:
        return brief
    now = key_result_scores(okrs, catalog, series, as_of, period)
    before = key_result_scores(okrs, catalog, series, as_of - WEEK, period)
    if team is not None:
        now, before = now[now["team"] == team], before[before["team"] == team]
    changes = standup.week_over_week(now, before)
    brief.changes = standup.band_or_status_changes(changes)
    brief.movers = standup.biggest_movers(changes)
    brief.stale = standup.stale_data(now)
    brief.overdue_milestones = standup.milestones_without_recent_checkin(okrs, now, as_of)
    forecasts_now = _for_team(kr_forecasts(okrs, catalog, series, as_of, period, links), now)
    forecasts_before = _for_team(
        kr_forecasts(okrs, catalog, series, as_of - WEEK, period, links), now
    )
    brief.forecast_shifts = forecast_shifts(forecasts_now, forecasts_before)
    findings_now = lint(okrs, catalog, series, as_of)
    findings_before = lint(okrs, catalog, series, as_of - WEEK)
    objective_ids = set(now["objective_id"])
    brief.new_findings = new_findings(findings_now, findings_before)
    brief.new_findings = brief.new_findings[brief.new_findings["objective_id"].isin(objective_ids)]
    return brief


def _pct(value: Any) -> str:
    """A probability or progress as a whole percentage."""
    return "–" if value is None or pd.isna(value) else f"{value:.0%}"


def _state(band: Any, status: Any) -> str:
    """A band and a status as words, e.g. "met, at risk"."""
    return f"{band or 'no data'}, {str(status).replace('_', ' ')}"


@dataclass(frozen=True)
class Item:
    """One line of a section: who it is about, and the news."""

    subject: str
    news: str


@dataclass(frozen=True)
class Section:
    """One section of the brief: its title, its items, and what having none means."""

    title: str
    when_empty: str
    items: list[Item]


def _kr(row: dict[str, Any]) -> str:
    """A key result as the subject of an item."""
    return f"**{row['kr_id']}** {row['key_result']}"


def _mover(row: dict[str, Any]) -> Item:
    """A key result whose progress moved, arrow and size first."""
    arrow = "▲" if row["progress_change"] > 0 else "▼"
    return Item(
        f"{arrow} {abs(row['progress_change']):.0%} · {_kr(row)}",
        f"{_pct(row['progress_before'])} → {_pct(row['progress'])}",
    )


# (title, what having none means, the brief's frame, how a row of it reads): the one wording of
# the brief, used by the Markdown text and the standup page alike.
_SECTIONS: tuple[tuple[str, str, str, Callable[[dict[str, Any]], Item]], ...] = (
    (
        "Changed band or status",
        "Nothing crossed a band or changed status since last week.",
        "changes",
        lambda r: Item(
            _kr(r),
            f"{_state(r['band_before'], r['status_before'])} → **{_state(r['band'], r['status'])}**",
        ),
    ),
    ("Biggest movers", "No key result moved.", "movers", _mover),
    (
        "Forecasts that shifted",
        "No forecast changed its likely outcome.",
        "forecast_shifts",
        lambda r: Item(
            _kr(r),
            f"most likely {r['band_before']} ({_pct(r['p_before'])}) → "
            f"**{r['band_now']}** ({_pct(r['p_now'])})",
        ),
    ),
    (
        "Stale data",
        "Every metric is fresh.",
        "stale",
        lambda r: Item(_kr(r), f"latest data {r['data_as_of']}"),
    ),
    (
        "Milestones without a recent check-in",
        "Every milestone has a recent check-in.",
        "overdue_milestones",
        lambda r: Item(_kr(r), f"last check-in {r['last_checkin'] or 'never'}"),
    ),
    (
        "New lint findings",
        "No new findings.",
        "new_findings",
        lambda r: Item(
            f"**{r['code']}** ({r['severity']}) {r['kr_id'] or r['objective_id']}", r["message"]
        ),
    ),
)


def brief_sections(brief: Brief) -> list[Section]:
    """The brief's sections as data, worded once for every way it is shown."""
    return [
        Section(title, empty, [item(r) for r in getattr(brief, frame).to_dict("records")])
        for title, empty, frame, item in _SECTIONS
    ]


def brief_markdown(brief: Brief) -> str:
    """The brief as Markdown, ready to paste into a chat or a standup doc."""
    who = brief.team or "all teams"
    lines = [f"# Standup brief · {who} · week ending {brief.as_of:%d %b %Y}", ""]
    if brief.period is None:
        return "\n".join([*lines, "No OKR period contains this date."])
    lines += [
        f"Period {brief.period}. Association, not proof of cause, for every measured link.",
        "",
    ]
    for section in brief_sections(brief):
        lines.append(f"## {section.title}")
        if not section.items:
            lines.append(section.when_empty)
        lines.extend(f"- {item.subject}: {item.news}" for item in section.items)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
