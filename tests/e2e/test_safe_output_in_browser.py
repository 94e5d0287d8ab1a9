"""User text is shown as text: no script runs, no dialog opens, no outside image loads.

The demo's titles, team, a check-in note and a metric's label are replaced with script tags,
event handlers, a `javascript:` link and a Markdown image; every page that shows them (the
definition forms too) is opened in Chromium.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect

from pipelines.workspace import Workspace
from tests.e2e.conftest import TIMEOUT_MS, running_server, unused_port

PIXEL = "http://198.51.100.7/pixel.png"  # TEST-NET-2: a request to it is the only way to see it
HOSTILE = {
    "Grow MRR from $430k to $490k": (
        f"Grow MRR <img src=x onerror=alert(1)> [click](javascript:alert(2)) ![p]({PIXEL})"
    ),
    "Become the reference manager our institutions cannot do without": (
        "<script>alert(3)</script> # Owned **bold** :red[red]"
    ),
    "Renewals bunch up in December; the campus deals decide this one.": (
        f"<iframe src=javascript:alert(4)></iframe> ![q]({PIXEL})"
    ),
}
HOSTILE_LABEL = (
    "label: Weekly active users",
    f'label: "<img src=x onerror=alert(5)> ![w]({PIXEL})"',
)
PAGES = [
    "overview",
    "key-result?kr=company-q4-mrr",
    "targets",
    "standup",
    "insight",
    "metrics",
    "define-metrics",
    "define-okrs",
    "initiatives",
    "review",
]


@pytest.fixture(scope="module")
def hostile_app(
    demo_workspace: Workspace, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The demo with hostile titles and notes, served on 127.0.0.1."""
    home = tmp_path_factory.mktemp("hostile") / "demo"
    shutil.copytree(demo_workspace.home, home)
    okrs = home / "okrs.yaml"
    text = okrs.read_text()
    for plain, hostile in HOSTILE.items():
        assert plain in text
        text = text.replace(plain, json.dumps(hostile))  # a JSON string is a YAML string
    okrs.write_text(text)
    metrics = home / "metrics.yaml"
    assert HOSTILE_LABEL[0] in metrics.read_text()
    metrics.write_text(metrics.read_text().replace(*HOSTILE_LABEL))
    port = unused_port()
    command = [sys.executable, "-m", "dashboard.serve", "run", "dashboard/app.py"]
    command += ["--server.address=127.0.0.1", f"--server.port={port}", "--server.headless=true"]
    env = {**os.environ, "OKRLENS_HOME": str(home)}
    log = home.parent / "server.log"
    with running_server(command, f"http://127.0.0.1:{port}", log, env=env) as url:
        yield url


@pytest.mark.parametrize("path", PAGES)
def test_hostile_user_text_is_shown_as_text(
    hostile_app: str, page: Page, wait_until_idle: Callable[[Page], None], path: str
) -> None:
    dialogs: list[str] = []
    requested: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{hostile_app}/{path}{'&' if '?' in path else '?'}as_of=2026-11-23")
    wait_until_idle(page)
    expect(page.get_by_test_id("stApp")).to_be_visible(timeout=TIMEOUT_MS)
    assert dialogs == []
    assert not [url for url in requested if url.startswith(PIXEL)]
    assert page.locator("[data-testid=stMain] img[src=x]").count() == 0
    assert page.locator("[data-testid=stMain] a[href^='javascript']").count() == 0
    assert page.locator("[data-testid=stMain] iframe").count() == 0
    if path.startswith("key-result"):
        # Written out, as the analyst typed it.
        expect(page.get_by_text("<img src=x onerror=alert(1)>", exact=False).first).to_be_visible(
            timeout=TIMEOUT_MS
        )
