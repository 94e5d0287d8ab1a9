"""The live line the router draws above every page: how long ago the data shown last changed."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.components.live import updated_text
from tests.dashboard.conftest import APP, AS_OF

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("seconds_ago", "text"),
    [
        pytest.param(0, "updated just now", id="this-second"),
        pytest.param(59, "updated just now", id="under-a-minute"),
        pytest.param(-5, "updated just now", id="a-clock-a-little-ahead"),
        pytest.param(60, "updated 1 min ago", id="a-minute"),
        pytest.param(150, "updated 2 min ago", id="minutes-round-down"),
        pytest.param(3599, "updated 59 min ago", id="under-an-hour"),
        pytest.param(3600, "updated 1 h ago", id="an-hour"),
        pytest.param(2 * 86400 - 1, "updated 47 h ago", id="under-two-days"),
        pytest.param(3 * 86400 + 7200, "updated 3 days ago", id="days"),
    ],
)
def test_the_live_line_says_how_long_ago_the_data_changed(seconds_ago: int, text: str) -> None:
    assert updated_text(NOW - dt.timedelta(seconds=seconds_ago), NOW) == text


def changed_minutes_ago(home: Path, minutes: float) -> None:
    """Make every file the data version reads look last written minutes ago."""
    then = time.time() - 60 * minutes
    for path in [home / "snapshots" / "snapshot.json", *home.glob("*.yaml")]:
        os.utime(path, (then, then))


def live_lines(at: AppTest) -> list[str]:
    """The captions that say how fresh the data is."""
    return [str(c.value) for c in at.caption if "updated" in str(c.value)]


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({}, id="overview"),
        pytest.param({"present": "true"}, id="presenting"),
        pytest.param({"embed": "true"}, id="embedded"),
    ],
)
def test_every_page_says_when_its_data_last_changed(
    demo_home: Path, params: dict[str, str]
) -> None:
    changed_minutes_ago(demo_home, 2.5)
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in {"as_of": AS_OF, **params}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    assert live_lines(at) == [":material/sync: updated 2 min ago"]


def test_a_missing_workspace_has_no_live_line_only_its_first_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OKRLENS_HOME", str(tmp_path / "nothing"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert live_lines(at) == []
    assert "No okrlens workspace" in at.info[0].value
