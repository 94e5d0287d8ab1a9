"""A workspace: the folder holding metrics.yaml, okrs.yaml and the store (store.duckdb)."""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from pipelines import audit, db, snapshot
from pipelines.definitions import Definitions, load_catalog, load_okr_set
from pipelines.errors import OkrlensError
from pipelines.metrics.spec import MetricCatalog
from pipelines.okrs.initiatives import InitiativeSet, load_initiatives
from pipelines.okrs.reviews import ReviewSet, load_reviews
from pipelines.okrs.spec import OkrSet

DEFAULT_HOME = Path("okrlens-data")
# The definition files, written by people (by hand or through the dashboard); the last two are
# optional: a workspace without them has no initiatives and no recorded reviews.
DEFINITION_FILES = ("metrics.yaml", "okrs.yaml", "initiatives.yaml", "reviews.yaml")
TEMPLATES = Path(__file__).with_name("templates")
# One republish at a time per process: sessions that find the same stale snapshot wait for it.
_PUBLISHING = threading.Lock()


@dataclass(frozen=True)
class Workspace:
    """Paths of one workspace, its definitions loaded and cross-checked, and its two doors.

    `reading()` gives a connection that cannot write (or reach files); `writing()` the one that
    can, and publishes a new snapshot when it committed something. Pages read snapshots only.
    """

    home: Path

    @classmethod
    def resolve(cls, home: Path | None = None) -> Workspace:
        """The workspace at home, else at $OKRLENS_HOME, else at ./okrlens-data."""
        chosen = home or Path(os.environ.get("OKRLENS_HOME") or DEFAULT_HOME)
        return cls(chosen.expanduser().resolve())

    @property
    def metrics_path(self) -> Path:
        """Where the metric definitions live."""
        return self.home / "metrics.yaml"

    @property
    def okrs_path(self) -> Path:
        """Where the objectives and key results live."""
        return self.home / "okrs.yaml"

    @property
    def initiatives_path(self) -> Path:
        """Where the initiatives (the outputs serving key results) live; optional."""
        return self.home / "initiatives.yaml"

    @property
    def reviews_path(self) -> Path:
        """Where the end-of-period reflections and the review cadence live; optional."""
        return self.home / "reviews.yaml"

    @property
    def access_path(self) -> Path:
        """Where sign-in and roles are configured (optional: local mode without it)."""
        return self.home / "access.yaml"

    @property
    def definition_paths(self) -> list[Path]:
        """The definition files whose every change the audit log records."""
        return [*(self.home / name for name in DEFINITION_FILES), self.access_path]

    @property
    def store_path(self) -> Path:
        """Where the DuckDB store lives."""
        return self.home / "store.duckdb"

    def _require_home(self) -> None:
        """OkrlensError when the workspace folder does not exist."""
        if not self.home.is_dir():
            raise OkrlensError(
                f"no workspace at {self.home}",
                where=str(self.home),
                fix="run `okrlens init` (empty workspace) or `okrlens demo` (sample data), "
                "or point --home / OKRLENS_HOME at an existing one",
            )

    @contextmanager
    def reading(self, on_wait: db.Notify | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection that can only read the store (an empty store when there is none yet).

        A store of an older schema is first upgraded through the writer's door, once.
        """
        self._require_home()
        with ExitStack() as stack:
            try:
                con = stack.enter_context(self._reader(on_wait))
            except db.StoreOutdated:
                self.upgrade(on_wait)  # the shared lock is released: the writer can take it
                con = stack.enter_context(self._reader(on_wait))
            yield con

    @contextmanager
    def _reader(self, on_wait: db.Notify | None) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection, with the store's lock held shared while it is open."""
        with db.lock_file(self.store_path, exclusive=False, on_wait=on_wait):
            con = db.connect_reader(self.store_path)
            try:
                yield con
            finally:
                con.close()

    def upgrade(self, on_wait: db.Notify | None = None) -> None:
        """Bring the store to the current schema (a writer's job: it waits for the lock)."""
        with self.writing(on_wait=on_wait):
            pass

    @contextmanager
    def writing(self, on_wait: db.Notify | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """The read-write connection; waits its turn, and publishes a snapshot if it committed."""
        self._require_home()
        with db.lock_file(self.store_path, exclusive=True, on_wait=on_wait):
            con = db.connect(self.store_path)
            before = db.commit_token(con)
            try:
                yield con
            finally:
                after = db.commit_token(con)
                try:
                    audit.move_journal(con, self.home)
                finally:
                    con.close()
                if after != before:
                    self._publish_quietly()

    def _publish_quietly(self) -> None:
        """Publish a snapshot after a commit (lock held); broken definitions wait for a reader.

        The commit stands either way: a reader that finds the snapshot stale recomputes it and
        shows the definitions' error to whoever asked.
        """
        with suppress(OkrlensError):
            self._publish()

    def _publish(self) -> snapshot.Manifest:
        """Compute and publish the snapshot of the committed store (the caller holds the lock)."""
        catalog = self.catalog()
        metrics_sha = snapshot.file_sha(self.metrics_path)
        con = db.connect_reader(self.store_path)
        try:
            return snapshot.publish(self.home, con, catalog, metrics_sha)
        finally:
            con.close()

    def manifest(self) -> snapshot.Manifest:
        """The current snapshot's manifest, recomputed first if the metric definitions changed."""
        self._require_home()
        current = snapshot.read_manifest(self.home)
        if current is not None and current.metrics_sha == snapshot.file_sha(self.metrics_path):
            return current
        try:
            return self._published()
        except db.StoreOutdated:
            self.upgrade()  # outside the shared lock, which the writer must not wait for
            return self._published()

    def _published(self) -> snapshot.Manifest:
        """The manifest, published now unless another session did while we waited."""
        with _PUBLISHING, db.lock_file(self.store_path, exclusive=False):
            current = snapshot.read_manifest(self.home)
            if current is None or current.metrics_sha != snapshot.file_sha(self.metrics_path):
                current = self._publish()
            return current

    def data_version(self) -> str:
        """A token that changes exactly when the committed data or the definitions change.

        A definition file changed outside okrlens since okrlens last saw it is audited first.
        """
        self._require_home()
        audit.notice_outside_edits(self.home, self.definition_paths)
        definitions = "".join(snapshot.file_sha(self.home / n) for n in DEFINITION_FILES[1:])
        return f"{self.manifest().token}-{hashlib.sha256(definitions.encode()).hexdigest()[:12]}"

    def series(self) -> pd.DataFrame:
        """Every metric's series, from the current snapshot."""
        return snapshot.frame(self.home, self.manifest(), "series")

    def vocabulary(self) -> pd.DataFrame:
        """What the stored events are called and carry (metrics.vocabulary), from the snapshot."""
        return snapshot.frame(self.home, self.manifest(), "vocabulary")

    def ingests(self) -> pd.DataFrame:
        """The latest ingests, newest first, from the current snapshot."""
        return snapshot.frame(self.home, self.manifest(), "ingests")

    def exists(self) -> bool:
        """True when the workspace has both definition files."""
        return self.metrics_path.exists() and self.okrs_path.exists()

    def definitions(self) -> Definitions:
        """The metrics and OKRs as far as they are valid, and the items left out (see definitions)."""
        catalog, broken_metrics = load_catalog(self.metrics_path)
        okrs, broken_okrs = load_okr_set(self.okrs_path, catalog, broken_metrics)
        _, broken_initiatives = load_initiatives(self.initiatives_path, okrs)
        _, broken_reviews = load_reviews(self.reviews_path, okrs)
        broken = (*broken_metrics, *broken_okrs, *broken_initiatives, *broken_reviews)
        return Definitions(catalog, okrs, broken)

    def catalog(self) -> MetricCatalog:
        """The valid metrics of metrics.yaml."""
        return load_catalog(self.metrics_path)[0]

    def okrs(self) -> OkrSet:
        """The valid objectives and key results of okrs.yaml, checked against the metrics."""
        return self.definitions().okrs

    def initiatives(self, okrs: OkrSet | None = None) -> InitiativeSet:
        """The valid initiatives of initiatives.yaml, checked against okrs (else the file's)."""
        return load_initiatives(self.initiatives_path, okrs or self.okrs())[0]

    def reviews(self, okrs: OkrSet | None = None) -> ReviewSet:
        """The review cadence and the valid reflections of reviews.yaml, checked against okrs."""
        return load_reviews(self.reviews_path, okrs or self.okrs())[0]

    def init(self, *, force: bool = False, example: bool = False) -> list[Path]:
        """Scaffold definition files, documented but empty (or the worked example); never over
        existing ones unless force."""
        self.home.mkdir(parents=True, exist_ok=True)
        templates = TEMPLATES / ("example" if example else "")
        # The optional files (initiatives.yaml) are written when the templates hold one.
        targets = [self.home / n for n in DEFINITION_FILES if (templates / n).exists()]
        for target in targets:  # all checked first: a refusal writes nothing
            if target.exists() and not force:
                raise OkrlensError(
                    f"{target.name} already exists",
                    where=str(target),
                    fix="edit it, or pass --force to replace it",
                )
        for target in targets:
            shutil.copyfile(templates / target.name, target)
        return targets


def remove_tree(folder: Path) -> None:
    """Delete folder and what it holds, if it exists (a build or restore left it behind)."""
    if folder.exists():
        shutil.rmtree(folder)
