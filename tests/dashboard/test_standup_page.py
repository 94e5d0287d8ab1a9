"""The standup page: one screen of moves and what to discuss, on the latest complete week."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.navigation import PAGES_DIR
from tests.dashboard.conftest import Open

PAGE = "standup_page.py"
# The demo's latest complete week ends on Sunday 22 Nov 2026; these moved since 15 Nov, worse first.
WEEK_END = "2026-11-22"
MOVES = [
    "Bring churn down to 3 accounts a week",
    "Launch the citation graph",
    "Grow weekly active users from 950 to 1,800",
    "Lift activation from 50% to 75% of sign-ups",
    "Raise CSAT from 90% to 95%",
    "Win 36 new subscriptions a week, up from 24",
    "Cut first response time from 6.0 h to 3.0 h",
]


def headings(at: AppTest) -> list[str]:
    """Every title, header and subheader on the page."""
    return [h.value for kind in (at.title, at.header, at.subheader) for h in kind]


def test_without_a_date_the_page_opens_on_the_latest_complete_week_of_data(
    demo_home: Path,
) -> None:
    at = AppTest.from_file(str(PAGES_DIR / PAGE), default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "Standup · 22 Nov 2026"
    assert at.caption[0].value.startswith("All teams: the latest complete week of data")
    assert at.subheader[0].value == "7 moved since 15 Nov 2026"


def test_the_moves_are_a_board_of_titles_not_headings(demo_home: Path, open_page: Open) -> None:
    at = open_page(PAGE, as_of=WEEK_END)
    assert not at.exception
    board = at.dataframe[0].value
    assert board["key result"].tolist() == MOVES
    churn = board.iloc[0]
    assert (churn["band was"], churn["band now"]) == ("met", "missed")
    assert (churn["status was"], churn["status now"]) == ("on track", "off track")
    assert churn["link"] == "key-result?kr=support-q4-churn&as_of=2026-11-22"
    # A title, the board's heading and the discussion's: no heading per key result or fact.
    assert headings(at) == [
        "Standup · 22 Nov 2026", "7 moved since 15 Nov 2026", "To discuss",
    ]  # fmt: skip


def test_to_discuss_ranks_off_track_before_at_risk(demo_home: Path, open_page: Open) -> None:
    discussion = open_page(PAGE, as_of=WEEK_END).dataframe[1].value
    assert discussion[["kr_id", "status"]].values.tolist() == [
        ["support-q4-churn", "off track"],
        ["product-q4-citation-graph", "off track"],
        ["company-q4-habit", "off track"],
        ["product-q4-active-users", "at risk"],
        ["company-q4-mrr", "at risk"],
    ]
    assert discussion["why"].iloc[-1].startswith("16 Nov: Renewals bunch up in December")


def test_stale_data_is_one_line_not_a_heading_per_key_result(
    demo_home: Path, open_page: Open
) -> None:
    at = open_page(PAGE, as_of="2026-12-06")  # two weeks after the demo's data ends
    assert not at.exception
    assert [w.value for w in at.warning] == [
        "9 metrics have no data after the week of 16 Nov 2026: MRR, New subscriptions, "
        "Downtime, Workflows per active user, Activation rate, Weekly active users, First "
        "response time, CSAT, Churned accounts (10 key results)."
    ]
    assert len(headings(at)) == 3


@pytest.mark.parametrize(
    ("team", "titles"),
    [
        pytest.param(
            "Product",
            MOVES[1:4],
            id="product",
        ),
        pytest.param(
            "Customer Success",
            [MOVES[0], MOVES[4], MOVES[6]],
            id="customer-success",
        ),
    ],
)
def test_a_team_sees_only_its_own_moves(
    demo_home: Path, open_page: Open, team: str, titles: list[str]
) -> None:
    at = open_page(PAGE, as_of=WEEK_END, team=team)
    assert not at.exception
    assert at.dataframe[0].value["key result"].tolist() == titles
    assert at.caption[0].value.startswith(f"{team}: the latest complete week of data")


def test_the_markdown_brief_names_team_period_and_date(demo_home: Path, open_page: Open) -> None:
    text = open_page(PAGE).code[0].value  # conftest's date, Monday 23 Nov
    assert text.startswith("# Standup brief · all teams · week ending 23 Nov 2026 · 2026-Q4\n")
    assert "1. **Bring churn down to 3 accounts a week** (support-q4-churn): off track" in text
