"""Key-result and objective scores: progress, attainment band, expected progress, status, roll-up.

Pure functions: validated okrs.yaml / metrics.yaml models and a tidy metric series in, frames
out. No I/O. The scalar rules (`progress`, `expected_progress`, `status`, `band`, `value_at`)
are public so the dashboard, the CLI and the tests share one definition of each.

Modules, each depending only on those before it: `rules` (the rules on plain values, with
`progress_of`, the one definition of progress, over arrays), `readings` (what a KR reads from
its metric series; the series' columns), `columns` (the score frames' columns and dtypes),
`objectives` (`objective_scores` and the roll-up of KR rows) and `key_results`
(`key_result_scores`). Telescoping (which objectives roll up into which KR) is `OkrSet`'s.
"""

from pipelines.okrs.scoring.columns import KR_COLUMNS, OBJECTIVE_COLUMNS
from pipelines.okrs.scoring.key_results import ROLLUP_TYPE, key_result_scores
from pipelines.okrs.scoring.objectives import (
    ObjectiveSummary,
    objective_scores,
    summarize_objective,
)
from pipelines.okrs.scoring.readings import (
    SERIES_COLUMNS,
    Reading,
    auto_baseline,
    check_series,
    checkin_range,
    effective_type,
    first_value_from,
    graded_at,
    latest_checkin,
    value_at,
)
from pipelines.okrs.scoring.rules import (
    Status,
    band,
    confidence_status,
    expected_progress,
    is_stale,
    objective_progress,
    progress,
    progress_clamped,
    progress_of,
    status,
    worst_status,
)
from pipelines.okrs.spec import TelescopingCycleError

__all__ = [
    "KR_COLUMNS",
    "OBJECTIVE_COLUMNS",
    "ROLLUP_TYPE",
    "SERIES_COLUMNS",
    "ObjectiveSummary",
    "Reading",
    "Status",
    "TelescopingCycleError",
    "auto_baseline",
    "band",
    "check_series",
    "checkin_range",
    "confidence_status",
    "effective_type",
    "expected_progress",
    "first_value_from",
    "graded_at",
    "is_stale",
    "key_result_scores",
    "latest_checkin",
    "objective_progress",
    "objective_scores",
    "progress",
    "progress_clamped",
    "progress_of",
    "status",
    "summarize_objective",
    "value_at",
    "worst_status",
]
