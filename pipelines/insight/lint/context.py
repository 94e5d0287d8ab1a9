"""What lint's rules read: the OKR set and catalog, with every key result prepared once.

`lint_context` resolves each key result the way scoring does (its period, metric, baseline
for ``baseline: auto``, type and target) and reads its metric's history: the complete,
non-missing periods known at the KR's grading date (`graded_at`: as_of, or the period's end
once it is over), by `known_rows` with ``live_snapshots=False``, so a running period's snapshot
never counts as history. With the store's vocabulary, rules can also see what a metric's filter
names that no stored event has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from pipelines.metrics.readings import known_rows
from pipelines.metrics.spec import Metric, MetricCatalog
from pipelines.metrics.vocabulary import Vocabulary
from pipelines.okrs.scoring import (
    auto_baseline,
    check_series,
    checkin_range,
    effective_type,
    graded_at,
)
from pipelines.okrs.spec import KeyResult, Objective, OkrSet, Period

# The KR types whose progress runs from a baseline to a target.
INTERPOLATED = ("increase", "decrease")
# Fewer points than this say nothing about a trend or a spread.
MIN_POINTS = 8


@dataclass(frozen=True)
class KrView:
    """A key result with everything the rules read: its period, metric, data and baseline."""

    objective: Objective
    kr: KeyResult
    period: Period | None
    metric: Metric | None
    # Every row of the metric's series, and its complete periods over by the grading date.
    rows: pd.DataFrame
    history: pd.DataFrame
    baseline: float | None
    target: float | None
    kr_type: str
    rolled_up: bool

    @property
    def label(self) -> str:
        """The metric's display label, or the KR id when it has no metric."""
        return self.metric.display_label if self.metric is not None else self.kr.id

    @property
    def unit(self) -> str:
        """The metric's unit, '' without a metric."""
        return self.metric.unit if self.metric is not None else ""


@dataclass(frozen=True)
class LintContext:
    """The OKR set, catalog and data a rule reads, with every key result prepared once."""

    okrs: OkrSet
    catalog: MetricCatalog
    as_of: date
    krs: tuple[KrView, ...]
    # Metric histories known at as_of, by metric name, for catalog-wide questions.
    histories: dict[str, pd.DataFrame] = field(default_factory=dict)
    # What the stored events are called and carry; None when lint was not given it.
    vocabulary: Vocabulary | None = None

    def period_of(self, o: Objective) -> Period | None:
        """The objective's period, None when it names no known period."""
        return next((p for p in self.okrs.periods if p.name == o.period), None)

    def metric(self, name: str | None) -> Metric | None:
        """The catalog metric called name, None when absent or unknown."""
        return next((m for m in self.catalog.metrics if m.name == name), None)


def kr_view(
    o: Objective,
    kr: KeyResult,
    period: Period | None,
    metric: Metric | None,
    rows: pd.DataFrame,
    as_of: date,
    rolled_up: bool,
) -> KrView:
    """The key result prepared for the rules: resolved baseline, type, target and history.

    The view's period is the key result's window (up to its deadline), so every rule reads
    the key result over the days it is scored on, as scoring does.
    """
    period = None if period is None else kr.window(period)
    baseline: float | None
    if kr.metric is None:
        baseline, target = checkin_range(kr)
    else:
        baseline = kr.baseline if isinstance(kr.baseline, float) else None
        target = kr.target
    history = rows.iloc[0:0]
    if metric is not None and period is not None:
        at = graded_at(period, as_of)
        history = known_rows(rows, at, live_snapshots=False)
        if kr.baseline == "auto":
            # The same rule scoring uses, so lint and the dashboard agree on the baseline.
            baseline = auto_baseline(rows, period, at, metric.aggregation)
    kr_type = effective_type(kr, baseline) if metric is not None else kr.kr_type
    return KrView(
        objective=o,
        kr=kr,
        period=period,
        metric=metric,
        rows=rows,
        history=history,
        baseline=baseline,
        target=target,
        kr_type=kr_type,
        rolled_up=rolled_up,
    )


def lint_context(
    okrs: OkrSet,
    catalog: MetricCatalog,
    series: pd.DataFrame,
    as_of: date,
    vocabulary: Vocabulary | None = None,
) -> LintContext:
    """Every key result of okrs prepared once, with the metric histories known at as_of."""
    check_series(series, "lint(series=...)")
    by_metric = {str(name): rows for name, rows in series.groupby("metric", sort=False)}
    no_rows = series.iloc[0:0]
    bare = LintContext(okrs, catalog, as_of, ())
    views = tuple(
        kr_view(
            o,
            kr,
            bare.period_of(o),
            bare.metric(kr.metric),
            by_metric.get(str(kr.series_key), no_rows),
            as_of,
            okrs.is_rolled_up(kr),
        )
        for o in okrs.objectives
        for kr in o.key_results
    )
    histories = {
        m.name: known_rows(by_metric.get(m.name, no_rows), as_of, live_snapshots=False)
        for m in catalog.metrics
    }
    return LintContext(okrs, catalog, as_of, views, histories, vocabulary)
