"""The dashboard's only door to the service layer, and the only module that caches.

One `Answers` per data version is shared by every session (the version is the published
snapshot's token plus the definitions' hashes: it moves exactly when something was committed or
a definition changed). The functions below are thin wrappers that cache what pages draw, keyed
on scalars; Streamlit's data cache hands each session its own copy, so no page can change what
another sees. Pages never open the store.

Why this module is long: it is the dashboard's one caching door by design (one wrapper per
thing a page draws), so it grows with the pages; each wrapper is a few lines with no logic.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import balance_chart, charts, effect_chart
from pipelines.service import (
    TIERS,
    Actor,
    Answers,
    Brief,
    EventOptions,
    Glance,
    IngestReport,
    KpiOptions,
    KrDetail,
    OkrlensError,
    Overview,
    Workspace,
    status,
)
from pipelines.service import balance as service_balance
from pipelines.service import edits as service_edits
from pipelines.service import effects as service_effects
from pipelines.service import inbox as service_inbox
from pipelines.service import initiatives as service_initiatives
from pipelines.service import metric_choices as service_metric_choices
from pipelines.service import metric_edits as service_metric_edits
from pipelines.service import metric_forms as service_metric_forms
from pipelines.service import reviews as service_reviews
from pipelines.service import uploads as service_uploads

TTL = "10m"


def workspace() -> Workspace:
    """The workspace the dashboard serves ($OKRLENS_HOME, set by `okrlens run`)."""
    home = os.environ.get("OKRLENS_HOME")
    return Workspace.resolve(Path(home) if home else None)


def version(ws: Workspace) -> str:
    """A token that changes exactly when committed data or the definitions change."""
    return ws.data_version()


def today() -> dt.date:
    """Today in UTC, the default as-of date."""
    return dt.datetime.now(dt.UTC).date()


@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def brief_as_of(home: str, data_version: str) -> dt.date:
    """The standup's default as-of date: the end of the latest complete week of data."""
    return answers(home, data_version).brief_as_of()


@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def first_steps(home: str, data_version: str) -> tuple[status.Step, ...]:
    """The workspace's first-run steps, each done or not."""
    del data_version
    return status.first_steps(Workspace(Path(home)))


@st.cache_resource(max_entries=4, show_spinner=False)
def answers(home: str, data_version: str) -> Answers:
    """The answers of one data version, shared by every session."""
    del data_version
    return Answers(Workspace(Path(home)))


def current_period(home: str, as_of: dt.date, data_version: str) -> str | None:
    """The name of the period containing as_of (or the latest started)."""
    return answers(home, data_version).chosen_period(as_of)


@st.cache_data(ttl=TTL, max_entries=16, show_spinner="Computing metrics…")
def series(home: str, data_version: str) -> pd.DataFrame:
    """Every metric's series."""
    return answers(home, data_version).series


@st.cache_data(ttl=TTL, max_entries=64, show_spinner=False)
def scores(
    home: str, as_of: dt.date, period: str | None, data_version: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Key-result scores and objective roll-ups of period at as_of."""
    return answers(home, data_version).scores(as_of, period)


@st.cache_data(ttl=TTL, max_entries=64, show_spinner=False)
def glance(
    home: str,
    as_of: dt.date,
    period: str,
    team: str | None,
    kind: str | None,
    data_version: str,
    forecast: bool = True,
) -> Glance:
    """The ten-second read of period at as_of for team and kind (forecast False: without the
    forecasts, which take seconds where the rest takes milliseconds)."""
    return answers(home, data_version).glance(as_of, period, team, kind, forecast=forecast)


def overview_html(
    home: str, as_of: dt.date, period: str, team: str | None, data_version: str
) -> str:
    """The overview of period at as_of as one HTML page to forward (built when downloaded)."""
    return answers(home, data_version).overview_html(as_of, period, team)


@st.cache_data(ttl=TTL, max_entries=64, show_spinner="Scoring key results…")
def overview(
    home: str,
    as_of: dt.date,
    period: str | None,
    team: str | None,
    kind: str | None,
    data_version: str,
) -> Overview:
    """The overview of period at as_of for team and kind (None: all)."""
    return answers(home, data_version).overview(as_of, period, team, kind)


@st.cache_data(ttl=TTL, max_entries=64, show_spinner=False)
def history(home: str, as_of: dt.date, period: str, data_version: str) -> pd.DataFrame:
    """Key-result scores week by week from the period's start to as_of."""
    return answers(home, data_version).history(as_of, period)


@st.cache_data(ttl=TTL, max_entries=8, show_spinner=False)
def ingests(home: str, data_version: str) -> pd.DataFrame:
    """The latest ingests, newest first."""
    del data_version
    return Workspace(Path(home)).ingests().head(50)


@st.cache_data(ttl=TTL, max_entries=8, show_spinner="Measuring lead/lag links…")
def links(home: str, data_version: str) -> pd.DataFrame:
    """Measured lead/lag links between every leading and lagging metric."""
    return answers(home, data_version).links


@st.cache_data(ttl=TTL, max_entries=32, show_spinner="Forecasting key results…")
def forecasts(home: str, as_of: dt.date, period: str | None, data_version: str) -> pd.DataFrame:
    """Each metric-backed key result's forecast to period end: median, 80 % interval, band chances."""
    return answers(home, data_version).forecasts(as_of, period)


@st.cache_data(ttl=TTL, max_entries=16, show_spinner="Checking key results…")
def findings(home: str, as_of: dt.date, period: str | None, data_version: str) -> pd.DataFrame:
    """KR lint findings at as_of for the objectives of period."""
    return answers(home, data_version).findings(as_of, period)


@st.cache_data(ttl=TTL, max_entries=16, show_spinner="Writing the brief…")
def brief(home: str, as_of: dt.date, team: str | None, data_version: str) -> Brief:
    """The weekly standup brief for team (all teams when None)."""
    return answers(home, data_version).brief(as_of, team)


@st.cache_data(ttl=TTL, max_entries=8, show_spinner=False)
def metric_catalog(home: str, data_version: str) -> pd.DataFrame:
    """One row per metric, with who uses it and its definition in words."""
    return answers(home, data_version).metric_catalog


@st.cache_data(ttl=TTL, max_entries=64, show_spinner=False)
def key_result(home: str, kr_id: str, as_of: dt.date, data_version: str) -> KrDetail:
    """Everything the key-result page shows about kr_id at as_of."""
    return answers(home, data_version).key_result(kr_id, as_of)


@st.cache_data(ttl=TTL, max_entries=32, show_spinner="Reading the file…")
def preview_upload(
    home: str,
    actor: Actor,
    name: str,
    payload: bytes,
    kind: str,
    options: KpiOptions | EventOptions,
    data_version: str,
) -> IngestReport:
    """What ingesting the upload would do (a dry run: nothing is committed), rejects bounded.

    The actor is part of the cache key, so the service's role check runs for each person.
    """
    del data_version
    return service_uploads.upload_preview(
        Workspace(Path(home)), actor, name, payload, kind, options
    )


@st.cache_data(ttl=TTL, max_entries=32, show_spinner=False)
def upload_kind(home: str, actor: Actor, name: str, payload: bytes) -> tuple[str, list[str]]:
    """("events" or "kpis", the file's column labels) of an upload; OkrlensError if unreadable."""
    return service_edits.upload_kind(Workspace(Path(home)), actor, name, payload)


# Chart specs are cached too: building and serialising an Altair chart costs ~100 ms, more than
# everything else a rerun does.


@st.cache_data(ttl=TTL, max_entries=256, show_spinner=False)
def bullet_spec(
    home: str,
    as_of: dt.date,
    period: str | None,
    objective_id: str,
    kr_ids: tuple[str, ...],
    data_version: str,
) -> charts.Spec:
    """The bullet chart of an objective's key results (those in kr_ids)."""
    found = answers(home, data_version)
    krs, _ = found.scores(as_of, period)
    rows = krs[(krs["objective_id"] == objective_id) & krs["kr_id"].isin(kr_ids)]
    chart = charts.spec(charts.bullet_chart(rows, found.okrs.band_preset))
    title = f"{objective_id} · {rows['objective'].iloc[0]}" if len(rows) else objective_id
    when = f"as of {charts.date_text(as_of)}"
    return charts.titled(chart, title, charts.subtitle(period or "all periods", when))


@st.cache_data(ttl=TTL, max_entries=128, show_spinner=False)
def kr_spec(home: str, as_of: dt.date, kr_id: str, data_version: str) -> charts.Spec | None:
    """The key result's metric chart with bands, baseline, target, expected path and check-ins."""
    found = answers(home, data_version)
    detail = found.key_result(kr_id, as_of)
    if detail.metric is None or detail.own_series.empty:
        return None
    row = detail.score
    chart = charts.kr_chart(
        detail.own_series,
        None if pd.isna(row["baseline"]) else float(row["baseline"]),
        None if pd.isna(row["target"]) else float(row["target"]),
        pd.Timestamp(detail.window.start),
        pd.Timestamp(detail.window.end),  # the key result's deadline: its path and fan end there
        found.okrs.band_preset,
        detail.checkins,
        detail.metric.display_label,
        None if detail.forecast is None else detail.forecast.path,
    )
    return charts.titled(
        charts.spec(chart),
        f"{kr_id} · {detail.kr.title}",
        charts.subtitle(detail.metric.display_label, f"as of {charts.date_text(as_of)}"),
    )


@st.cache_data(ttl=TTL, max_entries=128, show_spinner=False)
def progress_history_spec(
    home: str, as_of: dt.date, period: str, kr_id: str, data_version: str
) -> charts.Spec | None:
    """The key result's progress week by week, coloured by band."""
    found = answers(home, data_version)
    rows = found.history(as_of, period)
    rows = rows[rows["kr_id"] == kr_id]
    if not rows["progress"].notna().any():
        return None
    cycle = found.okrs.period(period)
    chart = charts.progress_history_chart(
        rows, found.okrs.band_preset, pd.Timestamp(cycle.start), pd.Timestamp(cycle.end)
    )
    return charts.titled(
        charts.spec(chart),
        f"{kr_id} · {rows['key_result'].iloc[0]}: score week by week",
        charts.subtitle(period, f"as of {charts.date_text(as_of)}"),
    )


@st.cache_data(ttl=TTL, max_entries=64, show_spinner=False)
def metrics_spec(home: str, names: tuple[str, ...], data_version: str) -> charts.Spec | None:
    """The named metrics on one time axis (indexed to 100 when there are several)."""
    found = answers(home, data_version)
    rows = found.metric_series(names)
    if rows.empty:
        return None
    labels = {m.name: m.display_label for m in found.catalog.metrics}
    kinds = {m.name: m.kind for m in found.catalog.metrics}
    order = {name: i for i, name in enumerate(names)}
    rows = rows.assign(label=rows["metric"].map(labels), kind=rows["metric"].map(kinds))
    rows = rows.sort_values("metric", key=lambda m: m.map(order), kind="stable")
    shown = list(dict.fromkeys(rows["label"]))
    last_day = rows["period_end"].max() - pd.Timedelta(days=1)  # period_end is exclusive
    return charts.titled(
        charts.spec(charts.metrics_chart(rows)),
        ", ".join(shown) if len(shown) < 4 else f"{len(shown)} metrics on one time axis",
        charts.subtitle(f"data to {charts.date_text(last_day)}"),
    )


@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def ladder_spec(home: str, period: str, data_version: str) -> charts.Spec | None:
    """The ladder of the period: outputs → leading KPIs → lagging KPIs, edges labelled."""
    found = answers(home, data_version)
    nodes, edges = found.ladder(period)
    if nodes.empty:
        return None
    # The ladder's measured links read every period of data, so its date is the data's end.
    last_day = found.series["period_end"].max() - pd.Timedelta(days=1)
    return charts.titled(
        charts.spec(charts.ladder_chart(nodes, edges, TIERS)),
        f"Ladder {period}: outputs → product outcomes → business outcomes",
        charts.subtitle(f"links measured on data to {charts.date_text(last_day)}"),
    )


@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def ladder_edge_table(home: str, period: str, data_version: str) -> pd.DataFrame:
    """The ladder's edges as a table."""
    return answers(home, data_version).ladder(period)[1]


@st.cache_data(ttl=TTL, max_entries=8, show_spinner=False)
def metric_choices(home: str, data_version: str) -> service_metric_choices.MetricChoices:
    """What the store holds to define a metric from: event names and properties, KPIs."""
    del data_version
    return service_metric_choices.metric_choices(Workspace(Path(home)))


@st.cache_data(ttl=TTL, max_entries=8, show_spinner=False)
def broken_metrics(home: str, data_version: str) -> tuple[service_metric_forms.BrokenMetric, ...]:
    """The metrics left out as broken, each with what is wrong and its form to fix it in."""
    del data_version
    return service_metric_forms.broken_metrics(Workspace(Path(home)))


MetricPreview = tuple[service_metric_edits.MetricPreview | None, charts.Spec | None, str]


def metric_preview(
    home: str, draft: dict[str, object], replacing: str | None, data_version: str
) -> MetricPreview:
    """A draft metric's preview and its chart, or why it cannot be saved (then no preview)."""
    return _metric_preview(home, json.dumps(draft, sort_keys=True), replacing, data_version)


@st.cache_data(ttl=TTL, max_entries=64, show_spinner="Computing the preview…")
def _metric_preview(
    home: str, draft_json: str, replacing: str | None, data_version: str
) -> MetricPreview:
    """metric_preview keyed by the draft's canonical JSON; a refusal is cached like a preview."""
    del data_version
    try:
        found = service_metric_edits.preview(
            Workspace(Path(home)), json.loads(draft_json), replacing=replacing
        )
    except OkrlensError as exc:
        return None, None, exc.message()
    if found.series.empty:
        return found, None, ""
    rows = found.series.assign(label=found.metric.display_label, kind=found.metric.kind)
    return found, charts.spec(charts.metrics_chart(rows)), ""


def warm() -> None:
    """Compute what the first visitor's overview draws first (today's glance), before they come.

    Called by dashboard.serve once the server runs: the caches are the ones sessions read.
    """
    ws = workspace()
    watch_inbox(ws)  # dropped files are ingested from the start, not from the first visit
    if not ws.exists():
        return
    home, data_version, as_of = str(ws.home), version(ws), today()
    period = current_period(home, as_of, data_version)
    if period is not None:
        # The overview's own call, argument for argument, so its first run finds it cached.
        glance(home, as_of, period, None, None, data_version, False)


@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def balance(home: str, period: str, data_version: str) -> service_balance.Balance:
    """The output/outcome balance of period: shares per company, team and objective."""
    return answers(home, data_version).balance(period)


@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def balance_spec(home: str, period: str, data_version: str) -> charts.Spec | None:
    """The balance of period as one stacked bar for the company and for each team."""
    found = answers(home, data_version).balance(period)
    if found.key_results.empty:
        return None
    return charts.titled(
        charts.spec(balance_chart.balance_chart(found.segments(), TIERS)),
        f"Output/outcome balance {period}",
        charts.subtitle("key results counted, not weighted"),
    )


@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def review(
    home: str, period: str | None, as_of: dt.date, data_version: str
) -> service_reviews.Review:
    """The review of period (None: the latest over at as_of) at as_of."""
    return answers(home, data_version).review(period, as_of)


@st.cache_data(ttl=TTL, max_entries=32, show_spinner="Scoring initiatives…")
def initiatives(
    home: str, as_of: dt.date, period: str, team: str | None, data_version: str
) -> service_initiatives.Ranking:
    """The RICE ranking of period's initiatives at as_of for team (None: every team)."""
    return service_initiatives.ranking(answers(home, data_version), as_of, period, team)


def watch_inbox(ws: Workspace) -> None:
    """Start this server's inbox watcher, if `okrlens run --watch-inbox` asked for one."""
    if service_inbox.dashboard_watches_inbox() and ws.home.is_dir():
        _inbox_watcher(str(ws.home))


@st.cache_resource(show_spinner=False)
def _inbox_watcher(home: str) -> threading.Thread:
    """The server's one inbox watcher, a thread that outlives every session (whoever started it)."""
    log = logging.getLogger(service_inbox.__name__)
    watcher = threading.Thread(
        target=service_inbox.watch_inbox,
        args=(Workspace(Path(home)), service_inbox.inbox_actor("dashboard")),
        kwargs={
            # A refusal is worth a look in the server log; an ingest is in the ingest history.
            "on_result": lambda r: log.log(
                logging.WARNING if r.outcome == "refused" else logging.INFO, r.line()
            ),
            "on_error": lambda e: log.warning(e.message()),
            "stop": threading.Event(),  # never set: the thread ends with the server
        },
        name="okrlens-inbox",
        daemon=True,
    )
    watcher.start()
    return watcher


def updated_at(home: str, data_version: str) -> dt.datetime:
    """When the data of data_version last changed (UTC): a commit or a definition edit."""
    return answers(home, data_version).updated_at()


@st.cache_data(ttl=TTL, max_entries=64, show_spinner="Comparing shipped work with its forecasts…")
def effects(
    home: str,
    as_of: dt.date,
    data_version: str,
    initiative_id: str | None = None,
    kr_id: str | None = None,
) -> pd.DataFrame:
    """The shipped initiatives' metrics against the forecasts made when they shipped, of one
    initiative and key result if named (service_effects.EFFECT_COLUMNS)."""
    return service_effects.effects_of(answers(home, data_version), as_of, initiative_id, kr_id)


@st.cache_data(ttl=TTL, max_entries=64, show_spinner=False)
def effect_spec(
    home: str, as_of: dt.date, initiative_id: str, kr_id: str, metric: str, data_version: str
) -> charts.Spec | None:
    """One judged metric's actual path against the forecast band after the ship date."""
    found = answers(home, data_version)
    path = found.effects(as_of).path(initiative_id, kr_id, metric)
    if path.empty:
        return None
    label = found.catalog.get(metric).display_label
    return charts.titled(
        charts.spec(effect_chart.effect_chart(path, label)),
        f"{initiative_id} · {label} against the forecast made when it shipped",
        charts.subtitle(kr_id, f"as of {charts.date_text(as_of)}"),
    )


@st.cache_data(ttl=TTL, max_entries=64, show_spinner=False)
def serving(home: str, kr_id: str, data_version: str) -> pd.DataFrame:
    """The initiatives serving key result kr_id (service_effects.SERVING_COLUMNS)."""
    return service_effects.serving(answers(home, data_version), kr_id)
