"""The dialect of a file is understood from its head, or refused with what, where and how to fix."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pytest

from pipelines.errors import OkrlensError
from pipelines.ingest.dialect import slug, sniff
from tests.conftest import WriteCsv


@pytest.mark.parametrize(
    ("content", "delimiter", "skip", "header"),
    [
        pytest.param("a,b\n1,2\n", ",", 0, ("a", "b"), id="comma"),
        pytest.param("a;b\n1;2\n", ";", 0, ("a", "b"), id="semicolon"),
        pytest.param("a\tb\n1\t2\n", "\t", 0, ("a", "b"), id="tab"),
        pytest.param("a|b\n1|2\n", "|", 0, ("a", "b"), id="pipe"),
        pytest.param(
            "# exported 2026-11-23\n// by tool\n\na,b\n1,2\n",
            ",",
            3,
            ("a", "b"),
            id="comment-preamble",
        ),
        pytest.param("sep=;\na;b\n1;2\n", ";", 1, ("a", "b"), id="excel-sep-hint"),
        pytest.param('"x, y";b\n1;2\n', ";", 0, ("x, y", "b"), id="quoted-delimiter-in-header"),
        pytest.param("\ufeffa,b\n1,2\n", ",", 0, ("a", "b"), id="utf8-bom-not-in-header"),
    ],
)
def test_sniff_understands_the_dialect(
    write_csv: WriteCsv, content: str, delimiter: str, skip: int, header: tuple[str, ...]
) -> None:
    dialect = sniff(write_csv("f.csv", content))
    assert (dialect.delimiter, dialect.skip_rows, dialect.header) == (delimiter, skip, header)


def test_sniff_reports_bom_crlf_and_gzip(tmp_path: Path) -> None:
    path = tmp_path / "f.csv.gz"
    path.write_bytes(gzip.compress("\ufeffa;b\r\n1;2\r\n".encode()))
    dialect = sniff(path)
    assert (dialect.compression, dialect.has_bom, dialect.newline) == ("gzip", True, "\r\n")
    assert dialect.describe() == "semicolon-separated, 2 columns (UTF-8 BOM, gzip, CRLF)"


@pytest.mark.parametrize(
    ("content", "message", "where"),
    [
        pytest.param(b"", "is empty", "f.csv", id="empty-file"),
        pytest.param(b"\n\n  \n", "no header row", "f.csv", id="blank-lines-only"),
        pytest.param(b"a,b\n", "no data rows", "line 1", id="header-only"),
        pytest.param(
            b"a,,c\n1,2,3\n", "column 2 of f.csv has no header", "line 1", id="blank-label"
        ),
        pytest.param(
            b"Revenue,revenue\n1,2\n",
            "two columns that mean the same name",
            "line 1",
            id="case-only-duplicate",
        ),
        pytest.param(b"value,value\n1,2\n", "two columns", "line 1", id="duplicate-label"),
        pytest.param("a,b\n1,é\n".encode("utf-16"), "UTF-16", "byte 0", id="utf16"),
        pytest.param(b"a,b\n1,\xe9t\xe9\n", "not UTF-8", "line 2", id="latin1-never-guessed"),
        pytest.param(b"a,b\n1,\x002\n", "NUL bytes", "line 2", id="nul-bytes"),
        pytest.param(
            b"PK\x03\x04\x14\x00\x06\x00", "an Excel workbook", "byte 0", id="xlsx-renamed-csv"
        ),
        pytest.param(
            ("c," * 600 + "z\n1\n").encode(), "more than the 500", "line 1", id="too-many-columns"
        ),
        pytest.param(
            ("x" * 200 + ",b\n1,2\n").encode(),
            "200-character header",
            "line 1",
            id="header-too-long",
        ),
    ],
)
def test_sniff_refuses_bad_files_saying_where(
    write_csv: WriteCsv, content: bytes, message: str, where: str
) -> None:
    with pytest.raises(OkrlensError) as caught:
        sniff(write_csv("f.csv", content))
    assert message in caught.value.what
    assert where in caught.value.where
    assert caught.value.fix


def test_sniff_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(OkrlensError, match="file not found"):
        sniff(tmp_path / "nope.csv")


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("First response time (h)", "first_response_time_h"),
        ("MRR", "mrr"),
        ('a"; DROP TABLE kr;--', "a_drop_table_kr"),
        ("2026 plan", "c_2026_plan"),
        ("ünïcode 🚀", "n_code"),
        ("select", "select"),
    ],
)
def test_slug_makes_safe_identifiers_from_any_label(label: str, expected: str) -> None:
    assert slug(label) == expected


GA4_TABLE = "# Start date: 20261001\n# End date: 20261014\nNth day,Users\n0000,3\n0001,4\n"


@pytest.mark.parametrize(
    ("content", "declared"),
    [
        pytest.param(GA4_TABLE, (dt.date(2026, 10, 1), dt.date(2026, 10, 14)), id="ga4-start-end"),
        pytest.param(
            "# All Web Site Data\n# 20261001-20261031\n\nDay Index,Users\n10/1/26,3\n",
            (dt.date(2026, 10, 1), dt.date(2026, 10, 31)),
            id="ua-range-line",
        ),
        pytest.param("# Start date: 20261001\nNth day,Users\n0000,3\n", None, id="no-end-no-range"),
        pytest.param("# exported 2026-11-23\na,b\n1,2\n", None, id="a-plain-comment"),
    ],
)
def test_sniff_keeps_the_range_an_export_declares(
    write_csv: WriteCsv, content: str, declared: tuple[dt.date, dt.date] | None
) -> None:
    assert sniff(write_csv("f.csv", content)).declared == declared


@pytest.mark.parametrize(
    ("content", "tables"),
    [
        pytest.param("a,b\n1,2\n\n3,4\n", [], id="a-blank-line-inside-one-table"),
        pytest.param(
            GA4_TABLE + "\n" + GA4_TABLE.replace("Nth day,Users", "Channel,Sessions"),
            [(("Nth day", "Users"), "lines 3–5"), (("Channel", "Sessions"), "lines 9–11")],
            id="ga4-a-preamble-before-each-table",
        ),
        pytest.param(
            "Users,New users,Sessions\n5,3,9\n\nDay Index,Users\n10/1/26,5\n,5\n",
            [
                (("Users", "New users", "Sessions"), "lines 1–2"),
                (("Day Index", "Users"), "lines 4–6"),
            ],
            id="ua-a-summary-then-another-width",
        ),
    ],
)
def test_sniff_finds_the_tables_of_a_file(
    write_csv: WriteCsv, content: str, tables: list[tuple[tuple[str, ...], str]]
) -> None:
    found = sniff(write_csv("f.csv", content)).tables
    assert [(t.header, t.lines) for t in found] == tables


def test_sniff_reads_the_table_asked_for_and_where_it_ends(write_csv: WriteCsv) -> None:
    path = write_csv("f.csv", GA4_TABLE + "\n" + GA4_TABLE.replace("Nth day,Users", "Ch,Sessions"))
    first, second = sniff(path, table=1), sniff(path, table=2)
    assert (first.header, first.skip_rows, first.end) == (("Nth day", "Users"), 2, 5)
    assert (second.header, second.skip_rows, second.end) == (("Ch", "Sessions"), 8, None)
    assert "table 2 of 2, lines 9–11" in second.describe()
    with pytest.raises(OkrlensError, match="there is no table 3"):
        sniff(path, table=3)
