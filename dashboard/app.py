"""okrlens dashboard: the router. Pages live in dashboard/app_pages/, declared in navigation.py.

A visitor sees the pages their role opens (each page checks the role again itself).
"""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.components import identity, live, style
from dashboard.navigation import PAGES
from pipelines.service import Action

# Screen sharing (?present=true) and embedding (?embed=true) show the page alone.
bare = "true" in (st.query_params.get("present"), st.query_params.get("embed"))
st.set_page_config(
    page_title="okrlens",
    page_icon=":material/target:",
    layout="wide",
    initial_sidebar_state="collapsed" if bare else "auto",
)
style.apply()
ws = data.workspace()
actor = identity.require(ws, Action.VIEW)
shown = {
    spec.url_path: st.Page(
        spec.path, title=spec.title, icon=spec.icon, url_path=spec.url_path, default=i == 0
    )
    for i, spec in enumerate(PAGES)
    if actor.may(spec.needs)
}
page = st.navigation(list(shown.values()), position="hidden" if bare else "top")
if not any(spec.badge_in_title and shown.get(spec.url_path) is page for spec in PAGES):
    identity.badge(ws, actor)
live.show(ws)  # every page redraws by itself once new data is committed
page.run()
