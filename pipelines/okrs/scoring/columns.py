"""The columns of the score frames, and the frame builder that gives each its dtype."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

KR_COLUMNS: tuple[str, ...] = (
    "objective_id", "objective", "team", "period", "kr_id", "key_result", "metric", "kind",
    "unit", "type", "weight", "baseline", "target", "current", "current_period", "progress",
    "progress_clamped", "band", "expected_progress", "status", "confidence", "as_of",
    "data_as_of", "data_through", "stale", "rolled_up_from", "final",
)  # fmt: skip
# data_as_of: the start of the period the current value describes (staleness is counted from it);
# data_through: the last day the data behind the key result covers (pipelines.coverage).
# final: the key result's window (its period, or its deadline) is over at as_of, so its band is
# its grade; before that the band is progress so far, never a verdict.
OBJECTIVE_COLUMNS: tuple[str, ...] = (
    "objective_id", "objective", "team", "period", "parent_kr", "commitment", "progress",
    "band", "status", "n_key_results", "n_scored", "as_of",
)  # fmt: skip
FLOAT_COLUMNS = frozenset(
    {"weight", "baseline", "target", "current", "progress", "progress_clamped"}
    | {"expected_progress", "confidence"}
)
OTHER_DTYPES = {"stale": "bool", "final": "bool", "n_key_results": "int64", "n_scored": "int64"}


def score_frame(records: list[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """A frame with float64 columns (NaN when absent) and object columns (None when absent)."""

    def dtype(c: str) -> str:
        """The dtype of column c."""
        return "float64" if c in FLOAT_COLUMNS else OTHER_DTYPES.get(c, "object")

    return pd.DataFrame(
        {c: pd.Series([r[c] for r in records], dtype=dtype(c)) for c in columns},
        columns=list(columns),
    )
