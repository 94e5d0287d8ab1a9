"""Download buttons: tables as spreadsheet-safe CSV, charts as titled PNGs rendered on click."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.charts import Spec, chart_png
from pipelines.service import Actor, trust

T = TypeVar("T")


def chart(actor: Actor, vega_lite: Spec, file_name: str, key: str) -> None:
    """Draw a chart from its cached spec, with its PNG download under it."""
    st.vega_lite_chart(vega_lite, theme=None, key=key)
    png_button(actor, vega_lite, file_name, key=f"{key}_png")


def csv_button(
    actor: Actor, frame: pd.DataFrame, file_name: str, key: str, what: str | None = None
) -> None:
    """Download frame as CSV, built (and audited as actor's export of what) only when clicked.

    Text cells a spreadsheet would run as formulas are escaped.
    """
    ws = data.workspace()
    st.download_button(
        "Download CSV",
        data=lambda: trust.export_csv(ws, actor, what or file_name, frame),
        file_name=file_name,
        mime="text/csv",
        key=key,
        on_click="ignore",
        icon=":material/download:",
    )


def _audited(actor: Actor, file_name: str, what: str, build: Callable[[], T]) -> Callable[[], T]:
    """build, recording actor's export of what as file_name each time it runs (on a click)."""
    ws = data.workspace()

    def built() -> T:
        trust.record_export(ws, actor, file_name, what)
        return build()

    return built


def html_button(actor: Actor, page: Callable[[], str], file_name: str, key: str) -> None:
    """Download a page to forward as HTML, built (and audited) only when clicked."""
    st.download_button(
        "Download as HTML",
        data=_audited(actor, file_name, "overview as HTML", page),
        file_name=file_name,
        mime="text/html",
        key=key,
        on_click="ignore",
        icon=":material/description:",
        help="One page to forward: title, period, as-of and every key result, no sign-in needed.",
    )


def markdown_button(actor: Actor, text: str, file_name: str, key: str, what: str) -> None:
    """Download text as a Markdown file, audited as actor's export of what when clicked."""
    st.download_button(
        "Download Markdown",
        data=_audited(actor, file_name, what, lambda: text),
        file_name=file_name,
        mime="text/markdown",
        key=key,
        on_click="ignore",
        icon=":material/download:",
    )


def png_button(actor: Actor, vega_lite: Spec, file_name: str, key: str) -> None:
    """Download a chart (its Vega-Lite spec) as PNG, rendered (and audited) only when clicked.

    The PNG carries the title, date and "okrlens" line that the spec holds for export
    (`charts.titled`); on the page the page's heading titles the chart.
    """
    st.download_button(
        "Download PNG",
        data=_audited(actor, file_name, "chart as PNG", lambda: chart_png(vega_lite)),
        file_name=file_name,
        mime="image/png",
        key=key,
        on_click="ignore",
        icon=":material/image:",
    )
