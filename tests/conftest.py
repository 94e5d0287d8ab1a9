"""Shared fixtures: a fresh in-memory store per test, and a helper that writes CSV files."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from pipelines import db

WriteCsv = Callable[..., Path]


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """An empty store in memory, closed after the test."""
    connection = db.connect(":memory:")
    yield connection
    connection.close()
    # Tracebacks of expected errors keep frames (and DuckDB handles) alive; free them now so the
    # DuckDB bindings do not report them as leaks at interpreter exit.
    gc.collect()


@pytest.fixture
def write_csv(tmp_path: Path) -> WriteCsv:
    """Write text (or raw bytes) to tmp_path/name and return the path."""

    def write(name: str, content: str | bytes, newline: str = "\n") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.replace("\n", newline).encode("utf-8"))
        return path

    return write
