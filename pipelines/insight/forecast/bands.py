"""The chance of each band at period end: the shares of the end-value draws scored into it."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np

from pipelines.insight.forecast.models import Floats
from pipelines.okrs.bands import PRESETS
from pipelines.okrs.scoring import progress_of


def band_probabilities(
    end_draws: Floats,
    baseline: float | None,
    target: float | None,
    kr_type: str,
    preset: str = "default",
) -> dict[str, float]:
    """Share of the end-value draws landing in each band of the preset, labels in order.

    Each finite draw is scored by scoring's own rules: its progress by `progress_of`, its band
    by `BandPreset.levels`. The shares sum to 1. All NaN when progress is undefined (no
    target, no baseline, t == b) or there are no finite draws.

    Example:
        >>> band_probabilities(np.array([0.0, 0.7, 1.0, 2.0]), 0.0, 1.0, "increase")
        {'missed': 0.25, 'met': 0.25, 'exceeded': 0.5}
    """
    bands = PRESETS[preset]
    values = np.asarray(end_draws, dtype=float)
    p = progress_of(values[np.isfinite(values)], baseline, target, kr_type)
    if p is None or p.size == 0:
        return {label: math.nan for label in bands.labels}
    counts = np.bincount(bands.levels(p), minlength=len(bands.labels))
    return {label: float(c) / p.size for label, c in zip(bands.labels, counts, strict=True)}


def likeliest_band(forecast: Mapping[Hashable, Any] | None) -> tuple[str, float] | None:
    """The band a forecast row (its p_<band> chances) most likely ends in, and that chance."""
    chances = {str(k)[2:]: v for k, v in (forecast or {}).items() if str(k).startswith("p_")}
    usable = {k: float(v) for k, v in chances.items() if isinstance(v, float) and not math.isnan(v)}
    if not usable:
        return None
    band = max(usable, key=usable.__getitem__)
    return band, usable[band]
