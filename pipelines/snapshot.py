"""Published snapshots: the small computed frames pages read, so pages never open the store.

Each commit to the store publishes, while its writer still holds the store's lock, every metric's
series and the latest ingests as Parquet files named by a token, then replaces `snapshot.json`
(the manifest naming the current token) atomically. A reader reads the manifest, then the files
it names: it always sees one committed state whole, never waits for a writer, and never blocks
one. The token is derived from what was committed (the store's identity and latest commit) and from the
metric definitions the series were computed with, so it changes exactly when what a page shows
can change: dry runs and previews commit nothing and leave it alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import pandas as pd

from pipelines import db
from pipelines.ingest.ledger import ingest_history
from pipelines.metrics.series import metric_series
from pipelines.metrics.slices import sliced_series
from pipelines.metrics.spec import MetricCatalog
from pipelines.metrics.vocabulary import store_vocabulary, vocabulary_frame

FOLDER = "snapshots"
MANIFEST = "snapshot.json"
KEEP = 4  # older snapshots stay a while for readers that read the manifest just before a swap
INGESTS_KEPT = 200
# 2: series carry covered_through, and the events' vocabulary is published.
FORMAT = 2


@dataclass(frozen=True)
class Manifest:
    """Which snapshot is current, and what it was computed from."""

    token: str
    commit: str
    metrics_sha: str
    format: int = FORMAT


def file_sha(path: Path) -> str:
    """The hex sha256 of a definition file's bytes ("-" when it does not exist)."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "-"


def _token(commit: str, metrics_sha: str) -> str:
    """The snapshot token of a committed state computed with given metric definitions."""
    return hashlib.sha256(f"{FORMAT}|{commit}|{metrics_sha}".encode()).hexdigest()[:20]


def _write_atomically(target: Path, write: Callable[[Path], object]) -> None:
    """Write target through a temporary sibling renamed over it, so no reader sees half a file."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    write(temporary)
    os.replace(temporary, target)


def read_manifest(folder: Path) -> Manifest | None:
    """The current manifest in folder, or None when nothing was published (or it is unreadable)."""
    try:
        raw = json.loads((folder / FOLDER / MANIFEST).read_text())
        manifest = Manifest(**raw)
    except (OSError, ValueError, TypeError):
        return None
    return manifest if manifest.format == FORMAT else None


def publish(
    folder: Path, con: duckdb.DuckDBPyConnection, catalog: MetricCatalog, metrics_sha: str
) -> Manifest:
    """Compute the frames pages read from the store on con, write them, then swap the manifest."""
    commit = db.commit_token(con)
    manifest = Manifest(_token(commit, metrics_sha), commit, metrics_sha)
    target = folder / FOLDER
    target.mkdir(exist_ok=True)
    frames = {
        "series": _with_slices(metric_series(con, catalog), sliced_series(con, catalog)),
        "ingests": ingest_history(con, limit=INGESTS_KEPT),
        "vocabulary": vocabulary_frame(store_vocabulary(con)),
    }
    for name, computed in frames.items():
        _write_atomically(target / f"{manifest.token}.{name}.parquet", computed.to_parquet)
    _write_atomically(
        target / MANIFEST, lambda p: p.write_text(json.dumps(asdict(manifest), indent=1))
    )
    _prune(target, manifest.token)
    return manifest


def _with_slices(series: pd.DataFrame, slices: pd.DataFrame) -> pd.DataFrame:
    """Every metric's series followed by its slices' (see slices.py)."""
    return series if slices.empty else pd.concat([series, slices], ignore_index=True)


def _prune(target: Path, current: str) -> None:
    """Delete all but the KEEP newest snapshots (never the current one)."""
    tokens: dict[str, float] = {}
    for path in target.glob("*.parquet"):
        token = path.name.split(".", 1)[0]
        try:
            tokens[token] = max(tokens.get(token, 0.0), path.stat().st_mtime)
        except FileNotFoundError:
            continue
    old = sorted(tokens, key=tokens.__getitem__, reverse=True)[KEEP:]
    for token in old:
        if token != current:
            for path in target.glob(f"{token}.*.parquet"):
                path.unlink(missing_ok=True)


def frame(folder: Path, manifest: Manifest, name: str) -> pd.DataFrame:
    """One frame ("series", "ingests" or "vocabulary") of the snapshot manifest names."""
    return pd.read_parquet(folder / FOLDER / f"{manifest.token}.{name}.parquet")
