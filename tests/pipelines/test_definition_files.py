"""Hostile and broken definition files: refused quickly with what, where and how to fix."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipelines.errors import OkrlensError
from pipelines.workspace import Workspace

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(9)
)


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """An empty workspace with the example definitions."""
    ws = Workspace(tmp_path / "ws")
    ws.init(example=True)
    return ws


@pytest.mark.parametrize(
    ("content", "what", "where"),
    [
        pytest.param(BOMB.encode(), "anchors and aliases", "line 2", id="alias-bomb"),
        pytest.param(
            b"metrics: []\nmetrics: []\n",
            "the key 'metrics' is given twice",
            "line 2",
            id="duplicate-key",
        ),
        pytest.param(
            "metrics:\n  - name: caf\xe9\n".encode("latin-1"),
            "not UTF-8",
            "line 2",
            id="latin-1",
        ),
        pytest.param(
            ("x: " + "[" * 200 + "]" * 200 + "\n").encode(),
            "nested more than 32",
            "line 1",
            id="deep-nesting",
        ),
        pytest.param(b"- a\n- b\n", "holds a list where a mapping", "metrics.yaml", id="a-list"),
        pytest.param(b"\x00\x01\x02binary", "not valid YAML", "metrics.yaml", id="binary"),
        pytest.param(
            b"metrics: [" + b"{name: m}, " * 250_000 + b"]\n",
            "larger than 2 MB",
            "metrics.yaml",
            id="huge-file",
        ),
        pytest.param(
            b"metrics:\n  - name: m\n    kind: leading\n    source: events\n    agg: count\n"
            b"    filter: \"event_name = 'a\\q'\"\n",
            "not valid YAML",
            "line 6",
            id="backslash-escape-in-a-string",
        ),
    ],
)
def test_a_hostile_metrics_file_is_refused_saying_what_and_where(
    workspace: Workspace, content: bytes, what: str, where: str
) -> None:
    workspace.metrics_path.write_bytes(content)
    with pytest.raises(OkrlensError) as caught:
        workspace.catalog()
    assert what in caught.value.what
    assert where in caught.value.where
    assert caught.value.fix


def test_a_definition_file_linked_to_a_device_is_never_read(workspace: Workspace) -> None:
    workspace.okrs_path.unlink()
    os.symlink("/dev/zero", workspace.okrs_path)
    with pytest.raises(OkrlensError, match="not a regular file"):
        workspace.okrs()


def test_a_utf8_file_with_a_byte_order_mark_is_read(workspace: Workspace) -> None:
    workspace.metrics_path.write_bytes(b"\xef\xbb\xbf" + workspace.metrics_path.read_bytes())
    assert "weekly_active_users" in {m.name for m in workspace.catalog().metrics}
