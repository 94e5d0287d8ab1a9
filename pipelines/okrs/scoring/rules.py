"""The scoring rules, each on plain values: progress, band, expected progress, status, staleness.

`progress_of` is the one definition of progress, over an array of values (a forecast's
end-value draws) or a single one; `progress` is its scalar reading for a key result.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Literal

import numpy as np
import numpy.typing as npt

from pipelines.metrics.grains import GRAINS
from pipelines.metrics.spec import Grain
from pipelines.okrs.bands import PRESETS

Status = Literal["on_track", "at_risk", "off_track", "no_data"]

# UpRaise cut points on progress / expected; the ratio makes them scale-free.
# https://amoeboids.atlassian.net/wiki/spaces/USA/pages/1566736458
ON_TRACK_RATIO = 0.95
AT_RISK_RATIO = 0.75
# Early in a cycle expected progress is near 0, so progress / expected swings wildly.
TOO_EARLY = 0.10
# WorkBoard's confidence scale: high >= 70 %, medium 40–70 %.
CONFIDENCE_ON_TRACK = 0.7
CONFIDENCE_AT_RISK = 0.4
# Long enough that a weekly metric is not stale while next week's data is still arriving.
STALE_AFTER_GRAINS = 2
# Worst first: an objective's status is its weakest key result's (Perdoo's rule).
STATUS_ORDER: tuple[Status, ...] = ("off_track", "at_risk", "on_track")


def is_missing(x: float | None) -> bool:
    """True for None or NaN: a value that was not measured."""
    return x is None or math.isnan(x)


def progress_of(
    values: npt.ArrayLike, baseline: float | None, target: float | None, kr_type: str
) -> npt.NDArray[np.float64] | None:
    """Raw progress of each value (1.0 = target reached), unclamped; None when undefined.

    - increase, decrease, milestone: ``(value − baseline) / (target − baseline)``. One
      expression for both directions; the direction only validates the definition.
    - stay_above: 1.0 if ``value >= target`` else 0.0. Inclusive, unlike Quantive's strict
      ``>`` that scores ``value == target`` as 0 %.
    - stay_below: 1.0 if ``value <= target`` else 0.0, inclusive. Both ignore the baseline.

    None when the target is missing, when an interpolated type has no baseline, or when
    target equals baseline (progress is undefined there). A missing (NaN) value scores NaN.

    Example:
        >>> progress_of([63.0, 66.5, 77.0], 63, 70, "increase").tolist()
        [0.0, 0.5, 2.0]
        >>> progress_of([99.4, 99.5, np.nan], None, 99.5, "stay_above").tolist()
        [0.0, 1.0, nan]
    """
    if is_missing(target):
        return None
    assert target is not None
    v = np.asarray(values, dtype=float)
    if kr_type in ("stay_above", "stay_below"):
        held = v >= target if kr_type == "stay_above" else v <= target
        return np.where(np.isnan(v), np.nan, held.astype(float))
    if is_missing(baseline) or baseline == target:
        return None
    assert baseline is not None
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        # A target a hair from the baseline scores ±inf, as IEEE division says.
        return np.asarray((v - baseline) / (target - baseline), dtype=float)


def progress(
    current: float | None, baseline: float | None, target: float | None, kr_type: str
) -> float | None:
    """Raw progress of a key result's current value (`progress_of`); None when undefined.

    None when current is missing too. Never a silent 0.

    Example:
        >>> round(progress(0.003, 0.005, 0.002, "decrease"), 4)
        0.6667
        >>> round(progress(66, 63, 70, "increase"), 4)
        0.4286
        >>> progress(99.5, None, 99.5, "stay_above")
        1.0
    """
    if is_missing(current):
        return None
    assert current is not None
    p = progress_of(current, baseline, target, kr_type)
    return None if p is None else float(p)


def progress_clamped(progress_raw: float | None) -> float | None:
    """Progress limited to [0, 1], so a 300 % KR cannot hide a 0 % one in a roll-up.

    Example:
        >>> progress_clamped(1.25), progress_clamped(-0.4), progress_clamped(0.5)
        (1.0, 0.0, 0.5)
    """
    if is_missing(progress_raw):
        return None
    assert progress_raw is not None
    return min(max(progress_raw, 0.0), 1.0)


def band(progress_raw: float | None, preset: str = "default") -> str | None:
    """The attainment band of the raw progress in the named preset; None without progress.

    Bands classify the raw value: 1.25 is simply "exceeded", a negative value "missed".

    Example:
        >>> band(0.6), band(0.8), band(0.8001), band(1.0, "puzzle")
        ('met', 'met', 'exceeded', 'stretch')
    """
    return PRESETS[preset].band(progress_raw)


def expected_progress(start: date, end: date, as_of: date) -> float:
    """The elapsed fraction of the period [start, end] (end inclusive) at as_of, in [0, 1].

    ``(as_of − start) / (end + 1 day − start)``: 0 on the first day, 1 from the day after the
    last day; linear in between.

    Example:
        >>> expected_progress(date(2025, 1, 1), date(2025, 3, 31), date(2025, 2, 15))
        0.5
    """
    length = (end + timedelta(days=1) - start).days
    return min(max((as_of - start).days / length, 0.0), 1.0)


def confidence_status(confidence: float) -> Status:
    """The status a person's confidence of success stands for: >= 0.7 on track, >= 0.4 at risk."""
    if confidence >= CONFIDENCE_ON_TRACK:
        return "on_track"
    return "at_risk" if confidence >= CONFIDENCE_AT_RISK else "off_track"


def status(
    progress_raw: float | None,
    expected: float,
    kr_type: str,
    *,
    confidence: float | None = None,
    binary_milestone: bool = False,
) -> Status:
    """Whether a key result is on track for this point in its period, given expected progress.

    In order: no progress → no_data. stay_above / stay_below → on_track when satisfied, else
    off_track. Progress >= 1 → on_track. A binary milestone (0 → 1) with a confidence → the
    confidence's status (see `confidence_status`). In the first 10 % of the period (expected
    < 0.10) → on_track if progress >= 0 else at_risk. Otherwise r = progress / expected:
    r >= 0.95 on_track, 0.75 <= r < 0.95 at_risk, r < 0.75 off_track.

    Example:
        >>> status(0.48, 0.5, "increase"), status(0.45, 0.5, "increase")
        ('on_track', 'at_risk')
        >>> status(0.0, 0.5, "milestone", confidence=0.8, binary_milestone=True)
        'on_track'
    """
    if is_missing(progress_raw):
        return "no_data"
    assert progress_raw is not None
    if kr_type in ("stay_above", "stay_below"):
        return "on_track" if progress_raw >= 1 else "off_track"
    if progress_raw >= 1:
        return "on_track"
    if binary_milestone and confidence is not None and not math.isnan(confidence):
        return confidence_status(confidence)
    if expected < TOO_EARLY:
        return "on_track" if progress_raw >= 0 else "at_risk"
    ratio = progress_raw / expected
    if ratio >= ON_TRACK_RATIO:
        return "on_track"
    return "at_risk" if ratio >= AT_RISK_RATIO else "off_track"


def worst_status(statuses: Iterable[str]) -> Status:
    """The weakest status among key results; no_data is ignored unless it is all there is."""
    present = set(statuses)
    return next((s for s in STATUS_ORDER if s in present), "no_data")


def objective_progress(
    progresses: Sequence[float | None], weights: Sequence[float]
) -> float | None:
    """Weighted mean of the scored progress values (unscored ones skipped); None if none scored.

    Example:
        >>> objective_progress([1.0, 0.0, None], [3, 1, 5])
        0.75
    """
    scored = [(p, w) for p, w in zip(progresses, weights, strict=True) if not is_missing(p)]
    total = sum(w for _, w in scored)
    if not scored or total <= 0:
        return None
    return sum(p * w for p, w in scored if p is not None) / total


def is_stale(data_as_of: date | None, as_of: date, grain: Grain) -> bool:
    """True when the newest data is more than two grain-lengths older than as_of.

    Grain lengths: day 1, week 7, month 31, quarter 92 days. No data at all is not stale;
    it is no_data.
    """
    if data_as_of is None:
        return False
    return (as_of - data_as_of).days > STALE_AFTER_GRAINS * GRAINS[grain].days
