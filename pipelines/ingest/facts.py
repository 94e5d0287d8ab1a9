"""What a file holds, read once before DuckDB reads it: its size, lines and longest line.

DuckDB's reader rejects a line over `max_line_size` with its line number, but a line longer
than its whole read buffer is dropped without a word, and a gzip file's decompressed size is
known only by decompressing it. One bounded streaming pass settles both: a file that would
decompress past the cap is refused before it fills memory, a line too long for the reader is
refused with its number, and the count of non-blank lines lets the ingest check that every
line was either stored or rejected.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass

from pipelines.errors import OkrlensError
from pipelines.ingest.dialect import Dialect
from pipelines.limits import MAX_LINE_BYTES, READER_BUFFER_BYTES

CHUNK = 1 << 20


@dataclass(frozen=True)
class FileFacts:
    """What one streaming pass over a (decompressed) file found."""

    size: int  # bytes, decompressed
    lines: int  # non-blank physical lines, header and preamble included
    longest: int  # bytes of the longest line
    quoted: bool  # a double quote appears: a field may span lines


def _megabytes(n: int) -> str:
    """n bytes in MB, for messages."""
    return f"{n / 1_000_000:,.0f} MB"


def file_facts(dialect: Dialect, *, max_bytes: int) -> FileFacts:
    """The facts of dialect's file; OkrlensError if it is too big, truncated or has a huge line."""
    path = dialect.path
    opener = gzip.open if dialect.compression == "gzip" else open
    size = lines = longest = 0
    quoted = False
    carry = b""
    try:
        with opener(path, "rb") as stream:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise OkrlensError(
                        f"{path.name} holds more than {_megabytes(max_bytes)}"
                        + (" once decompressed" if dialect.compression == "gzip" else ""),
                        where=path.name,
                        fix="export a shorter date range, or split the file; the CLI takes "
                        "larger files than the Upload page (OKRLENS_MAX_FILE_BYTES raises its cap)",
                    )
                quoted = quoted or b'"' in chunk
                parts = (carry + chunk).split(b"\n")
                carry = parts.pop()
                lines += len(parts) - parts.count(b"") - parts.count(b"\r")
                longest = max(longest, max(map(len, parts), default=0), len(carry))
                if longest > READER_BUFFER_BYTES:
                    _refuse_long_line(dialect, lines + 1, longest)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise OkrlensError(
            f"{path.name} looks gzip-compressed but cannot be decompressed: {exc}",
            where=path.name,
            fix="download or export it again; a gzip cut short cannot be read to its end",
        ) from None
    lines += 1 if carry.strip(b"\r") else 0
    return FileFacts(size, lines, longest, quoted)


def _refuse_long_line(dialect: Dialect, line: int, length: int) -> None:
    """OkrlensError for a line longer than the reader can hold."""
    raise OkrlensError(
        f"{dialect.path.name} has a line of at least {_megabytes(length)}, far over the "
        f"{_megabytes(MAX_LINE_BYTES)} a line may hold",
        where=f"{dialect.path.name}, around line {line}",
        fix="check the export: a line this long is usually a missing line break or a runaway quote",
    )


def unaccounted(facts: FileFacts, dialect: Dialect, stored: int, rejected: int) -> int:
    """How many data lines neither reached the staging table nor were rejected.

    Only a file without quotes can be checked this way (a quoted field may span lines).
    """
    if facts.quoted:
        return 0
    data_lines = facts.lines - dialect.skip_rows - 1  # preamble and header
    return max(0, data_lines - stored - rejected)
