"""DataFrame → Altair chart builders: pure functions, one shared look, colour-blind-safe bands.

Band colours come from the Okabe–Ito palette (distinguishable with every common colour-vision
deficiency) and are the same on every page. User text only ever reaches charts as data
(titles, tooltips), never inside an expression.

Every chart follows the same reading conventions (those of Mixpanel's and Amplitude's charts):
dates travel as ISO strings with a temporal type (vl-convert, which renders the PNGs, rejects
date objects); an axis has one date format; a key names every mark; a period that is not over
is drawn dashed to a hollow point and called partial, never as a collapse; and a downloaded PNG
carries a title, its date and "okrlens".

Why this module is long: those conventions (the key, the date axis, partial periods, bands over
the period, the export title) are shared by every chart, so the charts and the rules they share
live together rather than in modules that would import each other's private helpers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

import altair as alt
import pandas as pd
import vl_convert

from pipelines.service import PRESETS, BandPreset

# Every chart type st.altair_chart accepts.
AnyChart = (
    alt.Chart
    | alt.LayerChart
    | alt.FacetChart
    | alt.VConcatChart
    | alt.HConcatChart
    | alt.ConcatChart
)
Spec = dict[str, Any]

# The bands' colours are the presets' own (BandPreset.colors), shared with badges and exports.
NO_DATA = "#999999"
LEADING, LAGGING = "#009E73", "#CC79A7"
# Metrics side by side: the whole Okabe–Ito set, so neighbouring lines stay distinguishable.
_SERIES_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")

# No offset: Vega-Lite reads such a string as local time, the time it formats axes in.
ISO = "%Y-%m-%dT%H:%M:%S"
DAY_MONTH, DAY_MONTH_YEAR = "%-d %b", "%-d %b %Y"
# On a page a chart fills its column; a PNG needs a width of its own.
EXPORT_WIDTH = 760
EXPORT = "okrlens_export"


class Mark(NamedTuple):
    """How one mark looks, and so how its entry in the key looks."""

    color: str
    dash: list[int]
    symbol: str  # the legend symbol: a Vega shape name or an SVG path


SOLID = [1, 0]
LINE = "stroke"
TICK = "M-0.15,-1H0.15V1H-0.15Z"  # a thin upright bar, like the target tick it stands for

ACTUAL, PARTIAL = "actual", "partial period (so far)"
TARGET, BASELINE, EXPECTED = "target", "baseline", "expected path"
MEDIAN, FAN = "forecast median", "forecast 80 % band"
CHECKIN = "check-in"
PROGRESS, EXPECTED_NOW = "progress", "expected by now"
MARKS: dict[str, Mark] = {
    ACTUAL: Mark("#0072B2", SOLID, LINE),
    PARTIAL: Mark("#0072B2", [4, 3], LINE),
    TARGET: Mark("#000000", SOLID, LINE),
    BASELINE: Mark("#777777", [2, 2], LINE),
    EXPECTED: Mark("#555555", [6, 4], LINE),
    MEDIAN: Mark("#CC79A7", [3, 2], LINE),
    FAN: Mark("#E7BDD6", SOLID, "square"),
    CHECKIN: Mark("#009E73", SOLID, "diamond"),
    PROGRESS: Mark("#333333", SOLID, LINE),
    EXPECTED_NOW: Mark("#555555", [6, 4], LINE),
}
COMPLETE = "complete"


def band_scale(preset: BandPreset) -> alt.Scale:
    """The colour scale of the preset's bands."""
    colors = preset.colors
    return alt.Scale(domain=list(colors), range=list(colors.values()))


def band_ranges(preset: BandPreset, upper: float) -> pd.DataFrame:
    """The preset's bands as progress ranges (band, start, end) from 0 to upper."""
    edges = [0.0, *preset.cuts, max(upper, preset.cuts[-1] + 0.2)]
    return pd.DataFrame({"band": list(preset.labels), "start": edges[:-1], "end": edges[1:]})


def date_text(day: dt.date | pd.Timestamp) -> str:
    """day as every chart prints it: 23 Nov 2026."""
    return f"{day.day} {day:%b %Y}"


def _iso(values: pd.Series) -> pd.Series:
    """Dates or timestamps as ISO strings, which Vega-Lite and vl-convert both read."""
    return pd.to_datetime(values).dt.strftime(ISO)


def _band_legend() -> alt.Legend:
    """The key of the band colours."""
    return alt.Legend(title="band", orient="bottom", symbolType="square", symbolOpacity=0.5)


def _key(marks: dict[str, Mark]) -> dict[str, Any]:
    """Encodings on the column `mark` that give each of marks its look and one entry in the key.

    Colour, dash and symbol share field and title, so Vega-Lite merges them into one legend.
    """
    names = list(marks)
    # A chart without a shape channel (no check-ins) shows its entries as strokes.
    legend = alt.Legend(
        title=None,
        orient="bottom",
        labelLimit=260,
        symbolStrokeWidth=2,
        symbolOpacity=1,
        symbolType=LINE,
    )

    def scale(values: list[Any]) -> alt.Scale:
        """The scale mapping each of names to its value in values."""
        return alt.Scale(domain=names, range=values)

    looks = marks.values()
    return {
        "color": alt.Color("mark:N", scale=scale([m.color for m in looks]), legend=legend),
        "strokeDash": alt.StrokeDash("mark:N", scale=scale([m.dash for m in looks]), legend=legend),
        "shape": alt.Shape("mark:N", scale=scale([m.symbol for m in looks]), legend=legend),
    }


def _marks(*names: str) -> dict[str, Mark]:
    """The shared look of each of names, in that order."""
    return {name: MARKS[name] for name in names}


def _time_axis(days: pd.Series) -> alt.Axis:
    """One date format along the axis: day and month, and the year when the dates span years."""
    years = pd.to_datetime(days).dt.year
    crosses = years.nunique() > 1
    return alt.Axis(
        format=DAY_MONTH_YEAR if crosses else DAY_MONTH,
        formatType="time",
        labelAngle=0,
        labelOverlap=True,
        title=None,
    )


def _time_x(field: str, days: pd.Series) -> alt.X:
    """The x encoding of field on a time axis spanning days (every layer shares it)."""
    first, last = pd.to_datetime(days).min(), pd.to_datetime(days).max()
    scale = alt.Scale(domain=[first.strftime(ISO), last.strftime(ISO)])
    return alt.X(f"{field}:T", axis=_time_axis(pd.Series([first, last])), scale=scale)


def _when(field: str, title: str = "period starting") -> alt.Tooltip:
    """A date in a tooltip, printed as the axes print it."""
    return alt.Tooltip(f"{field}:T", title=title, format=DAY_MONTH_YEAR)


def _partial_split(series: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(complete rows, the dashed line into the partial rows, the partial rows) of each metric.

    A period the data does not cover whole (``complete`` false) holds only part of its value, so
    it must not read as a fall. The dashed line runs from the metric's last complete period into
    the partial ones after it; a partial first period (data starting mid-week) is a point alone.
    """
    # Unknown completeness counts as not complete, as it does for every reader (`known_rows`).
    complete = series["complete"].fillna(False).astype(bool)
    done, partial = series[complete], series[~complete]
    last_done = partial["metric"].map(done.groupby("metric")["period_start"].max())
    trailing = partial[last_done.isna() | (partial["period_start"] > last_done)]
    bridge = done[done["metric"].isin(trailing["metric"])].groupby("metric").tail(1)
    return done, pd.concat([bridge, trailing]), partial


def bullet_chart(krs: pd.DataFrame, preset_name: str) -> AnyChart:
    """One bullet row per key result: bands shaded, progress bar, target tick, expected marker."""
    preset = PRESETS[preset_name]
    upper = 1.3
    titles = krs["key_result"].astype(str)
    # Rows are named by title; the id is added only where two titles are the same.
    twice = titles.duplicated(keep=False)
    data = pd.DataFrame(
        {
            "label": titles.where(~twice, titles + " (" + krs["kr_id"].astype(str) + ")"),
            "key_result": titles,
            "shown": krs["progress"].clip(lower=0, upper=upper),
            "expected_progress": krs["expected_progress"],
            "percent": krs["progress"].map(lambda p: "no data" if pd.isna(p) else f"{p:.0%}"),
            "expected_pct": krs["expected_progress"].map(lambda p: f"{p:.0%}"),
            "band": krs["band"],
            "status": krs["status"].astype(str).str.replace("_", " "),
        }
    )
    # The key shows each mark as drawn here: a bar, a tick and a triangle.
    key = _key(
        {
            PROGRESS: MARKS[PROGRESS]._replace(symbol="square"),
            TARGET: MARKS[TARGET]._replace(symbol=TICK),
            EXPECTED_NOW: Mark("#000000", SOLID, "triangle-down"),
        }
    )
    y = alt.Y(
        "label:N",
        title=None,
        sort=list(data["label"]),
        axis=alt.Axis(labelLimit=280, labelFontSize=13),
    )
    x_scale = alt.Scale(domain=[0, upper], clamp=True)
    ranges = band_ranges(preset, upper).merge(data[["label"]], how="cross")
    bands = (
        alt.Chart(ranges)
        .mark_bar(opacity=0.35, height=18)
        .encode(
            x=alt.X(
                "start:Q",
                scale=x_scale,
                title="progress toward target (100 % = target)",
                axis=alt.Axis(format="%"),
            ),
            x2="end:Q",
            y=y,
            fill=alt.Fill("band:N", scale=band_scale(preset), legend=_band_legend()),
        )
    )
    tooltip = [
        alt.Tooltip("key_result:N", title="key result"),
        alt.Tooltip("percent:N", title="progress"),
        alt.Tooltip("band:N"),
        alt.Tooltip("status:N"),
        alt.Tooltip("expected_pct:N", title="expected by now"),
    ]
    bar = (
        alt.Chart(data.assign(mark=PROGRESS))
        .mark_bar(height=7)
        .encode(x="shown:Q", y=y, color=key["color"], tooltip=tooltip)
    )
    target = (
        alt.Chart(data.assign(mark=TARGET))
        .mark_tick(thickness=2, size=20)
        .encode(x=alt.datum(1.0), y=y, color=key["color"])
    )
    expected = (
        alt.Chart(data.assign(mark=EXPECTED_NOW))
        .mark_point(shape="triangle-down", filled=True, size=60, yOffset=-9, opacity=1)
        .encode(
            x="expected_progress:Q",
            y=y,
            color=key["color"],
            shape=key["shape"],
            tooltip=[alt.Tooltip("expected_pct:N", title="expected by now")],
        )
    )
    return alt.layer(bands, bar, target, expected).properties(height=alt.Step(30))


def _period_bands(
    preset: BandPreset, low: float, high: float, start: pd.Timestamp, end: pd.Timestamp, x: str
) -> pd.DataFrame:
    """The bands as value ranges over the period only (columns band, low, high, x, to).

    low is the value at 0 % progress, high the value at 100 %; x names the chart's time field.
    """
    ranges = band_ranges(preset, 1.3)
    return pd.DataFrame(
        {
            "band": ranges["band"],
            "low": low + ranges["start"] * (high - low),
            "high": low + ranges["end"] * (high - low),
            x: start.strftime(ISO),
            "to": end.strftime(ISO),
        }
    )


def _band_layer(bands: pd.DataFrame, preset: BandPreset, x: alt.X) -> alt.Chart:
    """The band rectangles of _period_bands, behind everything else."""
    return (
        alt.Chart(bands)
        .mark_rect(opacity=0.18)
        .encode(
            x=x,
            x2="to:T",
            y="low:Q",
            y2="high:Q",
            fill=alt.Fill("band:N", scale=band_scale(preset), legend=_band_legend()),
            tooltip=["band:N"],
        )
    )


def kr_chart(
    series: pd.DataFrame,
    baseline: float | None,
    target: float | None,
    start: pd.Timestamp,
    end: pd.Timestamp,
    preset_name: str,
    checkins: pd.DataFrame,
    title: str,
    fan: pd.DataFrame | None = None,
) -> AnyChart:
    """A key result's metric over its period (series columns metric, period_start, value,
    complete), from one period's length before it.

    Bands, baseline and target over the period only; the expected path; the actual values with
    a partial last period dashed; check-ins; and the forecast fan to the period end (fan columns
    period_start, median, lo80, hi80). The key names every mark drawn.
    """
    # The period and one period's worth of lead-in: enough to see the trend it continues.
    series = series[series["period_start"] >= start - (end - start)]
    done, bridge, partial = _partial_split(series)
    span = (baseline, target) if baseline is not None and target is not None else None
    span = span if span is not None and span[0] != span[1] else None
    fan = fan if fan is not None and not fan.empty else None
    names = [
        ACTUAL,
        *([PARTIAL] if not partial.empty else []),
        *([TARGET, BASELINE, EXPECTED] if span is not None else []),
        *([MEDIAN, FAN] if fan is not None else []),
        *([CHECKIN] if not checkins.empty else []),
    ]
    key = _key(_marks(*names))
    stroke = {"color": key["color"], "strokeDash": key["strokeDash"]}
    x = _time_x("period_start", pd.concat([series["period_start"], pd.Series([start, end])]))
    y = alt.Y("value:Q", title=title, scale=alt.Scale(zero=False))
    value = alt.Tooltip("value:Q", format=",.4~g")
    layers: list[alt.Chart] = []
    if span is not None:
        low, high = span
        preset = PRESETS[preset_name]
        layers.append(
            _band_layer(_period_bands(preset, low, high, start, end, "period_start"), preset, x)
        )
        when = [start.strftime(ISO), end.strftime(ISO)]
        path = pd.DataFrame({"period_start": when, "value": [low, high], "mark": EXPECTED})
        layers.append(alt.Chart(path).mark_line().encode(x=x, y=y, **stroke))
        rules = pd.DataFrame(
            {
                "period_start": when[0],
                "to": when[1],
                "value": [high, low],
                "mark": [TARGET, BASELINE],
            }
        )
        layers.append(
            alt.Chart(rules)
            .mark_rule(strokeWidth=1.5)
            .encode(x=x, x2="to:T", y=y, tooltip=["mark:N", value], **stroke)
        )
    if fan is not None:
        layers += _fan_layers(fan, done, end, x, stroke)
    layers.append(
        alt.Chart(_series_rows(done).assign(mark=ACTUAL))
        .mark_line(point=alt.OverlayMarkDef(filled=True, size=30))
        .encode(x=x, y=y, tooltip=[_when("period_start"), value], **stroke)
    )
    if not partial.empty:
        layers += _partial_layers(
            _series_rows(bridge).assign(mark=PARTIAL),
            _series_rows(partial).assign(mark=PARTIAL, period="partial: data so far"),
            x,
            y,
            stroke,
            [_when("period_start"), value, "period:N"],
        )
    if not checkins.empty:
        dots = checkins.assign(period_start=_iso(checkins["date"]), mark=CHECKIN)
        layers.append(
            alt.Chart(dots[["period_start", "value", "confidence", "note", "mark"]])
            .mark_point(size=120, filled=True, opacity=1)
            .encode(
                x=x,
                y=y,
                color=key["color"],
                shape=key["shape"],
                tooltip=[
                    _when("period_start", "checked in on"),
                    value,
                    alt.Tooltip("confidence:Q", format=".0%"),
                    "note:N",
                ],
            )
        )
    return alt.layer(*layers).properties(height=320)


def _series_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """period_start (as ISO text) and value of rows, what a line of a series needs."""
    return pd.DataFrame({"period_start": _iso(rows["period_start"]), "value": rows["value"]})


def _fan_layers(
    fan: pd.DataFrame, done: pd.DataFrame, end: pd.Timestamp, x: alt.X, stroke: dict[str, Any]
) -> list[alt.Chart]:
    """The forecast's 80 % band and median, from the last complete value to the period end.

    The last forecast period holds the period end, so its values are the forecast at the end.
    """
    first = pd.Timestamp(fan["period_start"].min())
    known = done[done["period_start"] < first].tail(1)
    origin = pd.DataFrame(
        {
            "period_start": known["period_start"],
            "median": known["value"],
            "lo80": known["value"],
            "hi80": known["value"],
        }
    )
    last = fan.tail(1).assign(period_start=max(end, pd.Timestamp(fan["period_start"].max())))
    rows = pd.concat([origin, fan[["period_start", "median", "lo80", "hi80"]], last])
    rows = rows.assign(period_start=_iso(rows["period_start"]))
    tooltip = [
        _when("period_start", "forecast for"),
        alt.Tooltip("lo80:Q", title="10th percentile", format=",.4~g"),
        alt.Tooltip("median:Q", format=",.4~g"),
        alt.Tooltip("hi80:Q", title="90th percentile", format=",.4~g"),
    ]
    band = (
        alt.Chart(rows.assign(mark=FAN))
        .mark_area(opacity=0.6)
        .encode(x=x, y="lo80:Q", y2="hi80:Q", color=stroke["color"], tooltip=tooltip)
    )
    median = alt.Chart(rows.assign(mark=MEDIAN)).mark_line().encode(x=x, y="median:Q", **stroke)
    return [band, median]


def _partial_layers(
    bridge: pd.DataFrame,
    partial: pd.DataFrame,
    x: alt.X,
    y: alt.Y,
    look: dict[str, Any],
    tooltip: list[Any],
) -> list[alt.Chart]:
    """The dashed line (look: its colour and dash) into each partial period, the period's
    hollow point, and the word "partial" beside it."""
    line = alt.Chart(bridge).mark_line().encode(x=x, y=y, **look)
    hollow = (
        alt.Chart(partial)
        .mark_point(filled=False, size=60, strokeWidth=2)
        .encode(x=x, y=y, color=look["color"], tooltip=tooltip)
    )
    word = (
        alt.Chart(partial)
        .mark_text(align="left", dx=7, dy=-9, fontSize=11, color=INK)
        .encode(x=x, y=y, text=alt.value("partial"))
    )
    return [line, hollow, word]


def progress_history_chart(
    history: pd.DataFrame, preset_name: str, start: pd.Timestamp, end: pd.Timestamp
) -> AnyChart:
    """A key result's progress week by week over its period: bands, target, expected by now."""
    preset = PRESETS[preset_name]
    rows = history.dropna(subset=["progress"])
    data = pd.DataFrame(
        {
            "scored_at": _iso(rows["scored_at"]),
            "progress": rows["progress"],
            "expected": rows["expected_progress"],
            "band": rows["band"],
            "status": rows["status"].astype(str).str.replace("_", " "),
        }
    )
    x = _time_x("scored_at", pd.Series([start, end]))
    y = alt.Y("progress:Q", axis=alt.Axis(format="%"), title="progress")
    bands = _period_bands(preset, 0.0, 1.0, start, end, "scored_at")
    key = _key(_marks(PROGRESS, EXPECTED_NOW, TARGET))
    goal = pd.DataFrame(
        {"scored_at": [start.strftime(ISO)], "to": [end.strftime(ISO)], "progress": [1.0]}
    )
    layers = [
        _band_layer(bands, preset, x),
        alt.Chart(goal.assign(mark=TARGET))
        .mark_rule()
        .encode(x=x, x2="to:T", y=y, color=key["color"], strokeDash=key["strokeDash"]),
        alt.Chart(data.assign(mark=EXPECTED_NOW))
        .mark_line()
        .encode(x=x, y="expected:Q", color=key["color"], strokeDash=key["strokeDash"]),
        alt.Chart(data.assign(mark=PROGRESS))
        .mark_line()
        .encode(x=x, y=y, color=key["color"], strokeDash=key["strokeDash"]),
        alt.Chart(data)
        .mark_point(filled=True, size=90, opacity=1)
        .encode(
            x=x,
            y=y,
            fill=alt.Fill("band:N", scale=band_scale(preset), legend=_band_legend()),
            tooltip=[
                _when("scored_at", "scored on"),
                alt.Tooltip("progress:Q", format=".0%"),
                alt.Tooltip("expected:Q", title="expected by now", format=".0%"),
                "band:N",
                "status:N",
            ],
        ),
    ]
    return alt.layer(*layers).properties(height=220)


def indexed(series: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """series with an index column (100 at the first complete period where every metric has a
    non-zero value), and the axis title saying which period that is.

    100 + 100 × (value − base) / |base|: a negative base still reads "up is up". Without such a
    common period each metric is indexed at its own first non-zero value.
    """
    complete = series["complete"].fillna(False).astype(bool)
    usable = series[complete & series["value"].notna() & (series["value"] != 0)]
    counts = usable.groupby("period_start")["metric"].nunique()
    common = counts[counts == series["metric"].nunique()].index
    if len(common):
        base_at = common.min()
        base = usable[usable["period_start"] == base_at].set_index("metric")["value"]
        title = f"index (100 = {date_text(base_at)})"
    else:
        base = usable.sort_values("period_start").groupby("metric")["value"].first()
        title = "index (100 = each metric's first value)"
    bases = series["metric"].map(base)
    return series.assign(index=100 + 100 * (series["value"] - bases) / bases.abs()), title


def metrics_chart(series: pd.DataFrame) -> AnyChart:
    """The chosen metrics as lines on one shared time axis (columns metric, label, kind,
    period_start, value, complete); a partial last period dashed to a hollow point.

    One metric is drawn in its own units. Several are indexed to 100 at their first common
    period, so any number of them, in any units, share one y axis: a layered chart with
    independent y axes reads for two metrics at most, and a reader may pick every metric.
    """
    one = series["metric"].nunique() == 1
    rows, index_title = (series.assign(index=series["value"]), "") if one else indexed(series)
    rows = rows.assign(label=rows["label"] + " (" + rows["kind"] + ")")
    done, bridge, partial = _partial_split(rows)
    labels = list(dict.fromkeys(rows["label"]))
    x = _time_x("period_start", rows["period_start"])
    y = alt.Y(
        "index:Q",
        title=str(series["label"].iloc[0]) if one else index_title,
        scale=alt.Scale(zero=False),
    )
    color = alt.Color(
        "label:N",
        scale=alt.Scale(domain=labels, range=list(_SERIES_COLORS)),
        legend=alt.Legend(title=None, orient="bottom", columns=2, labelLimit=360, symbolType=LINE),
        sort=labels,
    )
    periods = [COMPLETE, PARTIAL] if not partial.empty else [COMPLETE]
    dash = alt.StrokeDash(
        "period:N",
        scale=alt.Scale(domain=periods, range=[SOLID, MARKS[PARTIAL].dash][: len(periods)]),
        legend=alt.Legend(title=None, orient="bottom", symbolType=LINE)
        if len(periods) > 1
        else None,
    )
    tooltip = [
        "label:N",
        _when("period_start"),
        alt.Tooltip("value:Q", format=",.4~g"),
        *([] if one else [alt.Tooltip("index:Q", format=".1f")]),
        "period:N",
    ]

    def plotted(frame: pd.DataFrame, period: str) -> pd.DataFrame:
        """The columns of frame a line needs, its period named (complete or partial)."""
        return pd.DataFrame(
            {
                "label": frame["label"],
                "period_start": _iso(frame["period_start"]),
                "value": frame["value"],
                "index": frame["index"],
                "period": period,
            }
        )

    layers = [
        alt.Chart(plotted(done, COMPLETE))
        .mark_line(point=alt.OverlayMarkDef(filled=True, size=30))
        .encode(x=x, y=y, color=color, strokeDash=dash, tooltip=tooltip)
    ]
    if not partial.empty:
        layers += _partial_layers(
            plotted(bridge, PARTIAL),
            plotted(partial, PARTIAL),
            x,
            y,
            {"color": color, "strokeDash": dash},
            tooltip,
        )
    return alt.layer(*layers).properties(height=340)


# Charts are white cards in both themes: the band colours and the dark marks stay readable,
# and an exported PNG looks the same as the screen.
BACKGROUND = "#FFFFFF"
INK = "#31333F"
# Explicit text colours: in the dark theme the frontend would otherwise draw light text.
CARD_CONFIG: dict[str, Any] = {
    "axis": {
        "labelColor": INK,
        "titleColor": INK,
        "domainColor": "#8A8A8A",
        "tickColor": "#8A8A8A",
    },
    "legend": {"labelColor": INK, "titleColor": INK},
    "header": {"labelColor": INK, "titleColor": INK},
    "title": {"color": INK, "subtitleColor": "#555555"},
}


def spec(chart: AnyChart) -> Spec:
    """The chart's Vega-Lite spec: what pages cache, draw and export."""
    vega_lite = chart.to_dict()
    config = vega_lite.get("config", {})
    for part, colours in CARD_CONFIG.items():
        config[part] = {**colours, **config.get(part, {})}
    return {**vega_lite, "background": BACKGROUND, "config": config}


def subtitle(*parts: str) -> str:
    """The line under an exported chart's title: what and when, then okrlens."""
    return " · ".join([*parts, "okrlens"])


def titled(vega_lite: Spec, title: str, subtitle_text: str) -> Spec:
    """vega_lite carrying the title its PNG shows.

    Kept in usermeta, which Vega-Lite ignores: on a page the page's own heading titles a chart.
    """
    meta = {**vega_lite.get("usermeta", {}), EXPORT: {"title": title, "subtitle": subtitle_text}}
    return {**vega_lite, "usermeta": meta}


def exported(vega_lite: Spec) -> Spec:
    """vega_lite as its PNG shows it: titled (see `titled`) and of a width of its own."""
    meta = vega_lite.get("usermeta", {}).get(EXPORT, {"title": "okrlens chart", "subtitle": ""})
    title = {
        "text": meta["title"],
        "subtitle": meta["subtitle"] or subtitle(),
        "anchor": "start",
        "fontSize": 15,
        "subtitlePadding": 4,
        "offset": 12,
    }
    return {**vega_lite, "title": title, "width": vega_lite.get("width", EXPORT_WIDTH)}


def chart_png(vega_lite: Spec, scale: float = 2.0) -> bytes:
    """A Vega-Lite spec rendered to a titled PNG offline (vl-convert), for download."""
    return bytes(vl_convert.vegalite_to_png(vl_spec=exported(vega_lite), scale=scale))


def ladder_chart(nodes: pd.DataFrame, edges: pd.DataFrame, tiers: tuple[str, ...]) -> AnyChart:
    """Outputs → product outcomes → business outcomes: labelled boxes in three columns.

    Edges only join neighbouring tiers and run from the right border of one box to the left
    border of the next, through the gap between columns, so no edge crosses a label.
    """
    box, width = 0.68, 900  # box width in column units; chart width in pixels
    # A page stretches the chart to its column, as narrow as ~720 px in an 800 px window:
    # labels are cut (whole in the tooltip) to fit a box of that chart, so none leaves its box.
    narrowest = 720
    per_tier = nodes.groupby("tier")["node"].transform("count")
    rows = int(per_tier.max())
    placed = nodes.assign(
        x=nodes["tier"].map({t: i for i, t in enumerate(tiers)}),
        # Shorter columns are centred, which keeps their edges short and flat.
        y=nodes.groupby("tier").cumcount() + (rows - per_tier) / 2,
        krs=nodes["key_results"].map(", ".join),
    )
    placed = placed.assign(
        x_end=placed["x"] + box, top=placed["y"] - 0.32, bottom=placed["y"] + 0.32
    )
    position = placed.set_index("node")[["x", "y"]]
    ends = position.rename(columns={"x": "x2", "y": "y2"})
    lines = edges.join(position, on="source").join(ends, on="target").dropna(subset=["x", "x2"])
    lines = lines.assign(
        x=lines["x"] + box,
        backing=lines["kind"].map(lambda k: "measured" if k == "measured" else "declared"),
    )
    x = alt.X("x:Q", axis=None, scale=alt.Scale(domain=[-0.02, len(tiers) - 1 + box + 0.02]))
    y_scale = alt.Scale(reverse=True, domain=[-1.0, rows - 0.4])
    y = alt.Y("y:Q", axis=None, scale=y_scale)
    px_per_unit = narrowest / (len(tiers) - 1 + box + 0.04)
    links = (
        alt.Chart(lines)
        .mark_rule(strokeWidth=2)
        .encode(
            x=x,
            y=y,
            x2="x2:Q",
            y2="y2:Q",
            color=alt.Color(
                "label:N",
                title="edge",
                scale=alt.Scale(scheme="dark2"),
                legend=alt.Legend(orient="bottom", columns=2, labelLimit=320),
            ),
            strokeDash=alt.StrokeDash(
                "backing:N",
                title="link",
                scale=alt.Scale(domain=["measured", "declared"], range=[SOLID, [4, 4]]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=["source:N", "target:N", "kind:N", "label:N"],
        )
    )
    tooltip = ["label:N", "tier:N", alt.Tooltip("krs:N", title="key results")]
    boxes = (
        alt.Chart(placed)
        .mark_rect(fill="#EAF3FB", stroke="#0072B2", strokeWidth=1.5, cornerRadius=4)
        .encode(
            x=x,
            x2="x_end:Q",
            # Every layer hides the y axis: Vega-Lite cannot merge a hidden axis with a shown one.
            y=alt.Y("top:Q", axis=None, scale=y_scale),
            y2="bottom:Q",
            tooltip=tooltip,
        )
    )
    text = (
        alt.Chart(placed)
        .mark_text(align="left", dx=8, fontSize=12, color=INK, limit=box * px_per_unit - 14)
        .encode(x=x, y=y, text="label:N", tooltip=tooltip)
    )
    headings = (
        alt.Chart(pd.DataFrame({"tier": list(tiers), "x": range(len(tiers)), "y": -0.8}))
        .mark_text(align="left", fontSize=13, fontWeight="bold", color=INK)
        .encode(x=x, y=y, text="tier:N")
    )
    return alt.layer(links, boxes, text, headings).properties(
        height=max(220, 56 * (rows + 1)), width=width
    )
