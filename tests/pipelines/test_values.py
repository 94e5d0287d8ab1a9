"""Numbers and dates as export tools write them: every locale rule is a row here."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.ingest.values import (
    AmbiguousDates,
    ValueProblem,
    ambiguous_cells,
    date_format,
    decimal_mark,
    decimal_vote,
    is_total,
    nth_period_start,
    parse_date,
    parse_number,
)


@pytest.mark.parametrize(
    ("text", "decimal", "value", "percent", "currency"),
    [
        pytest.param("12", ".", 12.0, False, "", id="plain-integer"),
        pytest.param("1,234.56", ".", 1234.56, False, "", id="thousands-comma-decimal-point"),
        pytest.param("1.234,56", ",", 1234.56, False, "", id="thousands-point-decimal-comma"),
        pytest.param("1 234,56", ",", 1234.56, False, "", id="thousands-space"),
        pytest.param("1\u00a0234,56", ",", 1234.56, False, "", id="thousands-no-break-space"),
        pytest.param("1'234.5", ".", 1234.5, False, "", id="swiss-apostrophe"),
        pytest.param("$1,200", ".", 1200.0, False, "$", id="currency-prefix"),
        pytest.param("1.200,00 €", ",", 1200.0, False, "€", id="currency-suffix"),
        pytest.param("EUR 99.5", ".", 99.5, False, "EUR", id="currency-code"),
        pytest.param("12%", ".", 0.12, True, "", id="percent-becomes-fraction"),
        pytest.param("87,5%", ",", 0.875, True, "", id="percent-with-decimal-comma"),
        pytest.param("-12.5", ".", -12.5, False, "", id="negative"),
        pytest.param("(1,234.00)", ".", -1234.0, False, "", id="accounting-negative"),
        pytest.param("−3", ".", -3.0, False, "", id="unicode-minus"),
        pytest.param("-$12", ".", -12.0, False, "$", id="negative-before-currency"),
        pytest.param("1e3", ".", 1000.0, False, "", id="exponent"),
    ],
)
def test_parse_number_reads_what_tools_write(
    text: str, decimal: str, value: float, percent: bool, currency: str
) -> None:
    number = parse_number(text, decimal)
    assert number.value == pytest.approx(value)
    assert (number.percent, number.currency) == (percent, currency)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("twelve", id="words"),
        pytest.param("12abc", id="trailing-text"),
        pytest.param("1e309", id="overflow-to-infinity"),
        pytest.param("inf", id="infinity"),
        pytest.param("NaN", id="nan"),
        pytest.param("=SUM(A1)", id="formula"),
    ],
)
def test_parse_number_rejects_non_numbers(text: str) -> None:
    with pytest.raises(ValueProblem):
        parse_number(text, ".")


@pytest.mark.parametrize(
    ("text", "vote"),
    [
        ("1.234,5", ","),
        ("1,234.5", "."),
        ("5,4", ","),
        ("5.4", "."),
        ("1,234,567", "."),
        ("1.234.567", ","),
        ("1,234", None),
        ("1.234", None),
        ("12", None),
    ],
)
def test_decimal_vote_only_decides_when_the_cell_proves_it(text: str, vote: str | None) -> None:
    assert decimal_vote(text) == vote


def test_decimal_mark_refuses_a_file_that_mixes_marks() -> None:
    with pytest.raises(ValueProblem, match="mixes"):
        decimal_mark(["1.5", "2,5"], ";")


def test_decimal_mark_defaults_to_point_and_respects_a_declared_mark() -> None:
    assert decimal_mark(["12", "13"], ",") == "."
    assert decimal_mark(["1.5"], ";", declared=",") == ","


def test_ambiguous_cells_are_the_three_digit_groups() -> None:
    assert ambiguous_cells(["1,234", "5,4", "12", "1.234", ""]) == ["1,234", "1.234"]


@pytest.mark.parametrize(
    ("cells", "fmt"),
    [
        pytest.param(["2026-05-18", "2026-05-25"], "%Y-%m-%d", id="iso"),
        pytest.param(
            ["18/05/2026", "25/05/2026"], "%d/%m/%Y", id="day-first-proven-by-day-over-12"
        ),
        pytest.param(["05/18/2026", "05/25/2026"], "%m/%d/%Y", id="month-first-proven"),
        pytest.param(["2026-05", "2026-06"], "%Y-%m", id="year-month"),
        pytest.param(["May 2026", "June 2026"], "%B %Y", id="month-name"),
        pytest.param(["2026-W21", "2026-W22"], "%Y-W%V", id="iso-week"),
        pytest.param(["2026-Q3", "Q4 2026"], "%Y-Q%q", id="quarter"),
        pytest.param(
            ["10/1/26", "10/2/26", "10/13/26"], "%m/%d/%y", id="us-short-year-settled-by-day-13"
        ),
        pytest.param(["13/10/26", "1/11/26"], "%d/%m/%y", id="day-first-short-year"),
        pytest.param(["01.10.26", "02.10.26"], "%d.%m.%y", id="dotted-short-year"),
        pytest.param(["20261001", "20261002"], "%Y%m%d", id="compact-ga4-date"),
    ],
)
def test_date_format_is_the_one_that_reads_every_cell(cells: list[str], fmt: str) -> None:
    assert date_format(cells) == (fmt, len(cells))


def test_date_format_refuses_dates_that_read_both_day_and_month_first() -> None:
    with pytest.raises(ValueProblem, match="day-first and month-first"):
        date_format(["01/02/2026", "03/04/2026"])


@pytest.mark.parametrize(
    ("cells", "readings", "formats"),
    [
        pytest.param(
            ["01/02/2026", "03/04/2026"],
            "(1 February 2026 or January 2, 2026)",
            ("%d/%m/%Y", "%m/%d/%Y"),
            id="four-digit-year",
        ),
        pytest.param(
            ["10/1/26", "10/2/26"],
            "(10 January 2026 or October 1, 2026)",
            ("%d/%m/%y", "%m/%d/%y"),
            id="two-digit-year",
        ),
    ],
)
def test_ambiguous_dates_name_both_readings_and_both_formats(
    cells: list[str], readings: str, formats: tuple[str, str]
) -> None:
    with pytest.raises(AmbiguousDates) as caught:
        date_format(cells)
    assert readings in str(caught.value)
    assert caught.value.formats == formats


def test_a_declared_date_format_settles_ambiguity() -> None:
    assert date_format(["01/02/2026"], declared="%d/%m/%Y") == ("%d/%m/%Y", 1)
    assert parse_date("01/02/2026", "%d/%m/%Y") == dt.date(2026, 2, 1)


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        ("2026-Q3", "%Y-Q%q", dt.date(2026, 7, 1)),
        ("Q1 2027", "%Y-Q%q", dt.date(2027, 1, 1)),
        ("2026-W21", "%Y-W%V", dt.date(2026, 5, 18)),
        ("2026-05", "%Y-%m", dt.date(2026, 5, 1)),
        ("2026-05-18T09:30:00", "%Y-%m-%dT%H:%M:%S", dt.date(2026, 5, 18)),
    ],
)
def test_parse_date_gives_the_first_day_of_the_period(
    text: str, fmt: str, expected: dt.date
) -> None:
    assert parse_date(text, fmt) == expected


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("0000", "day", dt.date(2026, 10, 1)),
        ("0013", "day", dt.date(2026, 10, 14)),
        ("0002", "week", dt.date(2026, 10, 15)),
        ("0003", "month", dt.date(2027, 1, 1)),
    ],
)
def test_a_period_index_counts_from_the_exports_start(
    text: str, unit: str, expected: dt.date
) -> None:
    assert nth_period_start(text, unit, dt.date(2026, 10, 1)) == expected


@pytest.mark.parametrize("text", ["Total", "x1", "-1"])
def test_a_period_index_must_be_a_number(text: str) -> None:
    with pytest.raises(ValueProblem, match="number like 0003"):
        nth_period_start(text, "day", dt.date(2026, 10, 1))


def test_a_compact_date_has_exactly_eight_digits() -> None:
    with pytest.raises(ValueProblem, match="like 20261001"):
        parse_date("2026101", "%Y%m%d")


@pytest.mark.parametrize(
    ("label", "total"),
    [("Total", True), ("Grand total", True), ("  TOTALS: ", True), ("Summe", True),
     ("Total revenue", False), ("2026-10-01", False)],
)  # fmt: skip
def test_totals_rows_are_told_by_their_label(label: str, total: bool) -> None:
    assert is_total(label) is total
