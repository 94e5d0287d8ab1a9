"""A workspace: the folder holding metrics.yaml, okrs.yaml and the store (store.duckdb)."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines import db
from pipelines.errors import OkrlensError
from pipelines.metrics.spec import MetricCatalog, load_metrics
from pipelines.okrs.spec import OkrSet, load_okrs

DEFAULT_HOME = Path("okrlens-data")
TEMPLATES = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class Workspace:
    """Paths of one workspace, and its definitions loaded and cross-checked."""

    home: Path
    # A process that also writes (the dashboard) must open reads read-write too: DuckDB refuses
    # a read-only and a read-write connection to one file in the same process.
    writer: bool = False

    @classmethod
    def resolve(cls, home: Path | None = None, *, writer: bool = False) -> Workspace:
        """The workspace at home, else at $OKRLENS_HOME, else at ./okrlens-data."""
        chosen = home or Path(os.environ.get("OKRLENS_HOME") or DEFAULT_HOME)
        return cls(chosen.expanduser().resolve(), writer=writer)

    @property
    def metrics_path(self) -> Path:
        """Where the metric definitions live."""
        return self.home / "metrics.yaml"

    @property
    def okrs_path(self) -> Path:
        """Where the objectives and key results live."""
        return self.home / "okrs.yaml"

    @property
    def store_path(self) -> Path:
        """Where the DuckDB store lives."""
        return self.home / "store.duckdb"

    @property
    def version_path(self) -> Path:
        """A marker rewritten after every write to the store."""
        return self.home / "store.version"

    def data_version(self) -> str:
        """A token that changes whenever the definitions or the stored data change.

        Not the store's own modification time: DuckDB touches the file when a connection
        closes, so reading would look like a change.
        """
        paths = (self.metrics_path, self.okrs_path)
        stamps = [str(p.stat().st_mtime_ns) if p.exists() else "-" for p in paths]
        written = self.version_path.read_text() if self.version_path.exists() else "-"
        return "|".join([*stamps, written])

    @contextmanager
    def writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection; the data version moves on when it closes."""
        con = self.connect()
        try:
            yield con
        finally:
            con.close()
            self.version_path.write_text(str(time.time_ns()))

    def exists(self) -> bool:
        """True when the workspace has both definition files."""
        return self.metrics_path.exists() and self.okrs_path.exists()

    def connect(self, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """A connection to the store (created on first use unless read_only)."""
        if not self.home.is_dir():
            raise OkrlensError(
                f"no workspace at {self.home}",
                where=str(self.home),
                fix="run `okrlens init` (empty workspace) or `okrlens demo` (sample data), "
                "or point --home / OKRLENS_HOME at an existing one",
            )
        if read_only and not self.store_path.exists():
            # A read-only open cannot create the file; an empty store answers the same questions.
            return db.connect(":memory:")
        return db.connect(self.store_path, read_only=read_only and not self.writer)

    def catalog(self) -> MetricCatalog:
        """The metric catalog of metrics.yaml."""
        return load_metrics(self.metrics_path)

    def okrs(self) -> OkrSet:
        """The OKR set of okrs.yaml, checked against the metric catalog."""
        okrs = load_okrs(self.okrs_path)
        check_metric_references(okrs, self.catalog(), self.okrs_path)
        return okrs

    def init(self, *, force: bool = False) -> list[Path]:
        """Scaffold commented example definitions; refuses to overwrite unless force."""
        self.home.mkdir(parents=True, exist_ok=True)
        written = []
        for target in (self.metrics_path, self.okrs_path):
            if target.exists() and not force:
                raise OkrlensError(
                    f"{target.name} already exists",
                    where=str(target),
                    fix="edit it, or pass --force to replace it with the example",
                )
            shutil.copyfile(TEMPLATES / target.name, target)
            written.append(target)
        return written


def check_metric_references(okrs: OkrSet, catalog: MetricCatalog, where: Path) -> None:
    """OkrlensError when a key result names a metric (or counter-metric) the catalog lacks."""
    names = {m.name for m in catalog.metrics}
    for objective in okrs.objectives:
        for kr in objective.key_results:
            for field, metric in (("metric", kr.metric), ("counter_metric", kr.counter_metric)):
                if metric is not None and metric not in names:
                    raise OkrlensError(
                        f"key result {kr.id} uses {field} {metric!r}, which metrics.yaml does not define",
                        where=str(where),
                        fix=f"define it in metrics.yaml or use one of: {', '.join(sorted(names))}",
                    )
