"""Who this browser session is: sign-in, the person's role, and the line that says so.

The role is looked up on every rerun (a change in access.yaml applies at once), and the pages
check it again through the service layer: what this module hides is a courtesy, not the lock.
"""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from pipelines.service import ANONYMOUS, Action, Actor, OkrlensError, Role, Workspace, edits, trust
from pipelines.service.formatting import markdown_text

SIGNED_IN_KEY = "okrlens_signed_in_as"


def _user_info() -> dict[str, object]:
    """What Streamlit knows of the person: OIDC claims, or the trusted proxy's headers."""
    try:
        return dict(st.user.to_dict())
    except (AttributeError, KeyError):
        return {}


def _has_auth_settings() -> bool:
    """True when Streamlit's secrets hold an [auth] section (st.login's settings)."""
    try:
        return "auth" in st.secrets
    except StreamlitSecretNotFoundError:  # no secrets.toml at all
        return False


def current_actor(ws: Workspace) -> Actor:
    """This session's actor; stops the page with a message when access.yaml is broken."""
    try:
        spec = trust.access_settings(ws)
        if spec.sign_in == "oidc" and not _has_auth_settings():
            raise OkrlensError(
                "access.yaml asks for OIDC sign-in but Streamlit has no [auth] settings",
                where=".streamlit/secrets.toml",
                fix="add the [auth] section (redirect_uri, cookie_secret, client_id, "
                "client_secret, server_metadata_url); the README shows an example",
            )
        actor = trust.dashboard_actor(
            spec, listen_address=st.get_option("server.address"), user=_user_info()
        )
    except OkrlensError as exc:
        st.error(markdown_text(exc.message()))
        st.stop()
    if st.session_state.get(SIGNED_IN_KEY) != actor.who and actor.role is not Role.NONE:
        trust.record_sign_in(ws, actor)
        st.session_state[SIGNED_IN_KEY] = actor.who
    return actor


def require(ws: Workspace, action: Action) -> Actor:
    """This session's actor if it may take action; otherwise a sign-in or no-access page."""
    actor = current_actor(ws)
    if actor.may(action):
        return actor
    spec = trust.access_settings(ws)
    if actor == ANONYMOUS:
        if spec.sign_in == "oidc":
            st.title("okrlens")
            st.write("Sign in to see this workspace's OKRs.")
            st.button("Sign in", type="primary", on_click=st.login, key="sign_in")
        else:
            st.error(
                "Your sign-in proxy did not say who you are, so okrlens shows nothing. Ask the "
                f"administrator to check that the proxy sends {spec.proxy_header}."
            )
        st.stop()
    if st.session_state.get(f"refused_{action.name}") != actor.who:
        # Refusals are audited once per session and action, not on every rerun.
        edits.record_refusal(ws, actor, action)
        st.session_state[f"refused_{action.name}"] = actor.who
    st.error(markdown_text(actor.refusal(action).message()))
    st.stop()


def badge(ws: Workspace, actor: Actor) -> None:
    """Who is signed in, with what role, and how to sign out (or that this is local mode)."""
    if actor.via == "local":
        st.caption(
            f":material/computer: Local mode: {markdown_text(actor.who)}, every right · "
            "set up sign-in (access.yaml) before sharing"
        )
        return
    teams = f" for {', '.join(sorted(actor.teams))}" if actor.teams is not None else ""
    with st.container(horizontal=True, horizontal_alignment="right"):
        st.caption(
            f":material/person: {markdown_text(actor.who)} · {actor.role.label}{markdown_text(teams)}"
        )
        if trust.access_settings(ws).sign_in == "oidc":
            st.button("Sign out", on_click=st.logout, key="sign_out", type="tertiary")
