"""The first thing every page does: find the workspace and its definitions, or explain why not."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from dashboard import data
from dashboard.components import first_steps, identity
from pipelines.service import (
    Action,
    Actor,
    Broken,
    MetricCatalog,
    OkrlensError,
    OkrSet,
    Workspace,
    edits,
)
from pipelines.service.formatting import markdown_text


@dataclass(frozen=True)
class Context:
    """What a page needs to ask pipelines anything: who asks, where, which version, definitions."""

    actor: Actor
    home: str
    version: str
    catalog: MetricCatalog
    okrs: OkrSet


def first_run(home: str, actor: Actor) -> None:
    """The empty-workspace page: load the demo, or how to start with your own data."""
    st.info(
        f"No okrlens workspace at {markdown_text(home)} yet. Load the demo scenario to look around, or start "
        "your own: `okrlens init`, then upload exports on the Upload page (or `okrlens ingest`)."
    )
    if not actor.may(Action.SET_UP_WORKSPACE):
        st.caption("Ask an admin to set it up.")
        return
    with st.container(horizontal=True):
        if st.button("Load the demo workspace", type="primary", key="load_demo"):
            with st.spinner(
                "Building the demo workspace: ingesting 217,795 events and 3 KPI exports…"
            ):
                edits.build_demo(Workspace(Path(home)), actor, progress=lambda _: None)
            st.rerun()
        if st.button("Start an empty workspace", key="start_empty"):
            edits.init_workspace(Workspace(Path(home)), actor)
            st.rerun()


def require_workspace(action: Action = Action.VIEW, *, needs_key_results: bool = True) -> Context:
    """The page's context for someone who may take action; else the page stops, saying why.

    It stops with a sign-in or no-access message, a first-run page, or the definitions' error;
    a page that needs key results shows the guided first run while there are none.
    """
    ws = data.workspace()
    actor = identity.require(ws, action)
    if not ws.exists():
        first_run(str(ws.home), actor)
        st.stop()
    try:
        version = data.version(ws)
        answers = data.answers(str(ws.home), version)
    except OkrlensError as exc:
        st.error(markdown_text(exc.message()))
        st.stop()
    if answers.broken:
        left_out(answers.broken)
    if needs_key_results and not any(o.key_results for o in answers.okrs.objectives):
        first_steps.show(str(ws.home), version)
        st.stop()
    return Context(actor, str(ws.home), version, answers.catalog, answers.okrs)


def left_out(broken: tuple[Broken, ...]) -> None:
    """The definitions left out of every page, what is wrong with each and how to fix it."""
    with st.expander(
        f":material/warning: {len(broken)} definition(s) have errors and are left out; "
        "everything else is scored as usual",
        expanded=False,
    ):
        # A table, not Markdown: the ids and problems quote the user's own text.
        st.dataframe(
            [
                {"file": b.file, "what": f"{b.kind} {b.id}", "problem": b.problem, "fix": b.fix}
                for b in broken
            ],
            hide_index=True,
            key="left_out",
        )
