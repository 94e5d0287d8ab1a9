"""Analysts' upload: see exactly how each export is understood, then ingest it once."""

from __future__ import annotations

import hashlib
import logging

import streamlit as st

from dashboard import data
from dashboard.components import downloads, gate
from dashboard.components.upload_forms import options_for, show_report
from pipelines.service import Action, OkrlensError, edits
from pipelines.service.formatting import markdown_text

LOG = logging.getLogger(__name__)
ctx = gate.require_workspace(Action.UPLOAD)
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
    help=f"Up to {st.get_option('server.maxUploadSize')} MB per file (server.maxUploadSize).",
)
done: dict[str, str] = st.session_state.setdefault("ingested_uploads", {})


def show_upload(name: str, payload: bytes) -> None:
    """One uploaded file: how it is read, its preview and rejects, and its Ingest button."""
    file_key = hashlib.sha256(payload).hexdigest()[:16]
    with st.container(border=True):
        st.subheader(markdown_text(name))
        if file_key in done:
            st.success(markdown_text(done[file_key]))
            return
        try:
            detected, header = data.upload_kind(ctx.home, ctx.actor, name, payload)
        except OkrlensError as exc:
            st.error(markdown_text(exc.message()))
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
                ctx.home, ctx.actor, name, payload, str(kind), options, mapping, ctx.version
            )
        except OkrlensError as exc:
            st.error(markdown_text(exc.message()))
            return
        if report.already_ingested_at is not None:
            st.info(markdown_text(report.summary()))
            return
        show_report(ctx.actor, report)
        if st.button(
            "Ingest",
            type="primary",
            key=f"{file_key}_ingest",
            disabled=report.rows_added == 0 and not report.rows_revised,
        ):
            bar = st.progress(0.1, text="Reading and validating…")
            try:
                result = edits.ingest_upload(
                    data.workspace(),
                    ctx.actor,
                    name,
                    payload,
                    str(kind),
                    options,
                    mapping,
                    dry_run=False,
                )
            except OkrlensError as exc:
                bar.empty()
                st.error(markdown_text(exc.message()))
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
            f"{markdown_text(upload.name)} could not be analysed because of an internal error in okrlens, not "
            "in your file. Nothing of it was stored; the server log has the details for a bug report."
        )

st.subheader("Ingest history")
history = data.ingests(ctx.home, data.version(data.workspace()))
if history.empty:
    st.caption("Nothing ingested yet.")
else:
    st.dataframe(history, hide_index=True, key="ingest_history")
    downloads.csv_button(ctx.actor, history, "ingest-history.csv", key="history_csv")
