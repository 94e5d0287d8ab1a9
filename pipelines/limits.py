"""Guard rails on user input, each with the reason it exists."""

from __future__ import annotations

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
