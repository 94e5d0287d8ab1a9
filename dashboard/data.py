"""The dashboard's only door to pipelines: cached, keyed on the workspace's data version.

Caches are keyed on scalars (workspace path, as-of date, a version made of the definition files'
and the store's modification times), never on frames, so any ingest or edit invalidates them.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd
import streamlit as st

from pipelines.report import kr_report
from pipelines.workspace import Workspace


def workspace() -> Workspace:
    """The workspace the dashboard serves ($OKRLENS_HOME, set by `okrlens run`)."""
    return Workspace.resolve(
        Path(os.environ["OKRLENS_HOME"]) if os.environ.get("OKRLENS_HOME") else None
    )


def data_version(ws: Workspace) -> str:
    """A token that changes whenever the definitions or the store change."""
    paths = (ws.metrics_path, ws.okrs_path, ws.store_path, ws.store_path.with_suffix(".duckdb.wal"))
    return "|".join(f"{p.stat().st_mtime_ns}" if p.exists() else "-" for p in paths)


@st.cache_data(ttl="10m", max_entries=32, show_spinner="Scoring key results…")
def scores(home: str, as_of: dt.date, version: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Key-result scores and objective roll-ups (version only keys the cache)."""
    del version
    return kr_report(Workspace(Path(home)), as_of)
