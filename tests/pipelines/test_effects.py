"""Did the shipped work move the outcome: planted effects found, absent ones not claimed.

Every case is a synthetic weekly series with a pinned seed: AR(1) noise (φ 0.5, innovations of
sd 2, so about 2.3 around the line) on a trend of +0.2 a week from 100, 30 weeks before the ship
date, then a planted change (or none) after it.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pipelines.insight.effects import EFFECT_COLUMNS, PATH_COLUMNS, effect_path, initiative_effects
from pipelines.metrics.spec import MetricCatalog
from pipelines.okrs.initiatives import InitiativeSet
from pipelines.okrs.spec import OkrSet

SHIP = date(2026, 8, 3)  # a Monday: the week starting then is wholly after shipping
BEFORE = 30
START = SHIP - timedelta(weeks=BEFORE)
NO_LINKS = pd.DataFrame(columns=["leading", "lagging", "best_lag", "correlation", "significant"])
# The planted step: about 3.5 times the noise around the line.
STEP = 8.0
# The rate measurement's seeds: 30 in the suite, more with OKRLENS_EFFECT_SEEDS=200.
SEEDS = int(os.environ.get("OKRLENS_EFFECT_SEEDS", "30"))


def weeks_after(n: int) -> date:
    """The as-of date that leaves n complete weeks after the ship date."""
    return SHIP + timedelta(weeks=n)


def values(seed: int, after: int, step: float = 0.0, slope: float = 0.0) -> np.ndarray:
    """The synthetic series, with step (and slope per week) added from the ship date on."""
    rng = np.random.default_rng(seed)
    n = BEFORE + after
    noise = np.zeros(n)
    for i in range(1, n):
        noise[i] = 0.5 * noise[i - 1] + rng.normal(0, 2)
    weeks_in = np.clip(np.arange(n) - BEFORE + 1, 0, None)
    return 100 + 0.2 * np.arange(n) + noise + step * (weeks_in > 0) + slope * weeks_in


def tidy(metric: str, ys: np.ndarray, start: date = START) -> pd.DataFrame:
    """A weekly tidy series frame, every week complete."""
    starts = pd.date_range(start, periods=len(ys), freq="7D")
    return pd.DataFrame(
        {
            "metric": metric,
            "period_start": starts,
            "period_end": starts + pd.Timedelta(days=7),
            "value": ys,
            "complete": True,
        }
    )


def definitions(
    metrics: list[str], decrease: frozenset[str] = frozenset()
) -> tuple[MetricCatalog, OkrSet, InitiativeSet]:
    """One KR per metric (kr-<metric>, up from 100 unless in decrease) and one initiative
    shipped on SHIP serving it (ship-<metric>, expecting +8 or -8)."""
    catalog = MetricCatalog.model_validate(
        {
            "metrics": [
                {"name": m, "kind": "leading", "source": "events", "aggregation": "count"}
                for m in metrics
            ]
        }
    )
    krs = [
        {"id": f"kr-{m}", "title": f"Move {m}", "metric": m, "baseline": 100.0,
         "target": 50.0 if m in decrease else 150.0}
        for m in metrics
    ]  # fmt: skip
    okrs = OkrSet.model_validate(
        {
            "periods": [{"name": "2026-Q3", "start": "2026-07-01", "end": "2026-09-30"}],
            "objectives": [
                {"id": "o", "title": "Grow", "team": "T", "period": "2026-Q3", "key_results": krs}
            ],
        }
    )
    initiatives = InitiativeSet.model_validate(
        {
            "initiatives": [
                {"id": f"ship-{m}", "title": f"Ship for {m}", "team": "T", "status": "shipped",
                 "ship_date": SHIP,
                 "serves": [{"key_result": f"kr-{m}", "effect": -8 if m in decrease else 8}]}
                for m in metrics
            ]
        }
    )  # fmt: skip
    return catalog, okrs, initiatives


def effects(
    series: dict[str, np.ndarray],
    as_of: date,
    *,
    decrease: frozenset[str] = frozenset(),
    links: pd.DataFrame = NO_LINKS,
    start: date = START,
) -> pd.DataFrame:
    """The effects table of one initiative per metric of series, at as_of."""
    catalog, okrs, initiatives = definitions(list(series), decrease)
    rows = pd.concat([tidy(m, ys, start) for m, ys in series.items()], ignore_index=True)
    return initiative_effects(initiatives, okrs, catalog, rows, links, as_of)


@pytest.mark.parametrize(
    ("change", "decrease", "verdict", "direction"),
    [
        pytest.param({"step": STEP}, False, "above", "better", id="a_step_up_is_better"),
        pytest.param({"step": -STEP}, False, "below", "worse", id="a_step_down_is_worse"),
        pytest.param(
            {"step": -STEP}, True, "below", "better", id="a_fall_is_better_for_a_decrease_kr"
        ),
        pytest.param({"slope": 2.0}, False, "above", "better", id="a_ramp_is_found"),
        pytest.param({}, False, "within", "", id="no_change_is_within"),
    ],
)
def test_a_planted_change_after_the_ship_date_is_judged_in_the_krs_direction(
    change: dict[str, float], decrease: bool, verdict: str, direction: str
) -> None:
    ys = values(seed=3, after=6, **change)
    found = effects({"m": ys}, weeks_after(6), decrease=frozenset({"m"} if decrease else ()))
    row = found.iloc[0]
    assert list(found.columns) == list(EFFECT_COLUMNS)
    assert (row["verdict"], row["direction"]) == (verdict, direction)
    assert (row["role"], row["periods_after"]) == ("served", 6)
    words = f"{direction} than the forecast band" if direction else "no effect visible yet"
    assert words in row["wording"]
    assert row["above"] + row["inside"] + row["below"] == 6
    assert row["effect_lo"] <= row["effect"] <= row["effect_hi"]


def test_the_effect_is_estimated_in_the_metrics_units_with_its_interval() -> None:
    found = effects({"m": values(seed=3, after=6, step=STEP)}, weeks_after(6)).iloc[0]
    # The planted +8, seen through one seed's noise and forecast.
    assert found["effect_lo"] > 0
    assert 5 < found["effect"] < 11
    assert found["expected_effect"] == 8
    assert "the team expected +8." in found["wording"]
    assert "Observational: other changes of the same weeks may explain it." in found["wording"]


@pytest.mark.parametrize(
    ("after", "verdict", "words"),
    [
        pytest.param(0, "too_early", "too early: shipped this week", id="shipped_this_week"),
        pytest.param(2, "too_early", "too early: 2 weeks since shipping", id="two_weeks_in"),
        pytest.param(3, "within", "within the forecast band", id="three_weeks_are_enough"),
    ],
)
def test_too_few_complete_weeks_after_shipping_is_too_early(
    after: int, verdict: str, words: str
) -> None:
    found = effects({"m": values(seed=2, after=after)}, weeks_after(after)).iloc[0]
    assert (found["verdict"], found["periods_after"]) == (verdict, after)
    assert found["wording"].startswith(words)


@pytest.mark.parametrize(
    ("ys", "start", "wording"),
    [
        pytest.param(
            values(seed=3, after=6)[-8:], SHIP - timedelta(weeks=2),
            "no data: too little history before 3 Aug 2026 to forecast from",
            id="two_weeks_of_history_are_too_little",
        ),
        pytest.param(
            np.array([]), START, "no data: too little history before 3 Aug 2026 to forecast from",
            id="a_metric_without_data",
        ),
        pytest.param(
            values(seed=3, after=2), START,
            "no data: 2 weeks of data since shipping on 3 Aug 2026, where 6 weeks have passed",
            id="data_that_stops_after_shipping",
        ),
        pytest.param(
            values(seed=3, after=0)[:-3], START,
            "no data: 0 weeks of data since shipping on 3 Aug 2026, where 6 weeks have passed",
            id="data_that_stops_before_shipping",
        ),
    ],
)  # fmt: skip
def test_without_data_to_compare_the_verdict_is_no_data_not_too_early(
    ys: np.ndarray, start: date, wording: str
) -> None:
    found = effects({"m": ys}, weeks_after(6), start=start).iloc[0]
    assert (found["verdict"], found["wording"]) == ("no_data", wording)


def lead_link(leading: str, lagging: str, lag: int, significant: bool) -> pd.DataFrame:
    """A links frame holding one measured link."""
    return pd.DataFrame(
        [{"leading": leading, "lagging": lagging, "best_lag": lag, "correlation": 0.8,
          "significant": significant}]
    )  # fmt: skip


@pytest.mark.parametrize(
    ("significant", "roles"),
    [
        pytest.param(True, ["served", "leading"], id="a_significant_lead_is_judged_too"),
        pytest.param(False, ["served"], id="an_insignificant_link_is_not"),
    ],
)
def test_the_leading_metric_row_appears_when_a_significant_link_exists(
    significant: bool, roles: list[str]
) -> None:
    series = {"outcome": values(seed=4, after=4), "usage": values(seed=5, after=4, step=STEP)}
    catalog, okrs, _ = definitions(list(series))
    initiatives = InitiativeSet.model_validate(
        {"initiatives": [{"id": "ship", "title": "Ship", "team": "T", "status": "shipped",
                          "ship_date": SHIP, "serves": [{"key_result": "kr-outcome"}]}]}
    )  # fmt: skip
    rows = pd.concat([tidy(m, ys) for m, ys in series.items()], ignore_index=True)
    links = lead_link("usage", "outcome", 3, significant)
    found = initiative_effects(initiatives, okrs, catalog, rows, links, weeks_after(4))
    assert found["role"].tolist() == roles
    assert found["kr_id"].tolist() == ["kr-outcome"] * len(roles)
    served = found.iloc[0]
    if significant:
        # The outcome follows its lead by ~3 weeks: 4 weeks in, 3 + 3 are needed.
        assert served["verdict"] == "too_early"
        assert (
            served["wording"]
            == "too early: 4 weeks since shipping, and the measured lead is ~3 weeks"
        )
        leading = found.iloc[1]
        assert (leading["metric"], leading["verdict"]) == ("usage", "above")
        assert pd.isna(leading["expected_effect"])
    else:
        assert served["verdict"] == "within"


def test_an_initiative_not_shipped_by_the_as_of_date_is_left_out() -> None:
    found = effects({"m": values(seed=1, after=6)}, SHIP - timedelta(days=1))
    assert found.empty
    assert list(found.columns) == list(EFFECT_COLUMNS)


def test_the_path_holds_the_weeks_before_and_the_forecast_band_after_shipping() -> None:
    catalog, okrs, initiatives = definitions(["m"])
    rows = tidy("m", values(seed=3, after=6, step=STEP))
    path = effect_path(
        "ship-m", "kr-m", "m", initiatives, okrs, catalog, rows, NO_LINKS, weeks_after(6)
    )
    assert list(path.columns) == list(PATH_COLUMNS)
    assert path["after"].tolist() == [False] * 12 + [True] * 6
    assert path.loc[path["after"], ["median", "lo80", "hi80"]].notna().all().all()
    assert path.loc[~path["after"], "median"].isna().all()
    assert (path["ship_date"] == SHIP).all()
    assert (path["lo80"] <= path["hi80"]).where(path["after"], True).all()


def test_the_wording_never_claims_cause_or_proof() -> None:
    series = {
        f"m{i}": values(seed=3, after=after, **change)
        for i, (after, change) in enumerate(
            [(6, {"step": STEP}), (6, {"step": -STEP}), (6, {}), (1, {}), (6, {"slope": 2.0})]
        )
    }
    found = effects(series, weeks_after(6))
    assert set(found["verdict"]) == {"above", "below", "within", "no_data"}
    for wording in found["wording"]:
        assert not any(word in wording.lower() for word in ("caused", "cause", "proof", "proves"))


def rate(found: pd.DataFrame, verdicts: set[str]) -> float:
    """The share of rows whose verdict is one of verdicts."""
    return float(found["verdict"].isin(verdicts).mean())


def test_planted_effects_are_found_and_absent_ones_rarely_claimed() -> None:
    """Measured on 2 Dec 2026, 6 weeks after shipping, with the seeds pinned here:

    - a planted step of +8 (about 3.5 noise sd) is found ("above") in 100 % of 30 series (97 %
      of 200 with OKRLENS_EFFECT_SEEDS=200); the test requires at least 90 %;
    - no change is called an effect ("above" or "below") in 10 % of 30 series (12 % of 200);
      the test allows at most 15 %. About one in ten is what an 80 % band leaves.
    """
    planted = effects(
        {f"p{s}": values(seed=1000 + s, after=6, step=STEP) for s in range(SEEDS)}, weeks_after(6)
    )
    absent = effects(
        {f"n{s}": values(seed=2000 + s, after=6) for s in range(SEEDS)}, weeks_after(6)
    )
    found, claimed = rate(planted, {"above"}), rate(absent, {"above", "below"})
    print(f"planted found {found:.0%}, absent claimed {claimed:.0%} over {SEEDS} seeds")
    assert found >= 0.90
    assert claimed <= 0.15


def test_effects_frames_have_their_columns_when_nothing_is_shipped() -> None:
    catalog, okrs, _ = definitions(["m"])
    nothing: dict[str, Any] = {"initiatives": []}
    found = initiative_effects(
        InitiativeSet.model_validate(nothing), okrs, catalog, tidy("m", values(1, 6)), NO_LINKS,
        weeks_after(6),
    )  # fmt: skip
    assert found.empty and list(found.columns) == list(EFFECT_COLUMNS)
