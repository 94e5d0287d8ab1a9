"""The chance of each band at period end: the shares of the end-value draws scored into it."""

from __future__ import annotations

import math

import numpy as np

from pipelines.insight.forecast.models import Floats
from pipelines.okrs.bands import PRESETS


def draw_progress(
    end_draws: Floats, baseline: float | None, target: float | None, kr_type: str
) -> Floats | None:
    """Raw progress of each draw (scoring's `progress`, vectorised); None when undefined."""
    values = np.asarray(end_draws, dtype=float)
    if target is None or math.isnan(target):
        return None
    if kr_type == "stay_above":
        return (values >= target).astype(float)
    if kr_type == "stay_below":
        return (values <= target).astype(float)
    if baseline is None or math.isnan(baseline) or baseline == target:
        return None
    with np.errstate(over="ignore", divide="ignore"):
        # A target a hair from the baseline scores ±inf, as the scalar rule does.
        return (values - baseline) / (target - baseline)


def band_probabilities(
    end_draws: Floats,
    baseline: float | None,
    target: float | None,
    kr_type: str,
    preset: str = "default",
) -> dict[str, float]:
    """Share of the end-value draws landing in each band of the preset, labels in order.

    Progress is scored as in `pipelines.okrs.scoring.progress`: ``(v − b) / (t − b)`` for
    increase and decrease alike; stay_above / stay_below score 1.0 when held, else 0.0. The
    shares sum to 1. All NaN when progress is undefined (no target, no baseline, t == b) or
    there are no finite draws.

    Example:
        >>> band_probabilities(np.array([0.0, 0.7, 1.0, 2.0]), 0.0, 1.0, "increase")
        {'missed': 0.25, 'met': 0.25, 'exceeded': 0.5}
    """
    bands = PRESETS[preset]
    values = np.asarray(end_draws, dtype=float)
    p = draw_progress(values[np.isfinite(values)], baseline, target, kr_type)
    if p is None or p.size == 0:
        return {label: math.nan for label in bands.labels}
    # A value moves one band up per cut it passes; a cut itself counts as passed unless it
    # belongs to the band below (BandPreset.cut_in_lower), exactly as BandPreset.band reads.
    level = np.zeros(p.size, dtype=int)
    for cut, in_lower in zip(bands.cuts, bands.cut_in_lower, strict=True):
        level += (p > cut) if in_lower else (p >= cut)
    counts = np.bincount(level, minlength=len(bands.labels))
    return {label: float(c) / p.size for label, c in zip(bands.labels, counts, strict=True)}
