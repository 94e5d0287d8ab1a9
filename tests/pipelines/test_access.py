"""Roles: every protected action, tried as every role and as an anonymous visitor.

The check is the service function's own, the one the pages and the CLI call: a refused action
changes nothing and is audited as refused; an allowed one changes what it says and is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from pipelines import db
from pipelines.access import ANONYMOUS, AccessSpec, Actor, Role, actor_of
from pipelines.errors import OkrlensError
from pipelines.okrs.changes import Numbers
from pipelines.service import (
    CheckIn,
    IngestReport,
    KpiOptions,
    Workspace,
    edits,
    metric_edits,
    okr_edits,
    reviews,
    trust,
)
from pipelines.service import backup as backups
from pipelines.service import initiatives as service_initiatives
from pipelines.service.initiatives import InitiativeDraft

MRR_EXPORT = b"date,metric,value\n2026-11-23,New signups,41\n"
SPEC = AccessSpec(
    sign_in="oidc",
    users={
        "vic@example.com": "viewer",
        "ana@example.com": "analyst",
        "pat@example.com": {"role": "analyst", "teams": ["Product"]},
        "root@example.com": "admin",
    },
)
ACTORS: dict[str, Actor] = {
    "anonymous": ANONYMOUS,
    "signed in, no role": actor_of(SPEC, "nobody@example.com", [], "dashboard"),
    "viewer": actor_of(SPEC, "vic@example.com", [], "dashboard"),
    "analyst": actor_of(SPEC, "ana@example.com", [], "dashboard"),
    "analyst of Product only": actor_of(SPEC, "pat@example.com", [], "dashboard"),
    "admin": actor_of(SPEC, "root@example.com", [], "dashboard"),
}
Act = Callable[[Workspace, Actor, Path], object]


def upload(ws: Workspace, actor: Actor, _: Path) -> IngestReport:
    return edits.ingest_upload(
        ws, actor, "signups.csv", MRR_EXPORT, "kpis", KpiOptions(), dry_run=False
    )


def preview(ws: Workspace, actor: Actor, _: Path) -> object:
    return edits.ingest_upload(
        ws, actor, "signups.csv", MRR_EXPORT, "kpis", KpiOptions(), dry_run=True
    )


def ingest_file(ws: Workspace, actor: Actor, tmp: Path) -> object:
    (tmp / "signups.csv").write_bytes(MRR_EXPORT)
    return list(edits.ingest_exports(ws, actor, [tmp / "signups.csv"], "kpis"))


def set_up(ws: Workspace, actor: Actor, _: Path) -> object:
    return edits.init_workspace(ws, actor, force=True)


def grant(ws: Workspace, actor: Actor, _: Path) -> object:
    return trust.set_role(ws, actor, "new@example.com", "viewer")


# action → (what it does, the least role, whether a Product-only analyst may do it)
ACTIONS: dict[str, tuple[Act, Role, bool]] = {
    "upload a file": (upload, Role.ANALYST, True),
    "preview an upload": (preview, Role.ANALYST, True),
    "sniff an upload": (
        lambda ws, a, _: edits.upload_kind(ws, a, "x.csv", MRR_EXPORT),
        Role.ANALYST,
        True,
    ),
    "ingest files (CLI path)": (ingest_file, Role.ANALYST, True),
    "edit a Company key result": (
        lambda ws, a, _: okr_edits.update_key_result(
            ws, a, "company-q4-mrr", Numbers(430000.0, 500000.0, 2.0)
        ),
        Role.ANALYST,
        False,
    ),
    "edit a Product key result": (
        lambda ws, a, _: okr_edits.update_key_result(
            ws, a, "product-q4-workflows", Numbers("auto", 1.8, 2.0)
        ),
        Role.ANALYST,
        True,
    ),
    "check in on a Company key result": (
        lambda ws, a, _: okr_edits.add_checkin(
            ws, a, "company-q4-mrr", CheckIn(date=dt.date(2026, 11, 20), value=450000)
        ),
        Role.ANALYST,
        False,
    ),
    "change the band preset": (
        lambda ws, a, _: okr_edits.set_band_preset(ws, a, "google"),
        Role.ANALYST,
        True,
    ),
    "define a metric": (
        lambda ws, a, _: metric_edits.save_metric(
            ws,
            a,
            {
                "name": "signups_total",
                "kind": "leading",
                "source": "events",
                "aggregation": "count",
            },
        ),
        Role.ANALYST,
        True,
    ),
    "add a period": (
        lambda ws, a, _: okr_edits.add_period(
            ws, a, "2027-Q1", dt.date(2027, 1, 1), dt.date(2027, 3, 31)
        ),
        Role.ANALYST,
        True,
    ),
    "add a Company objective": (
        lambda ws, a, _: okr_edits.add_objective(
            ws, a, {"title": "Win Europe", "team": "Company", "period": "2026-Q4"}
        ),
        Role.ANALYST,
        False,
    ),
    "add a Product key result": (
        lambda ws, a, _: okr_edits.add_key_result(
            ws, a, "product-q4", {"title": "Ship it", "type": "milestone", "target": 1.0}
        ),
        Role.ANALYST,
        True,
    ),
    "define a Product initiative": (
        lambda ws, a, _: service_initiatives.add_initiative(
            ws, a, InitiativeDraft(title="Shared libraries v2", team="Product")
        ),
        Role.ANALYST,
        True,
    ),
    "define a Company initiative": (
        lambda ws, a, _: service_initiatives.add_initiative(
            ws, a, InitiativeDraft(title="Board pack", team="Company")
        ),
        Role.ANALYST,
        False,
    ),
    "record a reflection on a Product key result": (
        lambda ws, a, _: reviews.record_reflection(ws, a, "product-q3-activation", "It slipped."),
        Role.ANALYST,
        True,
    ),
    "record a reflection on a Company key result": (
        lambda ws, a, _: reviews.record_reflection(ws, a, "company-q3-mrr", "Renewals came early."),
        Role.ANALYST,
        False,
    ),
    "export a table": (
        lambda ws, a, _: trust.export_csv(ws, a, "overview.csv", pd.DataFrame({"x": [1]})),
        Role.VIEWER,
        True,
    ),
    "set up a workspace": (set_up, Role.ADMIN, False),
    "read the audit log": (lambda ws, a, _: trust.audit_log(ws, a), Role.ADMIN, False),
    "export the audit log": (
        lambda ws, a, _: trust.export_csv(ws, a, "audit log", pd.DataFrame({"x": [1]})),
        Role.ADMIN,
        False,
    ),
    "list roles": (lambda ws, a, _: trust.roles(ws, a), Role.ADMIN, False),
    "delete an ingest": (
        lambda ws, a, _: edits.delete_ingest(ws, a, 1),
        Role.ADMIN,
        False,
    ),
    "export a backup of the workspace": (
        lambda ws, a, tmp: backups.backup(ws, a, tmp / "backups"),
        Role.ADMIN,
        False,
    ),
    "grant a role": (grant, Role.ADMIN, False),
}


def allowed(actor_name: str, least: Role, product_analyst_may: bool) -> bool:
    """The expected answer, from the table above."""
    if actor_name == "analyst of Product only" and least is Role.ANALYST:
        return product_analyst_may
    return ACTORS[actor_name].role >= least


READS = {"preview an upload", "sniff an upload", "export a table", "read the audit log"}
READS |= {"export the audit log", "list roles", "export a backup of the workspace"}


def state(ws: Workspace) -> tuple[tuple[bytes, ...], str]:
    """What an action could change: the definition files and the store's committed state."""
    with ws.reading() as con:
        token = db.commit_token(con)
    files = tuple(p.read_bytes() if p.exists() else b"" for p in ws.definition_paths)
    return files, token


def audit_outcomes(ws: Workspace, who: str) -> list[str]:
    """The outcomes audited for who, oldest first."""
    log = trust.audit_log(ws, ACTORS["admin"])
    return list(log[log["actor"] == who]["outcome"])[::-1]


@pytest.mark.parametrize("actor_name", list(ACTORS))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_protected_action_as_every_role(
    action: str, actor_name: str, demo_copy: Path, tmp_path: Path
) -> None:
    ws, actor = Workspace(demo_copy), ACTORS[actor_name]
    act, least, product_analyst_may = ACTIONS[action]
    ws.access_path.write_text("sign_in: oidc\nusers:\n  root@example.com: admin\n")
    before = state(ws)
    if allowed(actor_name, least, product_analyst_may):
        act(ws, actor, tmp_path)
        assert (state(ws) == before) == (action in READS)
        if actor.role is Role.ADMIN:  # only an admin may read the log to check
            outcomes = audit_outcomes(ws, actor.who)
            assert "refused" not in outcomes
            assert ("ok" in outcomes) == (action not in READS or action.startswith("export"))
        return
    with pytest.raises(OkrlensError, match=r"may not|may .* only for the teams"):
        act(ws, actor, tmp_path)
    assert state(ws) == before
    assert audit_outcomes(ws, actor.who) == ["refused"]


def test_an_allowed_upload_is_audited_with_its_counts_in_its_own_commit(demo_copy: Path) -> None:
    ws = Workspace(demo_copy)
    report = upload(ws, ACTORS["analyst"], demo_copy)
    log = trust.audit_log(ws, ACTORS["admin"], actions=["upload"])
    row = log.iloc[0]
    assert (row["actor"], row["via"], row["target"], row["outcome"]) == (
        "ana@example.com",
        "dashboard",
        "signups.csv",
        "ok",
    )
    assert row["file_sha256"] == report.sha256
    assert (row["rows_added"], row["rows_rejected"]) == (1, 0)
    with ws.reading() as con:  # in the store itself, not waiting in the journal
        assert db.scalar(con, "SELECT count(*) FROM audit_log WHERE action = 'upload'") == 1


def test_a_target_edit_is_audited_before_and_after(demo_copy: Path) -> None:
    ws = Workspace(demo_copy)
    okr_edits.update_key_result(
        ws, ACTORS["analyst"], "company-q4-mrr", Numbers(430000.0, 123.0, 2.0), confirmed=True
    )
    row = trust.audit_log(ws, ACTORS["admin"], actions=["edit key result"]).iloc[0]
    assert row["actor"] == "ana@example.com" and row["target"] == "company-q4-mrr"
    assert "key_results.company-q4-mrr.target: 490000 → 123" in row["detail"]


def test_a_hand_edit_of_okrs_yaml_is_audited_as_changed_outside_okrlens(demo_copy: Path) -> None:
    ws = Workspace(demo_copy)
    ws.data_version()  # okrlens has looked at the workspace once
    ws.okrs_path.write_text(ws.okrs_path.read_text().replace("target: 490000", "target: 777"))
    ws.data_version()
    ws.data_version()  # looking again records it once
    log = trust.audit_log(ws, ACTORS["admin"], actions=["edit definitions"])
    assert len(log) == 1
    row = log.iloc[0]
    assert row["actor"] == "someone outside okrlens" and row["target"] == "okrs.yaml"
    assert row["detail"].startswith("changed outside okrlens: ")
    assert "company-q4-mrr.target: 490000 → 777" in row["detail"]


def test_the_journal_moves_into_the_store_once_with_the_next_write(demo_copy: Path) -> None:
    ws = Workspace(demo_copy)
    trust.record_sign_in(ws, ACTORS["viewer"])
    with ws.writing():
        pass
    with ws.writing():
        pass
    with ws.reading() as con:
        stored = db.scalar(con, "SELECT count(*) FROM audit_log WHERE action = 'sign in'")
    assert stored == 1
    assert len(trust.audit_log(ws, ACTORS["admin"], actions=["sign in"])) == 1


@pytest.mark.parametrize(
    ("grants", "who", "groups", "role", "teams"),
    [
        ({}, "x@example.com", [], Role.NONE, None),
        ({"everyone": "viewer"}, "x@example.com", [], Role.VIEWER, None),
        ({"users": {"X@Example.com": "analyst"}}, "x@EXAMPLE.com", [], Role.ANALYST, None),
        ({"groups": {"okr-admins": "admin"}}, "x@example.com", ["okr-admins"], Role.ADMIN, None),
        (
            {"users": {"x@example.com": "viewer"}, "groups": {"data": "analyst"}},
            "x@example.com",
            ["data"],
            Role.ANALYST,
            None,
        ),
        (
            {
                "users": {"x@example.com": {"role": "analyst", "teams": ["A"]}},
                "groups": {"data": {"role": "analyst", "teams": ["B"]}},
            },
            "x@example.com",
            ["data"],
            Role.ANALYST,
            frozenset({"A", "B"}),
        ),
        (
            {
                "users": {"x@example.com": {"role": "analyst", "teams": ["A"]}},
                "groups": {"data": "analyst"},
            },
            "x@example.com",
            ["data"],
            Role.ANALYST,
            None,
        ),
    ],
    ids=[
        "unlisted-is-denied",
        "everyone-viewer",
        "address-case-blind",
        "group-grant",
        "most-permissive-wins",
        "teams-union",
        "an-unscoped-entry-covers-all-teams",
    ],
)
def test_how_grants_combine(
    grants: dict[str, object], who: str, groups: list[str], role: Role, teams: frozenset[str] | None
) -> None:
    actor = actor_of(AccessSpec.model_validate(grants), who, groups, "dashboard")
    assert (actor.role, actor.teams) == (role, teams)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("sign_in: ldap\n", "sign_in"),
        ("users:\n  a@example.com: superuser\n", "users.a@example.com"),
        ("sign_in: proxy\nproxy_header: 'X-Email: evil'\n", "proxy_header"),
        ("everyone: admin\n", "everyone"),
        ("roles: {}\n", "roles"),
    ],
)
def test_a_broken_access_yaml_is_refused_with_its_field(
    text: str, problem: str, tmp_path: Path
) -> None:
    ws = Workspace(tmp_path)
    ws.access_path.write_text(text)
    with pytest.raises(OkrlensError, match=f"access.yaml is invalid at {problem}"):
        trust.access_settings(ws)


def test_removing_the_last_admin_is_refused(demo_copy: Path) -> None:
    ws = Workspace(demo_copy)
    ws.access_path.write_text("sign_in: oidc\nusers:\n  root@example.com: admin\n")
    before = ws.access_path.read_bytes()
    with pytest.raises(OkrlensError, match="no admin"):
        trust.set_role(ws, ACTORS["admin"], "root@example.com", "none")
    assert ws.access_path.read_bytes() == before


@pytest.mark.parametrize(
    ("mode", "address", "user", "expected"),
    [
        ("local", "127.0.0.1", {}, "local"),
        ("oidc", "0.0.0.0", {"is_logged_in": False}, "anonymous"),
        ("oidc", "0.0.0.0", {"is_logged_in": True, "email": "ana@example.com"}, "analyst"),
        # A forged proxy header reaches st.user only when the proxy mode maps it.
        ("oidc", "0.0.0.0", {"email": "root@example.com"}, "anonymous"),
        ("proxy", "0.0.0.0", {"email": "ana@example.com"}, "analyst"),
        ("proxy", "0.0.0.0", {"email": "x@example.com", "groups": "a, okr-admins"}, "admin"),
        ("proxy", "0.0.0.0", {}, "anonymous"),
    ],
)
def test_who_a_dashboard_session_is(
    mode: str, address: str, user: dict[str, object], expected: str
) -> None:
    spec = AccessSpec.model_validate(
        {
            "sign_in": mode,
            "users": {"ana@example.com": "analyst", "root@example.com": "admin"},
            "groups": {"okr-admins": "admin"},
        }
    )
    found = trust.dashboard_actor(spec, listen_address=address, user=user)
    if expected == "local":
        assert (found.via, found.role) == ("local", Role.ADMIN)
    elif expected == "anonymous":
        assert found == ANONYMOUS
    else:
        assert found.role is Role[expected.upper()]


def test_local_mode_refuses_to_serve_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(trust.EXPOSED_ENV, raising=False)
    with pytest.raises(OkrlensError, match="single-user local mode"):
        trust.dashboard_actor(AccessSpec(), listen_address="0.0.0.0", user={})
    monkeypatch.setenv(trust.EXPOSED_ENV, "1")  # `okrlens run --expose`, said loudly
    assert trust.dashboard_actor(AccessSpec(), listen_address="0.0.0.0", user={}).via == "local"
