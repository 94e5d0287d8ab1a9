"""Charts a person reads: PNGs that render and say what they show, partial periods, bands over
the period, a key for every mark, readable dates, a ladder without edges through its labels,
and the Metrics page's metrics on one time axis."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from dashboard import charts, data
from pipelines.service import Workspace
from tests.dashboard.conftest import Open

AS_OF = dt.date(2026, 11, 23)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
Q4_START, Q4_END = pd.Timestamp("2026-10-01"), pd.Timestamp("2026-12-31")
COMPANY_KRS = (
    "company-q4-mrr",
    "company-q4-new-subscriptions",
    "company-q4-habit",
    "company-q4-downtime",
)
SIX_METRICS = (
    "weekly_active_users",
    "active_institutions",
    "signups",
    "mrr",
    "new_subscriptions",
    "churned_accounts",
)
NO_CHECKINS = pd.DataFrame(columns=["date", "value", "confidence", "note"])
Build = Callable[[str, str], charts.Spec | None]


@pytest.fixture(scope="module")
def demo(demo_workspace: Workspace, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A copy of the demo workspace that this module's charts read."""
    home = tmp_path_factory.mktemp("charts") / "demo"
    shutil.copytree(demo_workspace.home, home)
    return str(home)


def drawn(build: Build, home: str) -> charts.Spec:
    """The spec the dashboard draws (and exports) for build on the workspace at home."""
    found = build(home, data.version(Workspace(Path(home))))
    assert found is not None
    return found


def overview_bullet(home: str, v: str) -> charts.Spec | None:
    """The Overview's bullet chart of the company objective."""
    return data.bullet_spec(home, AS_OF, "2026-Q4", "company-q4", COMPANY_KRS, v)


def mrr_chart(home: str, v: str) -> charts.Spec | None:
    """The Key result page's chart of the MRR KR: it has a check-in and a forecast."""
    return data.kr_spec(home, AS_OF, "company-q4-mrr", v)


def mrr_history(home: str, v: str) -> charts.Spec | None:
    """The Key result page's score-history chart of the MRR KR."""
    return data.progress_history_spec(home, AS_OF, "2026-Q4", "company-q4-mrr", v)


def six_metrics(home: str, v: str) -> charts.Spec | None:
    """The Metrics page's chart of its default choice."""
    return data.metrics_spec(home, SIX_METRICS, v)


def counter_metric(home: str, v: str) -> charts.Spec | None:
    """The Key result page's counter-metric chart."""
    return data.metrics_spec(home, ("first_response_time",), v)


def ladder(home: str, v: str) -> charts.Spec | None:
    """The Insight page's ladder of Q4."""
    return data.ladder_spec(home, "2026-Q4", v)


# Every chart the dashboard draws on the demo, with the title and subtitle of its PNG.
DASHBOARD_CHARTS = [
    pytest.param(
        overview_bullet,
        "company-q4 · Become the reference manager our institutions cannot do without",
        "2026-Q4 · as of 23 Nov 2026 · okrlens",
        id="overview bullet",
    ),
    pytest.param(
        mrr_chart,
        "company-q4-mrr · Grow MRR from $430k to $490k",
        "MRR · as of 23 Nov 2026 · okrlens",
        id="key result with a check-in and a forecast",
    ),
    pytest.param(
        mrr_history,
        "company-q4-mrr · Grow MRR from $430k to $490k: score week by week",
        "2026-Q4 · as of 23 Nov 2026 · okrlens",
        id="score week by week",
    ),
    pytest.param(
        six_metrics,
        "6 metrics on one time axis",
        "data to 22 Nov 2026 · okrlens",
        id="metrics side by side",
    ),
    pytest.param(
        counter_metric,
        "First response time",
        "data to 22 Nov 2026 · okrlens",
        id="counter-metric",
    ),
    pytest.param(
        ladder,
        "Ladder 2026-Q4: outputs → product outcomes → business outcomes",
        "links measured on data to 22 Nov 2026 · okrlens",
        id="ladder",
    ),
]


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels, from the PNG's header chunk."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


@pytest.mark.parametrize(("build", "title", "subtitle"), DASHBOARD_CHARTS)
def test_every_dashboard_chart_downloads_as_a_png(
    demo: str, build: Build, title: str, subtitle: str
) -> None:
    png = charts.chart_png(drawn(build, demo))
    width, height = png_size(png)
    assert png[:8] == PNG_MAGIC
    # At scale 2: a readable chart of at least 600 × 200 CSS pixels, not an empty frame.
    assert width >= 1200 and height >= 400
    assert len(png) > 50_000


@pytest.mark.parametrize(("build", "title", "subtitle"), DASHBOARD_CHARTS)
def test_a_downloaded_png_is_titled_with_what_it_shows_its_date_and_okrlens(
    demo: str, build: Build, title: str, subtitle: str
) -> None:
    on_page = drawn(build, demo)
    exported = charts.exported(on_page)
    assert (exported["title"]["text"], exported["title"]["subtitle"]) == (title, subtitle)
    assert "title" not in on_page  # on the page, the page's own heading titles the chart


def rows_of(spec: charts.Spec) -> list[dict[str, Any]]:
    """Every inline data row of spec, whichever layer draws it."""
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


def key_of(spec: charts.Spec, channel: str = "color", field: str = "mark") -> list[str]:
    """The entries of the legend of channel on field (its scale's domain)."""
    for layer in spec.get("layer", [spec]):
        encoded = layer.get("encoding", {}).get(channel, {})
        if encoded.get("field") == field:
            return list(encoded["scale"]["domain"])
    return []


def weekly(values: list[float], complete: list[bool], first: str = "2026-10-05") -> pd.DataFrame:
    """A weekly series of one metric, as the service gives it."""
    weeks = pd.date_range(first, periods=len(values), freq="7D")
    return pd.DataFrame(
        {
            "metric": "signups",
            "period_start": weeks,
            "period_end": weeks + pd.Timedelta(days=7),
            "value": values,
            "complete": complete,
        }
    )


def signups_kr(series: pd.DataFrame) -> charts.Spec:
    """The KR chart of "sign-ups from 400 to 700 in Q4" over series."""
    chart = charts.kr_chart(
        series, 400.0, 700.0, Q4_START, Q4_END, "default", NO_CHECKINS, "Sign-ups"
    )
    return charts.spec(chart)


def side_by_side(series: pd.DataFrame) -> charts.Spec:
    """The Metrics page's chart of series and a second, steady metric."""
    steady = series.assign(metric="csat", value=0.9)
    both = pd.concat(
        [
            series.assign(label="Sign-ups", kind="leading"),
            steady.assign(label="CSAT", kind="lagging"),
        ]
    )
    return charts.spec(charts.metrics_chart(both))


SIGNUPS = "Sign-ups (leading)"  # as the metrics chart labels it
LAST_WEEK_PARTIAL = weekly([500.0, 520.0, 528.0, 1.0], [True, True, True, False])
# Events that start on a Thursday: the first week holds 3 days of sign-ups.
BOTH_ENDS_PARTIAL = weekly([3.0, 500.0, 520.0, 528.0, 1.0], [False, True, True, True, False])


@pytest.mark.parametrize(
    ("chart", "line"),
    [
        pytest.param(signups_kr, "mark", id="key result chart"),
        pytest.param(side_by_side, "period", id="metrics side by side"),
    ],
)
@pytest.mark.parametrize(
    ("series", "dashed_then_points"),
    [
        # The dashed line from the last whole week to the partial one, then its hollow point.
        pytest.param(LAST_WEEK_PARTIAL, [528.0, 1.0, 1.0], id="last-week-partial"),
        # A partial first week is a hollow point alone: no dashed line back across the chart.
        pytest.param(BOTH_ENDS_PARTIAL, [528.0, 1.0, 3.0, 1.0], id="first-and-last-partial"),
    ],
)
def test_a_partial_week_is_drawn_dashed_and_called_partial_not_a_collapse(
    chart: Callable[[pd.DataFrame], charts.Spec],
    line: str,
    series: pd.DataFrame,
    dashed_then_points: list[float],
) -> None:
    spec = chart(series)
    signups = [row for row in rows_of(spec) if row.get("label", SIGNUPS) == SIGNUPS]
    solid = [row["value"] for row in signups if row.get(line) in {charts.ACTUAL, charts.COMPLETE}]
    partial = [row["value"] for row in signups if row.get(line) == charts.PARTIAL]
    assert solid == [500.0, 520.0, 528.0]
    assert partial == dashed_then_points
    assert "partial" in words_of(spec)
    dash = next(
        layer["encoding"]["strokeDash"]["scale"]
        for layer in spec["layer"]
        if layer["encoding"].get("strokeDash", {}).get("field") == line
    )
    assert dash["range"][dash["domain"].index(charts.PARTIAL)] == [4, 3]


def words_of(spec: charts.Spec) -> set[str]:
    """The fixed words that spec's text layers write on the chart."""
    return {
        layer["encoding"]["text"].get("value")
        for layer in spec["layer"]
        if layer["mark"]["type"] == "text"
    }


def test_a_series_of_whole_weeks_has_no_partial_entry() -> None:
    spec = signups_kr(weekly([500.0, 520.0, 528.0], [True, True, True]))
    assert charts.PARTIAL not in key_of(spec)
    assert all(row.get("mark") != charts.PARTIAL for row in rows_of(spec))


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param(signups_kr(weekly([480.0] * 30, [True] * 30, "2026-06-01")), id="key result"),
        pytest.param(
            charts.spec(
                charts.progress_history_chart(
                    pd.DataFrame(
                        {
                            "scored_at": [dt.date(2026, 10, 5), dt.date(2026, 10, 12)],
                            "progress": [0.1, 0.2],
                            "expected_progress": [0.05, 0.13],
                            "band": ["missed", "missed"],
                            "status": ["on_track", "on_track"],
                        }
                    ),
                    "default",
                    Q4_START,
                    Q4_END,
                )
            ),
            id="score week by week",
        ),
    ],
)
def test_bands_are_shaded_over_the_period_only(spec: charts.Spec) -> None:
    bands = [row for row in rows_of(spec) if "band" in row and "low" in row]
    starts = {row.get("period_start", row.get("scored_at")) for row in bands}
    assert starts == {"2026-10-01T00:00:00"}
    assert {row["to"] for row in bands} == {"2026-12-31T00:00:00"}
    assert [row["band"] for row in bands] == ["missed", "met", "exceeded"]


def test_the_forecast_fan_reaches_the_period_end(demo: str) -> None:
    spec = drawn(mrr_chart, demo)
    fan = [row["period_start"] for row in rows_of(spec) if "lo80" in row]
    assert max(fan) == "2026-12-31T00:00:00"
    # It starts from the last week known at the as-of date, so it continues the actual line.
    assert min(fan) == "2026-11-16T00:00:00"


@pytest.mark.parametrize(
    ("build", "key"),
    [
        pytest.param(
            mrr_chart,
            [
                *("actual", "target", "baseline", "expected path"),
                *("forecast median", "forecast 80 % band", "check-in"),
            ],
            id="key result with a check-in and a forecast",
        ),
        pytest.param(
            overview_bullet, ["progress", "target", "expected by now"], id="overview bullet"
        ),
        pytest.param(
            mrr_history,
            ["progress", "expected by now", "target"],
            id="score week by week",
        ),
    ],
)
def test_the_key_names_every_mark(demo: str, build: Build, key: list[str]) -> None:
    spec = drawn(build, demo)
    assert key_of(spec) == key
    assert key_of(spec, "fill", "band") == ["missed", "met", "exceeded"]  # the bands' own key


def test_a_key_result_with_a_partial_week_lists_it_in_the_key() -> None:
    assert key_of(signups_kr(LAST_WEEK_PARTIAL)) == [
        "actual",
        "partial period (so far)",
        "target",
        "baseline",
        "expected path",
    ]


def x_axis_formats(spec: charts.Spec) -> set[str]:
    """The label formats of every x axis of spec's layers."""
    return {
        layer["encoding"]["x"]["axis"]["format"]
        for layer in spec["layer"]
        if "axis" in layer.get("encoding", {}).get("x", {})
    }


@pytest.mark.parametrize(
    ("chart", "series", "labels"),
    [
        pytest.param(
            signups_kr, weekly([500.0] * 8, [True] * 8, "2026-07-06"), "%-d %b", id="KR in a year"
        ),
        pytest.param(
            side_by_side,
            weekly([500.0] * 8, [True] * 8, "2026-07-06"),
            "%-d %b",
            id="metrics within a year",
        ),
        pytest.param(
            side_by_side,
            weekly([500.0] * 30, [True] * 30, "2025-11-03"),
            "%-d %b %Y",
            id="metrics across two years",
        ),
    ],
)
def test_date_axes_print_one_format_with_the_year_only_when_it_changes(
    chart: Callable[[pd.DataFrame], charts.Spec], series: pd.DataFrame, labels: str
) -> None:
    spec = chart(series)
    assert x_axis_formats(spec) == {labels}
    assert "labelExpr" not in json.dumps(spec)


def test_dates_reach_the_spec_as_iso_text(demo: str) -> None:
    spec = drawn(mrr_chart, demo)
    checkin = next(row for row in rows_of(spec) if row.get("mark") == charts.CHECKIN)
    assert checkin["period_start"] == "2026-11-16T00:00:00"


def test_ladder_edges_run_between_boxes_never_through_a_label(demo: str) -> None:
    spec = drawn(ladder, demo)
    boxes = [row for row in rows_of(spec) if "x_end" in row]
    edges = [row for row in rows_of(spec) if "source" in row]
    # One measured edge fewer since links are judged across every pair (false discovery rate).
    assert len(boxes) == 10 and len(edges) == 12
    for edge in edges:
        for box in boxes:
            # The edge's horizontal span and the box's (where its label is) share no interior.
            assert edge["x2"] <= box["x"] or edge["x"] >= box["x_end"]
    assert "labelExpr" not in json.dumps(spec)


@pytest.mark.parametrize(
    ("series", "index", "title"),
    [
        pytest.param(
            {"a": [0.0, 10.0, 20.0], "b": [5.0, 5.0, 10.0]},
            {"a": [0.0, 100.0, 200.0], "b": [100.0, 100.0, 200.0]},
            "index (100 = 12 Oct 2026)",
            id="100 at the first week every metric is non-zero",
        ),
        pytest.param(
            {"a": [-10.0, -5.0, -20.0], "b": [2.0, 3.0, 1.0]},
            {"a": [100.0, 150.0, 0.0], "b": [100.0, 150.0, 50.0]},
            "index (100 = 5 Oct 2026)",
            id="a negative base still reads up as up",
        ),
    ],
)
def test_metrics_are_indexed_to_100_at_their_first_common_week(
    series: dict[str, list[float]], index: dict[str, list[float]], title: str
) -> None:
    frames = [weekly(values, [True] * 3).assign(metric=name) for name, values in series.items()]
    found, axis_title = charts.indexed(pd.concat(frames, ignore_index=True))
    assert {m: list(g["index"]) for m, g in found.groupby("metric")} == index
    assert axis_title == title


@pytest.mark.parametrize(
    ("keep", "y_title"),
    [
        pytest.param(None, "index (100 = 18 May 2026)", id="the default choice, indexed"),
        pytest.param(["weekly_active_users"], "Weekly active users", id="one metric, its units"),
    ],
)
def test_the_metrics_page_draws_the_chosen_metrics_as_one_chart_on_one_axis(
    demo_home: Path, open_page: Open, keep: list[str] | None, y_title: str
) -> None:
    at = open_page("metrics_page.py")
    if keep is not None:
        at.multiselect(key="leading").set_value(keep)
        at.multiselect(key="lagging").set_value([])
        at.run()
    assert not at.exception
    shown = at.get("vega_lite_chart")
    assert len(shown) == 1
    spec = json.loads(shown[0].proto.spec)
    y_titles = {layer["encoding"]["y"].get("title") for layer in spec["layer"]} - {None}
    assert y_titles == {y_title}
