"""The weekly standup brief, written from the data: what moved, what to discuss, what is stale.

Everything in it is computed by other modules (scoring, standup, forecast, lint) at two dates a
week apart; this module only chooses, compares, ranks and words. The words are plain text: each
way of showing them (a table, the page's Markdown, Markdown pasted into chat) escapes them once.

Why this module is long: it holds the brief's two halves, choosing (`weekly_brief` and its
rankings) and wording (the board, the discussion, the stale line, the sections, the Markdown),
so that a change to what is chosen and to how it reads is one diff. The wording half is the
part to move into a module of its own when either grows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pipelines import standup
from pipelines.exports import records
from pipelines.insight.forecast import kr_forecasts
from pipelines.insight.lint import lint
from pipelines.markdown import markdown_text
from pipelines.metrics.grains import GRAINS
from pipelines.metrics.spec import MetricCatalog
from pipelines.metrics.vocabulary import Vocabulary
from pipelines.okrs.bands import PRESETS, BandPreset
from pipelines.okrs.reviews import Cadence, next_review
from pipelines.okrs.scoring import key_result_scores
from pipelines.okrs.scoring.rules import STATUS_ORDER
from pipelines.okrs.spec import OkrSet

WEEK = dt.timedelta(days=7)
TITLE = "Standup brief"
# A forecast "shifted" when the chance of its most likely band moved by this much in a week.
FORECAST_SHIFT = 0.15
# The statuses a standup talks about. A missed key result whose period is over is off track
# too (its expected progress is 1), so the status alone decides.
TO_DISCUSS = ("off_track", "at_risk")
_NOTE_COLUMNS = ["note_date", "note"]
# What the Markdown brief says when a part of it is empty.
NO_MOVES = "Nothing crossed a band or changed status since last week."
NOTHING_TO_DISCUSS = "No key result is at risk or off track."
EVERYTHING_FRESH = "Every metric is fresh."
BOARD_COLUMNS = [
    "kr_id", "key result", "team", "band was", "band now", "status was", "status now",
    "progress", "why",
]  # fmt: skip
DISCUSSION_COLUMNS = [
    "kr_id", "key result", "team", "status", "band", "progress", "expected", "why",
]  # fmt: skip
_SHIFT_COLUMNS = ["kr_id", "key_result", "band_before", "band_now", "p_before", "p_now"]


def _pct(value: Any) -> str:
    """A probability or progress as a whole percentage (never "-0%")."""
    return "–" if value is None or pd.isna(value) else f"{round(value * 100)}%"


def _day(value: Any) -> str:
    """A date as people write it: "6 Dec 2026"."""
    day = pd.Timestamp(value)
    return f"{day.day} {day:%b %Y}"


def _words(value: Any) -> str:
    """A band or status as people say it: "on track"; "no data" when there is none."""
    return "no data" if value is None or pd.isna(value) else str(value).replace("_", " ")


@dataclass
class Brief:
    """The standup brief of one team (or all) for the week ending at as_of."""

    as_of: dt.date
    period: str | None
    team: str | None
    changes: pd.DataFrame = field(default_factory=pd.DataFrame)
    to_discuss: pd.DataFrame = field(default_factory=pd.DataFrame)
    movers: pd.DataFrame = field(default_factory=pd.DataFrame)
    forecast_shifts: pd.DataFrame = field(default_factory=pd.DataFrame)
    stale: pd.DataFrame = field(default_factory=pd.DataFrame)
    overdue_milestones: pd.DataFrame = field(default_factory=pd.DataFrame)
    new_findings: pd.DataFrame = field(default_factory=pd.DataFrame)
    # The next review on or after as_of and the period it reviews (pipelines.okrs.reviews).
    next_review: tuple[dt.date, str] | None = None

    def review_line(self) -> str:
        """When the next review is due, in one sentence ("" when none is ahead)."""
        if self.next_review is None:
            return ""
        day, period = self.next_review
        days = (day - self.as_of).days
        when = "today" if days == 0 else f"in {days} day{'' if days == 1 else 's'}"
        return f"Next OKR review ({period}) due {_day(day)}, {when}."

    def record(self) -> dict[str, Any]:
        """The brief as JSON-ready data."""
        return {
            "as_of": self.as_of.isoformat(),
            "period": self.period,
            "team": self.team,
            "changed_band_or_status": records(self.changes),
            "to_discuss": records(self.to_discuss),
            "biggest_movers": records(self.movers),
            "forecast_shifts": records(self.forecast_shifts),
            "stale_data": records(self.stale),
            "stale_data_in_words": self.stale_line(),
            "milestones_without_recent_checkin": records(self.overdue_milestones),
            "new_lint_findings": records(self.new_findings),
            "next_review": self.review_line(),
        }

    def board(self) -> pd.DataFrame:
        """The moves, one row per key result: band and status then (blank: unchanged) and now."""
        rows = [
            {
                "kr_id": r["kr_id"],
                "key result": r["key_result"],
                "team": r["team"],
                "band was": _words(r["band_before"]) if r["band_changed"] else "",
                "band now": _words(r["band"]),
                "status was": _words(r["status_before"]) if r["status_changed"] else "",
                "status now": _words(r["status"]),
                "progress": _progress_move(r["progress_before"], r["progress"]),
                "why": r.get("note") or "",
            }
            for r in self.changes.to_dict("records")
        ]
        return pd.DataFrame(rows, columns=BOARD_COLUMNS)

    def discussion(self) -> pd.DataFrame:
        """The key results to discuss, worst first: status, band, progress against expected, why."""
        rows = [
            {
                "kr_id": r["kr_id"],
                "key result": r["key_result"],
                "team": r["team"],
                "status": _words(r["status"]),
                "band": _words(r["band"]),
                "progress": _pct(r["progress"]),
                "expected": _pct(r["expected_progress"]),
                "why": f"{r['note_date'].day} {r['note_date']:%b}: {r['note']}"
                if r.get("note")
                else "",
            }
            for r in self.to_discuss.to_dict("records")
        ]
        return pd.DataFrame(rows, columns=DISCUSSION_COLUMNS)

    def stale_line(self) -> str:
        """Stale data in one sentence: which metrics have no newer data than when; "" if none."""
        if self.stale.empty:
            return ""
        metrics = self.stale.dropna(subset=["metric"]).drop_duplicates("metric")
        groups = [
            f"the {GRAINS[str(grain)].singular} of {_day(latest)}: {', '.join(rows['metric_label'])}"
            for (latest, grain), rows in metrics.groupby(["data_as_of", "grain"], sort=True)
        ]
        n, krs = len(metrics), len(self.stale)
        return (
            f"{n} {'metric has' if n == 1 else 'metrics have'} no data after "
            f"{'; '.join(groups)} ({krs} key result{'' if krs == 1 else 's'})."
        )


def _progress_move(before: Any, now: Any) -> str:
    """Progress a week ago and now, and the change in points: "23% → 63% ▲ 40 pts"."""
    text = f"{_pct(before)} → {_pct(now)}"
    points = 0 if pd.isna(before) or pd.isna(now) else round((now - before) * 100)
    unit = "pt" if abs(points) == 1 else "pts"
    return f"{text} {'▲' if points > 0 else '▼'} {abs(points)} {unit}" if points else text


def latest_complete_week_end(series: pd.DataFrame) -> dt.date | None:
    """The last day (Sunday) of the latest ISO week the data covers completely; None without data.

    Example:
        >>> weeks = pd.DataFrame({
        ...     "period_start": pd.to_datetime(["2026-11-09", "2026-11-16", "2026-11-23"]),
        ...     "period_end": pd.to_datetime(["2026-11-16", "2026-11-23", "2026-11-30"]),
        ...     "value": [1.0, 2.0, 3.0], "complete": [True, True, False]})
        >>> latest_complete_week_end(weeks)
        datetime.date(2026, 11, 22)
    """
    complete = series[series["complete"].fillna(False).astype(bool) & series["value"].notna()]
    if complete.empty:
        return None
    # period_end is exclusive: the day before it is the last day the data covers.
    covered = pd.Timestamp(complete["period_end"].max()).date() - dt.timedelta(days=1)
    return covered - dt.timedelta(days=(covered.weekday() + 1) % 7)


def _latest_notes(okrs: OkrSet, after: dt.date, until: dt.date) -> pd.DataFrame:
    """Each key result's latest check-in note dated after after and up to until (kr_id, note_date, note)."""
    rows = []
    for objective in okrs.objectives:
        for kr in objective.key_results:
            noted = [c for c in kr.checkins if after < c.date <= until and c.note.strip()]
            if noted:
                latest = max(noted, key=lambda c: c.date)
                rows.append({"kr_id": kr.id, "note_date": latest.date, "note": latest.note})
    return pd.DataFrame(rows, columns=["kr_id", *_NOTE_COLUMNS]).drop_duplicates("kr_id")


def _with_notes(frame: pd.DataFrame, notes: pd.DataFrame) -> pd.DataFrame:
    """frame with each key result's note_date and note (empty when it has none)."""
    merged = frame.drop(columns=_NOTE_COLUMNS, errors="ignore").merge(notes, on="kr_id", how="left")
    merged.index = frame.index
    return merged.assign(note=merged["note"].fillna(""))


def moves(changes: pd.DataFrame, preset: BandPreset) -> pd.DataFrame:
    """Key results whose band or status differs from a week ago: worse ones first, then by size.

    changes is `standup.week_over_week`; a band that stayed the same with the same status (met
    → met) is no move.
    """
    moved = standup.band_or_status_changes(changes)
    band_level = {label: i for i, label in enumerate(preset.labels)}
    status_level = {status: i for i, status in enumerate(STATUS_ORDER)}
    worse = (moved["band"].map(band_level) < moved["band_before"].map(band_level)) | (
        moved["status"].map(status_level) < moved["status_before"].map(status_level)
    )
    size = moved["progress_change"].abs().fillna(0)
    order = pd.DataFrame({"worse": worse, "size": size}).sort_values(
        ["worse", "size"], ascending=False, kind="stable"
    )
    return moved.loc[order.index]


def key_results_to_discuss(scores: pd.DataFrame) -> pd.DataFrame:
    """Key results off track, then at risk; within each, the furthest behind expected first."""
    flagged = scores[scores["status"].isin(TO_DISCUSS)]
    order = pd.DataFrame(
        {
            "status": flagged["status"].map(TO_DISCUSS.index),
            "behind": flagged["expected_progress"] - flagged["progress"].astype(float),
        }
    ).sort_values(["status", "behind"], ascending=[True, False], kind="stable")
    return flagged.loc[order.index]


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
        return pd.DataFrame(columns=_SHIFT_COLUMNS)
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
    return pd.DataFrame(rows, columns=_SHIFT_COLUMNS)


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
    vocabulary: Vocabulary | None = None,
    cadence: Cadence | None = None,
) -> Brief:
    """The brief for the week ending at as_of: this week's scores, forecasts and lint against last week's.

    vocabulary (what the stored events are called) lets lint flag filters that cannot match;
    cadence (how often reviews come) says when the next review is due.
    """
    found = okrs.period_at(as_of)
    due = next_review(okrs, cadence or Cadence(), as_of)
    brief = Brief(
        as_of=as_of,
        period=found.name if found else None,
        team=team,
        next_review=(due[0], due[1].name) if due else None,
    )
    if found is None:
        return brief
    period = found.name
    now = key_result_scores(okrs, catalog, series, as_of, period)
    before = key_result_scores(okrs, catalog, series, as_of - WEEK, period)
    if team is not None:
        now, before = now[now["team"] == team], before[before["team"] == team]
    changes = standup.week_over_week(now, before)
    week_notes = _latest_notes(okrs, as_of - WEEK, as_of)
    period_notes = _latest_notes(okrs, found.start - dt.timedelta(days=1), as_of)
    brief.changes = _with_notes(moves(changes, PRESETS[okrs.band_preset]), week_notes)
    brief.to_discuss = _with_notes(key_results_to_discuss(now), period_notes)
    brief.movers = standup.biggest_movers(changes)
    metrics = {m.name: m for m in catalog.metrics}  # a rolled-up KR has none: no label
    stale = standup.stale_data(now)
    brief.stale = stale.assign(
        metric_label=stale["metric"].map({n: m.display_label for n, m in metrics.items()}),
        grain=stale["metric"].map({n: m.grain for n, m in metrics.items()}),
    )
    brief.overdue_milestones = standup.milestones_without_recent_checkin(okrs, now, as_of)
    forecasts_now = _for_team(kr_forecasts(okrs, catalog, series, as_of, period, links), now)
    forecasts_before = _for_team(
        kr_forecasts(okrs, catalog, series, as_of - WEEK, period, links), now
    )
    brief.forecast_shifts = forecast_shifts(forecasts_now, forecasts_before)
    findings_now = lint(okrs, catalog, series, as_of, vocabulary=vocabulary)
    findings_before = lint(okrs, catalog, series, as_of - WEEK, vocabulary=vocabulary)
    objective_ids = set(now["objective_id"])
    brief.new_findings = new_findings(findings_now, findings_before)
    brief.new_findings = brief.new_findings[brief.new_findings["objective_id"].isin(objective_ids)]
    return brief


@dataclass(frozen=True)
class Item:
    """One line of a section: what it is about, the key result or objective it names, the news."""

    subject: str
    news: str
    ref: str = ""

    def markdown(self, bullet: str = "-") -> str:
        """The item as a Markdown list line (bullet "-", or "1." for a ranked list), escaped."""
        ref = f" ({markdown_text(self.ref)})" if self.ref else ""
        return f"{bullet} **{markdown_text(self.subject)}**{ref}: {markdown_text(self.news)}"


@dataclass(frozen=True)
class Section:
    """One section of the brief: its title, its items, and what having none means."""

    title: str
    when_empty: str
    items: list[Item]

    def markdown_lines(self) -> list[str]:
        """The section's items as Markdown list lines, or what having none means."""
        return [item.markdown() for item in self.items] or [self.when_empty]


# (title, what having none means, the brief's frame, how a row of it reads): the one wording of
# what the brief says beyond the moves, the discussion and stale data, for the Markdown text and
# the standup page alike.
_SECTIONS: tuple[tuple[str, str, str, Callable[[dict[str, Any]], Item]], ...] = (
    (
        "Biggest movers",
        "No key result moved.",
        "movers",
        lambda r: Item(
            r["key_result"], _progress_move(r["progress_before"], r["progress"]), r["kr_id"]
        ),
    ),
    (
        "Forecasts that shifted",
        "No forecast changed its likely outcome.",
        "forecast_shifts",
        lambda r: Item(
            r["key_result"],
            f"most likely {r['band_before']} ({_pct(r['p_before'])}) → "
            f"{r['band_now']} ({_pct(r['p_now'])})",
            r["kr_id"],
        ),
    ),
    (
        "Milestones without a recent check-in",
        "Every milestone has a recent check-in.",
        "overdue_milestones",
        lambda r: Item(
            r["key_result"],
            f"last check-in {_day(r['last_checkin']) if r['last_checkin'] else 'never'}",
            r["kr_id"],
        ),
    ),
    (
        "New lint findings",
        "No new findings.",
        "new_findings",
        lambda r: Item(
            f"{r['code']} ({r['severity']})", r["message"], r["kr_id"] or r["objective_id"]
        ),
    ),
)


def brief_sections(brief: Brief) -> list[Section]:
    """The brief's sections beyond the moves, the discussion and stale data, worded once."""
    return [
        Section(title, empty, [item(r) for r in getattr(brief, frame).to_dict("records")])
        for title, empty, frame, item in _SECTIONS
    ]


def _move_news(row: dict[Hashable, Any]) -> str:
    """A board row's move in words: "status at risk → off track (band still missed); progress …"."""
    band, status = row["band now"], row["status now"]
    if row["band was"] and row["status was"]:
        move = f"band {row['band was']} → {band}, status {row['status was']} → {status}"
    elif row["band was"]:
        move = f"band {row['band was']} → {band} (still {status})"
    else:
        move = f"status {row['status was']} → {status} (band still {band})"
    why = f". Why: {row['why']}" if row["why"] else ""
    return f"{move}; progress {row['progress']}{why}"


def _discussion_news(row: dict[Hashable, Any]) -> str:
    """A discussion row in words: "off track, band missed; progress 33%, 57% expected …"."""
    why = f". Latest check-in {row['why']}" if row["why"] else ""
    return f"{row['status']}, band {row['band']}; progress {row['progress']}, {row['expected']} expected{why}"


def brief_markdown(brief: Brief) -> str:
    """The brief as Markdown, ready to paste into a chat or a standup doc; user text escaped."""
    who = markdown_text(brief.team or "all teams")
    heading = f"# {TITLE} · {who} · week ending {_day(brief.as_of)}"
    if brief.period is None:
        return "\n".join([heading, "", "No OKR period contains this date."]) + "\n"
    period = markdown_text(brief.period)
    moved = [
        Item(r["key result"], _move_news(r), r["kr_id"]).markdown()
        for r in brief.board().to_dict("records")
    ]
    to_discuss = [
        Item(r["key result"], _discussion_news(r), r["kr_id"]).markdown(f"{rank}.")
        for rank, r in enumerate(brief.discussion().to_dict("records"), start=1)
    ]
    lines = [
        f"{heading} · {period}",
        "",
        f"Period {period}, as of {_day(brief.as_of)}, against {_day(brief.as_of - WEEK)}. "
        "Association, not proof of cause, for every measured link."
        + (f" {markdown_text(brief.review_line())}" if brief.next_review else ""),
        "",
        "## Moves",
        *(moved or [NO_MOVES]),
        "",
        "## To discuss",
        *(to_discuss or [NOTHING_TO_DISCUSS]),
        "",
        "## Stale data",
        markdown_text(brief.stale_line()) or EVERYTHING_FRESH,
        "",
    ]
    for section in brief_sections(brief):
        lines += [f"## {section.title}", *section.markdown_lines(), ""]
    return "\n".join(lines).rstrip() + "\n"
