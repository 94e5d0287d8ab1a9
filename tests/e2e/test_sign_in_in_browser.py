"""Sign-in for real: OIDC against a local provider the test starts, and a trusted proxy header.

The OIDC provider is `oidc-provider-mock` on localhost (no outside network); the dashboard is
started the way `okrlens run` starts it, from a folder holding the Streamlit secrets.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from oidc_provider_mock import User, run_server_in_thread
from playwright.sync_api import Browser, Page, expect

from pipelines.access import actor_of
from pipelines.service import Workspace, trust
from tests.e2e.conftest import ROOT, TIMEOUT_MS, running_server, unused_port

ACCESS = {
    "oidc": "sign_in: oidc\nusers:\n  ana@example.com: analyst\n  root@example.com: admin\n",
    "proxy": (
        "sign_in: proxy\nproxy_header: X-Auth-Request-Email\n"
        "users:\n  ana@example.com: analyst\n  root@example.com: admin\n"
    ),
}


def served(
    mode: str, demo_workspace: Workspace, tmp: Path, port: int, secrets: str | None = None
) -> Iterator[tuple[str, Path]]:
    """`okrlens run` on port, serving a demo copy in sign-in mode, from a folder with secrets."""
    home = tmp / "demo"
    shutil.copytree(demo_workspace.home, home)
    (home / "access.yaml").write_text(ACCESS[mode])
    if secrets is not None:
        (tmp / ".streamlit").mkdir()
        (tmp / ".streamlit" / "secrets.toml").write_text(secrets)
    command = [sys.executable, "-m", "cli", "--home", str(home), "run"]
    command += ["--server.port", str(port), "--server.headless", "true"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    url = f"http://localhost:{port}"
    with running_server(command, url, tmp / "server.log", cwd=tmp, env=env):
        yield url, home


@pytest.fixture(scope="module")
def oidc_app(
    demo_workspace: Workspace, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    """The dashboard with OIDC sign-in against a local provider that knows ana and root."""
    users = [User(sub=n, claims={"email": f"{n}@example.com"}) for n in ("ana", "root")]
    with run_server_in_thread(user_claims=users) as provider:
        tmp = tmp_path_factory.mktemp("oidc")
        port = unused_port()
        secrets = f"""
[auth]
redirect_uri = "http://localhost:{port}/oauth2callback"
cookie_secret = "a-test-cookie-secret-of-some-length"
client_id = "okrlens"
client_secret = "okrlens-secret"
server_metadata_url = "http://localhost:{provider.server_port}/.well-known/openid-configuration"
"""
        yield from served("oidc", demo_workspace, tmp, port, secrets)


@pytest.fixture(scope="module")
def proxy_app(
    demo_workspace: Workspace, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    """The dashboard behind a (simulated) sign-in proxy that sends X-Auth-Request-Email."""
    yield from served("proxy", demo_workspace, tmp_path_factory.mktemp("proxy"), unused_port())


def audited_sign_ins(home: Path) -> list[tuple[str, str, str]]:
    """(actor, via, outcome) of every audited sign-in, oldest first."""
    ws = Workspace(home)
    admin = actor_of(trust.access_settings(ws), "root@example.com", [], "test")
    log = trust.audit_log(ws, admin, actions=["sign in"])
    return list(log[["actor", "via", "outcome"]].itertuples(index=False, name=None))[::-1]


def test_signing_in_through_the_oidc_provider_opens_the_analyst_pages(
    oidc_app: tuple[str, Path], page: Page, wait_until_idle: Callable[[Page], None]
) -> None:
    url, home = oidc_app
    page.goto(url)
    wait_until_idle(page)
    expect(page.get_by_role("link", name="Upload")).to_have_count(0)
    page.get_by_role("button", name="Sign in").click()
    # The provider's own page: choose the user it knows as ana.
    page.get_by_role("button", name="ana", exact=True).click()
    page.wait_for_url(f"{url}/**")
    wait_until_idle(page)
    expect(page.get_by_text("ana@example.com · analyst")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_role("link", name="Upload")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_role("link", name="Audit")).to_have_count(0)
    assert ("ana@example.com", "dashboard", "ok") in audited_sign_ins(home)


def test_a_forged_proxy_header_does_not_sign_anyone_in_under_oidc(
    oidc_app: tuple[str, Path],
    browser: Browser,
    wait_until_idle: Callable[[Page], None],
) -> None:
    url, _ = oidc_app
    context = browser.new_context(extra_http_headers={"X-Auth-Request-Email": "root@example.com"})
    page = context.new_page()
    try:
        page.goto(url)
        wait_until_idle(page)
        expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.get_by_text("root@example.com")).to_have_count(0)
    finally:
        context.close()


@pytest.mark.parametrize(
    ("header", "shows"),
    [
        ("root@example.com", "root@example.com · admin"),
        ("ana@example.com", "ana@example.com · analyst"),
        (None, "did not say who you are"),
    ],
    ids=["admin", "analyst", "no-header"],
)
def test_the_proxy_header_names_the_person(
    proxy_app: tuple[str, Path],
    browser: Browser,
    wait_until_idle: Callable[[Page], None],
    header: str | None,
    shows: str,
) -> None:
    url, home = proxy_app
    headers = {"X-Auth-Request-Email": header} if header else {}
    context = browser.new_context(extra_http_headers=headers)
    page = context.new_page()
    try:
        page.goto(url)
        wait_until_idle(page)
        expect(page.get_by_text(shows)).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.get_by_role("link", name="Audit")).to_have_count(
            1 if header == "root@example.com" else 0
        )
    finally:
        context.close()
    if header:
        assert (header, "dashboard", "ok") in audited_sign_ins(home)
