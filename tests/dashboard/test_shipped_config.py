"""The shipped .streamlit/config.toml: what a bare `streamlit run dashboard/app.py` applies.

Streamlit reads the config beside the entry script wherever it is started from; the probe
runs in an empty folder with an empty home, so no other config file takes part.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.navigation import PAGES_DIR
from tests.dashboard.conftest import APP

# What `streamlit run` does before it serves: note the script, then parse every config file
# and the command line's flags (the last word).
PROBE = """
import json, sys
from streamlit import config
config._main_script_path = sys.argv[1]
flags = json.loads(sys.argv[2])
options = config.get_config_options(force_reparse=True, options_from_flags=flags)
print(json.dumps({key: options[key].value for key in sys.argv[3:]}))
"""
SHIPPED = {
    "server.address": "127.0.0.1",
    "server.enableXsrfProtection": True,
    "server.enableCORS": True,
    "server.maxUploadSize": 50,
    "server.fileWatcherType": "none",
    "client.showErrorDetails": "none",
    "client.toolbarMode": "viewer",
    "client.disableDataExport": True,
    "browser.gatherUsageStats": False,
    "runner.postScriptGC": False,
}


def effective(tmp_path: Path, flags: dict[str, object] | None = None) -> dict[str, object]:
    """The options Streamlit applies to the app, started from an empty folder with flags."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, APP, json.dumps(flags or {}), *SHIPPED],
        cwd=tmp_path,
        env={**os.environ, "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    )
    values: dict[str, object] = json.loads(result.stdout.splitlines()[-1])
    return values


def test_a_bare_streamlit_run_applies_the_safe_settings(tmp_path: Path) -> None:
    assert effective(tmp_path) == SHIPPED


def test_the_upload_cap_is_configurable(tmp_path: Path) -> None:
    # `okrlens run --server.maxUploadSize 10` passes it as a flag after the shipped ones.
    found = effective(tmp_path, {"server.maxUploadSize": 10})
    assert found == SHIPPED | {"server.maxUploadSize": 10}


@pytest.mark.parametrize("cap", [50, 7])
def test_the_upload_page_follows_the_configured_cap(cap: int, demo_home: Path) -> None:
    previous = st.get_option("server.maxUploadSize")
    st.config.set_option("server.maxUploadSize", cap)
    try:
        at = AppTest.from_file(str(PAGES_DIR / "upload_page.py"), default_timeout=60).run()
        assert not at.exception
        assert at.get("file_uploader")[0].proto.max_upload_size_mb == cap
    finally:
        st.config.set_option("server.maxUploadSize", previous)
