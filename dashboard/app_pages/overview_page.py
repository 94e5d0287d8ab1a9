"""Leaders' overview: every key result of the current period with its band and status."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import data
from pipelines.errors import OkrlensError

st.title("OKR overview")
ws = data.workspace()
if not ws.exists():
    st.info(
        f"No workspace at `{ws.home}` yet. Build the demo with `okrlens demo`, or scaffold your own "
        "with `okrlens init` and ingest CSV exports with `okrlens ingest`."
    )
    st.stop()

as_of = st.date_input("As of", value=dt.datetime.now(dt.UTC).date(), key="as_of")
try:
    krs, objectives = data.scores(str(ws.home), as_of, data.data_version(ws))
except OkrlensError as exc:
    st.error(exc.message())
    st.stop()

if krs.empty:
    st.info("No key results in the period containing this date.")
    st.stop()

counts = krs["band"].fillna("no data").value_counts()
st.caption(" · ".join(f"{band}: {n}" for band, n in counts.items()))
for objective in objectives.to_dict("records"):
    st.subheader(f"{objective['objective_id']} · {objective['objective']}")
    st.caption(
        f"{objective['team']} · {objective['period']} · "
        f"{objective['band'] or 'no band'} · {objective['status']}"
    )
    rows = krs[krs["objective_id"] == objective["objective_id"]]
    st.dataframe(
        rows[
            [
                "kr_id",
                "key_result",
                "baseline",
                "target",
                "current",
                "progress",
                "band",
                "expected_progress",
                "status",
                "data_as_of",
            ]
        ],
        hide_index=True,
        column_config={
            "progress": st.column_config.ProgressColumn(
                "progress", min_value=0, max_value=1, format="percent"
            ),
            "expected_progress": st.column_config.NumberColumn("expected", format="percent"),
        },
    )
