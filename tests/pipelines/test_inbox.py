"""The inbox: dropped exports ingested as uploads, each once, moved to done/ or refused/."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines import db
from pipelines.inbox import inbox_actor, inbox_folder, ingest_inbox
from pipelines.service import trust
from pipelines.workspace import Workspace

EVENTS = (
    "event_time,user_id,event_name\n"
    "2026-11-20T09:00:00,u-1,signed_up\n"
    "2026-11-20T09:05:00,u-1,workflow_run\n"
)
MRR = 'date,metric,value\n2026-11-23,MRR,"$477,777.00"\n'
INVALID_LINE = "date,metric,value\n2026-11-23,MRR,lots\n2026-11-24,MRR,5\n"
ACTOR = inbox_actor("cli")


def drop(home: Path, name: str, content: str, *, age: float = 60.0) -> Path:
    """Write name into the inbox as a writer that finished age seconds ago would have."""
    path = inbox_folder(Workspace(home)) / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(content, encoding="utf-8")
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def names_in(home: Path, sub: str) -> list[str]:
    """The file names in inbox/sub, sorted."""
    folder = inbox_folder(Workspace(home)) / sub
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def waiting(home: Path) -> list[str]:
    """The files left in the inbox itself (not in its subfolders), dotfiles included."""
    return sorted(p.name for p in inbox_folder(Workspace(home)).iterdir() if p.is_file())


@pytest.mark.parametrize(
    ("name", "content", "outcome", "rows_added", "moved_to"),
    [
        pytest.param("events.csv", EVENTS, "ingested", 2, "done", id="events-file-ingested"),
        pytest.param("mrr.csv", MRR, "ingested", 1, "done", id="kpi-file-ingested"),
        pytest.param("bad.csv", INVALID_LINE, "refused", 0, "refused", id="invalid-line-refused"),
        pytest.param("empty.csv", "", "refused", 0, "refused", id="empty-file-refused"),
    ],
)
def test_a_dropped_file_is_ingested_as_an_upload_and_moved_out_of_the_inbox(
    empty_home: Path, name: str, content: str, outcome: str, rows_added: int, moved_to: str
) -> None:
    drop(empty_home, name, content)
    [result] = ingest_inbox(Workspace(empty_home), ACTOR)
    assert (result.name, result.outcome, result.rows_added) == (name, outcome, rows_added)
    assert result.moved_to == inbox_folder(Workspace(empty_home)) / moved_to / name
    assert name not in waiting(empty_home)


def test_a_refused_file_has_its_reasons_beside_it_and_is_never_retried(empty_home: Path) -> None:
    drop(empty_home, "bad.csv", INVALID_LINE)
    [first] = ingest_inbox(Workspace(empty_home), ACTOR)
    reasons = (first.moved_to.parent / "bad.csv.reasons.txt").read_text()
    assert reasons == (
        "bad.csv was not ingested: 1 of 2 lines are invalid: line 2, column value, value "
        "'lots': not a number. Correct those lines and drop the file in the inbox again, or "
        "store its valid rows and keep the rejected lines in the ledger with `okrlens ingest "
        "kpis --allow-rejects FILE`.\n"
    )
    assert ingest_inbox(Workspace(empty_home), ACTOR) == []
    assert names_in(empty_home, "refused") == ["bad.csv", "bad.csv.reasons.txt"]


def test_a_second_refused_file_of_the_same_name_is_stamped_not_written_over(
    empty_home: Path,
) -> None:
    drop(empty_home, "bad.csv", INVALID_LINE)
    ingest_inbox(Workspace(empty_home), ACTOR)
    drop(empty_home, "bad.csv", "")
    [second] = ingest_inbox(Workspace(empty_home), ACTOR)
    assert second.moved_to.name.startswith("bad-") and second.moved_to.name.endswith("Z.csv")
    assert (second.moved_to.parent / "bad.csv").read_text() == INVALID_LINE
    assert len(names_in(empty_home, "refused")) == 4  # two files, two reasons


def test_the_same_export_dropped_twice_is_stored_once_and_the_second_skipped(
    empty_home: Path,
) -> None:
    drop(empty_home, "mrr.csv", MRR)
    ingest_inbox(Workspace(empty_home), ACTOR)
    drop(empty_home, "mrr.csv", MRR)
    [again] = ingest_inbox(Workspace(empty_home), ACTOR)
    assert (again.outcome, again.rows_added) == ("skipped", 0)
    assert "already ingested" in again.message
    assert len(Workspace(empty_home).ingests()) == 1
    assert len(names_in(empty_home, "done")) == 2  # the second, stamped, beside the first


@pytest.mark.parametrize(
    ("name", "age"),
    [
        pytest.param("mrr.csv", 0.0, id="written-just-now"),
        pytest.param("mrr.csv.part", 60.0, id="named-as-unfinished"),
        pytest.param("mrr.csv.tmp", 60.0, id="named-as-temporary"),
        pytest.param(".mrr.csv", 60.0, id="a-dotfile"),
    ],
)
def test_a_file_still_being_written_is_left_in_the_inbox(
    empty_home: Path, name: str, age: float
) -> None:
    drop(empty_home, name, MRR, age=age)
    assert ingest_inbox(Workspace(empty_home), ACTOR, settle=30.0) == []
    assert name in waiting(empty_home)
    assert names_in(empty_home, "done") == []


def test_a_file_a_killed_watcher_had_taken_is_finished_by_the_next_pass(empty_home: Path) -> None:
    taken = inbox_folder(Workspace(empty_home)) / ".processing"
    taken.mkdir(parents=True)
    (taken / "00000000000000000001-mrr.csv").write_text(MRR)
    os.utime(taken / "00000000000000000001-mrr.csv", (0, 0))
    [result] = ingest_inbox(Workspace(empty_home), ACTOR)
    assert (result.name, result.outcome) == ("mrr.csv", "ingested")
    assert names_in(empty_home, ".processing") == []


def test_a_file_waits_in_the_inbox_while_another_process_holds_the_store(
    empty_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OKRLENS_STORE_WAIT", "0")
    drop(empty_home, "mrr.csv", MRR)
    with db.lock_file(Workspace(empty_home).store_path, exclusive=True):
        assert ingest_inbox(Workspace(empty_home), ACTOR) == []
    [result] = ingest_inbox(Workspace(empty_home), ACTOR)
    assert result.outcome == "ingested"


def test_two_watchers_at_once_ingest_each_file_once(empty_home: Path) -> None:
    names = [f"mrr-{day}.csv" for day in range(16, 22)]
    for day, name in zip(range(16, 22), names, strict=True):
        drop(empty_home, name, f"date,metric,value\n2026-11-{day},MRR,{day}000\n")
    command = [sys.executable, "-m", "cli", "--home", str(empty_home), "watch", "--once"]
    watchers = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [w.communicate(timeout=300)[0] for w in watchers]
    assert [w.returncode for w in watchers] == [0, 0]
    ingested = sorted(
        line.split(":")[0] for out in outputs for line in out.splitlines() if "→" in line
    )
    assert ingested == names
    assert "already ingested" not in "".join(outputs)
    assert sorted(Workspace(empty_home).ingests()["file_name"]) == names
    assert names_in(empty_home, "done") == names


def test_the_audit_log_records_each_dropped_file_as_an_upload_by_the_inbox(
    empty_home: Path,
) -> None:
    drop(empty_home, "mrr.csv", MRR)
    drop(empty_home, "empty.csv", "")
    ingest_inbox(Workspace(empty_home), ACTOR)
    log = trust.audit_log(Workspace(empty_home), trust.cli_actor(), actions=["upload"])
    rows = log[["actor", "role", "via", "target", "outcome", "rows_added"]]
    assert sorted(map(tuple, rows.fillna(0).to_numpy().tolist())) == [
        ("inbox", "analyst", "cli", "empty.csv", "refused", 0),
        ("inbox", "analyst", "cli", "mrr.csv", "ok", 1),
    ]
    assert Workspace(empty_home).ingests()["ingested_by"].tolist() == ["inbox"]
