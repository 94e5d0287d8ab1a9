"""`okrlens audit` and `okrlens roles`: the CLI acts as the OS user, and says what it did."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from tests.cli.test_cli import okrlens

EXPORT = "date,metric,value\n2026-11-23,New signups,41\n"


@pytest.fixture
def home(demo_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private demo workspace, worked on by the OS user `carla`."""
    monkeypatch.setenv("OKRLENS_USER", "carla")
    return demo_copy


def test_a_cli_ingest_is_audited_as_the_os_user(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    export = tmp_path / "signups.csv"
    export.write_text(EXPORT)
    assert okrlens(capsys, "--home", str(home), "ingest", "kpis", str(export))[0] == 0
    code, out, err = okrlens(
        capsys, "--home", str(home), "audit", "--action", "upload", "-f", "csv"
    )
    assert code == 0, err
    log = pd.read_csv(io.StringIO(out))
    assert list(log[["actor", "via", "target", "outcome", "rows_added"]].iloc[0]) == [
        "carla",
        "cli",
        "signups.csv",
        "ok",
        1,
    ]


def test_the_same_file_twice_is_audited_as_skipped(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    export = tmp_path / "signups.csv"
    export.write_text(EXPORT)
    for _ in range(2):
        okrlens(capsys, "--home", str(home), "ingest", "kpis", str(export))
    _, out, _ = okrlens(capsys, "--home", str(home), "audit", "--action", "upload", "-f", "csv")
    assert list(pd.read_csv(io.StringIO(out))["outcome"]) == ["skipped", "ok"]


def test_roles_set_writes_access_yaml_and_is_audited(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    args = ("--home", str(home), "roles", "set")
    assert okrlens(capsys, *args, "Ana@Example.com", "analyst", "--team", "Product")[0] == 0
    assert okrlens(capsys, *args, "okr-admins", "admin", "--group")[0] == 0
    code, out, _ = okrlens(capsys, "--home", str(home), "roles", "list", "-f", "csv")
    assert code == 0
    roles = pd.read_csv(io.StringIO(out), skiprows=1)
    assert roles.values.tolist() == [
        ["person", "ana@example.com", "analyst", "Product"],
        ["group", "okr-admins", "admin", "all"],
    ]
    _, out, _ = okrlens(capsys, "--home", str(home), "audit", "--action", "change role")
    assert "carla" in out and "users.ana@example.com" in out


def test_an_unknown_role_is_a_one_paragraph_error(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    code, _, err = okrlens(capsys, "--home", str(home), "roles", "set", "a@example.com", "boss")
    assert code == 2
    assert err.startswith("error: 'boss' is not a role") and "Traceback" not in err
