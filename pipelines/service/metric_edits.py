"""Changes to metrics.yaml a person makes in the browser: a live preview, the save, the removal.

A draft is checked against the store as well as the file (`metric_choices.store_warnings`, and
`vocabulary.unseen_names` for the values its filter compares properties with). The
save runs the same checks as the preview (including computing the series, so a metric that
cannot be computed never reaches the file that every page computes), then
`pipelines.metrics.edit` writes it. A filter on a value no stored event holds counts 0 every
period without a word, so saving one is refused naming the stored values, unless the person says
those values will arrive in a later export (a plan not sold yet): lint then flags each key result
on it until they do. Each change is refused unless the actor may define metrics,
and audited; a removal is refused while anything uses the metric, and needs a confirmation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from pipelines import audit, db
from pipelines.access import Action, Actor
from pipelines.errors import OkrlensError
from pipelines.metrics import edit
from pipelines.metrics.compile import event_aggregate
from pipelines.metrics.describe import in_words
from pipelines.metrics.series import metric_series
from pipelines.metrics.spec import Metric, MetricCatalog
from pipelines.metrics.sqltree import named, render, select, table
from pipelines.metrics.vocabulary import store_vocabulary, unseen_names
from pipelines.service.edits import allow
from pipelines.service.metric_choices import choices_on, store_warnings
from pipelines.service.okr_edits import NeedsConfirmation
from pipelines.workspace import Workspace

# A preview shows about half a year of weeks: enough to see a trend, small enough to read.
PREVIEW_PERIODS = 26


def _events_read(con: duckdb.DuckDBPyConnection, metric: Metric) -> tuple[int, bool]:
    """(how many stored events metric's filter keeps, whether its column is a number in any)."""
    counted = metric.model_copy(update={"aggregation": "count", "column": None})
    # max over the column as a number is NULL exactly when no kept event holds a number in it.
    largest = metric.model_copy(update={"aggregation": "max"})
    aggregates = [named(event_aggregate(counted), "matched")]
    if metric.column and metric.aggregation not in ("count", "count_distinct"):
        aggregates.append(named(event_aggregate(largest), "largest"))
    row = db.query(con, render(select(aggregates, table("events")))).iloc[0]
    return int(row["matched"]), "largest" not in row or bool(pd.notna(row["largest"]))


@dataclass(frozen=True)
class MetricPreview:
    """A draft metric as it would be saved: its series, its definition in words, what to mind."""

    metric: Metric
    words: str
    series: pd.DataFrame  # metric, period_start, period_end, value, complete: the last periods
    warnings: tuple[str, ...]
    # What its filter or column names that no stored event has: saving it needs allow_unseen.
    unseen: tuple[str, ...] = ()

    @property
    def latest(self) -> tuple[pd.Timestamp, float] | None:
        """(start, value) of the last complete period with a value, or None."""
        done = self.series[self.series["complete"] & self.series["value"].notna()]
        if done.empty:
            return None
        return pd.Timestamp(done["period_start"].iloc[-1]), float(done["value"].iloc[-1])


def _checked_draft(
    workspace: Workspace, fields: edit.Fields, replacing: str | None
) -> MetricPreview:
    """The preview of a draft; OkrlensError when it cannot be saved as it is."""
    with workspace.reading() as con:
        choices = choices_on(con)
        warnings = store_warnings(con, fields, choices)
        catalog = edit.draft_catalog(workspace, fields, replacing)
        metric = catalog.get(str(fields["name"]))
        unseen = unseen_names(metric, store_vocabulary(con))
        try:
            series = metric_series(con, catalog, [metric.name])
            matched, numeric = (
                _events_read(con, metric) if metric.source == "events" else (None, True)
            )
        except duckdb.Error as exc:
            raise OkrlensError(
                f"the store cannot compute metric {metric.name}: {str(exc).splitlines()[0]}",
                fix="compare like with like: properties are text, so compare them with quoted "
                "text or cast them, e.g. CAST(properties['seats'] AS INTEGER) > 5",
            ) from None
    if unseen:
        warnings.extend(unseen)  # the reason it matches nothing, more use than that it does
    elif metric.filter and matched == 0 and choices.events:
        warnings.append("This filter matches no events.")
    elif metric.filter and metric.source == "kpis" and series.empty and choices.kpis:
        warnings.append("This filter matches none of the KPI's rows.")
    elif not numeric or (not series.empty and series["value"].isna().all()):
        warnings.append(
            f"No period has a value: {metric.column} holds no numbers to {metric.aggregation}."
        )
    return MetricPreview(
        metric=metric,
        words=in_words(metric, catalog),
        series=series.tail(PREVIEW_PERIODS).reset_index(drop=True),
        warnings=tuple(warnings),
        unseen=tuple(unseen),
    )


def preview(
    workspace: Workspace, draft: Mapping[str, Any] | Metric, *, replacing: str | None = None
) -> MetricPreview:
    """A draft metric's last periods, its definition in words and warnings, checked like a save.

    replacing names the metric the draft would replace (None: a new metric). OkrlensError when
    the draft is not valid as metrics.yaml would read it, or names what the store does not hold.
    """
    return _checked_draft(workspace, edit.metric_fields(draft), replacing)


def save_metric(
    workspace: Workspace,
    actor: Actor,
    draft: Mapping[str, Any] | Metric,
    *,
    replacing: str | None = None,
    allow_unseen: bool = False,
) -> Metric:
    """Add the draft metric (replacing None: its name must be new) or replace one, audited.

    Checked exactly like the preview; a draft naming what no stored event has (its `unseen`)
    is refused unless allow_unseen says it will arrive in a later export. Renaming a metric that key results or other metrics use
    is refused, naming them (okrs.yaml is another file: one save cannot rename in both).
    """
    # Who may is asked first: a refused visitor learns nothing about what the draft lacks.
    asked = draft.name if isinstance(draft, Metric) else str(draft.get("name", ""))
    allow(workspace, actor, Action.DEFINE_METRICS, asked)
    fields = edit.metric_fields(draft)
    name = str(fields.get("name", ""))
    checked = _checked_draft(workspace, fields, replacing)
    if checked.unseen and not allow_unseen:
        raise OkrlensError(
            "; also, ".join(checked.unseen),
            where=f"metric {name}",
            fix="correct the filter with one of the stored names listed; if these values will "
            "arrive in a later export, save anyway",
        )
    action = "define metric" if replacing is None else "edit metric"
    with audit.recording_edit(workspace.home, actor, action, name, [workspace.metrics_path]):
        catalog = edit.save_metric(workspace, fields, replacing)
    return catalog.get(name)


class RemovalNeedsConfirmation(NeedsConfirmation):
    """Removing a metric nothing uses: what goes, for the person to confirm with a second click."""

    def __init__(self, name: str, concerns: list[str]) -> None:
        self.concerns = concerns
        # Not NeedsConfirmation's own message, which speaks of a key result's numbers.
        OkrlensError.__init__(
            self,
            f"removing metric {name} needs your confirmation: " + " ".join(concerns),
            fix="remove it again with confirmation, or keep it",
        )


def remove_metric(
    workspace: Workspace, actor: Actor, name: str, *, confirmed: bool
) -> MetricCatalog:
    """Remove the metric called name from metrics.yaml (with its own comment), audited.

    Refused, naming them, while key results or other metrics use it; unconfirmed, raises
    RemovalNeedsConfirmation saying what goes. Returns the catalog left.
    """
    allow(workspace, actor, Action.DEFINE_METRICS, name)
    edit.removal_catalog(workspace, name)  # the refusal comes before the question
    if not confirmed:
        raise RemovalNeedsConfirmation(
            name,
            [
                f"Remove metric {name} from metrics.yaml? No key result or metric uses it; "
                "its definition goes, and the data it reads stays in the store."
            ],
        )
    with audit.recording_edit(
        workspace.home, actor, "remove metric", name, [workspace.metrics_path]
    ):
        return edit.remove_metric(workspace, name)
