"""Fixtures the command-line tests share."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_cli import okrlens


@pytest.fixture
def home(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """An empty workspace, made by `okrlens init` (a module may define its own home)."""
    home = tmp_path / "ws"
    assert okrlens(capsys, "--home", str(home), "init")[0] == 0
    return home
