"""KR007 and KR013 on a labelled set of sound and flawed key results: precision and recall.

Every case is a key result on a catalog metric with two years of synthetic weekly data
(seeded, so the figures are fixed), labelled by hand: flawed when the rule should flag it.
The sound cases are the ones a rule that looks at the rise alone, or assumes every metric is a
random walk, gets wrong: MRR and NPS that rose every week, and a net revenue retention KR of
+1.2 points over a quarter around a noise of s.d. 0.3 points.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pytest

from pipelines.insight.lint import RULES, lint
from pipelines.metrics.spec import MetricCatalog
from pipelines.okrs.spec import OkrSet
from tests.pipelines.test_lint import AS_OF, PERIODS, WEEKS, weekly

JUDGED = ("KR007", "KR013")


def kpi(name: str, label: str, aggregation: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "label": label, "kind": "lagging", "source": "kpis",
            "aggregation": aggregation, **fields}  # fmt: skip


CATALOG = MetricCatalog.model_validate(
    {
        "metrics": [
            kpi("total_accounts", "Total accounts", "last", unit="accounts"),
            kpi("signups_to_date", "Sign-ups to date", "last", unit="users"),
            kpi("app_downloads", "App downloads", "max",
                description="Cumulative app downloads since launch."),
            {"name": "weekly_logins", "label": "Weekly logins", "kind": "leading",
             "source": "events", "aggregation": "count", "filter": "event_name = 'login'"},
            kpi("mrr", "MRR", "last", unit="USD"),
            kpi("total_mrr", "Total MRR", "last", unit="USD"),
            kpi("nps", "NPS", "last"),
            kpi("trial_conversion", "Trial conversion", "avg", unit="%"),
            kpi("weekly_revenue", "Total revenue", "sum", unit="USD",
                description="Total revenue booked in the week."),
            {"name": "wau", "label": "Weekly active users", "kind": "leading",
             "source": "events", "aggregation": "count_distinct", "column": "user_id"},
            kpi("nrr", "Net revenue retention", "last", unit="%"),
            kpi("csat", "CSAT", "avg", unit="%"),
            kpi("trials", "Trials started", "sum"),
        ]
    }
)  # fmt: skip


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def rising(start: float, low: float, high: float, seed: int) -> np.ndarray:
    """A series that rises every week, by a step drawn between low and high."""
    return start + np.cumsum(rng(seed).uniform(low, high, WEEKS))


def around(level: float, slope: float, sd: float, seed: int) -> np.ndarray:
    """A linear trend with independent normal noise of s.d. sd each week."""
    return level + slope * np.arange(WEEKS) + rng(seed).normal(0, sd, WEEKS)


VALUES: dict[str, np.ndarray] = {
    "total_accounts": rising(1000, 0, 12, seed=1),
    "signups_to_date": rising(200, 5, 25, seed=2),
    "app_downloads": rising(5000, 10, 90, seed=3),
    "weekly_logins": around(3000, 10, 150, seed=4),
    # A random walk with drift that rose every week: weekly change 600 ± 250, its noise.
    "mrr": 40_000 + np.cumsum(np.abs(rng(5).normal(600, 250, WEEKS))),
    "total_mrr": rising(80_000, 200, 900, seed=6),
    "nps": rising(30, 0.05, 0.45, seed=7),
    "trial_conversion": rising(0.10, 0.0002, 0.001, seed=8),
    "weekly_revenue": rising(20_000, 50, 300, seed=9),
    "wau": rising(800, 1, 9, seed=10),
    # Net revenue retention: 104 % rising 0.05 points a week, noise s.d. 0.3 points.
    "nrr": around(1.04, 0.0005, 0.003, seed=11),
    "csat": around(0.85, 0, 0.02, seed=12),
    "trials": around(200, 0, 15, seed=13),
}


def weekly_values(name: str, values: np.ndarray) -> pd.DataFrame:
    """The metric's weekly rows, week i valued values[i]."""
    return weekly(name, lambda i: float(values[i]))


SERIES = pd.concat([weekly_values(n, v) for n, v in VALUES.items()], ignore_index=True)


class Case(NamedTuple):
    """A key result, the rule it is labelled for, and whether that rule should flag it."""

    kr: dict[str, Any]
    code: str
    flawed: bool


def case(name: str, code: str, flawed: bool, metric: str, baseline: float, target: float) -> Any:
    kr = {"id": name.replace(" ", "-"), "title": name, "metric": metric,
          "baseline": baseline, "target": target}  # fmt: skip
    return pytest.param(
        Case(kr, code, flawed), id=f"{code} {'flags' if flawed else 'passes'} {name}"
    )


CASES = [
    case("a KR on total accounts", "KR007", True, "total_accounts", 1410, 1600),
    case("a KR on sign-ups to date", "KR007", True, "signups_to_date", 1170, 1400),
    case("a KR on downloads described as cumulative", "KR007", True, "app_downloads", 8300, 9500),
    case("a KR on weekly logins", "KR007", True, "weekly_logins", 3600, 4000),
    case("MRR that rose every week", "KR007", False, "mrr", 76_000, 86_000),
    case("a total MRR, a revenue level", "KR007", False, "total_mrr", 116_000, 125_000),
    case("NPS that rose every week", "KR007", False, "nps", 46, 50),
    case("a conversion rate that rose every week", "KR007", False, "trial_conversion", 0.14, 0.16),
    case("total revenue booked per week", "KR007", False, "weekly_revenue", 32_000, 34_000),
    case("weekly active users that rose every week", "KR007", False, "wau", 1130, 1250),
    case("net revenue retention +1.2 pts around noise of 0.3", "KR013", False, "nrr", 1.073, 1.085),
    case("net revenue retention +0.3 pts around noise of 0.3", "KR013", True, "nrr", 1.073, 1.076),
    case("CSAT +6 pts around noise of 2", "KR013", False, "csat", 0.82, 0.88),
    case("CSAT +1.5 pts around noise of 2", "KR013", True, "csat", 0.82, 0.835),
    case("trials +50 a week around noise of 15", "KR013", False, "trials", 200, 250),
    case("trials +10 a week around noise of 15", "KR013", True, "trials", 200, 210),
    case("MRR +3,000 over a 13-week wander of about 900", "KR013", False, "mrr", 76_000, 79_000),
    case("MRR +400 within a 13-week wander of about 900", "KR013", True, "mrr", 76_000, 76_400),
]


@pytest.fixture(scope="module")
def flagged() -> set[tuple[str, str]]:
    """(KR id, code) of every KR007 and KR013 finding on the labelled set."""
    okrs = OkrSet.model_validate(
        {
            "periods": PERIODS,
            "objectives": [
                {"id": "o", "title": "Labelled", "team": "t", "period": "2025Q2",
                 "key_results": [p.values[0].kr for p in CASES]}
            ],
        }
    )  # fmt: skip
    rules = tuple(r for r in RULES if r.code in JUDGED)
    found = lint(okrs, CATALOG, SERIES, AS_OF, rules=rules)
    return set(zip(found["kr_id"], found["code"], strict=True))


@pytest.mark.parametrize("labelled", CASES)
def test_the_rule_flags_exactly_the_flawed_key_results(
    labelled: Case, flagged: set[tuple[str, str]]
) -> None:
    assert ((labelled.kr["id"], labelled.code) in flagged) == labelled.flawed


def precision_and_recall(code: str, flagged: set[tuple[str, str]]) -> tuple[float, float]:
    """The rule's precision and recall over the labelled cases of code."""
    cases: list[Case] = [p.values[0] for p in CASES if p.values[0].code == code]
    said = [(c.kr["id"], code) in flagged for c in cases]
    true_positives = sum(s and c.flawed for s, c in zip(said, cases, strict=True))
    return true_positives / sum(said), true_positives / sum(c.flawed for c in cases)


@pytest.mark.parametrize("code", JUDGED)
def test_precision_and_recall_are_one_on_the_labelled_set(
    code: str, flagged: set[tuple[str, str]]
) -> None:
    precision, recall = precision_and_recall(code, flagged)
    print(f"{code}: precision {precision:.2f}, recall {recall:.2f}")
    assert (precision, recall) == (1.0, 1.0)


def test_the_labelled_set_has_sound_and_flawed_cases_of_each_rule() -> None:
    labels = pd.Series([(p.values[0].code, p.values[0].flawed) for p in CASES]).value_counts()
    assert len(CASES) >= 12
    assert all(labels.get((code, flawed), 0) >= 3 for code in JUDGED for flawed in (True, False))
