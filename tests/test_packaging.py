"""A wheel built from the repository installs an okrlens that works on its own, sample included."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines.sample import SAMPLE_DIR

REPO = Path(__file__).resolve().parents[1]
# One key result per team of the sample's Q4 OKRs.
KNOWN_KRS = ("company-q4-mrr", "product-q4-activation", "support-q4-csat")
# Variables through which a child Python could import okrlens from somewhere else than the wheel.
LEAKY_VARIABLES = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")


@dataclass(frozen=True)
class Installed:
    """A fresh virtual environment with okrlens installed from the wheel."""

    python: Path
    okrlens: Path
    site_packages: Path


def _run(args: list[str], cwd: Path) -> str:
    """The standard output of a command that must succeed; a failure shows everything it said."""
    env = {k: v for k, v in os.environ.items() if k not in LEAKY_VARIABLES}
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{args} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel pip builds from the repository."""
    out = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    _run([*pip, "wheel", "--no-deps", "-w", str(out), str(REPO)], cwd=out)
    (built,) = out.glob("okrlens-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """A new virtual environment holding the wheel, borrowing only third-party packages."""
    root = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", "--without-pip", str(root)], cwd=root)
    python = root / "bin" / "python"
    paths = json.loads(
        _run(
            [str(python), "-c", "import json, sysconfig; print(json.dumps(sysconfig.get_paths()))"],
            cwd=root,
        )
    )
    site_packages = Path(paths["purelib"])
    # The dependencies come from this test's environment, so the test downloads nothing. A path
    # line in a .pth file is only appended to sys.path; the .pth files in that folder, among them
    # the editable install's pointer to the repository, are not processed.
    borrowed = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    (site_packages / "_borrowed_dependencies.pth").write_text("".join(f"{p}\n" for p in borrowed))
    pip = [sys.executable, "-m", "pip", "--python", str(python), "--disable-pip-version-check"]
    _run([*pip, "-q", "install", "--no-deps", "--no-index", str(wheel)], cwd=root)
    return Installed(python, Path(paths["scripts"]) / "okrlens", site_packages)


def test_a_checkout_reads_the_top_level_sample_data() -> None:
    assert SAMPLE_DIR == REPO / "sample_data"


@pytest.mark.slow
def test_the_wheel_carries_the_sample_and_the_templates(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    sample = REPO / "sample_data"
    templates = REPO / "pipelines" / "templates"
    expected = {
        f"pipelines/{p.relative_to(folder.parent).as_posix()}"
        for folder in (sample, templates)
        for p in folder.rglob("*")
        if p.is_file()
    }
    assert "pipelines/sample_data/events.csv.gz" in expected
    assert expected <= names, f"missing from the wheel: {sorted(expected - names)}"


@pytest.mark.slow
def test_the_installed_packages_come_from_the_wheel_alone(
    wheel: Path, installed: Installed, tmp_path: Path
) -> None:
    packages = sorted(
        name.split("/")[0]
        for name in zipfile.ZipFile(wheel).namelist()
        if name.count("/") == 1 and name.endswith("/__init__.py")
    )
    assert "pipelines" in packages
    script = (
        "import importlib, json, sys; from pipelines.sample import SAMPLE_DIR; "
        "print(json.dumps([str(SAMPLE_DIR), *(importlib.import_module(m).__file__ for m in sys.argv[1:])]))"
    )
    sample_dir, *files = json.loads(
        _run([str(installed.python), "-c", script, *packages], tmp_path)
    )
    assert Path(sample_dir) == installed.site_packages / "pipelines" / "sample_data"
    for package, file in zip(packages, files, strict=True):
        assert Path(file).is_relative_to(installed.site_packages), f"{package} from {file}"


@pytest.mark.slow
def test_the_installed_okrlens_builds_the_demo_and_reports_on_it(
    installed: Installed, tmp_path: Path
) -> None:
    home = str(tmp_path / "ws")
    _run([str(installed.okrlens), "--home", home, "demo"], tmp_path)
    report = _run(
        [
            str(installed.okrlens),
            "--home",
            home,
            "report",
            "--as-of",
            "2026-11-23",
            "--format",
            "json",
        ],
        tmp_path,
    )
    json.loads(report)
    missing = [kr for kr in KNOWN_KRS if f'"{kr}"' not in report]
    assert not missing, f"the report names none of {missing}:\n{report}"


@pytest.mark.slow
def test_the_installed_okrlens_scaffolds_a_workspace_from_its_templates(
    installed: Installed, tmp_path: Path
) -> None:
    home = tmp_path / "fresh"
    _run([str(installed.okrlens), "--home", str(home), "init"], tmp_path)
    for name in ("metrics.yaml", "okrs.yaml"):
        assert (home / name).read_bytes() == (REPO / "pipelines" / "templates" / name).read_bytes()
