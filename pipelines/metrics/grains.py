"""Every fact about a grain (day, week, month, quarter) in one registry, for every module that asks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class GrainFacts:
    """What one grain means to SQL, to pandas, to models and to people."""

    step: tuple[int, str]  # one period as a count of a SQL date unit: (3, "MONTH") for quarters
    days: int  # its longest length in days: staleness and window arithmetic round up with it
    starts: str  # pandas frequency of consecutive period starts (a regular grid)
    numbered: str  # pandas period frequency whose ordinals number consecutive periods
    season: int  # periods in the cycle seasonal models repeat (a year; a week for days)
    singular: str
    plural: str

    def count(self, n: int) -> str:
        """n periods in words: "1 week", "3 weeks"."""
        return f"{n} {self.singular if n == 1 else self.plural}"

    def called(self, start: dt.date) -> str:
        """The period starting at start as people name it: "the week of 16 Nov", "Oct 2026"."""
        if self.singular == "quarter":
            return f"Q{(start.month - 1) // 3 + 1} {start.year}"
        if self.singular == "month":
            return f"{start:%b %Y}"
        day = f"{start.day} {start:%b}"
        return f"the week of {day}" if self.singular == "week" else day


# Keyed by the Grain names (metrics.spec.Grain) and nothing else.
GRAINS: dict[str, GrainFacts] = {
    "day": GrainFacts((1, "DAY"), 1, "D", "D", 7, "day", "days"),
    "week": GrainFacts((1, "WEEK"), 7, "7D", "W", 52, "week", "weeks"),
    "month": GrainFacts((1, "MONTH"), 31, "MS", "M", 12, "month", "months"),
    "quarter": GrainFacts((3, "MONTH"), 92, "QS", "Q", 4, "quarter", "quarters"),
}
