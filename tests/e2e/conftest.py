"""Real-browser fixtures: the demo workspace served by `streamlit run`, driven by Debian's Chromium.

No `playwright install`: Playwright launches the distro browser ($CHROMIUM_PATH, default
/usr/bin/chromium; `make test` installs it). The server's output goes to a log file, never to a
pipe, which would block the server once full.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bench import serving
from bench.serving import unused_port
from pipelines.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
# What is on a page once it is idle must show within TIMEOUT_MS. Getting idle has no fixed
# budget: a cold page on a busy machine computes for as long as it needs, and READY_MS is only
# the ceiling for a server that never finishes (pytest-timeout stops the test before it anyway).
TIMEOUT_MS = 30_000
READY_MS = 540_000
CHROMIUM_ARGS = [
    "--no-sandbox",  # root in a container
    "--disable-gpu",
    # Without these Chromium keeps dialling Google services, which are unreachable here.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def demo_home(demo_workspace: Workspace, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo workspace for the browser session (its uploads change it)."""
    home = tmp_path_factory.mktemp("e2e") / "demo"
    shutil.copytree(demo_workspace.home, home)
    return home


@contextmanager
def running_server(
    command: list[str], base_url: str, log_file: Path, *, cwd: Path = ROOT, env: dict[str, str]
) -> Iterator[str]:
    """base_url, once the server started by command answers there; the test fails if it never does."""
    try:
        with serving.running_server(command, base_url, log_file, cwd=cwd, env=env):
            yield base_url
    except serving.ServerDidNotStart as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def app_url(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a real dashboard server (`streamlit run dashboard/app.py`) serving the demo."""
    port = unused_port()
    command = [
        sys.executable,
        "-m",
        "dashboard.serve",  # okrlens run's server: `streamlit run`, libraries imported first
        "run",
        "dashboard/app.py",
        "--server.headless=true",
        "--server.address=127.0.0.1",
        f"--server.port={port}",
        "--server.fileWatcherType=none",
        "--browser.gatherUsageStats=false",
    ]
    env = {**os.environ, "OKRLENS_HOME": str(demo_home)}
    log_file = tmp_path_factory.mktemp("server") / "streamlit.log"
    with running_server(command, f"http://127.0.0.1:{port}", log_file, env=env) as url:
        yield url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's launch arguments, pointed at Debian's Chromium, headless."""
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "headless": True,
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A laptop-sized viewport for every page."""
    return {**browser_context_args, "viewport": {"width": 1280, "height": 720}}


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """tests/artifacts/ (git-ignored), where screenshots go."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def wait_until_idle(page: Page) -> None:
    """Wait until the app is connected and its script has finished running (no sleeps)."""
    app = page.get_by_test_id("stApp")
    expect(app).to_have_attribute("data-test-connection-state", "CONNECTED", timeout=READY_MS)
    # A fresh page reads "notRunning" before its first run has begun: wait for the run to have
    # drawn something first, so "idle" means the page ran, not that it has not started.
    drawn = page.locator("[data-testid=stMain] [data-testid=stElementContainer]")
    expect(drawn.first).to_be_attached(timeout=READY_MS)
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=READY_MS)
    # A first run that computes caches shows spinners; the page is drawn only once they are gone.
    expect(page.get_by_test_id("stSpinner")).to_have_count(0, timeout=READY_MS)
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=READY_MS)


@pytest.fixture(name="wait_until_idle")
def wait_until_idle_fixture() -> Callable[[Page], None]:
    """wait_until_idle, for test modules (importing from a conftest is fragile)."""
    return wait_until_idle
