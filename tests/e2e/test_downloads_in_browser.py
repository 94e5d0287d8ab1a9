"""Downloads in a real browser: the files arrive whole, and each export is in the audit log."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from pipelines.service import Workspace, trust
from tests.e2e.conftest import TIMEOUT_MS


def test_a_chart_a_table_the_overview_and_the_brief_download_and_are_audited(
    app_url: str, demo_home: Path, page: Page, wait_until_idle: Callable[[Page], None]
) -> None:
    page.goto(f"{app_url}/key-result?kr=company-q4-mrr&as_of=2026-11-23")
    wait_until_idle(page)
    with page.expect_download(timeout=TIMEOUT_MS) as png:  # a chart with dates and check-ins
        page.get_by_role("button", name="Download PNG").first.click()
    page.goto(f"{app_url}/?as_of=2026-11-23")
    wait_until_idle(page)
    with page.expect_download(timeout=TIMEOUT_MS) as html:
        page.get_by_role("button", name="Download as HTML").click()
    page.goto(f"{app_url}/key-result?kr=company-q4-mrr&as_of=2026-11-23")
    wait_until_idle(page)
    with page.expect_download(timeout=TIMEOUT_MS) as csv:
        page.get_by_role("button", name="Download CSV").first.click()
    page.goto(f"{app_url}/standup?as_of=2026-11-23")
    wait_until_idle(page)
    page.get_by_text("The brief as Markdown, to paste into chat").click()
    with page.expect_download(timeout=TIMEOUT_MS) as brief:
        page.get_by_role("button", name="Download Markdown").click()
    assert Path(png.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert Path(brief.value.path()).read_text().startswith("# Standup brief · all teams")
    forwarded = Path(html.value.path()).read_text()
    assert "<title>Company OKRs · 2026-Q4 · as of 23 Nov 2026</title>" in forwarded
    table = Path(csv.value.path()).read_text()
    assert table.splitlines()[0].count(",") >= 2 and len(table.splitlines()) > 2
    log = trust.audit_log(Workspace(demo_home), trust.cli_actor(), actions=["export"])
    exported = dict(zip(log["target"], log["detail"], strict=False))
    assert exported[png.value.suggested_filename] == "chart as PNG"
    assert exported[csv.value.suggested_filename].endswith("rows as CSV")
    assert exported[html.value.suggested_filename] == "overview as HTML"
    assert exported[brief.value.suggested_filename] == "standup brief"


def test_the_forwarded_overview_prints_to_one_landscape_pdf_page(
    app_url: str, page: Page, wait_until_idle: Callable[[Page], None], tmp_path: Path
) -> None:
    page.goto(f"{app_url}/?as_of=2026-11-23")
    wait_until_idle(page)
    with page.expect_download(timeout=TIMEOUT_MS) as html:
        page.get_by_role("button", name="Download as HTML").click()
    forwarded = tmp_path / "okrs.html"
    forwarded.write_text(Path(html.value.path()).read_text())
    page.goto(forwarded.as_uri())
    page.emulate_media(media="print")
    expect(page.get_by_text("For a PDF, print this page")).to_be_hidden()
    pdf = page.pdf(prefer_css_page_size=True, print_background=False)
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 1  # page objects, not the /Pages tree
