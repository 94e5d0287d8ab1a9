"""The dashboard renders through Streamlit's AppTest: the demo workspace and an empty one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from pipelines.demo import build_demo
from pipelines.workspace import Workspace

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def test_overview_shows_every_objective_of_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_demo(Workspace(tmp_path), progress=lambda _: None)
    monkeypatch.setenv("OKRLENS_HOME", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["as_of"] = dt.date(2026, 11, 23)
    at.run()
    assert not at.exception
    assert [s.value for s in at.subheader][:3] == [
        "company-q4 · Become the reference manager our institutions cannot do without",
        "product-q4 · Make weekly workflows a habit for our institutions",
        "support-q4 · Answer every institution fast and keep them with us",
    ]
    assert len(at.dataframe) == 3


def test_an_empty_workspace_gets_a_first_run_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OKRLENS_HOME", str(tmp_path / "nothing-here"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "okrlens demo" in at.info[0].value
