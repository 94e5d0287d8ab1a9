"""The first thing every page does: find the workspace and its definitions, or explain why not."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from dashboard import data
from pipelines.service import MetricCatalog, OkrlensError, OkrSet, Workspace, edits


@dataclass(frozen=True)
class Context:
    """What a page needs to ask pipelines anything: where, which version, which definitions."""

    home: str
    version: str
    catalog: MetricCatalog
    okrs: OkrSet


def first_run(home: str) -> None:
    """The empty-workspace page: load the demo, or how to start with your own data."""
    st.info(
        f"No okrlens workspace at `{home}` yet. Load the demo scenario to look around, or start "
        "your own: `okrlens init`, then upload exports on the Upload page (or `okrlens ingest`)."
    )
    with st.container(horizontal=True):
        if st.button("Load the demo workspace", type="primary", key="load_demo"):
            with st.spinner(
                "Building the demo workspace: ingesting 217,795 events and 3 KPI exports…"
            ):
                edits.build_demo(Workspace(Path(home)), progress=lambda _: None)
            st.rerun()
        if st.button("Start an empty workspace", key="start_empty"):
            edits.init_workspace(Workspace(Path(home)))
            st.rerun()


def require_workspace() -> Context:
    """The page's context; stops the page with a first-run or error message when there is none."""
    ws = data.workspace()
    if not ws.exists():
        first_run(str(ws.home))
        st.stop()
    try:
        version = data.version(ws)
        answers = data.answers(str(ws.home), version)
    except OkrlensError as exc:
        st.error(exc.message())
        st.stop()
    return Context(str(ws.home), version, answers.catalog, answers.okrs)
