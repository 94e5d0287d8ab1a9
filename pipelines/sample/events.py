"""The event log export: the simulated weeks written as one CSV, gzip-compressed reproducibly."""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.csv as pacsv  # type: ignore[import-untyped]

from pipelines.sample.activity import EVENT_NAMES, PLATFORMS, WORKFLOW, Batch, event_weeks
from pipelines.sample.arrays import FloatArray, IntArray
from pipelines.sample.population import PLANS, Population, population
from pipelines.sample.weeks import DEFAULT_SEED, EPOCH, latent

EVENT_COLUMNS = ("event_time", "user_id", "account_id", "event_name", "platform", "plan")
# Events the default scenario writes (measured); n_events scales users and institutions by it.
BASE_EVENTS = 205_000


@dataclass(frozen=True)
class WeekStats:
    """What the written events say per calendar week: active users and workflows completed."""

    events: IntArray
    active_users: IntArray
    workflows: IntArray

    @property
    def workflows_per_user(self) -> FloatArray:
        """Workflows completed per weekly active user."""
        return self.workflows / np.maximum(self.active_users, 1)


def _names(prefix: str, n: int) -> pa.Array:
    """Identifiers like u00042, zero-padded to a common width."""
    width = max(5 if prefix == "u" else 3, len(str(n - 1)))
    return pa.array([f"{prefix}{i:0{width}d}" for i in range(n)])


def _table(batch: Batch, pop: Population, users: pa.Array, accounts: pa.Array) -> pa.Table:
    """The batch as an Arrow table of the export's columns (strings dictionary-encoded)."""
    account = pop.account[batch.user]

    def encoded(index: npt.NDArray[np.integer], values: pa.Array) -> pa.DictionaryArray:
        return pa.DictionaryArray.from_arrays(pa.array(index), values)

    return pa.table(
        [
            pa.array(batch.time + EPOCH, type=pa.timestamp("s")),
            encoded(batch.user, users),
            encoded(account, accounts),
            encoded(batch.code, pa.array(EVENT_NAMES)),
            encoded(batch.platform, pa.array(PLATFORMS)),
            encoded(pop.plan[account], pa.array(PLANS)),
        ],
        names=list(EVENT_COLUMNS),
    )


@contextmanager
def _open_out(path: Path) -> Iterator[io.BufferedIOBase]:
    """A binary file to write; gzip (mtime 0, so bytes are reproducible) if path ends in .gz."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as raw:
        if path.suffix != ".gz":
            yield raw
            return
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz:
            yield gz


def write_event_log(path: Path, scale: float, seed: int) -> WeekStats:
    """Write the events CSV and return per-week active users and workflows, as written."""
    lat = latent(seed)
    pop = population(scale, lat, seed)
    users, accounts = _names("u", pop.signup.size), _names("inst", pop.plan.size)
    # Arrow quotes the header; write it by hand and let Arrow write unquoted rows.
    options = pacsv.WriteOptions(include_header=False, quoting_style="none")
    events, active_users, workflows = [], [], []
    with _open_out(path) as out:
        out.write((",".join(EVENT_COLUMNS) + "\n").encode())
        for batch in event_weeks(pop, lat, seed):
            sink = pa.BufferOutputStream()
            pacsv.write_csv(_table(batch, pop, users, accounts), sink, options)
            out.write(sink.getvalue())
            events.append(len(batch))
            active_users.append(np.unique(batch.user).size)
            workflows.append(int((batch.code == WORKFLOW).sum()))
    return WeekStats(*(np.array(x, np.int64) for x in (events, active_users, workflows)))


def write_events(path: Path, n_events: int | None = None, seed: int = DEFAULT_SEED) -> int:
    """Write product events as CSV (gzip if path ends with .gz) and return the row count.

    n_events scales the scenario (e.g. 10_000_000 for benchmarks) by adding users, institutions
    and activity; the date range and the planted relationships stay the same. The count is
    approximate: the scenario is simulated, not truncated.
    """
    scale = 1.0 if n_events is None else n_events / BASE_EVENTS
    return int(write_event_log(Path(path), scale, seed).events.sum())
