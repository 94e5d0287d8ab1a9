"""Exports never let a spreadsheet run a cell, and never turn numbers into text."""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.exports import escape_for_spreadsheet, records, spreadsheet_safe


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("@SUM(1)", "'@SUM(1)"),
        ("-2+3", "'-2+3"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("  =1", "'  =1"),
        ("＝1", "'＝1"),
        ("-12.5", "-12.5"),
        ("-1e3", "-1e3"),
        ("plain", "plain"),
        ("", ""),
    ],
)
def test_escape_for_spreadsheet(text: str, escaped: str) -> None:
    assert escape_for_spreadsheet(text) == escaped


def test_spreadsheet_safe_escapes_text_cells_and_headers_but_not_numbers() -> None:
    frame = pd.DataFrame({"=title": ["=1+1", "ok"], "value": [-3.5, 2.0]})
    safe = spreadsheet_safe(frame)
    assert list(safe.columns) == ["'=title", "value"]
    assert safe["'=title"].tolist() == ["'=1+1", "ok"]
    assert safe["value"].tolist() == [-3.5, 2.0]


def test_records_are_json_native() -> None:
    frame = pd.DataFrame(
        {"d": pd.to_datetime(["2026-11-23 00:00", "2026-11-23 10:30"]), "x": [float("nan"), 1.5]}
    )
    assert records(frame) == [
        {"d": "2026-11-23", "x": None},
        {"d": "2026-11-23T10:30:00", "x": 1.5},
    ]


def test_a_csv_export_holds_plain_numbers_and_lists() -> None:
    frame = pd.DataFrame(
        {"progress": [0.49826949999999975, 1 / 3], "rolled_up_from": [("a", "b"), []]}
    )
    assert spreadsheet_safe(frame).to_csv(index=False) == (
        "progress,rolled_up_from\n0.4982695,a; b\n0.333333333333,\n"
    )
