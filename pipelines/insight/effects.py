"""Did the shipped work move the outcome? Each shipped initiative's metrics against a forecast.

Method, per shipped initiative and per metric it is judged on (the metric of each key result it
serves, "served", and the metric a significant measured link says leads that one, "leading"):

- The forecast: `metric_forecast`, the same ensemble as every other forecast, run on the rows
  known the day before the ship date (`known_rows`: the ship day's own period holds data from
  after shipping), to the last complete period known at as_of.
- The periods judged: the complete periods that start on or after the ship date and are known
  at as_of (`known_rows` again); a period the ship date falls inside is left out, since only
  part of it came after. Each is above, inside or below the forecast's 80 % band of that period.
- The effect: the mean of actual − forecast median over those periods, in the metric's units.
  Its 80 % interval is the mean of actual − the band's upper edge to the mean of actual − its
  lower edge: the interval of the mean if the forecast's paths moved together (a path that
  starts high mostly stays high), somewhat wider than that when they do not.
- The verdict: "above" when at least half of the periods are above the band and the whole
  effect interval is above zero ("below" the mirror); "within" otherwise. Half, not most: an
  effect grows as people adopt the work, so its first weeks are often still inside the band
  (of 200 synthetic series like those of tests/pipelines/test_effects.py, a ramp of +2 a week
  was found in 88 % this way and in 78 % with "most", at the price of 10 % false calls instead
  of 7 %). "too_early" with fewer than `MIN_PERIODS` periods, plus the measured lead for a
  served metric that a link says follows another (its effect shows that many periods later);
  "no_data" when there is nothing to forecast from, or the data stops before enough periods.

The wording says better or worse in the key result's direction, and always that this is an
observational estimate: the forecast stands for "what would have happened without it", and
anything else that changed in the same weeks is in the difference too. The measured rates are
in the README ("Did the shipped work move the outcome?").
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from pipelines.insight.forecast import metric_forecast
from pipelines.insight.forecast.nowcast import lead_for
from pipelines.insight.lint.figures import shown_change
from pipelines.metrics.grains import GRAINS
from pipelines.metrics.readings import known_rows
from pipelines.metrics.spec import Metric, MetricCatalog
from pipelines.okrs.initiatives import Initiative, InitiativeSet
from pipelines.okrs.spec import KeyResult, OkrSet

Verdict = Literal["above", "below", "within", "too_early", "no_data"]
Role = Literal["served", "leading"]
# Whether an effect found is in the key result's good direction ("better", "worse"); "" for none.
Direction = Literal["better", "worse", ""]
EFFECT_COLUMNS: tuple[str, ...] = (
    "initiative_id", "initiative", "team", "ship_date", "kr_id", "metric", "role",
    "periods_after", "above", "inside", "below", "effect", "effect_lo", "effect_hi",
    "expected_effect", "verdict", "direction", "wording",
)  # fmt: skip
PATH_COLUMNS: tuple[str, ...] = (
    "period_start", "actual", "median", "lo80", "hi80", "after", "ship_date",
)  # fmt: skip
# Fewer complete periods than this after shipping cannot tell an effect from a wiggle.
MIN_PERIODS = 3
# Periods before the ship date a chart shows, for the trend the forecast continues.
CONTEXT_PERIODS = 12
# Draws per forecast: the band's edges are 10th and 90th percentiles, steady at a thousand.
DRAWS = 1000
OBSERVATIONAL = "Observational: other changes of the same {periods} may explain it."


@dataclass(frozen=True)
class Judged:
    """One metric of one shipped initiative against its forecast: the row and the chart's path."""

    row: dict[str, Any]
    path: pd.DataFrame  # PATH_COLUMNS


@dataclass(frozen=True)
class Effects:
    """Every shipped initiative's judged metrics at one as-of date."""

    table: pd.DataFrame  # EFFECT_COLUMNS, one row per (initiative, key result, metric)
    paths: dict[tuple[str, str, str], pd.DataFrame]  # by (initiative_id, kr_id, metric)

    def path(self, initiative_id: str, kr_id: str, metric: str) -> pd.DataFrame:
        """The chart frame of one judged metric (PATH_COLUMNS); empty when it was not judged."""
        found = self.paths.get((initiative_id, kr_id, metric))
        return found if found is not None else pd.DataFrame(columns=list(PATH_COLUMNS))


@dataclass(frozen=True)
class _Subject:
    """What is judged: a metric's rows, under the metric's name, after an initiative shipped."""

    initiative: Initiative
    kr: KeyResult
    metric: Metric
    role: Role
    rows: pd.DataFrame
    better_higher: bool
    expected: float | None
    lead: int  # periods by which the metric follows a measured lead (0: none)


def _day(day: dt.date) -> str:
    """A date as the wording reads it: 28 Sep 2026."""
    return f"{day.day} {day:%b %Y}"


def _change(value: float, unit: str) -> str:
    """A signed amount in the metric's unit: "+5.2 pts" for a percent metric, "−0.98 hours"."""
    suffix = "" if unit in ("", "%") else f" {unit}"
    return shown_change(value, unit) + suffix


def _better_higher(kr: KeyResult, metric: Metric) -> bool:
    """Whether a higher value of the key result's metric is the good direction."""
    declared = kr.type is not None or (isinstance(kr.baseline, float) and kr.target is not None)
    if not declared:
        # An auto baseline leaves the type to the data; the metric says which way is good.
        return metric.direction == "higher"
    return kr.kr_type in ("increase", "stay_above")


def _subjects(
    initiative: Initiative,
    okrs: OkrSet,
    catalog: MetricCatalog,
    series: pd.DataFrame,
    links: pd.DataFrame,
) -> Iterator[_Subject]:
    """The metrics initiative is judged on: each served KR's own, then the one leading it."""
    known = {m.name for m in catalog.metrics}
    for serves in initiative.serves:
        kr = okrs.key_result(serves.key_result)[1]
        if kr.metric is None or kr.metric not in known:
            continue  # a milestone is fed by check-ins: there is no series to forecast
        metric = catalog.get(kr.metric)
        # A sliced KR reads its slice's series under the metric's name (as its forecast does);
        # links are measured between whole metrics, so a slice has no measured lead.
        own = series[series["metric"] == kr.series_key].assign(metric=metric.name)
        lead = lead_for(links, metric.name) if kr.series_key == metric.name else None
        lead = lead if lead is not None and lead[0] in known else None
        better = _better_higher(kr, metric)
        yield _Subject(
            initiative, kr, metric, "served", own, better, serves.effect, lead[1] if lead else 0
        )
        if lead is not None:
            leading = catalog.get(lead[0])
            rows = series[series["metric"] == leading.name]
            higher = leading.direction == "higher"
            yield _Subject(initiative, kr, leading, "leading", rows, higher, None, 0)


def _elapsed(rows: pd.DataFrame, metric: Metric, ship: dt.date, as_of: dt.date) -> int:
    """Whole periods of the metric's grid between the ship date and the end of as_of."""
    if rows.empty:
        return 0
    step = pd.tseries.frequencies.to_offset(GRAINS[metric.grain].starts)
    anchor = pd.Timestamp(rows["period_start"].min())
    starts = pd.date_range(anchor, pd.Timestamp(as_of), freq=step)
    ends = pd.DatetimeIndex([s + step for s in starts])
    return int(
        ((starts >= pd.Timestamp(ship)) & (ends <= pd.Timestamp(as_of + dt.timedelta(1)))).sum()
    )


def _path(subject: _Subject, ship: dt.date, as_of: dt.date) -> pd.DataFrame:
    """Actual values from a little before shipping to as_of, with the forecast made at shipping
    over the complete periods after it (PATH_COLUMNS)."""
    known = known_rows(subject.rows, as_of, live_snapshots=False)
    actual = known[["period_start", "value"]].rename(columns={"value": "actual"})
    shipped = pd.Timestamp(ship)
    after = actual[actual["period_start"] >= shipped]
    before = actual[actual["period_start"] < shipped].tail(CONTEXT_PERIODS)
    rows = pd.concat([before, after]).assign(median=math.nan, lo80=math.nan, hi80=math.nan)
    if not after.empty:
        last = known[known["period_start"] == after["period_start"].max()]
        until = (pd.Timestamp(last["period_end"].iloc[-1]) - pd.Timedelta(days=1)).date()
        day_before = ship - dt.timedelta(days=1)
        found = metric_forecast(subject.rows, subject.metric, day_before, until, draws=DRAWS)
        if found is not None:
            band = found.path[found.path["period_start"] >= shipped]
            rows = rows[["period_start", "actual"]].merge(band, on="period_start", how="left")
    rows = rows.assign(after=rows["period_start"] >= shipped, ship_date=ship)
    return rows[list(PATH_COLUMNS)].reset_index(drop=True)


def _counts(path: pd.DataFrame) -> dict[str, Any]:
    """The periods after shipping, their counts against the band, and the effect with its
    interval (NaN without a forecast)."""
    judged = path[path["after"].astype(bool)]
    actual = judged["actual"].astype(float)
    return {
        "periods_after": len(judged),
        "above": int((actual > judged["hi80"]).sum()),
        "inside": int(((actual >= judged["lo80"]) & (actual <= judged["hi80"])).sum()),
        "below": int((actual < judged["lo80"]).sum()),
        "effect": float((actual - judged["median"]).mean()),
        "effect_lo": float((actual - judged["hi80"]).mean()),
        "effect_hi": float((actual - judged["lo80"]).mean()),
    }


def _verdict(
    counts: dict[str, Any], needed: int, forecast: bool, elapsed: int, history: bool
) -> Verdict:
    """The verdict key of a judged metric (see the module docstring); history: whether any
    period before the ship date is known."""
    n = counts["periods_after"]
    if n < needed:
        # Without history, or with fewer periods than the calendar has passed (the data stops),
        # waiting will not do.
        return "too_early" if history and elapsed < needed else "no_data"
    if not forecast:
        return "no_data"
    if 2 * counts["above"] >= n and counts["effect_lo"] > 0:
        return "above"
    if 2 * counts["below"] >= n and counts["effect_hi"] < 0:
        return "below"
    return "within"


def _direction(verdict: Verdict, better_higher: bool) -> Direction:
    """Whether the verdict's effect is the good direction of the key result; "" without one."""
    if verdict not in ("above", "below"):
        return ""
    return "better" if (verdict == "above") == better_higher else "worse"


def _wording(
    subject: _Subject,
    counts: dict[str, Any],
    verdict: Verdict,
    forecast: bool,
    elapsed: int,
    history: bool,
) -> str:
    """The honest sentence of a verdict, better or worse in the key result's direction."""
    grain = GRAINS[subject.metric.grain]
    ship = subject.initiative.ship_date
    assert ship is not None  # judged initiatives are shipped, which requires a ship date
    unit = subject.metric.unit
    n = counts["periods_after"]
    if verdict == "no_data":
        if not forecast and (n > 0 or not history):
            return f"no data: too little history before {_day(ship)} to forecast from"
        return (
            f"no data: {grain.count(n)} of data since shipping on {_day(ship)}, where "
            f"{grain.count(elapsed)} have passed"
        )
    if verdict == "too_early":
        since = (
            f"{grain.count(elapsed)} since shipping"
            if elapsed
            else "shipped this " + grain.singular
        )
        if subject.lead:
            return f"too early: {since}, and the measured lead is ~{grain.count(subject.lead)}"
        return f"too early: {since}, of the {grain.count(MIN_PERIODS)} the comparison needs"
    estimate = (
        f"an estimated {_change(counts['effect'], unit)} (80 % interval "
        f"{_change(counts['effect_lo'], unit)} to {_change(counts['effect_hi'], unit)})"
    )
    expected = ""
    if subject.expected is not None:
        expected = f"; the team expected {_change(subject.expected, unit)}"
    if verdict == "within":
        where = (
            f"all {grain.count(n)}"
            if counts["inside"] == n
            else f"{counts['inside']} of {grain.count(n)}"
        )
        return f"within the forecast band for {where}: no effect visible yet, {estimate}{expected}"
    outside = counts["above"] if verdict == "above" else counts["below"]
    return (
        f"{_direction(verdict, subject.better_higher)} than the forecast band for {outside} of "
        f"{grain.count(n)}: {estimate} over what the data known on {_day(ship)} forecast"
        f"{expected}. {OBSERVATIONAL.format(periods=grain.plural)}"
    )


def _judged(subject: _Subject, as_of: dt.date) -> Judged:
    """subject's row of the effects table and its chart path."""
    initiative = subject.initiative
    ship = initiative.ship_date
    assert ship is not None
    path = _path(subject, ship, as_of)
    counts = _counts(path)
    forecast = bool(path["median"].notna().any())
    elapsed = _elapsed(subject.rows, subject.metric, ship, as_of)
    history = bool((~path["after"].astype(bool)).any())
    verdict = _verdict(counts, MIN_PERIODS + subject.lead, forecast, elapsed, history)
    row = {
        "initiative_id": initiative.id,
        "initiative": initiative.title,
        "team": initiative.team,
        "ship_date": ship,
        "kr_id": subject.kr.id,
        "metric": subject.metric.name,
        "role": subject.role,
        **counts,
        "expected_effect": math.nan if subject.expected is None else subject.expected,
        "verdict": verdict,
        "direction": _direction(verdict, subject.better_higher),
        "wording": _wording(subject, counts, verdict, forecast, elapsed, history),
    }
    return Judged(row, path)


def shipped_effects(
    initiatives: InitiativeSet,
    okrs: OkrSet,
    catalog: MetricCatalog,
    series: pd.DataFrame,
    links: pd.DataFrame,
    as_of: dt.date,
) -> Effects:
    """Every initiative shipped by as_of, judged on each metric it moves (module docstring).

    links: measured lead/lag links (columns leading, lagging, best_lag, correlation,
    significant), the source of each served metric's leading metric. An initiative whose ship
    date is after as_of had not shipped yet then, and is left out.
    """
    judged = [
        _judged(subject, as_of)
        for initiative in initiatives.initiatives
        if initiative.status == "shipped"
        and initiative.ship_date is not None
        and initiative.ship_date <= as_of
        for subject in _subjects(initiative, okrs, catalog, series, links)
    ]
    table = pd.DataFrame([j.row for j in judged], columns=list(EFFECT_COLUMNS))
    paths = {(j.row["initiative_id"], j.row["kr_id"], j.row["metric"]): j.path for j in judged}
    return Effects(table, paths)


def initiative_effects(
    initiatives: InitiativeSet,
    okrs: OkrSet,
    catalog: MetricCatalog,
    series: pd.DataFrame,
    links: pd.DataFrame,
    as_of: dt.date,
) -> pd.DataFrame:
    """One row per (shipped initiative, metric it is judged on): counts, effect, verdict, words."""
    return shipped_effects(initiatives, okrs, catalog, series, links, as_of).table


def effect_path(
    initiative_id: str,
    kr_id: str,
    metric: str,
    initiatives: InitiativeSet,
    okrs: OkrSet,
    catalog: MetricCatalog,
    series: pd.DataFrame,
    links: pd.DataFrame,
    as_of: dt.date,
) -> pd.DataFrame:
    """The chart frame of one judged metric: actual, forecast median and 80 % band by period.

    PATH_COLUMNS; ``after`` marks the periods judged, ``ship_date`` is the initiative's. Empty
    when the initiative was not shipped by as_of or is not judged on that metric for kr_id.
    """
    one = InitiativeSet(initiatives=[initiatives.get(initiative_id)])
    return shipped_effects(one, okrs, catalog, series, links, as_of).path(
        initiative_id, kr_id, metric
    )
