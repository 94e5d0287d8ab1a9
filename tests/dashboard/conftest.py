"""AppTest fixtures: a demo workspace copied per test, an empty one, fresh caches."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.navigation import PAGES_DIR

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
AS_OF = "2026-11-23"
Open = Callable[..., AppTest]


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    """Streamlit caches are process-wide; each test starts and ends with empty ones."""
    st.cache_data.clear()
    yield
    st.cache_data.clear()


@pytest.fixture
def demo_home(demo_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the demo workspace, served to the app."""
    monkeypatch.setenv("OKRLENS_HOME", str(demo_copy))
    return demo_copy


@pytest.fixture
def open_page() -> Open:
    """Open a page of the app (by file name) with query params, and run it."""

    def open_(page: str, **params: str) -> AppTest:
        # Like following a shared link: the page is where the session lands, with its URL.
        at = AppTest.from_file(str(PAGES_DIR / page), default_timeout=60)
        for key, value in {"as_of": AS_OF, **params}.items():
            at.query_params[key] = value
        return at.run()

    return open_
