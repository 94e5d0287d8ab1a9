"""Sign-in on the dashboard: each visitor sees what their role opens, and pages check it again."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.navigation import PAGES_DIR
from pipelines.access import actor_of
from pipelines.service import Action, Role, Workspace, trust
from tests.dashboard.conftest import APP, AS_OF

ACCESS = """\
sign_in: oidc
users:
  vic@example.com: viewer
  ana@example.com: analyst
  root@example.com: admin
"""
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-cookie-secret",
    "client_id": "okrlens",
    "client_secret": "secret",
    "server_metadata_url": "http://localhost:9/.well-known/openid-configuration",
}


def visit(page: str | None, email: str | None, home: Path) -> AppTest:
    """Open page (None: the router) as the person signed in with email (None: nobody)."""
    at = AppTest.from_file(str(PAGES_DIR / page) if page else APP, default_timeout=60)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": email is not None, **({"email": email} if email else {})}
    at.query_params["as_of"] = AS_OF
    return at.run()


@pytest.fixture
def signed_in_home(demo_home: Path) -> Path:
    """The demo workspace with OIDC sign-in configured."""
    (demo_home / "access.yaml").write_text(ACCESS)
    return demo_home


def shown_text(at: AppTest) -> str:
    """Everything the page wrote, for assertions on what a visitor is told."""
    parts = [e.value for e in (*at.markdown, *at.caption, *at.error, *at.info, *at.title)]
    return "\n".join(str(p) for p in parts)


def test_an_anonymous_visitor_sees_only_a_sign_in_button(signed_in_home: Path) -> None:
    at = visit(None, None, signed_in_home)
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.dataframe and not at.metric


@pytest.mark.parametrize(
    "page", ["overview_page.py", "upload_page.py", "targets_page.py", "admin_page.py"]
)
def test_an_anonymous_visitor_opening_any_page_directly_sees_nothing_of_it(
    page: str, signed_in_home: Path
) -> None:
    at = visit(page, None, signed_in_home)
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.dataframe and not at.file_uploader and not at.number_input


def test_someone_without_a_role_is_told_whom_to_ask_and_it_is_audited(
    signed_in_home: Path,
) -> None:
    at = visit("overview_page.py", "stranger@example.com", signed_in_home)
    assert not at.exception and not at.dataframe
    assert "stranger@example.com has no role here and may not read the dashboard" in shown_text(at)
    admin = actor_of(trust.access_settings(Workspace(signed_in_home)), "root@example.com", [], "x")
    log = trust.audit_log(Workspace(signed_in_home), admin, who="stranger")
    assert list(log["outcome"]) == ["refused"]


@pytest.mark.parametrize(
    ("page", "email", "opens"),
    [
        ("upload_page.py", "vic@example.com", False),
        ("targets_page.py", "vic@example.com", False),
        ("admin_page.py", "vic@example.com", False),
        ("admin_page.py", "ana@example.com", False),
        ("upload_page.py", "ana@example.com", True),
        ("targets_page.py", "ana@example.com", True),
        ("admin_page.py", "root@example.com", True),
    ],
)
def test_a_page_checks_the_role_itself_when_opened_by_its_address(
    page: str, email: str, opens: bool, signed_in_home: Path
) -> None:
    at = visit(page, email, signed_in_home)
    assert not at.exception
    refused = f"{email} has the " in shown_text(at) and "may not" in shown_text(at)
    assert refused is not opens
    assert bool(at.file_uploader or at.number_input or at.dataframe) is opens


@pytest.mark.parametrize(
    ("email", "role", "badge"),
    [
        ("vic@example.com", Role.VIEWER, "vic@example.com · viewer"),
        ("ana@example.com", Role.ANALYST, "ana@example.com · analyst"),
        ("root@example.com", Role.ADMIN, "root@example.com · admin"),
    ],
)
def test_the_router_offers_the_pages_a_role_opens_and_names_the_person(
    email: str, role: Role, badge: str, signed_in_home: Path
) -> None:
    at = visit(None, email, signed_in_home)
    assert not at.exception
    assert badge in shown_text(at)
    assert "Sign out" in [b.label for b in at.button]
    actor = actor_of(trust.access_settings(Workspace(signed_in_home)), email, [], "dashboard")
    assert actor.may(Action.UPLOAD) is (role >= Role.ANALYST)


def test_the_admin_page_lists_sign_ins_and_exports_filtered(signed_in_home: Path) -> None:
    visit("overview_page.py", "vic@example.com", signed_in_home)
    at = visit("admin_page.py", "root@example.com", signed_in_home)
    assert not at.exception
    log = at.dataframe[0].value
    assert {"vic@example.com", "root@example.com"} <= set(log["actor"])
    at.text_input(key="audit_who").input("vic").run()
    assert set(at.dataframe[0].value["actor"]) == {"vic@example.com"}


def test_oidc_without_auth_settings_says_what_to_add(signed_in_home: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert r"Streamlit has no \[auth\] settings" in shown_text(at)  # Markdown-escaped


def test_an_admin_deletes_an_ingest_from_the_audit_page(signed_in_home: Path) -> None:
    at = visit("admin_page.py", "root@example.com", signed_in_home)
    at.number_input(key="delete_id").set_value(2)
    at.checkbox(key="delete_sure").check()
    at.button[-1].click().run()
    assert not at.exception
    assert any("deleted ingest 2" in s.value for s in at.success)
    admin = actor_of(trust.access_settings(Workspace(signed_in_home)), "root@example.com", [], "x")
    assert list(trust.audit_log(Workspace(signed_in_home), admin, actions=["delete"])["actor"]) == [
        "root@example.com"
    ]
