"""Analysts' upload: see exactly how each export is understood, then ingest it once."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.components import downloads, gate, upload_forms
from pipelines.service import Action
from pipelines.service.formatting import readable

# .xlsx workbooks are read (a sheet of them); old .xls ones are let through so that okrlens, not
# the browser's file-type check, says what to do with them (save them as CSV UTF-8).
UPLOAD_TYPES = ["csv", "tsv", "txt", "gz", "xlsx", "xls"]

ctx = gate.require_workspace(Action.UPLOAD, needs_key_results=False)  # the first run starts here
st.title("Upload exports")
st.caption(
    "Product-event logs (event_time, user_id, event_name, …) and business-KPI exports (long or "
    "wide). Each file is checked first; nothing is stored until you press Ingest, and a file is "
    "stored whole, once."
)
files = st.file_uploader(
    "CSV exports or Excel workbooks",
    type=UPLOAD_TYPES,
    accept_multiple_files=True,
    key="uploads",
    help=f"Up to {st.get_option('server.maxUploadSize')} MB per file (server.maxUploadSize).",
)
upload_forms.show_each(ctx, files or [])

st.subheader("Ingest history")
history = data.ingests(ctx.home, data.version(data.workspace()))
if history.empty:
    st.caption("Nothing ingested yet.")
else:
    st.dataframe(readable(history), hide_index=True, key="ingest_history")
    downloads.csv_button(ctx.actor, history, "ingest-history.csv", key="history_csv")
