"""Backup and restore: every table and definition comes back as it was; the audit log only grows."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.errors import OkrlensError
from pipelines.service import CheckIn, KpiOptions, Workspace, edits, okr_edits, trust
from pipelines.service import backup as backups

ROOT = Path(__file__).resolve().parents[2]
EXPORT = b"date,metric,value\n2026-11-23,New signups,41\n"


def tables(store: Path) -> dict[str, pd.DataFrame]:
    """Every table of the store but the audit log, each sorted by all its columns."""
    con = duckdb.connect(str(store), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        return {
            n: con.execute(f'SELECT * FROM "{n}" ORDER BY ALL').df()
            for n in names
            if n != "audit_log"
        }
    finally:
        con.close()


def okrlens(home: Path, *args: str) -> str:
    """Run `okrlens --home home args` in its own process; its stdout."""
    done = subprocess.run(
        [sys.executable, "-m", "cli", "--home", str(home), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_restore_brings_back_every_table_and_definition(demo_copy: Path, tmp_path: Path) -> None:
    ws, admin = Workspace(demo_copy), trust.cli_actor()
    okrs_before = ws.okrs_path.read_bytes()
    tables_before = tables(ws.store_path)
    target = Path(okrlens(demo_copy, "backup", str(tmp_path / "backups")).split(" to ")[1].strip())
    # Changes after the backup: an upload and an edit.
    edits.ingest_upload(ws, admin, "signups.csv", EXPORT, "kpis", KpiOptions(), dry_run=False)
    okr_edits.add_checkin(ws, admin, "company-q4-mrr", CheckIn(date=dt.date(2026, 11, 30), value=1))
    assert tables(ws.store_path)["ingests"].shape[0] == tables_before["ingests"].shape[0] + 1
    okrlens(demo_copy, "restore", str(target))
    after = tables(ws.store_path)
    assert after.keys() == tables_before.keys()
    for name, frame in tables_before.items():
        pd.testing.assert_frame_equal(after[name], frame, check_dtype=False, obj=name)
    assert ws.okrs_path.read_bytes() == okrs_before
    # The audit log was not rolled back: the upload after the backup and the restore are in it.
    log = trust.audit_log(ws, admin)
    assert {"upload", "add check-in", "back up", "restore"} <= set(log["action"])
    assert "company-q4-mrr" in log[log["action"] == "restore"]["detail"].str.cat()


def test_an_ingested_file_is_kept_by_its_hash(demo_copy: Path) -> None:
    ws = Workspace(demo_copy)
    report = edits.ingest_upload(
        ws, trust.cli_actor(), "signups.csv", EXPORT, "kpis", KpiOptions(), dry_run=False
    )
    assert (demo_copy / "raw" / f"{report.sha256}.csv").read_bytes() == EXPORT


def test_restoring_a_folder_that_is_no_backup_is_refused(demo_copy: Path, tmp_path: Path) -> None:
    with pytest.raises(OkrlensError, match="not an okrlens backup"):
        backups.restore(Workspace(demo_copy), trust.cli_actor(), tmp_path)


def test_an_admin_deletes_an_ingest_and_its_rows_in_one_audited_commit(demo_copy: Path) -> None:
    ws, admin = Workspace(demo_copy), trust.cli_actor()
    before = tables(ws.store_path)
    report = edits.ingest_upload(
        ws, admin, "signups.csv", EXPORT, "kpis", KpiOptions(), dry_run=False
    )
    said = okrlens(demo_copy, "delete", str(report.ingest_id))
    assert said.strip() == f"deleted ingest {report.ingest_id} (signups.csv): 1 rows removed"
    after = tables(ws.store_path)
    for name in ("events", "kpi_rows", "ingests", "rejected_lines"):
        pd.testing.assert_frame_equal(after[name], before[name], check_dtype=False, obj=name)
    log = trust.audit_log(ws, admin, actions=["delete"])
    assert list(log["target"]) == ["signups.csv"]
    with ws.reading() as con:  # committed with the deletion itself
        assert con.execute("SELECT count(*) FROM audit_log WHERE action = 'delete'").fetchone() == (
            1,
        )


def test_deleting_events_a_later_export_relies_on_is_refused(
    demo_copy: Path, tmp_path: Path
) -> None:
    ws, admin = Workspace(demo_copy), trust.cli_actor()
    events_before = tables(ws.store_path)["events"].shape[0]
    first = b"event_time,user_id,event_name\n2026-11-02 10:00:00,u1,signed_up\n"
    second = first + b"2026-11-02 11:00:00,u2,signed_up\n"  # holds the first file's row too
    kept = [
        edits.ingest_upload(ws, admin, name, body, "events", KpiOptions(), dry_run=False)
        for name, body in (("first.csv", first), ("second.csv", second))
    ]
    with pytest.raises(OkrlensError, match="Delete those ingests first"):
        edits.delete_ingest(ws, admin, kept[0].ingest_id or 0)
    edits.delete_ingest(ws, admin, kept[1].ingest_id or 0)
    edits.delete_ingest(ws, admin, kept[0].ingest_id or 0)
    assert tables(ws.store_path)["events"].shape[0] == events_before
