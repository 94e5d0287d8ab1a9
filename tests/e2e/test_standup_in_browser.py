"""The standup page on a shared screen (1280×720): what a leader sees without scrolling."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import READY_MS, TIMEOUT_MS

pytestmark = pytest.mark.e2e

WaitUntilIdle = Callable[[Page], None]
FOLD = 720  # the viewport's height (conftest's browser_context_args)
# The demo's busiest standup: on 11 Oct 2026, ten key results changed band or status.
BUSY_WEEK, MOVES = "2026-10-11", 10


def test_ten_moves_and_their_chips_fit_above_the_fold(
    page: Page, app_url: str, artifacts_dir: Path, wait_until_idle: WaitUntilIdle
) -> None:
    page.goto(f"{app_url}/standup?as_of={BUSY_WEEK}", timeout=READY_MS)
    wait_until_idle(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_role("heading", name=f"{MOVES} moved since 4 Oct 2026")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    board = page.get_by_test_id("stDataFrame").first
    # The grid is drawn on a canvas; its rows also exist for assistive tech: a header + a row each.
    expect(board.locator("[role=row]")).to_have_count(MOVES + 1)
    page.screenshot(path=artifacts_dir / "standup-1280x720.png")
    box = board.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= FOLD, f"the board ends at {box['y'] + box['height']} px"


def test_without_a_date_the_standup_follows_the_data_not_the_calendar(
    page: Page, app_url: str, artifacts_dir: Path, wait_until_idle: WaitUntilIdle
) -> None:
    page.goto(f"{app_url}/standup", timeout=READY_MS)
    wait_until_idle(page)
    # The demo's data ends on Sunday 22 Nov 2026; the calendar has moved on since.
    expect(page.get_by_role("heading", name="Standup · 22 Nov 2026")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    expect(page.get_by_text("All teams: the latest complete week of data")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame").first.locator("[role=row]").first).to_be_attached()
    page.screenshot(path=artifacts_dir / "standup-default-1280x720.png")
