"""The ten-second read of a period: every key result's band, where it is heading, what changed, why.

A leader opening the overview asks three things: which key results are off, where each is
heading, and why. So each key result is one row of words (band and status as words as well as
colours, its value against its target, the forecast's likely band, the change since last week,
and the latest check-in note or the metric's own move), and the counts come in one fixed order.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipelines.okrs.bands import PRESETS
from pipelines.okrs.spec import OkrSet
from pipelines.service.formatting import CURRENCY, percent_text, value_text

WEEK = dt.timedelta(days=7)
STATUS_WORDS = {"off_track": "off track", "at_risk": "at risk", "on_track": "on track"}
NO_DATA = "no data"
PENDING = "forecasting…"


@dataclass(frozen=True)
class Row:
    """One key result as read at a glance."""

    kr_id: str
    title: str
    band: str  # a band label of the preset, or "no data"
    status: str  # in words: on track, at risk, off track, no data
    now: str  # current value against the target, with the unit
    progress: str
    heading: str  # the forecast's likely band at period end and its chance, or "–"
    change: str  # since a week before: "met → exceeded", "+4 pts", "no change"
    why: str  # the latest check-in note, or the metric's move over its last period
    stale: bool


@dataclass(frozen=True)
class Objective:
    """One objective's roll-up and its key results' rows."""

    objective_id: str
    title: str
    team: str
    band: str
    progress: str
    parent: str  # the title of the key result it rolls up into (telescoping), or ""
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Glance:
    """The period at a glance: counts in a fixed order and every objective's rows."""

    period: str
    as_of: dt.date
    elapsed: str
    bands: tuple[str, ...]  # the preset's labels, worst first, then "no data"
    band_counts: tuple[tuple[str, int], ...]
    status_counts: tuple[tuple[str, int], ...]
    objectives: tuple[Objective, ...]


def _word(value: object) -> str:
    """A band or status label in words, "no data" when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NO_DATA
    return STATUS_WORDS.get(str(value), str(value).replace("_", " "))


def _heading(forecast: Mapping[Hashable, Any] | None) -> str:
    """The forecast's likeliest band at period end and its chance, e.g. "exceeded (64 %)"."""
    if not forecast:
        return "–"
    chances = {str(k)[2:]: v for k, v in forecast.items() if str(k).startswith("p_")}
    usable = {k: float(v) for k, v in chances.items() if isinstance(v, float) and not math.isnan(v)}
    if not usable:
        return "–"
    band = max(usable, key=usable.__getitem__)
    return f"{band} {usable[band]:.0%}"


def _change(now: Mapping[Hashable, Any], before: Mapping[Hashable, Any] | None) -> str:
    """What moved since a week before: the band, else the status, else the progress."""
    if before is None:
        return "new"
    for field in ("band", "status"):
        if _word(now[field]) != _word(before[field]):
            return f"{_word(before[field])} → {_word(now[field])}"
    p_now, p_before = now["progress"], before["progress"]
    if not isinstance(p_now, float) or not isinstance(p_before, float):
        return "no change"
    if math.isnan(p_now) or math.isnan(p_before) or round((p_now - p_before) * 100) == 0:
        return "no change"
    return f"{(p_now - p_before) * 100:+.0f} pts"


def _now(kr: Mapping[Hashable, Any], unit: str) -> str:
    """The current value against the target: "$459,896 / $490,000", "35 / 36 subscriptions"."""
    if kr["rolled_up_from"]:
        return f"rolled up from {len(kr['rolled_up_from'])} objective(s)"
    # A unit that is a word is said once, after the target.
    worded = unit not in ("%", *CURRENCY)
    return (
        f"{value_text(kr['current'], '' if worded else unit)} of {value_text(kr['target'], unit)}"
    )


def _latest_notes(okrs: OkrSet, as_of: dt.date) -> dict[str, str]:
    """Each key result's latest check-in note on or before as_of, with its date."""
    notes = {}
    for objective in okrs.objectives:
        for kr in objective.key_results:
            dated = [c for c in kr.checkins if c.date <= as_of and c.note]
            if dated:
                latest = max(dated, key=lambda c: c.date)
                notes[kr.id] = f"{latest.note} ({latest.date:%d %b})"
    return notes


def _moves(series: pd.DataFrame, units: dict[str, str], as_of: dt.date) -> dict[str, str]:
    """Each metric's move over its last complete period before as_of, e.g. "+1.2 % on 9 Nov"."""
    done = series[series["complete"] & (pd.to_datetime(series["period_end"]).dt.date <= as_of)]
    moves = {}
    for name, rows in done.sort_values("period_start").groupby("metric"):
        last = rows["value"].tail(2).tolist()
        if len(last) == 2 and last[0] not in (0, None) and not any(map(pd.isna, last)):
            start = pd.Timestamp(rows["period_start"].iloc[-1]).date()
            unit = units.get(str(name), "")
            delta = (
                f"{(last[1] - last[0]) * 100:+.1f} pts"
                if unit == "%"
                else f"{(last[1] - last[0]) / abs(last[0]):+.1%}"
            )
            moves[str(name)] = f"{delta} in the week of {start:%d %b}"
    return moves


def glance(
    okrs: OkrSet,
    now: tuple[pd.DataFrame, pd.DataFrame],
    week_before: pd.DataFrame,
    forecasts: pd.DataFrame | None,
    series: pd.DataFrame,
    units: dict[str, str],
    as_of: dt.date,
) -> Glance:
    """The glance of scored key results (now: key results and objectives) at as_of.

    forecasts None: not computed yet (the page draws the rest first), each heading says so.
    """
    krs, objectives = now
    preset = PRESETS[okrs.band_preset]
    bands = (*preset.labels, NO_DATA)
    before = {str(r["kr_id"]): r for r in week_before.to_dict("records")}
    ahead = {} if forecasts is None else {str(r["kr_id"]): r for r in forecasts.to_dict("records")}
    notes, moves = _latest_notes(okrs, as_of), _moves(series, units, as_of)
    rows: dict[str, list[Row]] = {}
    for kr in krs.to_dict("records"):
        unit = str(kr["unit"] or "")
        metric = str(kr["metric"] or "")
        # A period that is over is explained by its check-ins, not by this week's moves.
        current = okrs.period(str(kr["period"])).end >= as_of
        rows.setdefault(str(kr["objective_id"]), []).append(
            Row(
                kr_id=str(kr["kr_id"]),
                title=str(kr["key_result"]),
                band=_word(kr["band"]),
                status=_word(kr["status"]),
                now=_now(kr, unit),
                progress=percent_text(kr["progress"]),
                heading=PENDING if forecasts is None else _heading(ahead.get(str(kr["kr_id"]))),
                change=_change(kr, before.get(str(kr["kr_id"]))),
                why=notes.get(str(kr["kr_id"])) or (moves.get(metric, "") if current else ""),
                stale=bool(kr["stale"]),
            )
        )
    shown = objectives[objectives["objective_id"].isin(list(rows))]
    titles = {kr.id: kr.title for o in okrs.objectives for kr in o.key_results}
    band_words = [_word(b) for b in krs["band"]]
    status_words = [_word(s) for s in krs["status"]]
    return Glance(
        period=str(krs["period"].iloc[0]) if not krs.empty else "",
        as_of=as_of,
        elapsed=percent_text(float(krs["expected_progress"].iloc[0])) if not krs.empty else "–",
        bands=bands,
        band_counts=tuple((b, band_words.count(b)) for b in bands),
        status_counts=tuple((w, status_words.count(w)) for w in (*STATUS_WORDS.values(), NO_DATA)),
        objectives=tuple(
            Objective(
                objective_id=str(o["objective_id"]),
                title=str(o["objective"]),
                team=str(o["team"]),
                band=_word(o["band"]),
                progress=percent_text(o["progress"]),
                parent=titles.get(str(o["parent_kr"] or ""), ""),
                rows=tuple(rows[str(o["objective_id"])]),
            )
            for o in shown.to_dict("records")
        ),
    )
