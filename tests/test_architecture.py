"""Layer rules that keep the code easy to change, enforced rather than hoped for."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_pipelines_import_without_streamlit() -> None:
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for p in (ROOT / "pipelines").rglob("*.py")
        if p.name != "__main__.py"
    )
    probe = f"import sys\nfor m in {modules!r}: __import__(m)\nassert 'streamlit' not in sys.modules, 'streamlit'"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert len(modules) > 15


def test_only_db_module_opens_connections() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "pipelines").rglob("*.py")
        if "duckdb.connect(" in p.read_text() and p.name != "db.py"
    ]
    assert offenders == []


def test_no_reader_skips_bad_lines_silently() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "pipelines").rglob("*.py")
        if "ignore_errors" in p.read_text()
    ]
    assert offenders == []
