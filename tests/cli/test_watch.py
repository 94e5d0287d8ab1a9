"""`okrlens watch --once`: one line per dropped file, and an exit status cron can act on."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from tests.cli.test_cli import okrlens

MRR = "date,metric,value\n2026-11-23,MRR,477777\n"


def drop(home: Path, name: str, content: str, minutes_ago: int) -> None:
    """Put name into home's inbox as a finished export, written minutes_ago."""
    inbox = home / "inbox"
    inbox.mkdir(exist_ok=True)
    (inbox / name).write_text(content)
    os.utime(inbox / name, (time.time() - 60 * minutes_ago,) * 2)


@pytest.mark.parametrize(
    ("drops", "status", "lines"),
    [
        pytest.param(
            [("mrr.csv", MRR)],
            0,
            ["mrr.csv: ingested as kpis (long); 1 rows added → done/mrr.csv"],
            id="ingested",
        ),
        pytest.param(
            [("mrr.csv", MRR), ("copy.csv", MRR)],
            0,
            [  # the older drop first
                "mrr.csv: ingested as kpis (long); 1 rows added → done/mrr.csv",
                "copy.csv: already ingested on <time> UTC by inbox (same sha256); 0 rows added "
                "→ done/copy.csv",
            ],
            id="the-same-bytes-twice-skipped",
        ),
        pytest.param(
            [("notes.csv", "")],
            1,
            [
                "notes.csv: refused, notes.csv is empty (0 bytes) (notes.csv). Export the data "
                "again. → refused/notes.csv"
            ],
            id="refused-exits-1",
        ),
        pytest.param([], 0, ["nothing to ingest in <home>/inbox"], id="nothing-dropped"),
    ],
)
def test_watch_once_prints_one_line_per_dropped_file(
    capsys: pytest.CaptureFixture[str],
    empty_home: Path,
    drops: list[tuple[str, str]],
    status: int,
    lines: list[str],
) -> None:
    for i, (name, content) in enumerate(drops):
        drop(empty_home, name, content, minutes_ago=len(drops) - i)  # in the order listed
    code, out, err = okrlens(capsys, "--home", str(empty_home), "watch", "--once")
    shown = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d", "<time>", out).replace(str(empty_home), "<home>")
    assert (code, shown.splitlines(), err) == (status, lines, "")


def test_watch_without_a_workspace_says_so_and_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = okrlens(capsys, "--home", str(tmp_path / "nowhere"), "watch", "--once")
    assert (code, out) == (2, "")
    assert err.startswith(f"error: no workspace at {tmp_path / 'nowhere'}")
    assert not (tmp_path / "nowhere").exists()
