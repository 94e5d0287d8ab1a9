"""Parsing the numbers and dates that export tools write: locales, symbols, periods.

Pure functions over strings, so each rule is a row in a test table. Nothing is guessed silently:
an ambiguous file (is "1,234" one thousand or one point two?) is refused with the option to
state the answer.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from pipelines.limits import NULL_TOKENS

_CURRENCY = re.compile(
    r"^(?:[$€£¥₹]|USD|EUR|GBP|CHF|JPY|CAD|AUD)|(?:[$€£¥₹]|USD|EUR|GBP|CHF|JPY|CAD|AUD)$"
)
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_PLAIN = re.compile(r"^\d+(\.\d+)?([eE][-+]?\d+)?$")
_BOTH = re.compile(r"[.,]")


class ValueProblem(ValueError):
    """A cell that cannot be read as the expected kind of value; the message is the reason."""


@dataclass(frozen=True)
class Number:
    """A parsed cell: its value, and the symbols that told us its unit."""

    value: float
    percent: bool = False
    currency: str = ""


def is_null(text: object) -> bool:
    """True when the cell means 'no value' (missing, empty, NA, N/A, null, -, ...)."""
    return not isinstance(text, str) or text.strip().lower() in NULL_TOKENS


# What export tools write in the date or name cell of a row that sums the others.
TOTAL_LABELS = frozenset(
    {"total", "totals", "grand total", "sum", "gesamt", "summe", "total général"}
)


def is_total(text: str) -> bool:
    """True when a row label marks a totals row ("Total", "Grand total", …)."""
    return " ".join(text.strip().lower().rstrip(":").split()) in TOTAL_LABELS


def _core(text: str) -> tuple[str, bool, bool, str]:
    """The digits-and-separators core of a cell, with its sign, percent and currency symbols."""
    t = text.strip().replace("\u2212", "-")
    negative = False
    if t.startswith("(") and t.endswith(")"):  # accounting negatives: (1,234.00)
        negative, t = True, t[1:-1].strip()
    if t.startswith("-"):
        negative, t = not negative, t[1:].strip()
    percent = t.endswith("%")
    t = t.rstrip("%").strip()
    currency = ""
    while (m := _CURRENCY.search(t)) is not None:
        currency = currency or m.group(0)
        t = (t[: m.start()] + t[m.end() :]).strip()
    if t.startswith("-"):  # "$-12" or "-$12"
        negative, t = not negative, t[1:].strip()
    return _SPACES.sub("", t), negative, percent, currency


def decimal_vote(text: str) -> str | None:
    """Which decimal mark a cell proves ('.' or ','), or None when it proves nothing.

    Example:
        >>> decimal_vote("1.234,5"), decimal_vote("5,4"), decimal_vote("1,234"), decimal_vote("12")
        (',', ',', None, None)
    """
    core = _core(text)[0]
    marks = _BOTH.findall(core)
    if not marks:
        return None
    if "." in marks and "," in marks:
        return marks[-1]
    mark = marks[0]
    if len(marks) > 1:  # 1,234,567 or 1.234.567: repeated, so a thousands separator
        return "." if mark == "," else ","
    decimals = core.rsplit(mark, 1)[1]
    return mark if len(decimals) != 3 else None


def decimal_mark(cells: Iterable[str], delimiter: str, declared: str | None = None) -> str:
    """The file's decimal mark, decided from every cell; ValueProblem if cells disagree or none decide.

    In a comma-separated file a lone "1,234" can only be a quoted thousands separator, since
    locales with a decimal comma export with ';'.
    """
    if declared is not None:
        return declared
    votes = {v for c in cells if not is_null(c) and (v := decimal_vote(c)) is not None}
    if len(votes) > 1:
        raise ValueProblem("the file mixes '.' and ',' as decimal marks")
    if votes:
        return votes.pop()
    return "."


def ambiguous_cells(cells: Iterable[str]) -> list[str]:
    """Cells like "1,234" or "1.234" whose meaning depends on the decimal mark."""
    out = []
    for c in cells:
        if is_null(c):
            continue
        core = _core(c)[0]
        marks = _BOTH.findall(core)
        if len(marks) == 1 and len(core.rsplit(marks[0], 1)[1]) == 3:
            out.append(c)
    return out


def parse_number(text: str, decimal: str) -> Number:
    """The number written in text under the given decimal mark; ValueProblem if it is not one.

    Example:
        >>> parse_number("$412,345.50", "."), parse_number("87,5%", ",").value
        (Number(value=412345.5, percent=False, currency='$'), 0.875)
    """
    core, negative, percent, currency = _core(text)
    thousands = "," if decimal == "." else "."
    core = core.replace(thousands, "")
    if decimal == ",":
        core = core.replace(",", ".")
    if not _PLAIN.match(core):
        raise ValueProblem("not a number")
    value = float(core)
    if not math.isfinite(value):
        raise ValueProblem("not a finite number")
    value = -value if negative else value
    return Number(value / 100 if percent else value, percent, currency)


# Date formats export tools write, with the period each stands for.
DATE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y/%m/%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d/%m/%y",
    "%m/%d/%y",
    "%d.%m.%Y",
    "%d.%m.%y",
    "%d-%m-%Y",
    "%Y%m%d",
    "%Y-%m",
    "%b %Y",
    "%B %Y",
    "%d %b %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%Y-W%V",
    "%Y-Q%q",
)
# Formats that read the same cell as two dates, day first and month first.
DAY_MONTH_PAIRS: tuple[tuple[str, str], ...] = (("%d/%m/%Y", "%m/%d/%Y"), ("%d/%m/%y", "%m/%d/%y"))
_COMPACT = re.compile(r"^\d{8}$")
_QUARTER = re.compile(r"^(?:(\d{4})[- ]?Q([1-4])|Q([1-4])[- ]?(\d{4}))$", re.IGNORECASE)
_ISO_WEEK = re.compile(r"^(\d{4})-?W(\d{2})$", re.IGNORECASE)


def parse_date(text: str, fmt: str) -> dt.date:
    """The date (a period's first day) written in text in format fmt; ValueProblem otherwise.

    A date that parses but lies outside the dates okrlens reads is a problem too (plausible).
    """
    return plausible(_written_date(text, fmt))


def _written_date(text: str, fmt: str) -> dt.date:
    """The date text spells in format fmt, however far off; ValueProblem if it spells none."""
    t = text.strip()
    if fmt == "%Y-Q%q":
        m = _QUARTER.match(t)
        if not m:
            raise ValueProblem("not a quarter like 2026-Q3")
        year, quarter = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        return dt.date(int(year), 3 * int(quarter) - 2, 1)
    if fmt == "%Y-W%V":
        m = _ISO_WEEK.match(t)
        if not m:
            raise ValueProblem("not an ISO week like 2026-W21")
        try:
            return dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
        except ValueError:
            raise ValueProblem("no such ISO week") from None
    if fmt == "%Y%m%d" and not _COMPACT.match(t):  # strptime would read "2026101" too
        raise ValueProblem("not a date like 20261001")
    try:
        return dt.datetime.strptime(t, fmt).date()
    except ValueError:
        raise ValueProblem(f"not a date in the file's format {fmt}") from None


# Metric series run period by period from the first date to the last: one date in 2999 or 1066
# would make every series thousands of periods long. Nothing okrlens measures lies outside this.
EARLIEST = dt.date(1970, 1, 1)
AHEAD = dt.timedelta(days=366)


def plausible(day: dt.date) -> dt.date:
    """day, if it lies between 1970 and a year from today; ValueProblem otherwise."""
    latest = dt.datetime.now(dt.UTC).date() + AHEAD
    if not EARLIEST <= day <= latest:
        raise ValueProblem(
            f"the date {day.isoformat()} lies outside {EARLIEST.year}–{latest.isoformat()}, the "
            "dates okrlens reads (the past, and up to a year ahead)"
        )
    return day


def _parses(text: str, fmt: str) -> bool:
    """True when text is a date in format fmt."""
    try:
        _written_date(text, fmt)
    except ValueProblem:
        return False
    return True


class AmbiguousDates(ValueProblem):
    """Dates that read both day first and month first, and nothing in the file decides."""

    def __init__(self, example: str, formats: tuple[str, str]) -> None:
        day_first, month_first = (_written_date(example, f) for f in formats)
        super().__init__(
            f"dates such as {example} read both day-first and month-first ({day_first.day} "
            f"{day_first:%B %Y} or {month_first:%B} {month_first.day}, {month_first.year}), and "
            "no date in the file has a day above 12 to decide"
        )
        self.formats = formats


def date_format(cells: Iterable[str], declared: str | None = None) -> tuple[str, int]:
    """The format that reads the most cells, with how many it reads; AmbiguousDates if undecided.

    The file's own dates settle the order: one "13/10/26" makes every date day-first. Only a
    file where every cell reads both ways ("01/02/2026", two different dates) needs
    --date-format.

    Example:
        >>> date_format(["10/1/26", "10/13/26"])
        ('%m/%d/%y', 2)
    """
    values = sorted({c.strip() for c in cells if not is_null(c)})
    if declared is not None:
        return declared, sum(_parses(v, declared) for v in values)
    scores = {fmt: sum(_parses(v, fmt) for v in values) for fmt in DATE_FORMATS}
    best = max(scores.values(), default=0)
    winners = [f for f, s in scores.items() if s == best]
    for pair in DAY_MONTH_PAIRS:
        if best and set(pair) <= set(winners):
            example = next(v for v in values if _parses(v, pair[0]) and _parses(v, pair[1]))
            raise AmbiguousDates(example, pair)
    return (winners[0], best) if best else ("", 0)


# GA4 numbers the periods of a report from its start date instead of writing dates.
PERIOD_INDEXES = {"nth_day": "day", "nth_week": "week", "nth_month": "month"}


def nth_period_start(text: str, unit: str, start: dt.date) -> dt.date:
    """The first day of period number text (0-based) counted in unit from start; ValueProblem otherwise.

    Example:
        >>> nth_period_start("0003", "day", dt.date(2026, 10, 1)), nth_period_start("0001", "month", dt.date(2026, 10, 15))
        (datetime.date(2026, 10, 4), datetime.date(2026, 11, 1))
    """
    t = text.strip()
    if not t.isdigit():
        raise ValueProblem(f"not a {unit} number like 0003")
    n = int(t)
    if unit == "day":
        return plausible(start + dt.timedelta(days=n))
    if unit == "week":
        return plausible(start + dt.timedelta(weeks=n))
    months = start.month - 1 + n
    return plausible(dt.date(start.year + months // 12, months % 12 + 1, 1))
