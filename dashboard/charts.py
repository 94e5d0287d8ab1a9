"""DataFrame → Altair chart builders: pure functions, one shared look, colour-blind-safe bands.

Band colours come from the Okabe–Ito palette (distinguishable with every common colour-vision
deficiency) and are the same on every page. User text only ever reaches charts as data
(titles, tooltips), never inside an expression.
"""

from __future__ import annotations

from typing import Any

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

# Okabe–Ito: vermillion, orange, sky blue, blue. Missed never sits next to exceeded in hue.
_PALETTE = ("#D55E00", "#E69F00", "#56B4E9", "#0072B2")
NO_DATA = "#999999"
LEADING, LAGGING = "#009E73", "#CC79A7"


def band_colors(preset: BandPreset) -> dict[str, str]:
    """Band label → colour, from worst to best band of the preset."""
    labels = preset.labels
    picks = (_PALETTE[0], _PALETTE[1], _PALETTE[3]) if len(labels) == 3 else _PALETTE
    return dict(zip(labels, picks, strict=True))


def band_scale(preset: BandPreset) -> alt.Scale:
    """The colour scale of the preset's bands."""
    colors = band_colors(preset)
    return alt.Scale(domain=list(colors), range=list(colors.values()))


def band_ranges(preset: BandPreset, upper: float) -> pd.DataFrame:
    """The preset's bands as progress ranges (band, start, end) from 0 to upper."""
    edges = [0.0, *preset.cuts, max(upper, preset.cuts[-1] + 0.2)]
    return pd.DataFrame({"band": list(preset.labels), "start": edges[:-1], "end": edges[1:]})


def bullet_chart(krs: pd.DataFrame, preset_name: str) -> AnyChart:
    """One bullet row per key result: bands shaded, progress bar, target tick, expected marker."""
    preset = PRESETS[preset_name]
    data = krs.assign(
        label=krs["kr_id"],
        shown=krs["progress"].clip(lower=0, upper=1.3),
        percent=krs["progress"].map(lambda p: "no data" if pd.isna(p) else f"{p:.0%}"),
        expected_pct=krs["expected_progress"].map(lambda p: f"{p:.0%}"),
    )
    upper = 1.3
    y = alt.Y("label:N", title=None, sort=list(data["label"]), axis=alt.Axis(labelLimit=220))
    x_scale = alt.Scale(domain=[0, upper], clamp=True)
    ranges = band_ranges(preset, upper).merge(data[["label"]], how="cross")
    bands = (
        alt.Chart(ranges)
        .mark_bar(opacity=0.35, height=18)
        .encode(
            x=alt.X(
                "start:Q",
                scale=x_scale,
                title="progress toward target (1.0 = target)",
                axis=alt.Axis(format="%"),
            ),
            x2="end:Q",
            y=y,
            color=alt.Color("band:N", scale=band_scale(preset), title="band"),
        )
    )
    bar = (
        alt.Chart(data)
        .mark_bar(height=7, color="#333333")
        .encode(
            x="shown:Q",
            y=y,
            tooltip=[
                alt.Tooltip("key_result:N", title="key result"),
                alt.Tooltip("percent:N", title="progress"),
                alt.Tooltip("band:N"),
                alt.Tooltip("status:N"),
                alt.Tooltip("expected_pct:N", title="expected by now"),
            ],
        )
    )
    target = (
        alt.Chart(data)
        .mark_tick(color="#000000", thickness=2, size=20)
        .encode(x=alt.datum(1.0), y=y)
    )
    expected = (
        alt.Chart(data)
        .mark_point(shape="triangle-down", filled=True, color="#000000", size=60, yOffset=-9)
        .encode(
            x="expected_progress:Q",
            y=y,
            tooltip=[alt.Tooltip("expected_pct:N", title="expected by now")],
        )
    )
    return alt.layer(bands, bar, target, expected).properties(height=alt.Step(26))


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
    """A key result's metric over time: band areas, baseline, target, expected path, check-ins,
    and the forecast fan (median and 80 % interval, columns period_start, median, lo80, hi80)."""
    layers: list[alt.Chart] = []
    if baseline is not None and target is not None and baseline != target:
        preset = PRESETS[preset_name]
        ranges = band_ranges(preset, 1.3)
        ranges["low"] = baseline + ranges["start"] * (target - baseline)
        ranges["high"] = baseline + ranges["end"] * (target - baseline)
        layers.append(
            alt.Chart(ranges)
            .mark_rect(opacity=0.18)
            .encode(
                y="low:Q",
                y2="high:Q",
                color=alt.Color("band:N", scale=band_scale(preset), title="band"),
            )
        )
        path = pd.DataFrame(
            {"period_start": [start, end], "value": [baseline, target], "line": "expected path"}
        )
        layers.append(
            alt.Chart(path)
            .mark_line(strokeDash=[6, 4], color="#555555")
            .encode(x="period_start:T", y="value:Q")
        )
        layers.append(alt.Chart().mark_rule(color="#000000").encode(y=alt.datum(target)))
        layers.append(
            alt.Chart().mark_rule(color="#777777", strokeDash=[2, 2]).encode(y=alt.datum(baseline))
        )
    layers.append(
        alt.Chart(series)
        .mark_line(point=True, color="#0072B2")
        .encode(
            x=alt.X("period_start:T", title=None),
            y=alt.Y("value:Q", title=title, scale=alt.Scale(zero=False)),
            tooltip=[
                alt.Tooltip("period_start:T", title="period"),
                alt.Tooltip("value:Q", format=",.4~g"),
            ],
        )
    )
    if fan is not None and not fan.empty:
        layers.append(
            alt.Chart(fan)
            .mark_area(opacity=0.25, color="#CC79A7")
            .encode(
                x="period_start:T",
                y="lo80:Q",
                y2="hi80:Q",
                tooltip=[
                    alt.Tooltip("period_start:T", title="forecast for"),
                    alt.Tooltip("lo80:Q", title="10th percentile", format=",.4~g"),
                    alt.Tooltip("median:Q", format=",.4~g"),
                    alt.Tooltip("hi80:Q", title="90th percentile", format=",.4~g"),
                ],
            )
        )
        layers.append(
            alt.Chart(fan)
            .mark_line(color="#CC79A7", strokeDash=[3, 2])
            .encode(x="period_start:T", y="median:Q")
        )
    if not checkins.empty:
        layers.append(
            alt.Chart(checkins)
            .mark_point(shape="diamond", size=120, filled=True, color="#CC79A7")
            .encode(
                x="date:T",
                y="value:Q",
                tooltip=[
                    alt.Tooltip("date:T"),
                    alt.Tooltip("value:Q"),
                    alt.Tooltip("confidence:Q", format=".0%"),
                    "note:N",
                ],
            )
        )
    return alt.layer(*layers).properties(height=320)


def progress_history_chart(history: pd.DataFrame, preset_name: str) -> AnyChart:
    """A key result's progress week by week, coloured by band."""
    preset = PRESETS[preset_name]
    return (
        alt.Chart(history.dropna(subset=["progress"]))
        .mark_line(point=True, color="#555555")
        .encode(
            x=alt.X("scored_at:T", title="scored on"),
            y=alt.Y("progress:Q", axis=alt.Axis(format="%"), title="progress"),
        )
        + alt.Chart(history.dropna(subset=["progress"]))
        .mark_point(filled=True, size=90)
        .encode(
            x="scored_at:T",
            y="progress:Q",
            color=alt.Color("band:N", scale=band_scale(preset)),
            tooltip=["scored_at:T", alt.Tooltip("progress:Q", format=".0%"), "band:N", "status:N"],
        )
    ).properties(height=200)


def metrics_chart(
    series: pd.DataFrame, domain: tuple[pd.Timestamp, pd.Timestamp] | None = None
) -> AnyChart:
    """Metrics as small panels, one per metric, on a time axis shared with domain when given."""
    scale = alt.Scale(domain=[d.isoformat() for d in domain]) if domain else alt.Scale()
    base = alt.Chart(series).encode(
        x=alt.X("period_start:T", title=None, scale=scale),
        y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False)),
        color=alt.Color(
            "kind:N", scale=alt.Scale(domain=["leading", "lagging"], range=[LEADING, LAGGING])
        ),
        tooltip=[
            "label:N",
            alt.Tooltip("period_start:T", title="period"),
            alt.Tooltip("value:Q", format=",.4~g"),
        ],
    )
    return (
        base.mark_line(point=True)
        .properties(height=110)
        .facet(
            row=alt.Row("label:N", title=None, sort=list(dict.fromkeys(series["label"]))), spacing=8
        )
        .resolve_scale(y="independent")
    )


Spec = dict[str, Any]


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
    "title": {"color": INK},
}


def spec(chart: AnyChart) -> Spec:
    """The chart's Vega-Lite spec: what pages cache, draw and export."""
    vega_lite = chart.to_dict()
    config = vega_lite.get("config", {})
    for part, colours in CARD_CONFIG.items():
        config[part] = {**colours, **config.get(part, {})}
    return {**vega_lite, "background": BACKGROUND, "config": config}


def chart_png(vega_lite: Spec, scale: float = 2.0) -> bytes:
    """A Vega-Lite spec rendered to PNG offline (vl-convert), for download."""
    return bytes(vl_convert.vegalite_to_png(vl_spec=vega_lite, scale=scale))


def ladder_chart(nodes: pd.DataFrame, edges: pd.DataFrame, tiers: tuple[str, ...]) -> AnyChart:
    """Outputs → product outcomes → business outcomes: nodes in three columns, edges between them."""
    placed = nodes.assign(
        x=nodes["tier"].map({t: i for i, t in enumerate(tiers)}),
        y=nodes.groupby("tier").cumcount(),
        krs=nodes["key_results"].map(", ".join),
    )
    position = placed.set_index("node")[["x", "y"]]
    ends = position.rename(columns={"x": "x2", "y": "y2"})
    lines = edges.join(position, on="source").join(ends, on="target")
    lines = lines.dropna(subset=["x", "x2"]).assign(measured=lines["kind"] == "measured")
    x = alt.X(
        "x:Q",
        # Room on the right for the last tier's labels.
        scale=alt.Scale(domain=[-0.05, len(tiers) - 0.4]),
        axis=alt.Axis(
            values=list(range(len(tiers))), labelExpr=_tier_labels(tiers), title=None, grid=False
        ),
    )
    y = alt.Y("y:Q", axis=None, scale=alt.Scale(reverse=True, padding=20))
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
            strokeDash=alt.condition("datum.measured", alt.value([1, 0]), alt.value([4, 4])),
            tooltip=["source:N", "target:N", "kind:N", "label:N"],
        )
    )
    points = (
        alt.Chart(placed)
        .mark_circle(size=260, color="#0072B2")
        .encode(x=x, y=y, tooltip=["label:N", "tier:N", "krs:N"])
    )
    text = (
        alt.Chart(placed)
        .mark_text(align="left", dx=12, fontSize=12)
        .encode(x=x, y=y, text="label:N")
    )
    return alt.layer(links, points, text).properties(
        height=max(220, 60 * int(placed["y"].max() + 1)), width=760
    )


def _tier_labels(tiers: tuple[str, ...]) -> str:
    """A Vega expression naming the tier of each x position (tier names are constants, not user text)."""
    cases = " : ".join(f"datum.value == {i} ? '{name}'" for i, name in enumerate(tiers))
    return f"{cases} : ''"
