"""Every dashboard page renders in a real browser, served by `streamlit run` from the demo."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from dashboard.navigation import PAGES, PageSpec
from tests.e2e.conftest import READY_MS, ROOT, TIMEOUT_MS

pytestmark = pytest.mark.e2e

VIEWPORT = {"width": 1280, "height": 720}
MAX_SCREENSHOT_HEIGHT = 8_000
DEMO_OBJECTIVE = "Become the reference manager our institutions cannot do without"

WaitUntilIdle = Callable[[Page], None]


def page_url(app_url: str, spec: PageSpec) -> str:
    """Where the router serves spec: the default (first) page lives at the root URL.

    Streamlit ignores a default page's url_path: `/overview` answers "Page not found".
    """
    return app_url if spec == PAGES[0] else f"{app_url}/{spec.url_path}"


def expect_healthy(page: Page) -> None:
    """No exception block, no error message, and no modal (such as Streamlit's "Page not found")."""
    for test_id in ("stException", "stAlertContentError"):
        shown = page.get_by_test_id(test_id)
        assert shown.count() == 0, f"{test_id} on {page.url}: {shown.all_inner_texts()}"
    expect(page.get_by_role("dialog")).to_have_count(0)


def full_page_screenshot(page: Page, path: Path) -> None:
    """Screenshot the whole page, not just the viewport.

    Streamlit scrolls inside stMain, so the document is one viewport tall and Playwright's
    full_page alone captures only the top: grow the viewport to the content, then restore it.
    """
    height = page.get_by_test_id("stMain").evaluate("main => main.scrollHeight")
    page.set_viewport_size(
        {
            "width": VIEWPORT["width"],
            "height": min(max(height, VIEWPORT["height"]), MAX_SCREENSHOT_HEIGHT),
        }
    )
    try:
        page.screenshot(path=path, full_page=True)
    finally:
        page.set_viewport_size(VIEWPORT)


@pytest.mark.parametrize("spec", PAGES, ids=[spec.url_path for spec in PAGES])
def test_page_renders_without_exception(
    spec: PageSpec,
    page: Page,
    app_url: str,
    artifacts_dir: Path,
    wait_until_idle: WaitUntilIdle,
) -> None:
    page.goto(page_url(app_url, spec), timeout=READY_MS)
    wait_until_idle(page)
    expect_healthy(page)
    expect(page.get_by_text(spec.title).filter(visible=True).first).to_be_visible(
        timeout=TIMEOUT_MS
    )
    # Every chart on the page has been drawn by Vega (a failed spec leaves no canvas).
    # Charts folded away in an expander are drawn when opened (their PNGs are tested apart).
    charts = page.get_by_test_id("stVegaLiteChart").filter(visible=True)
    for i in range(charts.count()):
        expect(charts.nth(i).locator("canvas, svg").first).to_be_visible(timeout=TIMEOUT_MS)
    full_page_screenshot(page, artifacts_dir / f"{spec.url_path}.png")


def test_overview_shows_a_demo_objective(
    page: Page, app_url: str, wait_until_idle: WaitUntilIdle
) -> None:
    # The demo's Q4 is scored as of a fixed date, so the test does not depend on today.
    page.goto(f"{page_url(app_url, PAGES[0])}?as_of=2026-11-23", timeout=READY_MS)
    wait_until_idle(page)
    expect_healthy(page)
    expect(page.get_by_text(DEMO_OBJECTIVE).first).to_be_visible(timeout=TIMEOUT_MS)


def test_a_shared_link_opens_the_same_filters(
    page: Page, app_url: str, wait_until_idle: WaitUntilIdle
) -> None:
    page.goto(f"{app_url}/?as_of=2026-11-23&team=Product", timeout=READY_MS)
    wait_until_idle(page)
    expect_healthy(page)
    expect(
        page.get_by_role("cell", name="Make weekly workflows a habit for our institutions").first
    ).to_be_visible()
    expect(page.get_by_text(DEMO_OBJECTIVE)).to_have_count(0)
    page.goto(f"{app_url}/key-result?as_of=2026-11-23&kr=support-q4-csat", timeout=READY_MS)
    wait_until_idle(page)
    expect_healthy(page)
    expect(page.get_by_text("Raise CSAT from 90% to 95%").first).to_be_visible(timeout=TIMEOUT_MS)


def test_uploading_a_csv_counts_its_rows_and_ingests_it(
    page: Page, app_url: str, wait_until_idle: WaitUntilIdle, tmp_path: Path
) -> None:
    export = tmp_path / "partner_signups.csv"
    export.write_text(
        "date,metric,value\n2026-11-09,Partner sign-ups,7\n2026-11-16,Partner sign-ups,9\n"
    )
    page.goto(f"{app_url}/upload", timeout=READY_MS)
    wait_until_idle(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(export))
    wait_until_idle(page)
    expect_healthy(page)
    expect(page.get_by_text("Ingesting will add 2 rows")).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_role("button", name="Ingest", exact=True).click()
    wait_until_idle(page)
    expect(
        page.get_by_text("partner_signups.csv: ingested as kpis (long); 2 rows added")
    ).to_be_visible(timeout=TIMEOUT_MS)


def test_the_standup_screen_works_embedded(
    page: Page, app_url: str, wait_until_idle: WaitUntilIdle
) -> None:
    page.goto(f"{app_url}/standup?embed=true&as_of=2026-11-23", timeout=READY_MS)
    wait_until_idle(page)
    expect_healthy(page)
    expect(page.get_by_role("heading", name="To discuss")).to_be_visible(timeout=TIMEOUT_MS)


def test_the_overview_is_drawn_in_the_dark_theme(
    browser: Browser, app_url: str, artifacts_dir: Path, wait_until_idle: WaitUntilIdle
) -> None:
    context = browser.new_context(color_scheme="dark", viewport=VIEWPORT)
    page = context.new_page()
    try:
        page.goto(f"{app_url}/?as_of=2026-11-23", timeout=READY_MS)
        wait_until_idle(page)
        expect_healthy(page)
        expect(page.get_by_text(DEMO_OBJECTIVE).first).to_be_visible(timeout=TIMEOUT_MS)
        full_page_screenshot(page, artifacts_dir / "overview-dark.png")
    finally:
        context.close()


def test_a_cli_ingest_while_the_dashboard_is_browsed_succeeds_and_shows_up(
    page: Page, app_url: str, demo_home: Path, tmp_path: Path, wait_until_idle: WaitUntilIdle
) -> None:
    export = tmp_path / "cron-partners.csv"
    export.write_text("date,metric,value\n2026-11-16,Partner sign-ups,7\n")
    command = [sys.executable, "-m", "cli", "--home", str(demo_home)]
    ingest = subprocess.Popen(
        [*command, "ingest", "kpis", str(export)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for spec in PAGES[:3]:  # browsing while the ingest runs
        page.goto(f"{page_url(app_url, spec)}?as_of=2026-11-23", timeout=READY_MS)
        wait_until_idle(page)
        expect_healthy(page)
    out, err = ingest.communicate(timeout=300)
    assert ingest.returncode == 0, err
    assert "cron-partners.csv: ingested as kpis" in out
    page.goto(f"{app_url}/upload", timeout=READY_MS)
    wait_until_idle(page)
    # The ingest history is a data grid drawn on a canvas; its cells exist for assistive tech.
    expect(page.locator("[role=gridcell]", has_text="cron-partners.csv")).to_have_count(1)


def test_ten_sessions_opening_different_pages_at_once_all_draw_without_an_error(
    browser: Browser, app_url: str, wait_until_idle: WaitUntilIdle
) -> None:
    contexts = [browser.new_context(viewport=VIEWPORT) for _ in range(10)]
    try:
        pages = [context.new_page() for context in contexts]
        for i, page in enumerate(pages):  # every session asks before any has finished
            spec = PAGES[i % len(PAGES)]
            page.goto(f"{page_url(app_url, spec)}?as_of=2026-11-{10 + i}", wait_until="commit")
        drawn = []
        for page in pages:
            wait_until_idle(page)
            expect_healthy(page)  # no exception, no error message, no dialog
            drawn.append(page.get_by_role("heading").count())
        # Every session got its page drawn, title and all, not an empty or half-run one.
        assert all(count >= 1 for count in drawn), drawn
    finally:
        for context in contexts:
            context.close()
