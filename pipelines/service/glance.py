"""The ten-second read of a period: every key result's band, where it is heading, what changed, why.

A leader opening the overview asks three things: which key results are off, where each is
heading, and why. So each key result is one row of words (band and status as words as well as
colours, its value against its target, the forecast's likely band, the change since last week,
and the one-line why), and the counts come in one fixed order. The why is the latest check-in
note; else the move of the metric's driver (the leading metric a measured link says leads it);
else the metric's own move.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipelines.insight.forecast.bands import likeliest_band
from pipelines.metrics.grains import GRAINS
from pipelines.metrics.spec import MetricCatalog
from pipelines.okrs.bands import PRESETS
from pipelines.okrs.spec import OkrSet
from pipelines.service.formatting import CURRENCY, STATUS_WORDS, percent_text, value_text

WEEK = dt.timedelta(days=7)
# Worst first, the order the counts are read in.
STATUSES = ("off track", "at risk", "on track")
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
    why: str  # the latest check-in note, else the driver's move, else the metric's own move
    stale: bool
    final: bool  # its deadline has passed: the band is its grade, not progress so far


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
    data_through: dt.date | None = None  # the last day every shown key result's data covers

    @property
    def final(self) -> bool:
        """Every key result's deadline has passed: the bands are grades, not progress so far."""
        return all(row.final for o in self.objectives for row in o.rows)

    @property
    def band_heading(self) -> str:
        """What the bands are: "Final band" once the period is graded, else "Band so far"."""
        return "Final band" if self.final else "Band so far"


def _word(value: object) -> str:
    """A band or status label in words, "no data" when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NO_DATA
    return STATUS_WORDS.get(str(value), str(value).replace("_", " "))


def _heading(forecast: Mapping[Hashable, Any] | None) -> str:
    """The forecast's likeliest band at period end and its chance, e.g. "exceeded (64 %)"."""
    found = likeliest_band(forecast)
    return "–" if found is None else f"{found[0]} {found[1]:.0%}"


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
    """The current value against the target: "$459,896 of $490,000", "35 of 36".

    Units in words (subscriptions, hours) are left to the title, which says them.
    """
    if kr["rolled_up_from"]:
        return "rolled up"
    shown = unit if unit in ("%", *CURRENCY) else ""
    return f"{value_text(kr['current'], shown)} of {value_text(kr['target'], shown)}"


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


def _moves(series: pd.DataFrame, catalog: MetricCatalog, as_of: dt.date) -> dict[str, str]:
    """Each metric's move over its last complete period before as_of: "+1.2% in the week of 9 Nov"."""
    done = series[series["complete"] & (pd.to_datetime(series["period_end"]).dt.date <= as_of)]
    metrics = {m.name: m for m in catalog.metrics}
    moves = {}
    for name, rows in done.sort_values("period_start").groupby("metric"):
        last = rows["value"].tail(2).tolist()
        metric = metrics.get(str(name))
        if metric and len(last) == 2 and last[0] not in (0, None) and not any(map(pd.isna, last)):
            start, end = (
                pd.Timestamp(rows[c].iloc[-1]).date() for c in ("period_start", "period_end")
            )
            delta = (
                f"{(last[1] - last[0]) * 100:+.1f} pts"
                if metric.unit == "%"
                else f"{(last[1] - last[0]) / abs(last[0]):+.1%}"
            )
            grain = GRAINS[metric.grain]
            # The period just gone is "last week"; an older one is named, so staleness shows.
            latest = grain.singular != "day" and (as_of - end).days < grain.days
            moves[str(name)] = (
                f"{delta} {f'last {grain.singular}' if latest else f'in {grain.called(start)}'}"
            )
    return moves


def _drivers(links: pd.DataFrame | None, catalog: MetricCatalog) -> dict[str, tuple[str, str]]:
    """Each lagging metric's driver and its lead in words: the leading metric a significant link
    says leads it most, e.g. {"new_subscriptions": ("workflows_per_active_user", "3 weeks")}.

    Only leads of a period or more: a metric that moves in the same period explains nothing ahead.
    """
    if links is None or links.empty:
        return {}
    known = {m.name for m in catalog.metrics}
    leads = links[links["significant"] & (links["best_lag"] >= 1) & links["leading"].isin(known)]
    strongest = leads.assign(strength=leads["correlation"].abs()).sort_values(
        ["strength", "leading"], ascending=[False, True]
    )
    return {
        str(r["lagging"]): (str(r["leading"]), GRAINS[str(r["grain"])].count(int(r["best_lag"])))
        for r in strongest.drop_duplicates("lagging").to_dict("records")
    }


def _why(
    kr_id: str, metric: str, notes: dict[str, str], moves: dict[str, str], catalog: MetricCatalog,
    drivers: dict[str, tuple[str, str]], unseen: Mapping[str, str],
) -> str:  # fmt: skip
    """The one-line why: a filter that cannot match, else the latest note, else the driver's
    move, else the metric's own move."""
    if metric in unseen:
        return f"its filter may never match: {unseen[metric]}"
    if kr_id in notes:
        return notes[kr_id]
    leading, lead = drivers.get(metric, ("", ""))
    if leading in moves:
        return f"{catalog.get(leading).display_label} {moves[leading]} (leads it by ~{lead})"
    return moves.get(metric, "")


def glance(
    okrs: OkrSet,
    now: tuple[pd.DataFrame, pd.DataFrame],
    week_before: pd.DataFrame,
    ahead: tuple[pd.DataFrame, pd.DataFrame] | None,
    series: pd.DataFrame,
    catalog: MetricCatalog,
    as_of: dt.date,
    *,
    unseen: Mapping[str, str] | None = None,
) -> Glance:
    """The glance of scored key results (now: key results and objectives) at as_of.

    ahead holds the forecasts and the measured links, or None while they are computed (the page
    draws the rest first): each heading then says so, and the why goes without drivers. unseen
    maps a metric to what its filter names that no stored event has, which is then the why.
    """
    krs, objectives = now
    preset = PRESETS[okrs.band_preset]
    bands = (*preset.labels, NO_DATA)
    before = {str(r["kr_id"]): r for r in week_before.to_dict("records")}
    forecasts = {} if ahead is None else {str(r["kr_id"]): r for r in ahead[0].to_dict("records")}
    drivers = _drivers(None if ahead is None else ahead[1], catalog)
    notes, moves = _latest_notes(okrs, as_of), _moves(series, catalog, as_of)
    rows: dict[str, list[Row]] = {}
    for kr in krs.to_dict("records"):
        unit = str(kr["unit"] or "")
        kr_id = str(kr["kr_id"])
        # A key result past its deadline is explained by its check-ins, not by this week's moves.
        _, spec = okrs.key_result(kr_id)
        current = spec.window(okrs.period(str(kr["period"]))).end >= as_of
        rows.setdefault(str(kr["objective_id"]), []).append(
            Row(
                kr_id=kr_id,
                title=str(kr["key_result"]),
                band=_word(kr["band"]),
                status=_word(kr["status"]),
                now=_now(kr, unit),
                progress=percent_text(kr["progress"]),
                heading=PENDING if ahead is None else _heading(forecasts.get(kr_id)),
                change=_change(kr, before.get(kr_id)),
                why=_why(
                    kr_id,
                    str(kr["metric"] or ""),
                    notes,
                    moves if current else {},
                    catalog,
                    drivers,
                    unseen or {},
                ),
                stale=bool(kr["stale"]),
                final=bool(kr["final"]),
            )
        )
    shown = objectives[objectives["objective_id"].isin(list(rows))]
    titles = {kr.id: kr.title for o in okrs.objectives for kr in o.key_results}
    band_words = [_word(b) for b in krs["band"]]
    status_words = [_word(s) for s in krs["status"]]
    through = [d for d in krs["data_through"] if isinstance(d, dt.date)]
    return Glance(
        data_through=min(through, default=None),
        period=str(krs["period"].iloc[0]) if not krs.empty else "",
        as_of=as_of,
        elapsed=percent_text(float(krs["expected_progress"].iloc[0])) if not krs.empty else "–",
        bands=bands,
        band_counts=tuple((b, band_words.count(b)) for b in bands),
        status_counts=tuple((w, status_words.count(w)) for w in (*STATUSES, NO_DATA)),
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
