"""The guided first run: from an empty workspace to a scored key result, one step at a time."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.navigation import PAGES


def show(home: str, version: str) -> None:
    """The first run's checklist, each step linking to the page where it is taken."""
    steps = data.first_steps(home, version)
    # The default page (the first) is served at the app's root, not at its url_path.
    url_of = {page.file: "." if i == 0 else page.url_path for i, page in enumerate(PAGES)}
    st.subheader("Get your first key result scored")
    st.caption("Four steps, a few minutes. Each one is saved as you go.")
    upcoming = next((s for s in steps if not s.done), None)
    for number, step in enumerate(steps, start=1):
        mark = (
            ":green[:material/check_circle:]" if step.done else ":material/radio_button_unchecked:"
        )
        # A relative link: it opens the page inside the app, under any base URL path.
        line = f"{mark} **{number}. [{step.title}]({url_of[step.page]})** · {step.detail}"
        if step is upcoming:
            line += " :blue-badge[next]"
        st.markdown(line)
