"""Shared fixtures: a fresh in-memory store per test, and a helper that writes CSV files."""

from __future__ import annotations

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
