"""The dashboard's only door to pipelines, and the only module that caches.

Caches are keyed on scalars: the workspace path, dates, names, and the data version, which is the
published snapshot's token plus the OKR file's hash. It changes exactly when something was
committed or a definition changed, so pages recompute once and then read small cached frames.
Pages never open the store: they read the snapshot each commit publishes.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import charts
from pipelines.demo import build_demo
from pipelines.ingest.columns import looks_like_events
from pipelines.ingest.dialect import slug, sniff
from pipelines.ingest.events import ingest_events
from pipelines.ingest.kpis import KpiOptions, ingest_kpis
from pipelines.ingest.ledger import IngestReport
from pipelines.insight.brief import Brief, weekly_brief
from pipelines.insight.forecast import kr_forecasts, metric_forecast
from pipelines.insight.ladder import TIERS, ladder_edges, ladder_nodes
from pipelines.insight.links import metric_links
from pipelines.insight.lint import lint
from pipelines.metrics.spec import MetricCatalog
from pipelines.okrs.history import score_history, weekly_as_of_dates
from pipelines.okrs.scoring import key_result_scores, objective_scores
from pipelines.okrs.spec import OkrSet, referenced_period
from pipelines.workspace import Workspace

TTL = "10m"


def workspace() -> Workspace:
    """The workspace the dashboard serves ($OKRLENS_HOME, set by `okrlens run`)."""
    home = os.environ.get("OKRLENS_HOME")
    return Workspace.resolve(Path(home) if home else None)


def version(ws: Workspace) -> str:
    """A token that changes whenever the definitions or the stored data change."""
    return ws.data_version()


def today() -> dt.date:
    """Today in UTC, the default as-of date."""
    return dt.datetime.now(dt.UTC).date()


@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def definitions(home: str, data_version: str) -> tuple[MetricCatalog, OkrSet]:
    """The metric catalog and the OKR set, validated together."""
    del data_version
    ws = Workspace(Path(home))
    return ws.catalog(), ws.okrs()


@st.cache_data(ttl=TTL, max_entries=16, show_spinner="Computing metrics…")
def series(home: str, data_version: str) -> pd.DataFrame:
    """Every metric's series, read from the published snapshot once per data version."""
    del data_version
    return Workspace(Path(home)).series()


@st.cache_data(ttl=TTL, max_entries=64, show_spinner=False)
def scores(
    home: str, as_of: dt.date, period: str | None, data_version: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Key-result scores and objective roll-ups of period at as_of."""
    catalog, okrs = definitions(home, data_version)
    krs = key_result_scores(okrs, catalog, series(home, data_version), as_of, period)
    return krs, objective_scores(okrs, krs)


@st.cache_data(ttl=TTL, max_entries=64, show_spinner=False)
def history(home: str, as_of: dt.date, period: str, data_version: str) -> pd.DataFrame:
    """Key-result scores week by week from the period's start to as_of."""
    catalog, okrs = definitions(home, data_version)
    dates = weekly_as_of_dates(okrs.period(period).start, as_of)
    return score_history(okrs, catalog, series(home, data_version), dates, period)


def current_period(okrs: OkrSet, as_of: dt.date) -> str | None:
    """The name of the period containing as_of (or the latest started)."""
    found = referenced_period(okrs, as_of)
    return found.name if found else None


@st.cache_data(ttl=TTL, max_entries=8, show_spinner=False)
def ingests(home: str, data_version: str) -> pd.DataFrame:
    """The latest ingests, newest first."""
    del data_version
    return Workspace(Path(home)).ingests().head(50)


def upload_file_name(name: str, payload: bytes) -> str:
    """A safe local file name for an upload: the slug of its name, .csv or .csv.gz by content."""
    stem = slug(Path(name).name.removesuffix(".gz").removesuffix(".csv")) or "upload"
    return stem + (".csv.gz" if payload[:2] == b"\x1f\x8b" else ".csv")


def _ingest_bytes(
    home: str,
    name: str,
    payload: bytes,
    kind: str,
    options: KpiOptions,
    mapping: dict[str, str],
    *,
    dry_run: bool,
) -> IngestReport:
    """Ingest (or dry-run) an uploaded file, written to a private temp file first."""
    ws = Workspace(Path(home))
    # The client's file name is a label, never a path: the temp file takes its slug.
    with tempfile.TemporaryDirectory() as tmp, ws.writing() as con:
        path = Path(tmp) / upload_file_name(name, payload)
        path.write_bytes(payload)
        if kind == "events":
            return ingest_events(
                con, path, mapping=mapping, file_name=name, dry_run=dry_run, allow_rejects=True
            )
        return ingest_kpis(
            con, path, options=options, file_name=name, dry_run=dry_run, allow_rejects=True
        )


@st.cache_data(ttl=TTL, max_entries=32, show_spinner="Reading the file…")
def preview_upload(
    home: str,
    name: str,
    payload: bytes,
    kind: str,
    options: KpiOptions,
    mapping: dict[str, str],
    data_version: str,
) -> IngestReport:
    """What ingesting the upload would do: dialect, shape, columns, preview, rejects, counts."""
    del data_version
    return _ingest_bytes(home, name, payload, kind, options, mapping, dry_run=True)


def ingest_upload(
    home: str, name: str, payload: bytes, kind: str, options: KpiOptions, mapping: dict[str, str]
) -> IngestReport:
    """Ingest the upload for real (valid rows stored, rejected lines kept in the ledger)."""
    return _ingest_bytes(home, name, payload, kind, options, mapping, dry_run=False)


@st.cache_data(ttl=TTL, max_entries=32, show_spinner=False)
def upload_kind(name: str, payload: bytes) -> tuple[str, list[str]]:
    """("events" or "kpis", the file's column labels) of an upload; OkrlensError if unreadable."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / upload_file_name(name, payload)
        path.write_bytes(payload)
        dialect = sniff(path)
        return ("events" if looks_like_events(dialect) else "kpis"), list(dialect.header)


def start_empty_workspace(home: str) -> None:
    """Scaffold an empty workspace with commented example definitions."""
    Workspace(Path(home)).init()


def build_demo_workspace(home: str) -> None:
    """Fill the workspace with the sample scenario."""
    build_demo(Workspace(Path(home)), progress=lambda _: None)


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
    _, okrs = definitions(home, data_version)
    krs, _ = scores(home, as_of, period, data_version)
    rows = krs[(krs["objective_id"] == objective_id) & krs["kr_id"].isin(kr_ids)]
    return charts.spec(charts.bullet_chart(rows, okrs.band_preset))


@st.cache_data(ttl=TTL, max_entries=128, show_spinner=False)
def kr_spec(home: str, as_of: dt.date, kr_id: str, data_version: str) -> charts.Spec | None:
    """The key result's metric chart with bands, baseline, target, expected path and check-ins."""
    catalog, okrs = definitions(home, data_version)
    objective, kr = next((o, k) for o in okrs.objectives for k in o.key_results if k.id == kr_id)
    if kr.metric is None:
        return None
    metric = catalog.get(kr.metric)
    own = series(home, data_version)
    own = own[own["metric"] == metric.name]
    if own.empty:
        return None
    krs, _ = scores(home, as_of, objective.period, data_version)
    row = krs[krs["kr_id"] == kr_id].iloc[0]
    cycle = okrs.period(objective.period)
    checkins = pd.DataFrame(
        [c.model_dump() for c in kr.checkins], columns=["date", "value", "confidence", "note"]
    )
    ahead = metric_forecast(series(home, data_version), metric, as_of, cycle.end)
    chart = charts.kr_chart(
        own,
        None if pd.isna(row["baseline"]) else float(row["baseline"]),
        None if pd.isna(row["target"]) else float(row["target"]),
        pd.Timestamp(cycle.start),
        pd.Timestamp(cycle.end),
        okrs.band_preset,
        checkins,
        metric.display_label,
        None if ahead is None else ahead.path,
    )
    return charts.spec(chart)


@st.cache_data(ttl=TTL, max_entries=128, show_spinner=False)
def progress_history_spec(
    home: str, as_of: dt.date, period: str, kr_id: str, data_version: str
) -> charts.Spec | None:
    """The key result's progress week by week, coloured by band."""
    _, okrs = definitions(home, data_version)
    rows = history(home, as_of, period, data_version)
    rows = rows[rows["kr_id"] == kr_id]
    if not rows["progress"].notna().any():
        return None
    return charts.spec(charts.progress_history_chart(rows, okrs.band_preset))


@st.cache_data(ttl=TTL, max_entries=64, show_spinner=False)
def metrics_spec(
    home: str, names: tuple[str, ...], all_names: tuple[str, ...], data_version: str
) -> charts.Spec | None:
    """Panels of the named metrics, on the time axis shared by all_names."""
    catalog, _ = definitions(home, data_version)
    rows = series(home, data_version)
    rows = rows[rows["metric"].isin(all_names)]
    if rows.empty or not rows["metric"].isin(names).any():
        return None
    domain = (rows["period_start"].min(), rows["period_start"].max())
    chosen = rows[rows["metric"].isin(names)]
    labels = {m.name: m.display_label for m in catalog.metrics}
    kinds = {m.name: m.kind for m in catalog.metrics}
    chosen = chosen.assign(label=chosen["metric"].map(labels), kind=chosen["metric"].map(kinds))
    return charts.spec(charts.metrics_chart(chosen, domain))


@st.cache_data(ttl=TTL, max_entries=8, show_spinner="Measuring lead/lag links…")
def links(home: str, data_version: str) -> pd.DataFrame:
    """Measured lead/lag links between every leading and lagging metric."""
    catalog, _ = definitions(home, data_version)
    return metric_links(series(home, data_version), catalog)


@st.cache_data(ttl=TTL, max_entries=32, show_spinner="Forecasting key results…")
def forecasts(home: str, as_of: dt.date, period: str | None, data_version: str) -> pd.DataFrame:
    """Each metric-backed key result's forecast to period end: median, 80 % interval, band chances."""
    catalog, okrs = definitions(home, data_version)
    return kr_forecasts(
        okrs, catalog, series(home, data_version), as_of, period, links(home, data_version)
    )


@st.cache_data(ttl=TTL, max_entries=16, show_spinner="Checking key results…")
def findings(home: str, as_of: dt.date, data_version: str) -> pd.DataFrame:
    """KR lint findings at as_of."""
    catalog, okrs = definitions(home, data_version)
    return lint(okrs, catalog, series(home, data_version), as_of)


@st.cache_data(ttl=TTL, max_entries=16, show_spinner="Writing the brief…")
def brief(home: str, as_of: dt.date, team: str | None, data_version: str) -> Brief:
    """The weekly standup brief for team (all teams when None)."""
    catalog, okrs = definitions(home, data_version)
    return weekly_brief(
        okrs, catalog, series(home, data_version), as_of, team=team, links=links(home, data_version)
    )


@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def ladder_spec(home: str, period: str, data_version: str) -> charts.Spec | None:
    """The ladder of the period: outputs → leading KPIs → lagging KPIs, edges labelled."""
    catalog, okrs = definitions(home, data_version)
    nodes = ladder_nodes(okrs, catalog, period)
    if nodes.empty:
        return None
    edges = ladder_edges(okrs, catalog, period, links(home, data_version))
    return charts.spec(charts.ladder_chart(nodes, edges, TIERS))


@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def ladder_edge_table(home: str, period: str, data_version: str) -> pd.DataFrame:
    """The ladder's edges as a table."""
    catalog, okrs = definitions(home, data_version)
    return ladder_edges(okrs, catalog, period, links(home, data_version))
