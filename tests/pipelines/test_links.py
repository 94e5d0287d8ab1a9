"""Lead/lag links: planted lags are found, independent series are not linked, and every claim is
worded and guarded as the brief says (pipelines/insight/links/).

The simulations use fixed seeds; the rates they measured are in the comments next to the
thresholds, which sit a little below (or above) them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.signal import lfilter

from pipelines.errors import OkrlensError
from pipelines.insight.links import Link, changes, lags, lead_lag, metric_links
from pipelines.metrics.spec import MetricCatalog
from pipelines.workspace import Workspace

WEEKS = 52
MONDAYS = pd.date_range("2025-11-24", periods=WEEKS, freq="W-MON")
DEMO_WEEKS = 30  # the demo's events cover 27 weeks; real exports of half a year, 26-30
BURN_IN = 50  # steps discarded so momentum-like walks start in their steady state
LINK_KEYS = {
    "leading",
    "lagging",
    "grain",
    "best_lag",
    "correlation",
    "ci_low",
    "ci_high",
    "p_value",
    "q_value",
    "rank_correlation",
    "significant",
    "stability",
    "n_points",
    "note",
}


def walks(
    rng: np.random.Generator,
    trials: int,
    n: int,
    *,
    drift: float,
    momentum: float = 0.0,
    noise: float = 0.0,
) -> np.ndarray:
    """trials random walks of n steps (one per row) with drift, AR(1) momentum in the steps and
    observation noise on the levels."""
    steps = rng.normal(0.0, 1.0, (trials, n + BURN_IN))
    if momentum:
        steps = lfilter([1.0], [1.0, -momentum], steps, axis=1)
    levels = np.cumsum(steps[:, BURN_IN:] + drift, axis=1)
    return levels + rng.normal(0.0, noise, (trials, n)) if noise else levels


def weekly(values: np.ndarray) -> pd.Series:
    """One simulated series as lead_lag takes it: values by week start."""
    return pd.Series(values, index=MONDAYS[: len(values)])


def all_links(leading: np.ndarray, lagging: np.ndarray, **kwargs: Any) -> list[Link]:
    """lead_lag of each row pair."""
    return [lead_lag(weekly(a), weekly(b), **kwargs) for a, b in zip(leading, lagging, strict=True)]


def share(flags: Iterable[bool]) -> float:
    """The share of True."""
    return float(np.mean(list(flags)))


def naive_level_hits(leading: np.ndarray, lagging: np.ndarray) -> float:
    """The share of row pairs whose raw levels correlate at p < 0.05: what skipping the
    differencing would claim."""
    return float(np.mean(stats.pearsonr(leading, lagging, axis=1).pvalue < 0.05))


# --- Simulations at the demo's length ---------------------------------------------------------------


def planted(k: int, trials: int, seed: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """A leading walk (momentum 0.3, observation noise 0.5) and a lagging series following it k
    weeks later plus its own noise; noise 0.6 puts r of the changes near 0.83, the demo's."""
    rng = np.random.default_rng(seed)
    lead_full = walks(rng, trials, DEMO_WEEKS + k, drift=0.2, momentum=0.3, noise=0.5)
    lagging = 5.0 + lead_full[:, :DEMO_WEEKS] + rng.normal(0.0, noise, (trials, DEMO_WEEKS))
    return lead_full[:, k:], lagging


@pytest.mark.parametrize(
    ("k", "noise", "at_least"),
    [
        # Measured with these seeds (100 trials each): 97 / 96 / 98 / 95 % at lags 1-4 (99 / 98 /
        # 99 / 98 % before the leave-out check; lag 4 sits at the bar).
        pytest.param(1, 0.6, 0.95, id="lag-1-as-strong-as-the-demo"),
        pytest.param(2, 0.6, 0.95, id="lag-2-as-strong-as-the-demo"),
        pytest.param(3, 0.6, 0.95, id="lag-3-as-strong-as-the-demo"),
        pytest.param(4, 0.6, 0.95, id="lag-4-as-strong-as-the-demo"),
    ],
)
def test_a_planted_lead_is_found_at_its_lag(k: int, noise: float, at_least: float) -> None:
    leading, lagging = planted(k, trials=100, seed=100 + k, noise=noise)
    found = all_links(leading, lagging)
    recovered = share(link.significant and link.best_lag == k for link in found)
    print(f"planted lag {k}, noise {noise}: {recovered:.1%}")
    assert recovered >= at_least, f"lag {k} recovered in only {recovered:.1%} of trials"
    hits = [link for link in found if link.significant and link.best_lag == k]
    assert all(
        link.note.startswith(f"leads by ~{k} week{'s' * (k > 1)} (association") for link in hits
    )
    assert all(link.ci_low is not None and link.ci_low > 0 for link in hits)


@pytest.mark.parametrize(
    ("momentum", "noise", "at_most"),
    [
        # Measured with this seed (200 pairs each): 0.5 / 2.0 / 3.0 % (2.5 / 4.0 / 4.0 % before
        # the leave-out check).
        pytest.param(0.0, 0.0, 0.05, id="differenced-random-walks"),
        pytest.param(0.5, 0.0, 0.05, id="walks-whose-steps-are-ar1"),
        pytest.param(0.0, 0.5, 0.05, id="walks-seen-through-noise"),
    ],
)
def test_independent_pairs_are_rarely_linked(momentum: float, noise: float, at_most: float) -> None:
    rng = np.random.default_rng(2026)
    leading = walks(rng, 200, DEMO_WEEKS, drift=0.3, momentum=momentum, noise=noise)
    lagging = walks(rng, 200, DEMO_WEEKS, drift=0.3, momentum=momentum, noise=noise)
    false_links = share(link.significant for link in all_links(leading, lagging))
    print(f"independent, momentum {momentum}, noise {noise}: {false_links:.1%}")
    assert false_links <= at_most, f"{false_links:.1%} of independent pairs were called linked"
    # The test has teeth: both walks drift upward, so their raw levels mostly correlate.
    assert naive_level_hits(leading, lagging) > 0.5


def test_prewhitening_keeps_momentum_walks_from_looking_linked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Smooth KPIs change in runs: differencing alone leaves independent ones linked far more often
    # (measured: 3.0 % pre-whitened, 20.5 % differenced only).
    rng = np.random.default_rng(7)
    leading = walks(rng, 200, DEMO_WEEKS, drift=0.3, momentum=0.7)
    lagging = walks(rng, 200, DEMO_WEEKS, drift=0.3, momentum=0.7)
    whitened = share(link.significant for link in all_links(leading, lagging))
    monkeypatch.setattr(changes, "PREWHITEN", False)
    differenced_only = share(link.significant for link in all_links(leading, lagging))
    print(f"momentum 0.7: {whitened:.1%} pre-whitened, {differenced_only:.1%} differenced only")
    assert whitened <= 0.05
    assert differenced_only >= 2 * whitened + 0.02


def with_shared_outliers(count: int, trials: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Independent walks that share count one-off jumps in the same weeks (a holiday, an outage)."""
    rng = np.random.default_rng(seed)
    leading = walks(rng, trials, DEMO_WEEKS, drift=0.3)
    lagging = walks(rng, trials, DEMO_WEEKS, drift=0.3)
    for row in range(trials):
        weeks = rng.choice(np.arange(1, DEMO_WEEKS), count, replace=False)
        jumps = np.zeros(DEMO_WEEKS)
        jumps[weeks] = rng.choice([-6.0, 6.0], count)
        leading[row] += np.cumsum(jumps)
        lagging[row] += np.cumsum(jumps)
    return leading, lagging


@pytest.mark.parametrize(
    ("count", "at_most"),
    [
        # Measured with these seeds: 2 shared jumps, 0 % linked (95 % on r alone); 3 shared
        # jumps in 29 changes, 2 % linked (99 % on r alone; 15 % before the leave-out check).
        pytest.param(2, 0.05, id="two-shared-jumps"),
        pytest.param(3, 0.05, id="three-shared-jumps"),
    ],
)
def test_a_handful_of_shared_outliers_does_not_make_a_link(count: int, at_most: float) -> None:
    leading, lagging = with_shared_outliers(count, trials=100, seed=40 + count)
    found = all_links(leading, lagging)
    linked = share(link.significant for link in found)
    print(f"{count} shared outliers: {linked:.1%} linked")
    assert linked <= at_most
    # The test has teeth: Pearson's r alone clears the corrected bar in most pairs.
    carried = share(link.q_value is not None and link.q_value < 0.05 for link in found)
    print(f"{count} shared outliers: {carried:.1%} pass on r alone")
    assert carried >= 0.5
    # 29 changes: the note names the 3 weeks (a tenth) that carry r.
    assert (
        share(
            link.note.startswith("no lead claimed: carried by 3 weeks, the week of")
            for link in found
        )
        > 0.5
    )


QUARTERS = pd.date_range("2006-07-01", periods=DEMO_WEEKS, freq="QS")


def sharing_three_jumps(
    starts: pd.DatetimeIndex, lag: int, seed: int
) -> tuple[pd.Series, pd.Series]:
    """Independent walks on starts that both jump in the 9th, 10th and 11th periods, the lagging
    one lag periods later: a crisis that moves both and nothing else."""
    rng = np.random.default_rng(seed)
    jumps = np.zeros(len(starts))
    jumps[[8, 9, 10]] = 6.0
    leading = np.cumsum(rng.normal(size=len(starts)) + jumps)
    lagging = np.cumsum(rng.normal(size=len(starts)) + np.roll(jumps, lag))
    return pd.Series(leading, index=starts), pd.Series(lagging, index=starts)


@pytest.mark.parametrize(
    ("starts", "grain", "lag", "named"),
    [
        pytest.param(
            QUARTERS,
            "quarter",
            0,
            "carried by 3 quarters, Q3 2008, Q4 2008 and Q1 2009, with",
            id="quarters-of-one-crisis",
        ),
        pytest.param(
            MONDAYS,
            "week",
            0,
            "carried by 3 weeks, the week of 19 Jan, the week of 26 Jan and the week of 2 Feb, with",
            id="weeks-of-one-outage",
        ),
        pytest.param(
            MONDAYS,
            "week",
            2,
            "carried by 3 weeks, the week of 19 Jan, the week of 26 Jan and the week of 2 Feb in "
            "the leading series (2 weeks later in the lagging), with",
            id="the-lagging-weeks-are-said-to-follow",
        ),
    ],
)
def test_a_link_carried_by_a_few_periods_names_them_and_is_not_claimed(
    starts: pd.DatetimeIndex, grain: str, lag: int, named: str
) -> None:
    leading, lagging = sharing_three_jumps(starts[:DEMO_WEEKS], lag, seed=5)
    link = lead_lag(leading, lagging, grain=grain)
    assert link.q_value is not None and link.q_value < 0.05  # r alone would claim it
    assert (link.significant, link.best_lag) == (False, lag)
    assert link.note.startswith(f"no lead claimed: {named} ")


def test_one_call_over_a_hundred_pairs_controls_false_discoveries() -> None:
    # Ten leading and ten lagging metrics: four planted leads (lags 1-4), 96 unrelated pairs, and
    # 100 pairs x 9 lags tested at once.
    rng = np.random.default_rng(77)
    frames, metrics = [], []
    for i in range(10):
        lead, lag = (
            planted(i + 1, trials=1, seed=200 + i, noise=0.6)
            if i < 4
            else (
                walks(rng, 1, DEMO_WEEKS, drift=0.3),
                walks(rng, 1, DEMO_WEEKS, drift=0.3),
            )
        )
        frames += [tidy(f"lead{i}", weekly(lead[0])), tidy(f"lag{i}", weekly(lag[0]))]
        metrics += [metric(f"lead{i}", "leading", "week"), metric(f"lag{i}", "lagging", "week")]
    frame = metric_links(pd.concat(frames), MetricCatalog.model_validate({"metrics": metrics}))
    linked = frame[frame["significant"]]
    found = set(zip(linked["leading"], linked["lagging"], linked["best_lag"], strict=True))
    assert found == {(f"lead{i}", f"lag{i}", i + 1) for i in range(4)}
    # The adjustment counts every pair and lag: a q-value is never below its own p-value.
    assert (frame["q_value"] >= frame["p_value"]).all()


# --- Guards and wording ---------------------------------------------------------------------------


def linked_pair(n: int, lag: int, seed: int = 1) -> tuple[pd.Series, pd.Series]:
    """A leading walk of n weeks and a lagging copy lag weeks behind it, with a little noise."""
    rng = np.random.default_rng(seed)
    base = np.cumsum(rng.normal(0.0, 1.0, n + lag))
    follower = 2.0 * base[:n] + rng.normal(0.0, 0.2, n)
    return weekly(base[lag:]), weekly(follower)


def test_a_short_history_is_refused_however_strong_the_link() -> None:
    leading, lagging = linked_pair(15, lag=0)
    link = lead_lag(leading, lagging, leading_name="wau", lagging_name="mrr")
    assert link.correlation is not None and link.correlation > 0.9
    assert link.n_points < 20
    assert not link.significant
    assert link.note.startswith(f"only {link.n_points} points; at least 20 are needed (best lag 0")
    # Too few points for rolling windows too: no stability figure, and the note says why.
    assert link.stability is None
    assert "stability not measured" in link.note


def test_lowering_min_points_allows_the_claim_and_says_so() -> None:
    leading, lagging = linked_pair(15, lag=0)
    link = lead_lag(leading, lagging, min_points=10)
    assert link.significant
    assert link.note.startswith("moves in the same week (association, not proof of cause)")
    assert "minimum points lowered to 10 (default 20)" in link.note


def test_same_week_links_and_the_grain_are_worded() -> None:
    leading, lagging = linked_pair(40, lag=0)
    assert (
        lead_lag(leading, lagging).note
        == "moves in the same week (association, not proof of cause)"
    )
    leading, lagging = linked_pair(40, lag=1)
    assert lead_lag(leading, lagging).note == "leads by ~1 week (association, not proof of cause)"
    months = pd.date_range("2023-01-01", periods=40, freq="MS")
    leading, lagging = linked_pair(40, lag=2)
    link = lead_lag(leading.set_axis(months), lagging.set_axis(months), grain="month")
    assert (link.best_lag, link.grain) == (2, "month")
    assert link.note == "leads by ~2 months (association, not proof of cause)"


def test_no_lead_is_worded_with_its_figures() -> None:
    rng = np.random.default_rng(3)
    link = lead_lag(weekly(np.cumsum(rng.normal(size=52))), weekly(np.cumsum(rng.normal(size=52))))
    assert not link.significant
    assert link.note == (
        f"no significant lead found (best lag {link.best_lag}, r={link.correlation:.2f}, "
        f"p={link.p_value:.2g}, q={link.q_value:.2g})"
    )


def test_a_lagging_series_that_moves_first_is_not_a_lead() -> None:
    # Only k >= 0 is tried: when the "lagging" KPI moves first, nothing leads it.
    leading, lagging = linked_pair(52, lag=3)
    link = lead_lag(lagging, leading)
    assert not link.significant


def test_record_is_json_ready_with_exactly_the_link_fields() -> None:
    leading, lagging = linked_pair(52, lag=2)
    record = lead_lag(leading, lagging, leading_name="wau", lagging_name="mrr").record()
    assert set(record) == LINK_KEYS
    assert json.loads(json.dumps(record, allow_nan=False)) == record
    assert record["best_lag"] == 2 and record["significant"] is True
    assert record["ci_low"] < record["correlation"] < record["ci_high"]


def test_one_lag_tried_needs_no_adjustment_and_more_lags_raise_q() -> None:
    leading, lagging = linked_pair(30, lag=0, seed=4)
    one = lead_lag(leading, lagging, max_lag=0)
    nine = lead_lag(leading, lagging, max_lag=8)
    assert one.best_lag == nine.best_lag == 0
    assert one.q_value == one.p_value
    assert nine.q_value is not None and nine.p_value is not None
    assert nine.q_value > nine.p_value


@pytest.mark.parametrize(
    ("max_lag", "note"),
    [
        pytest.param(
            3,
            "leads by ~3 weeks, at the edge of the lags tried (0–3): it may be longer "
            "(association, not proof of cause)",
            id="a-strong-lead-at-the-edge-is-claimed-and-says-so",
        ),
        pytest.param(
            8,
            "leads by ~3 weeks (association, not proof of cause)",
            id="inside-the-lags-tried-no-edge-warning",
        ),
    ],
)
def test_a_lead_at_the_largest_lag_tried_is_marked(max_lag: int, note: str) -> None:
    leading, lagging = linked_pair(52, lag=3, seed=6)
    assert lead_lag(leading, lagging, max_lag=max_lag).note == note


def test_a_weak_lead_at_the_edge_is_not_claimed() -> None:
    # Planted 3 weeks behind, tried up to 3 weeks: it passes q < 0.05 but not the edge's 0.01.
    # (A seed whose weak lead is spread over its weeks, so the edge is the only reason: most weak
    # leads also rest on their top few weeks, and the note says that first.)
    rng = np.random.default_rng(233)
    base = np.cumsum(rng.normal(0.0, 1.0, 40))
    lead, follower = weekly(base[3:]), weekly(base[:37] + rng.normal(0.0, 2.2, 37))
    link = lead_lag(lead, follower, max_lag=3)
    assert link.q_value is not None and 0.01 <= link.q_value < 0.05
    assert not link.significant
    assert link.note.startswith(
        "no lead claimed: best lag 3 is at the edge of the lags tried (0–3)"
    )


def test_a_missing_week_is_a_gap_not_a_two_week_change() -> None:
    leading, lagging = linked_pair(52, lag=2, seed=5)
    gappy = lagging.drop(lagging.index[20])
    full, holed = lead_lag(leading, lagging), lead_lag(leading, gappy)
    assert holed.best_lag == full.best_lag == 2
    # The changes into and out of the missing week are dropped, not bridged.
    assert holed.n_points < full.n_points


def test_bad_input_is_refused_with_a_fix() -> None:
    leading, lagging = linked_pair(30, lag=0)
    with pytest.raises(OkrlensError, match="unknown grain 'fortnight'"):
        lead_lag(leading, lagging, grain="fortnight")
    with pytest.raises(OkrlensError, match="not indexed by period start"):
        lead_lag(leading.reset_index(drop=True), lagging)
    with pytest.raises(OkrlensError, match="more than one value in a month"):
        lead_lag(leading, lagging, grain="month")


def test_vectorised_correlation_matches_pandas() -> None:
    # links computes window correlations itself (pandas is ~1 ms per lag); it must agree.
    rng = np.random.default_rng(9)
    x, y = rng.normal(size=60), rng.normal(size=60)
    x[[3, 17]], y[[8, 40]] = np.nan, np.nan
    windows = np.lib.stride_tricks.sliding_window_view
    r, n = lags.paired_r(windows(x, 30), windows(y, 30), 12)
    expected = pd.Series(x).rolling(30, min_periods=12).corr(pd.Series(y)).to_numpy()[29:]
    np.testing.assert_allclose(r, expected, rtol=1e-10)
    assert n.tolist() == [
        int(np.sum(~np.isnan(a) & ~np.isnan(b)))
        for a, b in zip(windows(x, 30), windows(y, 30), strict=True)
    ]


# --- metric_links ---------------------------------------------------------------------------------


def metric(name: str, kind: str, grain: str) -> dict[str, str]:
    """One catalog entry (its source does not matter here)."""
    return {"name": name, "kind": kind, "source": "kpis", "aggregation": "sum", "grain": grain}


def catalog() -> MetricCatalog:
    """Weekly and monthly leading and lagging metrics."""
    return MetricCatalog.model_validate(
        {
            "metrics": [
                metric("usage", "leading", "week"),
                metric("noise", "leading", "week"),
                metric("usage_monthly", "leading", "month"),
                metric("revenue", "lagging", "week"),
                metric("revenue_monthly", "lagging", "month"),
            ]
        }
    )


def tidy(name: str, values: pd.Series, complete: bool = True) -> pd.DataFrame:
    """Rows of the tidy series frame for one metric."""
    return pd.DataFrame(
        {
            "metric": name,
            "period_start": values.index,
            "period_end": values.index,
            "value": values.to_numpy(),
            "complete": complete,
        }
    )


@pytest.fixture
def series() -> pd.DataFrame:
    """usage leads revenue by 2 weeks, noise is unrelated; monthly twins likewise by 1 month."""
    usage, revenue = linked_pair(52, lag=2, seed=11)
    rng = np.random.default_rng(12)
    months = pd.date_range("2023-01-01", periods=36, freq="MS")
    usage_m, revenue_m = linked_pair(36, lag=1, seed=13)
    # An unfinished week with a wild value: only complete periods may count.
    unfinished = pd.Series([1e9], index=[MONDAYS[-1] + pd.Timedelta(weeks=1)])
    return pd.concat(
        [
            tidy("usage", usage),
            tidy("noise", weekly(np.cumsum(rng.normal(size=52)))),
            tidy("revenue", revenue),
            tidy("revenue", unfinished, complete=False),
            tidy("usage_monthly", usage_m.set_axis(months)),
            tidy("revenue_monthly", revenue_m.set_axis(months)),
        ],
        ignore_index=True,
    )


def test_metric_links_pairs_leading_with_lagging_on_one_grain(series: pd.DataFrame) -> None:
    frame = metric_links(series, catalog())
    assert list(frame.columns) == sorted(LINK_KEYS, key=list(Link.__dataclass_fields__).index)
    pairs = set(zip(frame["leading"], frame["lagging"], strict=True))
    assert pairs == {
        ("usage", "revenue"),
        ("noise", "revenue"),
        ("usage_monthly", "revenue_monthly"),
    }
    by_pair = frame.set_index(["leading", "lagging"])
    assert by_pair.loc[("usage", "revenue"), "best_lag"] == 2
    assert by_pair.loc[("usage_monthly", "revenue_monthly"), "note"] == (
        "leads by ~1 month (association, not proof of cause)"
    )
    assert not by_pair.loc[("noise", "revenue"), "significant"]
    # The unfinished week is left out: same link as from the complete rows alone.
    complete = metric_links(series[series["complete"]], catalog())
    pd.testing.assert_frame_equal(frame, complete)


def test_metric_links_ranks_significant_first_then_by_strength(series: pd.DataFrame) -> None:
    frame = metric_links(series, catalog())
    significant = frame["significant"].tolist()
    assert significant == sorted(significant, reverse=True)
    for _, group in frame.groupby("significant"):
        strength = group["correlation"].abs().tolist()
        assert strength == sorted(strength, reverse=True)
    assert frame.iloc[-1]["leading"] == "noise"


def test_metric_links_takes_the_pairs_asked_for(series: pd.DataFrame) -> None:
    frame = metric_links(series, catalog(), leading=["noise"], lagging=["revenue", "revenue"])
    assert list(zip(frame["leading"], frame["lagging"], strict=True)) == [("noise", "revenue")]


def test_metric_links_refuses_an_unknown_metric(series: pd.DataFrame) -> None:
    with pytest.raises(OkrlensError) as raised:
        metric_links(series, catalog(), lagging=["revenue", "arr"])
    message = str(raised.value)
    assert "unknown metric 'arr'" in message
    assert "metric_links(lagging=...)" in message
    assert "revenue_monthly" in message  # the fix lists the metrics there are


# --- The committed sample -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_links(demo_workspace: Workspace) -> pd.DataFrame:
    """metric_links over the demo workspace built from sample_data."""
    return metric_links(demo_workspace.series(), demo_workspace.catalog())


def test_sample_workflows_per_user_lead_new_subscriptions_by_three_weeks(
    sample_links: pd.DataFrame,
) -> None:
    # The generator plants a 3-week lead (pipelines/sample/weeks.py, SUBS_LAG). The events cover 27
    # weeks, so the link rests on 21 pre-whitened pairs: above the default minimum of 20, which
    # is therefore kept rather than lowered.
    row = sample_links.set_index(["leading", "lagging"]).loc[
        ("workflows_per_active_user", "new_subscriptions")
    ]
    assert row["significant"]
    assert row["best_lag"] == 3
    assert row["n_points"] >= 20
    # 21 pairs: the note says how few back it.
    assert row["note"] == (
        "leads by ~3 weeks (association, not proof of cause); only 21 points back it (r 0.63 to 0.93)"
    )
    assert row["q_value"] < 0.01
    assert row["stability"] >= 0.9
    # It is the strongest lead of new subscriptions in the sample.
    first = sample_links[sample_links["lagging"] == "new_subscriptions"].iloc[0]
    assert first["leading"] == "workflows_per_active_user"


def test_sample_downtime_hits_csat_the_same_week(sample_links: pd.DataFrame) -> None:
    row = sample_links.set_index(["leading", "lagging"]).loc[("downtime_minutes", "csat")]
    assert row["significant"] and row["best_lag"] == 0 and row["correlation"] < 0
