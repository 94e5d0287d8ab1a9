"""One way to print a number: the cell rule every page and the CLI's tables share."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from pipelines.service.formatting import cell_text, readable, table_cell


@pytest.mark.parametrize(
    ("column", "value", "unit", "text"),
    [
        pytest.param("current", 0.6567, "%", "65.7%", id="a-percent-metric-in-percent"),
        pytest.param("target", 490000.0, "USD", "$490,000", id="currency"),
        pytest.param("baseline", 6.0, "hours", "6 hours", id="unit-word"),
        pytest.param("current", 432333.28, "USD", "$432,333", id="no-cents-on-a-large-amount"),
        pytest.param("progress", 0.4983, "", "50%", id="progress"),
        pytest.param("status", "on_track", "", "on track", id="status-in-words"),
        pytest.param("status", "off_track", "", "off track", id="off-track"),
        pytest.param("n", 1234.5, "", "1,234", id="thousands"),
        pytest.param("n", 0.123456, "", "0.1235", id="small"),
        pytest.param("value", 0.875, "%", "87.5%", id="a-check-in-value-in-its-unit"),
        pytest.param("current", float("nan"), "USD", "–", id="missing"),
        pytest.param("data_as_of", pd.NaT, "", "–", id="missing-date"),
        pytest.param("data_as_of", pd.Timestamp("2026-11-16"), "", "2026-11-16", id="date"),
        pytest.param("when", dt.datetime(2026, 11, 16, 9, 5), "", "2026-11-16 09:05", id="time"),
        pytest.param("stale", True, "", "yes", id="bool"),
        pytest.param("rolled_up_from", ("a", "b"), "", "a, b", id="list"),
    ],
)
def test_a_cell_reads_the_same_everywhere(column: str, value: object, unit: str, text: str) -> None:
    assert cell_text(column, value, unit) == text


def test_a_table_cell_cannot_split_a_markdown_table() -> None:
    assert table_cell("a | b *c*") == "a \\| b \\*c\\*"


def test_a_table_is_shown_as_read_with_its_unit() -> None:
    frame = pd.DataFrame(
        {"current": [432333.28], "status": ["on_track"], "expected_progress": [0.5817]}
    )
    assert readable(frame, "USD").to_dict("records") == [
        {"current": "$432,333", "status": "on track", "expected progress": "58%"}
    ]
