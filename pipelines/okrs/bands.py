"""Attainment band presets, declared as data, and the band a progress value falls in."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

# Okabe–Ito vermillion, orange, sky blue and blue: distinguishable with every common
# colour-vision deficiency, and missed never sits next to exceeded in hue.
PALETTE = ("#D55E00", "#E69F00", "#56B4E9", "#0072B2")


@dataclass(frozen=True)
class BandPreset:
    """Cut points on the progress scale (1.0 = target reached) and the label of each band.

    ``cut_in_lower[i]`` says which side cut ``i`` falls on: True puts a value equal to the cut
    in the band below it, False in the band above it.
    """

    name: str
    title: str
    cuts: tuple[float, ...]
    labels: tuple[str, ...]
    cut_in_lower: tuple[bool, ...]
    source: str

    @property
    def colors(self) -> dict[str, str]:
        """Band label → colour, worst band first: the same on every page, chart and export."""
        picks = (PALETTE[0], PALETTE[1], PALETTE[3]) if len(self.labels) == 3 else PALETTE
        return dict(zip(self.labels, picks, strict=True))

    def levels(self, progress: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """The index into labels of the band each progress value falls in (NaN: the lowest).

        A value moves one band up per cut it passes; a cut itself counts as passed unless it
        belongs to the band below (``cut_in_lower``). The cuts ascend, so this is the band
        whose interval holds the value.

        Example:
            >>> PRESETS["default"].levels([0.59, 0.6, 0.8, 0.8001]).tolist()
            [0, 1, 1, 2]
        """
        values = np.asarray(progress, dtype=float)
        level = np.zeros(values.shape, dtype=np.int64)
        for cut, in_lower in zip(self.cuts, self.cut_in_lower, strict=True):
            level += (values > cut) if in_lower else (values >= cut)
        return level

    def band(self, progress: float | None) -> str | None:
        """The label of the band progress falls in (see `levels`); None without progress yet.

        Example:
            >>> PRESETS["default"].band(0.6), PRESETS["default"].band(0.8001)
            ('met', 'exceeded')
        """
        if progress is None or math.isnan(progress):
            return None
        return self.labels[int(self.levels(progress))]


PRESETS: dict[str, BandPreset] = {
    p.name: p
    for p in (
        # Intervals closed on the "met" side: p < 0.6 missed, 0.6 <= p <= 0.8 met, p > 0.8 exceeded.
        BandPreset(
            "default",
            "okrlens default (0.6 / 0.8)",
            (0.6, 0.8),
            ("missed", "met", "exceeded"),
            (False, True),
            "60–80 % of a stretch target is success; above 80 % the target was low",
        ),
        # re:Work publishes a sweet spot, not cut-offs: 0.6–0.7 is success, consistent 1.0 sandbagging.
        # https://rework.withgoogle.com/guides/set-goals-with-okrs/steps/grade-OKRs/
        BandPreset(
            "google",
            "Google re:Work (0.6 / 0.7)",
            (0.6, 0.7),
            ("missed", "met", "exceeded"),
            (False, True),
            "sweet spot 0.6–0.7: p < 0.6 missed, 0.6 <= p <= 0.7 met, p > 0.7 exceeded",
        ),
        # Doerr's red 0–0.3, yellow 0.4–0.6, green 0.7–1.0 leaves gaps; half-open intervals close them.
        BandPreset(
            "measure_what_matters",
            "Measure What Matters (0.4 / 0.7)",
            (0.4, 0.7),
            ("missed", "met", "exceeded"),
            (False, False),
            "p < 0.4 missed (red), 0.4 <= p < 0.7 met (yellow), p >= 0.7 exceeded (green)",
        ),
        # Puzzle ITC's okr tool scores against the stretch goal: the KR's target is the stretch.
        BandPreset(
            "puzzle",
            "Puzzle OKR (0.3 / 0.7 / 1.0)",
            (0.3, 0.7, 1.0),
            ("fail", "commit", "target", "stretch"),
            (False, False, False),
            "target = stretch goal; p < 0.3 fail, [0.3, 0.7) commit, [0.7, 1.0) target, >= 1.0 stretch",
        ),
    )
}
