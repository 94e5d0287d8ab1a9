"""The Upload page's parts: how a file should be read (the analyst's options) and what was read."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.components import downloads
from pipelines.service import EVENT_ROLES, KPI_ROLES, SHAPES, Actor, IngestReport, KpiOptions
from pipelines.service.formatting import markdown_text

AUTO = "detect"


def options_for(file_key: str, kind: str, header: list[str]) -> tuple[KpiOptions, dict[str, str]]:
    """The analyst's column mapping and reading options for one file."""
    roles = EVENT_ROLES if kind == "events" else KPI_ROLES
    mapping: dict[str, str] = {}
    st.caption("Column mapping (detect = recognised by name)")
    for column, role in zip(st.columns(len(roles)), roles, strict=True):
        with column:
            picked = st.selectbox(role, [AUTO, *header], key=f"{file_key}_{kind}_map_{role}")
            if picked != AUTO:
                mapping[role] = str(picked)
    if kind == "events":
        return KpiOptions(), mapping
    c1, c2, c3 = st.columns(3)
    with c1:
        shape = st.selectbox("Layout", [AUTO, *SHAPES], key=f"{file_key}_shape")
    with c2:
        decimal = st.selectbox("Decimal mark", [AUTO, ".", ","], key=f"{file_key}_decimal")
    with c3:
        date_format = st.text_input(
            "Date format", placeholder="detect, or e.g. %d/%m/%Y", key=f"{file_key}_datefmt"
        )
    return (
        KpiOptions(
            shape=None if shape == AUTO else str(shape),
            decimal=None if decimal == AUTO else str(decimal),
            date_format=date_format or None,
            mapping=mapping or None,
        ),
        {},
    )


def show_report(actor: Actor, report: IngestReport) -> None:
    """What the dry run understood: dialect, layout, columns, preview, rejects and counts."""
    st.markdown(
        f"**Read as** {markdown_text(report.dialect)} · **layout** {markdown_text(report.shape)}"
    )
    understood = pd.DataFrame(
        {"column in the file": list(report.columns), "stored as": list(report.columns.values())}
    )
    st.dataframe(understood, hide_index=True)
    st.markdown("**Preview** (first rows as they will be stored)")
    st.dataframe(report.preview, hide_index=True)
    if report.rows_rejected:
        st.warning(
            f"{report.rows_rejected:,} line(s) cannot be read and will not be stored; they are kept "
            "in the ingest ledger with their reasons."
        )
        st.dataframe(report.rejects, hide_index=True)
        downloads.csv_button(
            actor,
            report.rejects,
            f"{report.file_name}-rejects.csv",
            key=f"rejects_{report.sha256[:16]}",
        )
    if report.sampled:
        st.info(
            f"This preview read the first {report.sampled / 1_000_000:,.0f} MB of the file; "
            "the counts below are that sample's. Ingest reads and checks the whole file."
        )
    st.markdown(
        ("In this sample, ingesting would add" if report.sampled else "Ingesting will add")
        + f" **{report.rows_added:,}** rows"
        + (f", skip **{report.rows_duplicate:,}** already stored" if report.rows_duplicate else "")
        + (f", revise **{report.rows_revised:,}** values" if report.rows_revised else "")
        + (f", reject **{report.rows_rejected:,}**" if report.rows_rejected else "")
        + "."
    )
