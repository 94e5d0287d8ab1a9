"""Analysts' upload: see exactly how each export is understood, then ingest it once."""

from __future__ import annotations

import hashlib
import logging

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.components import downloads, gate
from pipelines.service import (
    EVENT_ROLES,
    KPI_ROLES,
    SHAPES,
    IngestReport,
    KpiOptions,
    OkrlensError,
    edits,
)

AUTO = "detect"
LOG = logging.getLogger(__name__)
ctx = gate.require_workspace()
st.title("Upload exports")
st.caption(
    "Product-event logs (event_time, user_id, event_name, …) and business-KPI exports (long or "
    "wide). Each file is checked first; nothing is stored until you press Ingest, and a file is "
    "stored whole, once."
)
uploads = st.file_uploader(
    "CSV exports",
    type=["csv", "txt", "gz"],
    accept_multiple_files=True,
    key="uploads",
    max_upload_size=50,
)
done: dict[str, str] = st.session_state.setdefault("ingested_uploads", {})


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


def show_report(report: IngestReport) -> None:
    """What the dry run understood: dialect, layout, columns, preview, rejects and counts."""
    st.markdown(f"**Read as** {report.dialect} · **layout** {report.shape}")
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
            report.rejects, f"{report.file_name}-rejects.csv", key=f"rejects_{report.sha256[:16]}"
        )
    st.markdown(
        f"Ingesting will add **{report.rows_added:,}** rows"
        + (f", skip **{report.rows_duplicate:,}** already stored" if report.rows_duplicate else "")
        + (f", revise **{report.rows_revised:,}** values" if report.rows_revised else "")
        + (f", reject **{report.rows_rejected:,}**" if report.rows_rejected else "")
        + "."
    )


def show_upload(name: str, payload: bytes) -> None:
    """One uploaded file: how it is read, its preview and rejects, and its Ingest button."""
    file_key = hashlib.sha256(payload).hexdigest()[:16]
    with st.container(border=True):
        st.subheader(name)
        if file_key in done:
            st.success(done[file_key])
            return
        try:
            detected, header = data.upload_kind(name, payload)
        except OkrlensError as exc:
            st.error(exc.message())
            return
        kind = (
            st.segmented_control(
                "Kind",
                ["events", "kpis"],
                default=detected,
                key=f"{file_key}_kind",
                format_func=lambda k: "product events" if k == "events" else "business KPIs",
            )
            or detected
        )
        options, mapping = options_for(file_key, str(kind), header)
        try:
            report = data.preview_upload(
                ctx.home, name, payload, str(kind), options, mapping, ctx.version
            )
        except OkrlensError as exc:
            st.error(exc.message())
            return
        if report.already_ingested_at is not None:
            st.info(report.summary())
            return
        show_report(report)
        if st.button(
            "Ingest",
            type="primary",
            key=f"{file_key}_ingest",
            disabled=report.rows_added == 0 and not report.rows_revised,
        ):
            bar = st.progress(0.1, text="Reading and validating…")
            try:
                result = edits.ingest_upload(
                    data.workspace(), name, payload, str(kind), options, mapping, dry_run=False
                )
            except OkrlensError as exc:
                bar.empty()
                st.error(exc.message())
                return
            bar.progress(1.0, text="Committed")
            done[file_key] = result.summary()
            st.rerun()


for upload in uploads or []:
    # One file's failure never hides the others: each is analysed on its own.
    try:
        show_upload(upload.name, upload.getvalue())
    except Exception:
        LOG.exception("upload %r failed", upload.name)
        st.error(
            f"{upload.name} could not be analysed because of an internal error in okrlens, not "
            "in your file. Nothing of it was stored; the server log has the details for a bug report."
        )

st.subheader("Ingest history")
history = data.ingests(ctx.home, data.version(data.workspace()))
if history.empty:
    st.caption("Nothing ingested yet.")
else:
    st.dataframe(history, hide_index=True, key="ingest_history")
    downloads.csv_button(history, "ingest-history.csv", key="history_csv")
