"""okrlens dashboard: the router. Pages live in dashboard/app_pages/, declared in navigation.py."""

from __future__ import annotations

import streamlit as st

from dashboard.navigation import PAGES

st.set_page_config(page_title="okrlens", page_icon=":material/target:", layout="wide")
pages = [
    st.Page(spec.path, title=spec.title, icon=spec.icon, url_path=spec.url_path, default=i == 0)
    for i, spec in enumerate(PAGES)
]
st.navigation(pages, position="top").run()
