"""The dashboard's only door to the service layer, and the only module that caches.

One `Answers` per data version is shared by every session (the version is the published
snapshot's token plus the definitions' hashes: it moves exactly when something was committed or
a definition changed). The functions below are thin wrappers that cache what pages draw, keyed
on scalars; Streamlit's data cache hands each session its own copy, so no page can change what
another sees. Pages never open the store.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import charts
from pipelines.service import (
    TIERS,
    Actor,
    Answers,
    Brief,
    IngestReport,
    KpiOptions,
    KrDetail,
    Overview,
    Workspace,
)
from pipelines.service import edits as service_edits

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
    options: KpiOptions,
    mapping: dict[str, str],
    data_version: str,
) -> IngestReport:
    """What ingesting the upload would do (a dry run: nothing is committed).

    The actor is part of the cache key, so the service's role check runs for each person.
    """
    del data_version
    return service_edits.ingest_upload(
        Workspace(Path(home)), actor, name, payload, kind, options, mapping, dry_run=True
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
    return charts.spec(charts.bullet_chart(rows, found.okrs.band_preset))


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
        pd.Timestamp(detail.period.start),
        pd.Timestamp(detail.period.end),
        found.okrs.band_preset,
        detail.checkins,
        detail.metric.display_label,
        None if detail.forecast is None else detail.forecast.path,
    )
    return charts.spec(chart)


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
    return charts.spec(charts.progress_history_chart(rows, found.okrs.band_preset))


@st.cache_data(ttl=TTL, max_entries=64, show_spinner=False)
def metrics_spec(
    home: str, names: tuple[str, ...], all_names: tuple[str, ...], data_version: str
) -> charts.Spec | None:
    """Panels of the named metrics, on the time axis shared by all_names."""
    found = answers(home, data_version)
    rows = found.metric_series(all_names)
    if rows.empty or not rows["metric"].isin(names).any():
        return None
    domain = (rows["period_start"].min(), rows["period_start"].max())
    chosen = rows[rows["metric"].isin(names)]
    labels = {m.name: m.display_label for m in found.catalog.metrics}
    kinds = {m.name: m.kind for m in found.catalog.metrics}
    chosen = chosen.assign(label=chosen["metric"].map(labels), kind=chosen["metric"].map(kinds))
    return charts.spec(charts.metrics_chart(chosen, domain))


@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def ladder_spec(home: str, period: str, data_version: str) -> charts.Spec | None:
    """The ladder of the period: outputs → leading KPIs → lagging KPIs, edges labelled."""
    nodes, edges = answers(home, data_version).ladder(period)
    return None if nodes.empty else charts.spec(charts.ladder_chart(nodes, edges, TIERS))


@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def ladder_edge_table(home: str, period: str, data_version: str) -> pd.DataFrame:
    """The ladder's edges as a table."""
    return answers(home, data_version).ladder(period)[1]
