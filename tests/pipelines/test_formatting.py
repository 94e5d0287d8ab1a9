"""One way to print a number: the cell rule every page and the CLI's tables share."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from pipelines.service.formatting import cell_text, percent_text, readable, table_cell, value_text


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
        pytest.param("correlation", 0.833298, "", "0.83", id="a-correlation-to-two-decimals"),
        pytest.param("ci_low", -0.0151, "", "-0.02", id="a-confidence-bound"),
        pytest.param("p_value", 2.46e-05, "", "<0.001", id="a-tiny-p-value"),
        pytest.param("p_value", 0.2339, "", "0.234", id="a-p-value"),
        pytest.param("stability", 0.909, "", "91%", id="stability-as-a-share"),
        pytest.param("rows", 217795, "", "217,795", id="a-large-count"),
        pytest.param("year", 2026, "", "2026", id="a-year-stays-a-year"),
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


@pytest.mark.parametrize(
    ("value", "text"),
    [
        pytest.param(-0.004, "0%", id="a-small-loss-rounds-to-zero-without-a-sign"),
        pytest.param(-0.005, "0%", id="half-a-percent-lost-rounds-to-even-zero"),
        pytest.param(-0.0, "0%", id="negative-zero"),
        pytest.param(-0.006, "-1%", id="a-loss-that-rounds-to-one-percent-keeps-its-sign"),
        pytest.param(0.4983, "50%", id="a-share"),
        pytest.param(None, "–", id="missing"),
    ],
)
def test_a_percentage_that_rounds_to_zero_has_no_sign(value: float | None, text: str) -> None:
    assert percent_text(value) == text


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        pytest.param(-0.0, "", "0", id="negative-zero"),
        pytest.param(-0.0, "%", "0%", id="negative-zero-percent"),
        pytest.param(-0.0, "USD", "$0", id="negative-zero-currency"),
        pytest.param(-0.0, "users", "0 users", id="negative-zero-with-a-unit"),
        pytest.param(-0.25, "", "-0.25", id="a-negative-value-keeps-its-sign"),
    ],
)
def test_a_zero_value_has_no_sign(value: float, unit: str, text: str) -> None:
    assert value_text(value, unit) == text
