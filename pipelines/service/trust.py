"""Who is acting, and what the workspace remembers of it: sign-in, roles, the audit log.

The dashboard and the CLI find their actor here (see pipelines.access for the rules) and read
or manage roles and the audit log through these functions, each checked like every edit.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from pipelines import audit, db
from pipelines.access import (
    ANONYMOUS,
    AccessSpec,
    Action,
    Actor,
    Role,
    actor_of,
    groups_from_header,
    load_access,
    local_actor,
)
from pipelines.errors import OkrlensError
from pipelines.exports import spreadsheet_safe
from pipelines.service.edits import allow
from pipelines.workspace import Workspace
from pipelines.yamlio import load_model

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
# Set by `okrlens run --expose`: local mode was asked, loudly, to serve beyond this machine.
EXPOSED_ENV = "OKRLENS_EXPOSED"


def access_settings(workspace: Workspace) -> AccessSpec:
    """How people sign in to this workspace and which roles they hold (access.yaml)."""
    return load_access(workspace.access_path)


def cli_actor() -> Actor:
    """The CLI's actor: the operating-system user ($OKRLENS_USER overrides the name)."""
    return local_actor("cli")


def dashboard_actor(
    spec: AccessSpec, *, listen_address: str | None, user: dict[str, object]
) -> Actor:
    """Who a dashboard session acts as, from the sign-in mode and Streamlit's user info.

    Local mode is the operating-system user, and only while the server listens on this machine
    alone (or was exposed on purpose). Signed-in modes map the person's address and groups to a
    role; no address means an anonymous visitor, who may do nothing.
    """
    if spec.sign_in == "local":
        if (listen_address or "") not in LOOPBACK and not os.environ.get(EXPOSED_ENV):
            raise OkrlensError(
                "this dashboard is in single-user local mode but listens on "
                f"{listen_address or 'every network interface'}",
                where="access.yaml / server.address",
                fix="serve it with `okrlens run` (127.0.0.1), or configure sign-in (sign_in: oidc "
                "or proxy in access.yaml)",
            )
        return local_actor("local")
    if spec.sign_in == "oidc" and not user.get("is_logged_in"):
        return ANONYMOUS
    who = user.get("email")
    if not isinstance(who, str) or not who.strip():
        return ANONYMOUS
    groups = user.get("groups")
    names = (
        groups_from_header(groups)
        if isinstance(groups, str)
        else [str(g) for g in groups]
        if isinstance(groups, list)
        else []
    )
    return actor_of(spec, who, names, "dashboard")


def record_sign_in(workspace: Workspace, actor: Actor) -> None:
    """Audit that actor started a dashboard session (a refused one when they hold no role)."""
    if not workspace.home.is_dir():
        return
    outcome = "ok" if actor.may(Action.VIEW) else "refused"
    detail = "" if outcome == "ok" else actor.refusal(Action.VIEW).what
    audit.append(workspace.home, audit.event(actor, "sign in", outcome=outcome, detail=detail))


def audit_log(
    workspace: Workspace,
    actor: Actor,
    *,
    who: str = "",
    actions: Iterable[str] = (),
    outcomes: Iterable[str] = (),
    since: dt.date | None = None,
) -> pd.DataFrame:
    """The audit log, newest first, filtered by actor text, actions, outcomes and first day."""
    allow(workspace, actor, Action.READ_AUDIT, "audit log")
    with workspace.reading() as con:
        log = audit.entries(con, workspace.home)
    keep = pd.Series(True, index=log.index)
    if who:
        keep &= log["actor"].str.contains(who, case=False, regex=False)
    if chosen := list(actions):
        keep &= log["action"].isin(chosen)
    if chosen := list(outcomes):
        keep &= log["outcome"].isin(chosen)
    if since is not None:
        keep &= pd.to_datetime(log["at_utc"]) >= pd.Timestamp(since)
    return log[keep].reset_index(drop=True)


def record_export(workspace: Workspace, actor: Actor, what: str, detail: str) -> None:
    """Check that actor may download what, and audit the export (OkrlensError if refused)."""
    allow(workspace, actor, Action.READ_AUDIT if what == "audit log" else Action.EXPORT, what)
    if workspace.home.is_dir():
        audit.append(workspace.home, audit.event(actor, "export", what, detail=detail))


def export_csv(workspace: Workspace, actor: Actor, what: str, frame: pd.DataFrame) -> str:
    """frame as spreadsheet-safe CSV for actor to download, the export audited."""
    record_export(workspace, actor, what, f"{len(frame):,} rows as CSV")
    return str(spreadsheet_safe(frame).to_csv(index=False))


def roles(workspace: Workspace, actor: Actor) -> pd.DataFrame:
    """Who holds which role (people and groups), as access.yaml grants it."""
    allow(workspace, actor, Action.MANAGE_ROLES, "access.yaml")
    spec = access_settings(workspace)
    rows = [
        (kind, name, grant.role, ", ".join(grant.teams) if grant.teams else "all")
        for kind, grants in (("person", spec.users), ("group", spec.groups))
        for name, grant in grants.items()
    ]
    return pd.DataFrame(rows, columns=["kind", "name", "role", "teams"])


def set_role(
    workspace: Workspace,
    actor: Actor,
    name: str,
    role: str,
    *,
    group: bool = False,
    teams: list[str] | None = None,
) -> AccessSpec:
    """Grant name (a person's address, or a group) role; role "none" removes the entry."""
    allow(workspace, actor, Action.MANAGE_ROLES, name)
    name = name.strip() if group else name.strip().lower()
    if not name or len(name) > 200 or any(c in name for c in "\n\r\t"):
        raise OkrlensError(
            f"{name!r} is not a person's address or a group name", fix="give e.g. ana@example.com"
        )
    if role not in {r.label for r in Role}:
        raise OkrlensError(f"{role!r} is not a role", fix="choose none, viewer, analyst or admin")
    path = workspace.access_path
    section = "groups" if group else "users"
    with (
        audit.recording_edit(workspace.home, actor, "change role", name, [path]),
        db.lock_file(path, exclusive=True, what=path.name),
    ):
        yaml = YAML()
        yaml.preserve_quotes = True
        document = (
            yaml.load(path.read_text(encoding="utf-8")) if path.exists() else None
        ) or CommentedMap()
        if path.exists():
            load_model(path, AccessSpec)  # the strict reader vets what the round-trip one reads
        grants = document.setdefault(section, CommentedMap())
        if role == "none":
            grants.pop(name, None)
        else:
            grants[name] = role if not teams else CommentedMap(role=role, teams=list(teams))
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False
        ) as tmp:
            yaml.dump(document, tmp)
        written = Path(tmp.name)
        try:
            spec = load_model(written, AccessSpec)
            _keep_an_admin(spec)
        except OkrlensError:
            written.unlink()
            raise
        os.replace(written, path)
    return spec


def _keep_an_admin(spec: AccessSpec) -> None:
    """OkrlensError when signed-in access would be left with nobody able to manage roles."""
    grants = [*spec.users.values(), *spec.groups.values()]
    if spec.sign_in != "local" and not any(g.level is Role.ADMIN for g in grants):
        raise OkrlensError(
            "that change would leave no admin, and nobody could manage roles from the dashboard",
            fix="make someone else admin first",
        )
