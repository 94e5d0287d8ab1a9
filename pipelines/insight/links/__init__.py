"""Measured lead/lag links: does a leading product KPI move before a lagging business KPI, and by
how many periods? (okr_practice.md §9, rows 1–2.)

Method, for two series on one grain:

1. Both series go on one calendar of consecutive periods (complete, non-missing periods only)
   and are differenced period on period. Two series that merely grow over the same months
   correlate strongly in levels whatever links them; their changes do not.
2. The changes are pre-whitened (Box–Jenkins): an AR model of the leading changes, order 0–4
   chosen by AIC (Yule–Walker via statsmodels' Levinson–Durbin), turns them into white noise,
   and the same filter is applied to the lagging changes. Autocorrelated changes (smooth,
   momentum-like KPIs, or noisy snapshots) otherwise spread the sample cross-correlations wider
   than the Pearson p-value assumes. Simulated false-link rates (5,000 pairs of independent
   52-week series each, differenced only → pre-whitened): momentum-like walks 22 % → 4.4 %,
   noisy walks 8.8 % → 5.4 % (BIC: 6.2 %), plain random walks 4.5 % → 4.2 %. The price is
   power on momentum-like leads: a planted lag is recovered in 89 % of trials instead of 98 %.
3. r_k = corr(lead_t, lag_{t+k}) for k = 0..max_lag over the pairs available at that lag. The
   best lag has the largest |r| among lags with at least min_points pairs; the sign is kept
   (a KPI that pushes another down is linked too). scipy's pearsonr gives its p-value and the
   95 % Fisher-z interval. The reported p-value is Bonferroni-adjusted for the max_lag + 1 lags
   tried, so "significant" means raw p < alpha / (max_lag + 1), and min_points pairs at least.
4. Stability: the share of rolling windows (60 % of the span, step 1) whose own best lag is
   within ±1 of the overall best lag.

The interval is not widened for picking the best of several lags, so |r| at the best lag is an
optimistic estimate; the stability score is the check on that. All of it is association, never
proof of cause, and every note says so.

Modules, each depending only on those before it: `changes` (both series on one calendar,
differenced and pre-whitened: steps 1–2), `lags` (paired r at every lag, the best lag, its test,
and the rolling-window stability: steps 3–4), `notes` (the wording of every note), `link` (`Link`
and `lead_lag`, the steps in order for two series) and `catalog` (`metric_links`, every leading
metric of a grain against every lagging one).
"""

from pipelines.insight.links.catalog import metric_links
from pipelines.insight.links.link import LINK_COLUMNS, Link, lead_lag
from pipelines.insight.links.notes import CAVEAT

__all__ = ["CAVEAT", "LINK_COLUMNS", "Link", "lead_lag", "metric_links"]
