"""The bad-input corpus: files in the shapes that break ingesters, each with its documented fate.

Small files are written from the bytes below; large or special ones (a 50 MB line, a gzip
bomb, 100,000 columns, a FIFO, a symlink to a device) are made by functions, at test time,
so the repository holds no large or binary blobs. `Case.expect` is the fragment of the
one-paragraph refusal, or None when the file is accepted.
"""

from __future__ import annotations

import gzip
import io
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

Make = Callable[[Path], Path]
KPI_HEADER = b"date,metric,value\n"
EVENT_HEADER = b"event_time,user_id,event_name\n"


@dataclass(frozen=True)
class Case:
    """One corpus file: how it is made, its kind, and what ingesting it must say or store."""

    name: str
    kind: str  # events | kpis
    make: Make
    expect: str | None  # a fragment of the refusal, or None: accepted
    stored: int = 0  # rows an accepted file adds (events or KPI values)


def maker(file_name: str, fill: Callable[[Path], object]) -> Make:
    """A maker creating file_name in the test's folder with fill."""

    def make(folder: Path) -> Path:
        path = folder / file_name
        fill(path)
        return path

    return make


def text(name: str, content: bytes) -> Make:
    """A file named after the case holding content."""
    return maker(f"{name}.csv", lambda path: path.write_bytes(content))


def _xlsx() -> bytes:
    """A minimal Excel workbook (a ZIP of XML parts)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        book.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def _png() -> bytes:
    """The first bytes of a PNG image."""
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)


def _long_line(megabytes: int) -> Callable[[Path], None]:
    """Write a KPI export whose second data line is megabytes long."""

    def fill(path: Path) -> None:
        with path.open("wb") as out:
            out.write(KPI_HEADER + b"2026-11-02,signups,10\n2026-11-09,")
            out.write(b"x" * (megabytes * 1_000_000))
            out.write(b",11\n2026-11-16,signups,12\n")

    return fill


def _wide(columns: int) -> bytes:
    """A file with columns columns."""
    header = ",".join(f"c{i}" for i in range(columns))
    return (header + "\n" + ",".join("1" for _ in range(columns)) + "\n").encode()


def _gzip_bomb(path: Path) -> None:
    """Write a small gzip that decompresses to 300 MB of one repeated KPI line."""
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(KPI_HEADER)
        line = b"2026-11-02,signups,10\n"
        block = line * (1_000_000 // len(line))
        for _ in range(300):
            out.write(block)


def _truncated_gzip() -> bytes:
    """A gzip export cut short, as an interrupted download leaves it."""
    rows = b"".join(f"2026-{m:02d}-01,signups,{m}\n".encode() for m in range(1, 13))
    whole = gzip.compress(KPI_HEADER + rows * 2000)
    return whole[: len(whole) // 2]


def _good_symlink(path: Path) -> None:
    """Make path a symlink to an ordinary, valid export beside it."""
    real = path.with_name(path.stem + "-target.csv")
    real.write_bytes(KPI_HEADER + b"2026-11-02,signups,10\n")
    path.symlink_to(real)


def _kpis(*rows: str) -> bytes:
    """A long KPI export with rows (date,metric,value)."""
    return KPI_HEADER + "".join(r + "\n" for r in rows).encode()


def _events(*rows: str) -> bytes:
    """A product-event export with rows (event_time,user_id,event_name)."""
    return EVENT_HEADER + "".join(r + "\n" for r in rows).encode()


GOOD_KPIS = _kpis("2026-11-02,signups,10", "2026-11-09,signups,11")
GOOD_EVENTS = _events("2026-11-02 10:00:00,u1,signed_up", "2026-11-02 11:00:00,u2,signed_up")

SMALL: list[tuple[str, str, bytes, str | None, int]] = [
    # name, kind, bytes, refusal fragment (None: accepted), rows stored
    ("empty", "kpis", b"", "is empty (0 bytes)", 0),
    ("header-only", "kpis", KPI_HEADER, "has a header but no data rows", 0),
    ("only-blank-lines", "kpis", b"\n\n\n", "has no header row", 0),
    ("binary", "kpis", bytes(range(256)) * 4, "NUL bytes", 0),
    ("png-renamed", "kpis", _png(), "a PNG image", 0),
    ("xlsx-renamed", "kpis", _xlsx(), "an Excel workbook", 0),
    ("pdf-renamed", "kpis", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "a PDF document", 0),
    ("wrong-delimiter", "kpis", b"date;metric;value\n2026-11-02,signups,10\n", "too few fields", 0),
    (
        "missing-event-column",
        "events",
        b"event_time,user_id\n2026-11-02 10:00:00,u1\n",
        "event_name",
        0,
    ),
    ("not-a-number", "kpis", _kpis("2026-11-02,signups,ten"), "line 2", 0),
    ("nul-in-a-line", "kpis", KPI_HEADER + b"2026-11-02,sign\x00ups,10\n", "NUL bytes", 0),
    (
        "latin-1",
        "kpis",
        KPI_HEADER + "2026-11-02,inscriptions é,10\n".encode("latin-1"),
        "not UTF-8",
        0,
    ),
    (
        "utf-16",
        "kpis",
        "\ufeffdate,metric,value\n2026-11-02,signups,10\n".encode("utf-16"),
        "UTF-16",
        0,
    ),
    ("utf-8-bom", "kpis", b"\xef\xbb\xbf" + GOOD_KPIS, None, 2),
    (
        "quoted-newline",
        "events",
        EVENT_HEADER.replace(b"\n", b",note\n")
        + b'2026-11-02 10:00:00,u1,signed_up,"two\nlines"\n',
        None,
        1,
    ),
    (
        "duplicate-headers",
        "kpis",
        b"date,value,value\n2026-11-02,1,2\n",
        "two columns that mean the same name",
        0,
    ),
    (
        "case-colliding-headers",
        "kpis",
        b"date,Value,value\n2026-11-02,1,2\n",
        "two columns that mean the same name",
        0,
    ),
    ("blank-header", "kpis", b"date,,value\n2026-11-02,x,1\n", "has no header", 0),
    (
        "header-200-chars",
        "kpis",
        b"date," + b"h" * 200 + b"\n2026-11-02,1\n",
        "200-character header",
        0,
    ),
    ("sql-header", "kpis", b'date,"signups; DROP TABLE kpi_rows; --"\n2026-11-02,1\n', None, 1),
    ("sql-value", "kpis", _kpis("2026-11-02,x'); DROP TABLE kpi_rows; --,1"), None, 1),
    ("html-header", "kpis", b"date,<script>alert(1)</script>\n2026-11-02,1\n", None, 1),
    ("formula-values", "kpis", _kpis('2026-11-02,"=HYPERLINK(""http://x"",""y"")",1'), None, 1),
    ("us-dates", "kpis", _kpis("11/02/2026,signups,10", "11/23/2026,signups,11"), None, 2),
    (
        "ambiguous-dates",
        "kpis",
        _kpis("11/02/2026,signups,10", "11/09/2026,signups,11"),
        "read both day-first and month-first",
        0,
    ),
    (
        "time-zones",
        "events",
        _events("2026-11-02T10:00:00+02:00,u1,signed_up", "2026-11-02T10:00:00-05:00,u2,signed_up"),
        None,
        2,
    ),
    ("epoch-seconds", "events", _events("1793613600,u1,signed_up"), None, 1),
    ("future-dates", "kpis", _kpis("2999-01-04,signups,10"), "lies outside 1970", 0),
    ("ancient-dates", "kpis", _kpis("1066-10-14,signups,10"), "lies outside 1970", 0),
    (
        "events-in-2999",
        "events",
        _events("2999-01-04 10:00:00,u1,signed_up"),
        "dated outside 1970",
        0,
    ),
    ("nan-and-inf", "kpis", _kpis("2026-11-02,signups,NaN", "2026-11-09,signups,inf"), "line 3", 0),
    ("negative-count", "kpis", _kpis("2026-11-02,signups,-5"), None, 1),
    (
        "duplicate-rows",
        "kpis",
        _kpis("2026-11-02,signups,10", "2026-11-02,signups,10"),
        "line 3",
        0,
    ),
    (
        "conflicting-rows",
        "kpis",
        _kpis("2026-11-02,signups,10", "2026-11-02,signups,12"),
        "line 3",
        0,
    ),
    ("crlf", "kpis", GOOD_KPIS.replace(b"\n", b"\r\n"), None, 2),
    ("cr-only", "kpis", GOOD_KPIS.replace(b"\n", b"\r"), None, 2),
    (
        "preamble-comments",
        "kpis",
        b"# Exported 2026-11-23\n# Range: November\n" + GOOD_KPIS,
        None,
        2,
    ),
    ("excel-sep-hint", "kpis", b"sep=;\ndate;metric;value\n2026-11-02;signups;10\n", None, 1),
    ("tab-separated", "kpis", GOOD_KPIS.replace(b",", b"\t"), None, 2),
    ("trailing-blank-lines", "kpis", GOOD_KPIS + b"\n\n\n", None, 2),
    ("too-many-fields", "kpis", _kpis("2026-11-02,signups,10,extra"), "too many fields", 0),
    (
        "unclosed-quote",
        "kpis",
        _kpis('2026-11-02,"signups,10', "2026-11-09,signups,11"),
        "line 2",
        0,
    ),
]

LARGE: list[Case] = [
    Case("line-3-mb", "kpis", maker("line-3-mb.csv", _long_line(3)), "line longer than 2 MB"),
    Case("line-50-mb", "kpis", maker("line-50-mb.csv", _long_line(50)), "has a line of at least"),
    Case("columns-100000", "kpis", text("columns-100000", _wide(100_000)), "more than the 500"),
    Case("gzip-bomb", "kpis", maker("gzip-bomb.csv.gz", _gzip_bomb), "once decompressed"),
    Case(
        "truncated-gzip",
        "kpis",
        maker("truncated-gzip.csv.gz", lambda p: p.write_bytes(_truncated_gzip())),
        "cannot be decompressed",
    ),
    Case("fifo", "kpis", maker("fifo.csv", os.mkfifo), "not a regular file"),
    Case(
        "symlink-to-dev-zero",
        "kpis",
        maker("symlink-to-dev-zero.csv", lambda p: p.symlink_to("/dev/zero")),
        "not a regular file",
    ),
    Case("symlink-to-a-file", "kpis", maker("symlink-to-a-file.csv", _good_symlink), None, 1),
]

CASES: list[Case] = [
    Case(name, kind, text(name, content), expect, stored)
    for name, kind, content, expect, stored in SMALL
] + LARGE
