"""okrlens dashboard: the router. Pages live in dashboard/app_pages/."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

PAGES = Path(__file__).with_name("app_pages")

st.set_page_config(page_title="okrlens", page_icon=":material/target:", layout="wide")
navigation = st.navigation(
    [
        st.Page(
            PAGES / "overview_page.py", title="Overview", icon=":material/dashboard:", default=True
        )
    ],
    position="top",
)
navigation.run()
