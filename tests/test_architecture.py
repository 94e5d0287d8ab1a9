"""Layer rules that keep the code easy to change, enforced rather than hoped for."""

from __future__ import annotations

import ast
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


def _imports(path: Path) -> set[str]:
    """The modules path imports (absolute imports; relative ones are banned by ruff)."""
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_pages_and_commands_reach_pipelines_only_through_the_service_layer() -> None:
    offenders = {
        f"{p.relative_to(ROOT)} imports {name}"
        for folder in ("dashboard", "cli")
        for p in (ROOT / folder).rglob("*.py")
        for name in _imports(p)
        if name.startswith("pipelines") and not name.startswith("pipelines.service")
    }
    assert offenders == set()


def test_the_command_line_never_imports_streamlit() -> None:
    probe = "import sys, cli.main\nassert 'streamlit' not in sys.modules"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_the_readme_layers_table_names_every_folder() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## Layers") :].split("\n\n", 2)[2].split("\n\n")[0]
    named = {line.split("`")[1].rstrip("/") for line in table.splitlines()[2:]}
    folders = {
        str(p.relative_to(ROOT))
        for top in ("pipelines", "dashboard", "cli", "sample_data", "tests", "bench")
        for p in [ROOT / top, *(ROOT / top).iterdir()]
        if p.is_dir()
        and p.name not in {"__pycache__", "artifacts"}
        and (p.parent == ROOT or p.parent.name == "pipelines")
    }
    assert folders <= named, f"folders missing from the README's Layers table: {folders - named}"


LONG_MODULE = 400


def test_a_long_module_says_at_its_top_why_it_is_long() -> None:
    offenders = []
    for folder in ("pipelines", "dashboard", "cli"):
        for p in (ROOT / folder).rglob("*.py"):
            text = p.read_text()
            if text.count("\n") > LONG_MODULE and "Why this module is long" not in text[:2000]:
                offenders.append(f"{p.relative_to(ROOT)} ({text.count(chr(10))} lines)")
    assert offenders == []
