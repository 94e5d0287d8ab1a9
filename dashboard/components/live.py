"""Open pages follow the data: a page redraws by itself once new data is committed.

The router draws this line above every page. It is a fragment that reruns every POLL_SECONDS
on its own: each run reads the data version (the snapshot manifest and the definition files'
hashes, a few small files: never the store, never raw events) and, when the version differs
from the one the page was drawn with, reruns the whole app, so the page redraws with the new
data. When nothing changed only this line is redrawn ("updated 2 min ago": when the data shown
last changed). It also starts the server's inbox watcher when `okrlens run --watch-inbox` asked.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import streamlit as st

from dashboard import data
from pipelines.service import OkrlensError, Workspace

# A page shows a commit within this many seconds; a look costs about a millisecond.
POLL_SECONDS = 3


def show(ws: Workspace) -> None:
    """Keep the page drawn in step with ws's data, saying how fresh that data is."""
    data.watch_inbox(ws)
    _follow(str(ws.home), _version(ws))


def _version(ws: Workspace) -> str | None:
    """ws's data version; None while it has none (no workspace yet, unreadable definitions)."""
    try:
        return data.version(ws)
    except OkrlensError:
        return None  # the page itself says what is wrong


@st.fragment(run_every=POLL_SECONDS)
def _follow(home: str, shown: str | None) -> None:
    """Rerun the app when the data version moved since the page was drawn; else say its age."""
    current = _version(Workspace(Path(home)))
    if current != shown:
        st.rerun()
    if current is None:
        return
    try:
        at = data.updated_at(home, current)
    except OkrlensError:
        return  # definitions the page reports: it draws no data to date
    st.caption(
        f":material/sync: {updated_text(at, dt.datetime.now(dt.UTC))}",
        help=f"The data shown last changed on {at:%d %b %Y at %H:%M} UTC. The page redraws by "
        "itself when new data is committed (an upload, an ingest, a file dropped in the inbox).",
    )


def updated_text(at: dt.datetime, now: dt.datetime) -> str:
    """How long before now the data changed at, in words: "updated 2 min ago"."""
    seconds = (now - at).total_seconds()
    if seconds < 60:
        return "updated just now"
    if seconds < 3600:
        return f"updated {seconds // 60:.0f} min ago"
    if seconds < 2 * 86400:
        return f"updated {seconds // 3600:.0f} h ago"
    return f"updated {seconds // 86400:.0f} days ago"
