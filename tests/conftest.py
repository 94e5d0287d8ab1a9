"""Shared fixtures: a fresh in-memory store per test, the demo workspace, a CSV writer."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
import streamlit as st

from pipelines import db
from pipelines.demo import build_demo
from pipelines.workspace import Workspace

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


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The demo workspace, built once per session from sample_data/: read it, never change it.

    Tests that change a workspace copy it first (see demo_copy).
    """
    workspace = Workspace(tmp_path_factory.mktemp("demo"))
    build_demo(workspace, progress=lambda _: None)
    return workspace


@pytest.fixture
def demo_copy(demo_workspace: Workspace, tmp_path: Path) -> Path:
    """A private copy of the demo workspace that a test may change."""
    home = tmp_path / "demo"
    shutil.copytree(demo_workspace.home, home)
    return home


@pytest.fixture(autouse=True)
def served_on_this_machine() -> Iterator[None]:
    """The server as `okrlens run` starts it: on 127.0.0.1, which local mode requires."""
    before = st.get_option("server.address")
    st.config.set_option("server.address", "127.0.0.1")
    yield
    st.config.set_option("server.address", before)


@pytest.fixture
def empty_home(tmp_path: Path) -> Path:
    """An empty workspace, as `okrlens init` scaffolds it."""
    workspace = Workspace(tmp_path / "ws")
    workspace.init()
    return workspace.home
