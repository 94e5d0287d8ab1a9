"""A page on a workspace with a broken definition: the rest drawn, the broken item listed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dashboard.conftest import Open


@pytest.mark.parametrize(
    ("page", "still_shown"),
    [
        ("overview_page.py", "Grow MRR from $430k to $490k"),  # another KR of its objective
        ("insight_page.py", "KR005"),  # the lint finding of the broken KR
    ],
)
def test_a_page_lists_what_is_left_out_and_draws_the_rest(
    page: str, still_shown: str, demo_home: Path, open_page: Open
) -> None:
    okrs = demo_home / "okrs.yaml"
    text = okrs.read_text()
    okrs.write_text(
        text.replace("baseline: 24\n        target: 36", "baseline: 24\n        target: 24")
    )
    at = open_page(page)
    assert not at.exception and not at.error
    assert "1 definition(s) have errors and are left out" in at.expander[0].label
    table = at.expander[0].dataframe[0].value
    assert table.iloc[0]["what"] == "key result company-q4-new-subscriptions"
    assert "target equals baseline" in table.iloc[0]["problem"]
    drawn = " ".join(frame.value.to_string() for frame in at.dataframe)
    assert still_shown in drawn
