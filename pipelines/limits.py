"""Guard rails on user input, each with the reason it exists."""

from __future__ import annotations

import os
import re

# Wider files are almost always a wrong delimiter or a pivot gone wrong; DuckDB copes, people don't.
MAX_COLUMNS = 500
# Longer headers are pasted text, not labels; they would also make unreadable identifiers.
MAX_HEADER_CHARS = 128
# How many lines of the file head are read in Python to understand its dialect.
HEAD_LINES = 200
# Rejected lines shown in a message; all of them are counted and stored.
REJECTS_SHOWN = 5
# Cells treated as "no value" in KPI exports (case-insensitive); anything else must parse.
NULL_TOKENS = frozenset({"", "na", "n/a", "#n/a", "null", "none", "-", "nan", "—"})
# Definition files are a few KB by hand; a larger one is a mistake, and parsing it costs minutes.
MAX_DEFINITION_BYTES = 2_000_000
# Hand-written definitions nest five or six levels; deeper nesting only exhausts the parser.
MAX_DEPTH = 32
# DuckDB rejects a longer line (with its number); okrlens tells its own reader the same.
MAX_LINE_BYTES = 2_097_152
# DuckDB's read buffer is 16 lines' worth: a line longer than it is dropped without a reject,
# so okrlens refuses such a file itself, naming the line.
READER_BUFFER_BYTES = 16 * MAX_LINE_BYTES
# What one file may hold once decompressed: the CLI's default (OKRLENS_MAX_FILE_BYTES overrides
# it) and the Upload page's, where the server holds the upload in memory and previews it.
MAX_FILE_BYTES = 5_000_000_000
MAX_UPLOAD_BYTES = 500_000_000
# An upload's preview (the dry run the Upload page shows before Ingest) reads at most this much
# of it: previewing a 24-million-row file must not cost what ingesting it does.
PREVIEW_BYTES = 20_000_000
# Cells okrlens converts from one workbook sheet (as many as a KPI export may hold): openpyxl
# streams some tens of thousands a second, so a fuller sheet would hold the ingest, or an Upload
# page, for minutes; a CSV export of the same data has no such cost.
MAX_SHEET_CELLS = 2_000_000
# openpyxl keeps a workbook's shared strings (every distinct text) in memory, even streaming.
MAX_SHARED_STRINGS_BYTES = 200_000_000
# DuckDB's memory cap per process (OKRLENS_MEMORY_LIMIT overrides it); past it, DuckDB spills
# to disk or stops with a message instead of taking the machine's memory.
MEMORY_LIMIT = "2GB"


def max_file_bytes() -> int:
    """The decompressed size a file given to the CLI may have: $OKRLENS_MAX_FILE_BYTES or 5 GB."""
    raw = os.environ.get("OKRLENS_MAX_FILE_BYTES", "")
    return int(raw) if raw.isdigit() else MAX_FILE_BYTES


def memory_limit() -> str:
    """DuckDB's memory limit: $OKRLENS_MEMORY_LIMIT when it reads like `4GB`, else 2 GB."""
    raw = os.environ.get("OKRLENS_MEMORY_LIMIT", "").strip()
    return raw if re.fullmatch(r"\d+(\.\d+)?\s*(MB|GB|TB|MiB|GiB|TiB)", raw) else MEMORY_LIMIT
