"""A shipped initiative's metric against the forecast made when it shipped: pure, like charts.py.

The marks keep the shared looks (`charts.MARKS`): the actual line, the forecast median and its
80 % band as on the Key result page's fan, and the ship date as a rule, so "above the band"
reads the same on every page.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from dashboard.charts import (
    ACTUAL,
    DAY_MONTH,
    DAY_MONTH_YEAR,
    FAN,
    ISO,
    LINE,
    MARKS,
    MEDIAN,
    SOLID,
    AnyChart,
    Mark,
)

SHIPPED = "shipped"
LOOKS: dict[str, Mark] = {
    ACTUAL: MARKS[ACTUAL],
    MEDIAN: MARKS[MEDIAN],
    FAN: MARKS[FAN],
    SHIPPED: Mark("#000000", SOLID, LINE),
}


def _key() -> dict[str, Any]:
    """Colour and dash on the column `mark`, merged into one key naming every mark."""
    names = list(LOOKS)
    legend = alt.Legend(title=None, orient="bottom", symbolType=LINE, symbolStrokeWidth=2)
    return {
        "color": alt.Color(
            "mark:N",
            scale=alt.Scale(domain=names, range=[m.color for m in LOOKS.values()]),
            legend=legend,
        ),
        "strokeDash": alt.StrokeDash(
            "mark:N",
            scale=alt.Scale(domain=names, range=[m.dash for m in LOOKS.values()]),
            legend=legend,
        ),
    }


def effect_chart(path: pd.DataFrame, title: str) -> AnyChart:
    """The actual values (path columns period_start, actual) from before the ship date on, the
    forecast median and 80 % band (median, lo80, hi80) over the periods after it (after), and
    the ship date (ship_date); title names the metric on the y axis."""
    # Only the columns drawn, dates as ISO text: vl-convert, which renders the PNG, rejects dates.
    rows = path[["actual", "median", "lo80", "hi80"]].assign(
        period_start=pd.to_datetime(path["period_start"]).dt.strftime(ISO)
    )
    band = rows[path["after"].astype(bool) & rows["median"].notna()]
    ship = pd.Timestamp(path["ship_date"].iloc[0])
    key = _key()
    # One date format along the axis, with the year when the dates span years.
    years = pd.to_datetime(path["period_start"]).dt.year.nunique()
    axis_format = DAY_MONTH if years == 1 else DAY_MONTH_YEAR
    x = alt.X(
        "period_start:T",
        title=None,
        axis=alt.Axis(format=axis_format, formatType="time", labelAngle=0, labelOverlap=True),
    )
    y = alt.Y("actual:Q", title=title, scale=alt.Scale(zero=False))
    when = alt.Tooltip("period_start:T", title="period starting", format=DAY_MONTH_YEAR)
    number = ",.4~g"
    layers = [
        alt.Chart(band.assign(mark=FAN))
        .mark_area(opacity=0.6)
        .encode(
            x=x,
            y="lo80:Q",
            y2="hi80:Q",
            color=key["color"],
            tooltip=[
                when,
                alt.Tooltip("lo80:Q", title="10th percentile", format=number),
                alt.Tooltip("median:Q", title="forecast median", format=number),
                alt.Tooltip("hi80:Q", title="90th percentile", format=number),
            ],
        ),
        alt.Chart(band.assign(mark=MEDIAN)).mark_line().encode(x=x, y="median:Q", **key),
        alt.Chart(rows.dropna(subset=["actual"]).assign(mark=ACTUAL))
        .mark_line(point=alt.OverlayMarkDef(filled=True, size=30))
        .encode(x=x, y=y, tooltip=[when, alt.Tooltip("actual:Q", format=number)], **key),
        alt.Chart(pd.DataFrame({"period_start": [ship.strftime(ISO)], "mark": [SHIPPED]}))
        .mark_rule(strokeWidth=1.5)
        .encode(
            x=x,
            **key,
            tooltip=[alt.Tooltip("period_start:T", title="shipped on", format=DAY_MONTH_YEAR)],
        ),
    ]
    return alt.layer(*layers).properties(height=260)
