"""Admins: the audit log (filtered, exported as CSV) and who holds which role."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.components import downloads, gate
from pipelines.service import Action, OkrlensError, edits, trust
from pipelines.service.formatting import markdown_text

SHOWN_ROWS = 1_000  # the table is for reading; the CSV holds every filtered event

ctx = gate.require_workspace(Action.READ_AUDIT, needs_key_results=False)
ws = data.workspace()
st.title("Audit log")
st.caption(
    "Every sign-in, refused action, upload, edit (before → after), deletion and export, newest "
    "first. Definition files changed by hand are listed as changed outside okrlens."
)

everything = trust.audit_log(ws, ctx.actor)
c1, c2, c3, c4 = st.columns([1.2, 1.4, 1, 1])
with c1:
    who = st.text_input("Who", key="audit_who", placeholder="part of a name or address")
with c2:
    actions = st.multiselect("Action", sorted(everything["action"].unique()), key="audit_actions")
with c3:
    outcomes = st.multiselect(
        "Outcome", sorted(everything["outcome"].unique()), key="audit_outcomes"
    )
with c4:
    since = st.date_input("Since", value=None, key="audit_since")

log = trust.audit_log(ws, ctx.actor, who=who, actions=actions, outcomes=outcomes, since=since)
st.caption(
    f"{len(log):,} of {len(everything):,} events"
    + (f"; the newest {SHOWN_ROWS:,} shown, the CSV holds all" if len(log) > SHOWN_ROWS else "")
)
st.dataframe(
    log.head(SHOWN_ROWS).drop(columns=["event_id"]),
    hide_index=True,
    key="audit_table",
    column_config={"at_utc": st.column_config.DatetimeColumn("When (UTC)")},
)
downloads.csv_button(ctx.actor, log, "audit-log.csv", key="audit_csv", what="audit log")

st.subheader("Roles")
spec = trust.access_settings(ws)
st.caption(
    f"Sign-in: {spec.sign_in}. Anyone signed in but not listed: {spec.everyone}. When a person "
    "matches several entries (their address and groups) the most permissive role wins."
)
st.dataframe(trust.roles(ws, ctx.actor), hide_index=True, key="roles_table")
with st.form("role_form"):
    c1, c2, c3 = st.columns([2, 1, 2])
    with c1:
        name = st.text_input("Person's address or group", key="role_name", max_chars=200)
        group = st.checkbox("This is a group", key="role_group")
    with c2:
        role = st.selectbox("Role", ["viewer", "analyst", "admin", "none"], key="role_role")
    with c3:
        teams = st.multiselect(
            "Only these teams (analysts)",
            sorted({o.team for o in ctx.okrs.objectives}),
            key="role_teams",
        )
    if st.form_submit_button("Save role"):
        try:
            trust.set_role(ws, ctx.actor, name, str(role), group=group, teams=teams or None)
        except OkrlensError as exc:
            st.error(markdown_text(exc.message()))
        else:
            st.success(f"Saved: {markdown_text(name)} is now {role}.")

st.subheader("Delete an ingest")
st.caption(
    "Removes one ingested file and every row it stored, in one audited commit. The ids are in "
    "the ingest history on the Upload page."
)
with st.form("delete_form"):
    ingest_id = st.number_input("Ingest id", min_value=1, step=1, key="delete_id")
    sure = st.checkbox("I understand this removes the file's rows for everyone", key="delete_sure")
    if st.form_submit_button("Delete ingest"):
        if not sure:
            st.error("Tick the box to confirm the deletion.")
        else:
            try:
                said = edits.delete_ingest(ws, ctx.actor, int(ingest_id))
            except OkrlensError as exc:
                st.error(markdown_text(exc.message()))
            else:
                st.success(markdown_text(said))
