"""The audit log: who did what, when, through which interface, and what changed.

It lives in the store's append-only `audit_log` table. An event that belongs to a store change
(an upload, a deletion) is inserted in that change's own transaction, so the log holds it
exactly when the change committed. Every other event (a sign-in, a refused action, an edit of
a definition file, an export) must not wait behind a long ingest for the store's write lock, so
it is appended to a journal beside the store (`audit/journal.jsonl`, one fsynced JSON line per
event under its own lock) and moved into the table by the next writer; until then readers read
both. Events carry a unique id, so moving them twice (after a crash) stores them once.

Definition files are tracked by content hash: each edit okrlens makes records the file's new
hash and keeps a copy; a file whose hash differs from the last one recorded was changed outside
okrlens, and the next look at the workspace records that, with the fields that changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml

from pipelines import db
from pipelines.access import Actor

COLUMNS = (
    "event_id",
    "at_utc",
    "actor",
    "role",
    "via",
    "action",
    "target",
    "outcome",
    "file_sha256",
    "rows_added",
    "rows_skipped",
    "rows_revised",
    "rows_rejected",
    "detail",
)
# The columns' order is the table's (pipelines.db, version 4).
INSERT = "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
OUTSIDE = "someone outside okrlens"
MAX_DETAIL = 4_000  # characters of before → after kept per event
MAX_CHANGES = 40  # field changes listed per definition edit


@dataclass(frozen=True)
class Event:
    """One audit record."""

    actor: str
    role: str
    via: str
    action: str
    target: str = ""
    outcome: str = "ok"
    detail: str = ""
    file_sha256: str | None = None
    rows_added: int | None = None
    rows_skipped: int | None = None
    rows_revised: int | None = None
    rows_rejected: int | None = None
    # Time-ordered and unique: events of one microsecond still sort in the order they happened.
    event_id: str = field(default_factory=lambda: f"{time.time_ns():020d}-{uuid.uuid4().hex[:12]}")
    at_utc: dt.datetime = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None)
    )

    def row(self) -> list[Any]:
        """The event's values in COLUMNS order."""
        values = asdict(self) | {"detail": self.detail[:MAX_DETAIL]}
        return [values[c] for c in COLUMNS]


def event(actor: Actor, action: str, target: str = "", **fields: Any) -> Event:
    """An event done by actor."""
    return Event(actor.who, actor.role.label, actor.via, action, target, **fields)


def _journal(home: Path) -> Path:
    """The journal of events not yet moved into the store."""
    return home / "audit" / "journal.jsonl"


def append(home: Path, entry: Event) -> None:
    """Record entry durably without waiting for the store (it reaches the table later)."""
    path = _journal(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(asdict(entry), default=str) + "\n"
    with (
        db.lock_file(path, exclusive=True, what="the audit journal"),
        path.open("a", encoding="utf-8") as out,
    ):
        out.write(line)
        out.flush()
        os.fsync(out.fileno())


def insert(con: duckdb.DuckDBPyConnection, entry: Event) -> None:
    """Insert entry into the store (inside the caller's transaction, so it commits with it)."""
    con.execute(INSERT, entry.row())


def _journal_events(path: Path) -> list[Event]:
    """The journal's events; a line cut short by a crash is skipped."""
    if not path.exists():
        return []
    found = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            raw = json.loads(line)
            raw["at_utc"] = dt.datetime.fromisoformat(raw["at_utc"])
            found.append(Event(**raw))
        except (ValueError, TypeError, KeyError):
            continue
    return found


def move_journal(con: duckdb.DuckDBPyConnection, home: Path) -> int:
    """Move the journal's events into the store (the caller holds the write lock); how many."""
    path = _journal(home)
    if not path.exists():
        return 0
    with db.lock_file(path, exclusive=True, what="the audit journal"):
        events = _journal_events(path)
        with db.transaction(con):
            for entry in events:
                con.execute(INSERT + " ON CONFLICT DO NOTHING", entry.row())
        path.write_text("")  # after the commit: a crash before this moves them again, once
    return len(events)


def entries(con: duckdb.DuckDBPyConnection, home: Path) -> pd.DataFrame:
    """Every audit event, newest first: the store's and the journal's not yet moved."""
    stored = db.query(con, "SELECT * FROM audit_log")
    waiting = pd.DataFrame([e.row() for e in _journal_events(_journal(home))], columns=COLUMNS)
    frames = [f for f in (stored, waiting) if not f.empty]
    if not frames:
        return stored
    both = pd.concat(frames, ignore_index=True).drop_duplicates("event_id")
    return both.sort_values("event_id", ascending=False, ignore_index=True)


# --- definition files -------------------------------------------------------------------------


def _known(home: Path) -> Path:
    """Where the last recorded hash of each definition file is kept."""
    return home / "audit" / "definitions.json"


def _hash_lock(home: Path) -> AbstractContextManager[None]:
    """The lock that orders edits of definition files and the looks for outside edits."""
    _known(home).parent.mkdir(parents=True, exist_ok=True)
    return db.lock_file(_known(home), exclusive=True, what="the audit log")


def _copy(home: Path, sha: str) -> Path:
    """The kept copy of a definition file's version with this hash."""
    return home / "audit" / "versions" / f"{sha}.yaml"


def _sha(text: bytes) -> str:
    """The content hash of a file's bytes."""
    return hashlib.sha256(text).hexdigest()


def _read_known(home: Path) -> dict[str, str]:
    """file name → last recorded hash."""
    try:
        raw = json.loads(_known(home).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


def _remember(home: Path, name: str, content: bytes, known: dict[str, str]) -> str:
    """Record content as the current version of file name; its hash."""
    sha = _sha(content)
    copy = _copy(home, sha)
    copy.parent.mkdir(parents=True, exist_ok=True)
    if not copy.exists():
        copy.write_bytes(content)
    known[name] = sha
    tmp = _known(home).with_suffix(".tmp")
    tmp.write_text(json.dumps(known, indent=1), encoding="utf-8")
    os.replace(tmp, _known(home))
    return sha


@contextmanager
def recording_edit(
    home: Path, actor: Actor, action: str, target: str, paths: list[Path]
) -> Iterator[None]:
    """Record that actor changed the definition files at paths in the block, if it succeeds.

    The hash lock is held throughout, so no other session mistakes this edit for one made
    outside okrlens, and a hand edit made before it is recorded first, under its own name.
    """
    changed: list[Event] = []
    with _hash_lock(home):
        _notice(home, paths)
        known = _read_known(home)
        before = {
            path: _kept(home, known.get(path.name)) if path.is_file() else b"" for path in paths
        }
        yield
        for path in paths:
            after = path.read_bytes() if path.is_file() else b""
            if _sha(after) == known.get(path.name):
                continue
            sha = _remember(home, path.name, after, known)
            detail = describe_change(before[path], after)
            changed.append(
                event(actor, action, target or path.name, detail=detail, file_sha256=sha)
            )
    for entry in changed:
        append(home, entry)


def notice_outside_edits(home: Path, paths: list[Path]) -> list[Event]:
    """Record every definition file at paths changed since okrlens last recorded it."""
    with _hash_lock(home):
        return _notice(home, paths)


def _notice(home: Path, paths: list[Path]) -> list[Event]:
    """notice_outside_edits' work, with the hash lock held."""
    found: list[Event] = []
    known = _read_known(home)
    for path in paths:
        if not path.is_file():
            continue
        content = path.read_bytes()
        if known.get(path.name) == _sha(content):
            continue
        first_look = path.name not in known
        before = _kept(home, known.get(path.name))
        sha = _remember(home, path.name, content, known)
        if not first_look:
            found.append(
                Event(
                    OUTSIDE,
                    "unknown",
                    "file",
                    "edit definitions",
                    path.name,
                    detail=f"changed outside okrlens: {describe_change(before, content)}",
                    file_sha256=sha,
                )
            )
    for entry in found:
        append(home, entry)
    return found


def _kept(home: Path, sha: str | None) -> bytes | None:
    """The kept copy of the version with hash sha, if there is one."""
    if sha is None:
        return None
    try:
        return _copy(home, sha).read_bytes()
    except OSError:
        return None


def describe_change(before: bytes | None, after: bytes) -> str:
    """The fields that differ between two versions of a YAML definition file, as `path: a → b`."""

    def parsed(content: bytes | None) -> Any:
        try:
            return yaml.safe_load(content.decode("utf-8")) if content else None
        except (yaml.YAMLError, UnicodeDecodeError):
            return "(unreadable YAML)"

    changes = list(_differences(parsed(before), parsed(after), ""))
    if before is None:
        return "first version recorded"
    if not changes:
        return "layout or comments only"
    shown = changes[:MAX_CHANGES]
    more = f"; and {len(changes) - len(shown)} more" if len(changes) > len(shown) else ""
    return "; ".join(shown) + more


def _keyed(items: list[Any]) -> Mapping[str, Any] | None:
    """A list of mappings keyed by their id (or name), if every item has a distinct one."""
    keys = [item.get("id", item.get("name")) if isinstance(item, dict) else None for item in items]
    if any(k is None for k in keys) or len(set(map(str, keys))) != len(keys):
        return None
    return {str(k): item for k, item in zip(keys, items, strict=True)}


def _show(value: Any) -> str:
    """A value as it reads in YAML, on one line."""
    if value is None:
        return "(none)"
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 120 else text[:119] + "…"


def _differences(before: Any, after: Any, where: str) -> Iterator[str]:
    """`path: before → after` for every leaf that differs (a missing mapping reads as empty)."""
    if isinstance(before, dict) or isinstance(after, dict):
        before = before if isinstance(before, dict) else {} if before is None else before
        after = after if isinstance(after, dict) else {} if after is None else after
    if isinstance(before, dict) and isinstance(after, dict):
        for key in [*before, *(k for k in after if k not in before)]:
            yield from _differences(
                before.get(key), after.get(key), f"{where}.{key}" if where else str(key)
            )
        return
    if isinstance(before, list) and isinstance(after, list):
        old, new = _keyed(before), _keyed(after)
        if old is not None and new is not None:
            yield from _differences(dict(old), dict(new), where)
            return
        for i in range(max(len(before), len(after))):
            yield from _differences(
                before[i] if i < len(before) else None,
                after[i] if i < len(after) else None,
                f"{where}[{i}]",
            )
        return
    if before != after:
        yield f"{where or 'file'}: {_show(before)} → {_show(after)}"
