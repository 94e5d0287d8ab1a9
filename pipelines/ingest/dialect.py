"""Understanding a CSV file's dialect from its head: compression, encoding, preamble, delimiter, header.

DuckDB's sniffer guesses from a sample and, on ragged files, can "succeed" with a wrong header.
Analysts need an explanation they can check, so the dialect is decided here by simple, stated rules
and then handed to DuckDB's reader as explicit options.

Analytics tools also write several tables into one download (Google Analytics: a `#` preamble
before each, a summary table before the daily one) and state the export's range in the preamble;
the tables are found here, and the range is kept, so that the ingest can read one table and say
what the export declared.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipelines.errors import OkrlensError
from pipelines.ingest import workbook
from pipelines.limits import HEAD_LINES, MAX_COLUMNS, MAX_HEADER_CHARS

DELIMITERS = (",", ";", "\t", "|")
_GZIP_MAGIC = b"\x1f\x8b"
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_SEP_HINT = re.compile(r"^sep=(.)$", re.IGNORECASE)
_NAME_CHARS = re.compile(r"[^a-z0-9]+")
HEAD_BYTES = 1 << 20  # the dialect, and the tables of a file, are decided from its first MiB
# How Google Analytics states the range of an export: GA4 "# Start date: 20261001" and
# "# End date: 20261031"; Universal Analytics "# 20261001-20261031".
_START = re.compile(r"^#\s*start date:\s*(\d{8})\s*$", re.IGNORECASE)
_END = re.compile(r"^#\s*end date:\s*(\d{8})\s*$", re.IGNORECASE)
_RANGE = re.compile(r"^#\s*(\d{8})\s*-\s*(\d{8})\s*$")


@dataclass(frozen=True)
class Table:
    """One table of a file that holds several, separated by blank lines or `#` preambles."""

    number: int  # 1-based, in file order
    header_index: int  # 0-based index of its header line in the file
    end: int  # 0-based index just after its last line
    header: tuple[str, ...]
    first_cells: tuple[str, ...]  # its rows' first fields, to tell a table of dates

    @property
    def lines(self) -> str:
        """Its physical lines, as an editor numbers them."""
        return f"lines {self.header_index + 1}–{self.end}"


@dataclass(frozen=True)
class Dialect:
    """How to read one CSV file: what DuckDB's reader is told, and what the analyst is shown."""

    path: Path
    compression: str  # "none" or "gzip"
    delimiter: str
    skip_rows: int  # preamble lines (comments, sep= hints, blank lines) before the header
    header: tuple[str, ...]  # labels as written in the file
    columns: tuple[str, ...]  # safe identifiers derived from the labels, same order
    has_bom: bool
    newline: str  # "\n" or "\r\n"
    declared: tuple[dt.date, dt.date] | None = None  # the range the export says it covers
    tables: tuple[Table, ...] = ()  # every table, when the file holds more than one
    table: int = 1  # the table this dialect reads
    # The workbook sheet read, as the CSV copy at `path`: held here, the copy lives while read.
    sheet: workbook.SheetCopy | None = field(default=None, compare=False, repr=False)

    @property
    def end(self) -> int | None:
        """The 0-based line index after the table read, when other tables follow it (they start
        inside the file's head, so every line before them is whole)."""
        return self.tables[self.table - 1].end if self.table < len(self.tables) else None

    @property
    def header_line(self) -> int:
        """The 1-based physical line number of the header."""
        return self.skip_rows + 1

    def describe(self) -> str:
        """A one-line, human description of the dialect."""
        names = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
        extras = [f"Excel sheet {self.sheet.sheet!r}"] if self.sheet else []
        extras += [f"{self.skip_rows} preamble line(s) skipped"] if self.skip_rows else []
        extras += ["UTF-8 BOM"] if self.has_bom else []
        extras += ["gzip"] if self.compression == "gzip" else []
        extras += ["CRLF"] if self.newline == "\r\n" else []
        if len(self.tables) > 1:
            extras.append(
                f"table {self.table} of {len(self.tables)}, {self.tables[self.table - 1].lines}"
            )
        if self.declared:
            extras.append(f"the export declares {self.declared[0]} to {self.declared[1]}")
        tail = f" ({', '.join(extras)})" if extras else ""
        return f"{names[self.delimiter]}-separated, {len(self.header)} columns{tail}"


def slug(label: str) -> str:
    """A safe SQL identifier for a label: lowercase, runs of other characters become '_'.

    Example:
        >>> slug("First response time (h)"), slug("MRR"), slug("2026 plan")
        ('first_response_time_h', 'mrr', 'c_2026_plan')
    """
    text = _NAME_CHARS.sub("_", label.strip().lower()).strip("_")
    if not text or not text[0].isalpha():
        text = "c_" + text
    return text[:63].rstrip("_")


def _head_bytes(path: Path) -> tuple[bytes, str]:
    """The first bytes of the file (decompressed when gzip) and its compression."""
    with path.open("rb") as raw:
        magic = raw.read(2)
    if magic == _GZIP_MAGIC:
        try:
            with gzip.open(path, "rb") as stream:
                return stream.read(HEAD_BYTES), "gzip"
        except (OSError, EOFError) as exc:
            raise OkrlensError(
                f"{path.name} looks gzip-compressed but cannot be decompressed: {exc}",
                where=path.name,
                fix="re-export the file or decompress it yourself and ingest the CSV",
            ) from None
    with path.open("rb") as raw:
        return raw.read(HEAD_BYTES), "none"


# Files people export by mistake instead of a CSV, by their first bytes.
_NOT_CSV = (
    (workbook.ZIP_MAGIC, "a ZIP archive (not an Excel workbook)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"%PDF", "a PDF document"),
)


def _decoded_lines(path: Path, head: bytes) -> list[str]:
    """The first HEAD_LINES lines of the head, decoded as UTF-8 (line endings kept)."""
    workbook.refuse_binary_workbook(path, head)
    for magic, what in _NOT_CSV:
        if head.startswith(magic):
            raise OkrlensError(
                f"{path.name} is {what}, not a CSV file",
                where=f"{path.name}, byte 0",
                fix="open it in its application and save or export it as 'CSV UTF-8'",
            )
    if head.startswith(_UTF16_BOMS):
        raise OkrlensError(
            f"{path.name} is UTF-16 text (Excel's 'Unicode text'), which okrlens does not read",
            where=f"{path.name}, byte 0",
            fix="save it as 'CSV UTF-8 (comma delimited)' and ingest that file",
        )
    if b"\x00" in head:
        nul_line = head[: head.index(b"\x00")].count(b"\n") + 1
        raise OkrlensError(
            f"{path.name} contains NUL bytes, so it is binary or a corrupted text file",
            where=f"{path.name}, line {nul_line}",
            fix="export the data again as a plain CSV file",
        )
    lines = head.splitlines(keepends=True)[:HEAD_LINES]
    # A multi-byte character may be cut at the end of the 1 MiB head: only check complete lines.
    if len(lines) > 1 and len(head) == HEAD_BYTES:
        lines = lines[:-1]
    decoded = []
    for number, raw_line in enumerate(lines, start=1):
        try:
            decoded.append(raw_line.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise OkrlensError(
                f"{path.name} is not UTF-8: byte {raw_line[exc.start]:#04x} cannot be decoded",
                where=f"{path.name}, line {number}",
                fix="re-export as UTF-8 (in Excel: 'CSV UTF-8'); okrlens never guesses an encoding",
            ) from None
    return decoded


def _preamble_length(lines: list[str]) -> int:
    """How many lines precede the header: comments (#, //), blank lines and `sep=` hints."""
    for index, line in enumerate(lines):
        text = line.strip().lstrip("\ufeff")
        if text and not text.startswith(("#", "//")) and not _SEP_HINT.match(text):
            return index
    return len(lines)


def _delimiter(header_line: str, hint: str | None) -> str:
    """The delimiter: an explicit `sep=` hint, else the candidate most frequent in the header."""
    if hint:
        return hint
    counts = {d: _count_outside_quotes(header_line, d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _count_outside_quotes(line: str, char: str) -> int:
    """Occurrences of char in line that are not inside double quotes."""
    count, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == char and not quoted:
            count += 1
    return count


def _unique_columns(path: Path, labels: list[str], line: int) -> tuple[str, ...]:
    """Identifiers for the header labels; OkrlensError on blank, over-long or duplicate labels."""
    where = f"{path.name}, line {line}"
    if len(labels) > MAX_COLUMNS:
        raise OkrlensError(
            f"{path.name} has {len(labels)} columns, more than the {MAX_COLUMNS} okrlens accepts",
            where=where,
            fix="check the delimiter, or split the export into narrower files",
        )
    seen: dict[str, str] = {}
    for position, label in enumerate(labels, start=1):
        if not label.strip():
            raise OkrlensError(
                f"column {position} of {path.name} has no header",
                where=where,
                fix="give every column a name in the first row (or remove the empty column)",
            )
        if len(label) > MAX_HEADER_CHARS:
            raise OkrlensError(
                f"column {position} of {path.name} has a {len(label)}-character header "
                f"(limit {MAX_HEADER_CHARS})",
                where=where,
                fix="shorten the header",
            )
        name = slug(label)
        if name in seen:
            raise OkrlensError(
                f"{path.name} has two columns that mean the same name: {seen[name]!r} and {label!r}",
                where=where,
                fix="rename one of them; names are compared ignoring case and punctuation",
            )
        seen[name] = label
    return tuple(seen)


def _is_gap(line: str) -> bool:
    """True for a line between tables: blank, or a comment of a preamble."""
    text = line.strip().lstrip("\ufeff")
    return not text or text.startswith(("#", "//")) or bool(_SEP_HINT.match(text))


def _fields(line: str, delimiter: str) -> list[str]:
    """The fields of one line."""
    return next(csv.reader(io.StringIO(line.strip("\r\n")), delimiter=delimiter), [])


def _tables(lines: list[str], first: int, delimiter: str) -> tuple[Table, ...]:
    """The tables of the file from its first header on.

    A run of lines after a gap starts a new table when a `#` preamble introduces it or its first
    line has another number of fields than the table before; otherwise (a blank line inside a
    table) it continues that table, as the CSV reader would read it.
    """
    spans: list[list[int]] = []  # [header index, end]
    index, width = first, -1
    while index < len(lines):
        if _is_gap(lines[index]):
            index += 1
            continue
        gap = lines[spans[-1][1] : index] if spans else []
        introduced = any(line.strip().startswith(("#", "//")) for line in gap)
        start = index
        while index < len(lines) and not _is_gap(lines[index]):
            index += 1
        if spans and not introduced and len(_fields(lines[start], delimiter)) == width:
            spans[-1][1] = index
        else:
            spans.append([start, index])
            width = len(_fields(lines[start], delimiter))
    return tuple(
        Table(
            number=number,
            header_index=start,
            end=end,
            header=tuple(f.strip() for f in _fields(lines[start], delimiter)),
            first_cells=tuple(
                (_fields(line, delimiter) or [""])[0].strip()
                for line in lines[start + 1 : end]
                if not _is_gap(line)
            ),
        )
        for number, (start, end) in enumerate(
            (span for span in spans if span[1] - span[0] > 1), start=1
        )
    )


def _declared_range(preamble: list[str]) -> tuple[dt.date, dt.date] | None:
    """The range an analytics export's preamble says it covers, if it says one."""
    start = end = None
    for line in preamble:
        text = line.strip()
        if m := _START.match(text):
            start = m.group(1)
        elif m := _END.match(text):
            end = m.group(1)
        elif m := _RANGE.match(text):
            start, end = m.groups()
    if start is None or end is None:
        return None
    try:
        first, last = (dt.datetime.strptime(d, "%Y%m%d").date() for d in (start, end))
    except ValueError:
        return None
    return (first, last) if first <= last else None


def _no_such_table(path: Path, table: int, tables: tuple[Table, ...]) -> OkrlensError:
    """The refusal of a --table the file does not have."""
    listed = "; ".join(f"{t.number}: {', '.join(t.header)} ({t.lines})" for t in tables)
    return OkrlensError(
        f"{path.name} has {max(len(tables), 1)} table(s), so there is no table {table}"
        + (f" (the tables are {listed})" if tables else ""),
        where="--table",
        fix=f"choose a number from 1 to {max(len(tables), 1)}",
    )


def sniff(path: Path, table: int | None = None, sheet: str | None = None) -> Dialect:
    """The dialect of the CSV file at path, or an OkrlensError saying what is wrong and where.

    A file holding several tables is read at its first one, or at table number `table`. An
    Excel workbook is read as a CSV UTF-8 copy of its sheet `sheet` (a name or a 1-based
    number; by default its only sheet with data), line N of the copy being the sheet's row N.
    """
    if not path.exists():
        raise OkrlensError(
            f"file not found: {path}", where=str(path), fix="check the path and try again"
        )
    if not path.is_file():
        raise OkrlensError(
            f"{path.name} is not a regular file (a folder, pipe or device)",
            where=str(path),
            fix="save the export to a file and ingest that file",
        )
    if path.stat().st_size == 0:
        raise OkrlensError(
            f"{path.name} is empty (0 bytes)", where=path.name, fix="export the data again"
        )
    if workbook.is_workbook(path):
        copy = workbook.sheet_copy(path, sheet)
        return replace(sniff(copy.path, table), sheet=copy)
    if sheet is not None:
        raise workbook.not_a_workbook(path)
    head, compression = _head_bytes(path)
    lines = _decoded_lines(path, head)
    skip = _preamble_length(lines)
    if skip >= len(lines):
        raise OkrlensError(
            f"{path.name} has no header row: it holds only blank or comment lines",
            where=path.name,
            fix="export the data with a header row",
        )
    hints = [m.group(1) for line in lines[:skip] if (m := _SEP_HINT.match(line.strip()))]
    delimiter = _delimiter(lines[skip].lstrip("\ufeff"), hints[0] if hints else None)
    # Tables may lie past the lines checked for encoding: KPI exports fit in the head.
    every_line = [line.decode("utf-8", errors="replace") for line in head.splitlines(True)]
    tables = _tables(every_line, skip, delimiter)
    if table is not None and not 1 <= table <= max(len(tables), 1):
        raise _no_such_table(path, table, tables)
    chosen = table or 1
    preamble_start = tables[chosen - 2].end if chosen > 1 else 0
    if len(tables) > 1:
        lines, skip = every_line, tables[chosen - 1].header_index
    header_line = lines[skip].lstrip("\ufeff")
    labels = next(csv.reader(io.StringIO(header_line), delimiter=delimiter))
    labels = [label.strip() for label in labels]
    columns = _unique_columns(path, labels, skip + 1)
    if len(lines) <= skip + 1:
        raise OkrlensError(
            f"{path.name} has a header but no data rows",
            where=f"{path.name}, line {skip + 1}",
            fix="export a date range that contains data",
        )
    return Dialect(
        path=path,
        compression=compression,
        delimiter=delimiter,
        skip_rows=skip,
        header=tuple(labels),
        columns=columns,
        has_bom=head.startswith(_UTF8_BOM),
        newline="\r\n" if lines[skip].endswith("\r\n") else "\n",
        declared=_declared_range(lines[preamble_start:skip]) or _declared_range(lines[:skip]),
        tables=tables if len(tables) > 1 else (),
        table=chosen,
    )
