"""The overview on a shared screen: every key result, its band, heading and why, without scrolling."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import READY_MS, TIMEOUT_MS

pytestmark = pytest.mark.e2e

WaitUntilIdle = Callable[[Page], None]
AS_OF = "2026-11-23"  # the demo's 2026-Q4: 3 objectives and 11 key results
KEY_RESULTS, OBJECTIVES = 11, 3


def glance_rows(page: Page, app_url: str, wait_until_idle: WaitUntilIdle) -> Locator:
    """The rows of the overview's table, once the page is drawn with its forecasts."""
    page.goto(f"{app_url}/?as_of={AS_OF}", timeout=READY_MS)
    wait_until_idle(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    rows = page.locator(".st-key-glance table tbody tr")
    expect(rows).to_have_count(OBJECTIVES + KEY_RESULTS, timeout=TIMEOUT_MS)
    # Forecasting 11 key results is a cold compute with no fixed budget on a busy machine.
    expect(page.get_by_text("forecasting…")).to_have_count(0, timeout=READY_MS)
    return rows


def cell(rows: Locator, title: str, column: int) -> str:
    """The text of one column (1: the title) of the row whose title is title."""
    return rows.filter(has_text=title).first.locator("td").nth(column - 1).inner_text()


def test_every_key_result_with_its_band_heading_and_why_fits_a_1280x720_screen(
    page: Page, app_url: str, artifacts_dir: Path, wait_until_idle: WaitUntilIdle
) -> None:
    rows = glance_rows(page, app_url, wait_until_idle)
    page.screenshot(path=artifacts_dir / "overview-1280x720.png")
    height = page.viewport_size["height"] if page.viewport_size else 0
    for i in range(rows.count()):
        box = rows.nth(i).bounding_box()
        assert box is not None and box["y"] + box["height"] <= height, rows.nth(i).inner_text()
    # Band, status, heading and the one-line why, read off the screen.
    assert cell(rows, "Grow MRR from $430k to $490k", 2) == "missed"
    assert cell(rows, "Grow MRR from $430k to $490k", 3) == "at risk"
    assert cell(rows, "Grow MRR from $430k to $490k", 5) == "exceeded 73%"
    assert cell(rows, "Grow MRR from $430k to $490k", 6) == "on track → at risk"
    assert cell(rows, "Grow MRR from $430k to $490k", 7).startswith("Renewals bunch up in December")
    assert cell(rows, "Win 36 new subscriptions", 7) == (
        "Workflows per active user -1.3% last week (leads it by ~3 weeks)"
    )
    # Every title is whole: no key result is cut off with an ellipsis.
    assert cell(rows, "Make weekly workflows a habit", 1) == (
        "Make weekly workflows a habit for our institutions"
    )


def test_a_band_has_one_colour_on_every_row_and_each_band_its_own(
    page: Page, app_url: str, wait_until_idle: WaitUntilIdle
) -> None:
    rows = glance_rows(page, app_url, wait_until_idle)
    badges = rows.locator("td:nth-child(2) span")
    colours: dict[str, set[str]] = {}
    for i in range(badges.count()):
        badge = badges.nth(i)
        colour = badge.evaluate("e => getComputedStyle(e).backgroundColor")
        colours.setdefault(badge.inner_text(), set()).add(colour)
    assert set(colours) == {"missed", "met", "exceeded"}
    assert all(len(c) == 1 for c in colours.values()), colours
    assert len({next(iter(c)) for c in colours.values()}) == 3, colours


def test_at_800_px_the_overview_wraps_instead_of_scrolling_sideways(
    page: Page, app_url: str, artifacts_dir: Path, wait_until_idle: WaitUntilIdle
) -> None:
    page.set_viewport_size({"width": 800, "height": 720})
    rows = glance_rows(page, app_url, wait_until_idle)
    page.screenshot(path=artifacts_dir / "overview-800x720.png")
    table = rows.first.locator("xpath=ancestor::table")
    box = table.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 800, box
    assert page.evaluate("document.documentElement.scrollWidth") <= 800


def test_presentation_mode_is_large_has_no_navigation_and_moves_with_the_arrow_keys(
    page: Page, app_url: str, artifacts_dir: Path, wait_until_idle: WaitUntilIdle
) -> None:
    page.goto(f"{app_url}/?as_of={AS_OF}&present=true", timeout=READY_MS)
    wait_until_idle(page)
    slide = page.locator(".st-key-slide")
    # The page may still be computing when the app first reports idle: no fixed budget.
    expect(slide.get_by_role("heading", level=3)).to_have_count(OBJECTIVES, timeout=READY_MS)
    expect(page.get_by_role("link", name="Key result")).to_have_count(0)  # no navigation
    # 1.4 × the 14 px body text, once the slide's stylesheet has reached the page (readiness,
    # not a fixed wait: a busy browser may paint the text before its stylesheet applies).
    text = slide.locator("p").first.element_handle()
    page.wait_for_function(
        "e => parseFloat(getComputedStyle(e).fontSize) >= 19.6", arg=text, timeout=READY_MS
    )
    page.screenshot(path=artifacts_dir / "overview-present-1280x720.png")
    page.keyboard.press("ArrowRight")
    expect(
        slide.get_by_role(
            "heading",
            level=2,
            name="Become the reference manager our institutions cannot do without",
        )
    ).to_be_visible(timeout=READY_MS)  # the objective's slide forecasts: a cold compute
    expect(page.get_by_text("Objective 1 of 3")).to_be_visible()
