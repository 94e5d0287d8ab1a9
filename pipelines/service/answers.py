"""Answers: everything a page shows or a command prints, for one committed state of a workspace.

The composition of the pipelines (series → scores → links → forecasts → lint → brief) is
written here once. An Answers object is bound to one data version, so each answer is computed
at most once per version and argument set, whoever asks: the dashboard keeps one per version,
a command makes one and prints from it.

Why this module is long: it is the one place the pipelines are composed, one short method per
answer (each delegates to the module that computes it), so it grows by a few lines per page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property, lru_cache

import pandas as pd

from pipelines import snapshot
from pipelines.definitions import Broken
from pipelines.errors import OkrlensError
from pipelines.insight.brief import Brief, latest_complete_week_end, weekly_brief
from pipelines.insight.effects import Effects, shipped_effects
from pipelines.insight.forecast import EndForecast, kr_forecasts, metric_forecast
from pipelines.insight.ladder import ladder_edges, ladder_nodes
from pipelines.insight.links import metric_links
from pipelines.insight.lint import lint
from pipelines.metrics.describe import in_words
from pipelines.metrics.grains import GRAINS
from pipelines.metrics.spec import Metric, MetricCatalog
from pipelines.metrics.vocabulary import Vocabulary, unseen_names, vocabulary_from_frame
from pipelines.okrs.bands import PRESETS
from pipelines.okrs.history import score_history, weekly_as_of_dates
from pipelines.okrs.reviews import period_to_review
from pipelines.okrs.rice import rice_scores
from pipelines.okrs.scoring import key_result_scores, objective_scores
from pipelines.okrs.scoring.pace import RECENT, pace
from pipelines.okrs.spec import KeyResult, Objective, OkrSet, Period
from pipelines.service.balance import Balance, balance_of
from pipelines.service.formatting import change_text, value_text
from pipelines.service.forward import overview_html
from pipelines.service.glance import WEEK, Glance, glance
from pipelines.service.overview import Overview, overview
from pipelines.service.reviews import Review, period_review_of
from pipelines.workspace import DEFINITION_FILES, Workspace

ALL_PERIODS = "all"
# Answers are small frames; a handful of as-of dates and filters per version is plenty.
PER_VERSION = 32


@dataclass(frozen=True)
class KrDetail:
    """One key result with what its page shows: its score row, metric, period and forecast."""

    objective: Objective
    kr: KeyResult
    score: pd.Series
    period: Period
    window: Period  # the days it is scored over: its period up to its deadline
    metric: Metric | None
    counter_metric: Metric | None
    own_series: pd.DataFrame
    checkins: pd.DataFrame
    forecast: EndForecast | None
    # What its metric's filter names that no stored event has: why it may read 0 %.
    unseen: tuple[str, ...] = ()

    @property
    def due(self) -> dt.date | None:
        """The key result's deadline when it falls before its period's end, else None."""
        return self.window.end if self.window.end != self.period.end else None

    def what_it_takes(self, as_of: dt.date) -> str | None:
        """The change per period still needed against the recent pace, in words; None once over.

        E.g. "To reach $490,000 by 31 Dec 2026: +$5,017 a week for 6 weeks; the last 4 weeks
        moved +$2,930 a week."
        """
        row, metric = self.score, self.metric
        # A guardrail (stay above or below) has no distance to cover; a milestone no metric.
        moving = row["type"] in ("increase", "decrease")
        if metric is None or not moving or row["final"] or pd.isna(row["current"]):
            return None
        found = pace(
            self.own_series, float(row["current"]), float(row["target"]), self.window,
            metric.grain, as_of,
        )  # fmt: skip
        if found is None:
            return None
        grain = GRAINS[found.grain]
        needed = (
            f"To reach {value_text(row['target'], metric.unit)} by {self.window.end:%d %b %Y}: "
            f"{change_text(found.needed, metric.unit)} a {grain.singular} for "
            f"{grain.count(found.periods_left)}"
        )
        if found.recent is None:
            return needed + "."
        return (
            f"{needed}; the last {grain.count(RECENT)} moved "
            f"{change_text(found.recent, metric.unit)} a {grain.singular}."
        )


class Answers:
    """The answers of one workspace at one data version (definitions and snapshot read once)."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.version = workspace.data_version()
        definitions = workspace.definitions()
        self.catalog: MetricCatalog = definitions.catalog
        self.okrs: OkrSet = definitions.okrs
        # What was left out of the definitions, shown wherever the definitions are.
        self.broken: tuple[Broken, ...] = definitions.broken
        self.series: pd.DataFrame = workspace.series()

    def chosen_period(self, as_of: dt.date, period: str | None = None) -> str | None:
        """The period to show: the one named, None for all, else the one containing as_of."""
        if period == ALL_PERIODS:
            return None
        if period is not None:
            if period not in {p.name for p in self.okrs.periods}:
                raise OkrlensError(
                    f"unknown period {period!r}",
                    where="period",
                    fix=f"use one of: {', '.join(p.name for p in self.okrs.periods)}, "
                    f"or {ALL_PERIODS}",
                )
            return period
        current = self.okrs.period_at(as_of)
        return current.name if current else None

    def checked_team(self, team: str | None) -> str | None:
        """team itself when some objective belongs to it (None for all teams); OkrlensError if not."""
        teams = {o.team for o in self.okrs.objectives}
        if team is not None and team not in teams:
            raise OkrlensError(
                f"unknown team {team!r}",
                where="team",
                fix=f"use one of: {', '.join(sorted(teams))}",
            )
        return team

    @lru_cache(maxsize=PER_VERSION)  # noqa: B019 - one Answers per version; they die together
    def scores(self, as_of: dt.date, period: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Key-result scores and objective roll-ups of period (None: all) at as_of."""
        krs = key_result_scores(self.okrs, self.catalog, self.series, as_of, period)
        return krs, objective_scores(self.okrs, krs)

    @lru_cache(maxsize=PER_VERSION)  # noqa: B019 - see scores
    def history(self, as_of: dt.date, period: str) -> pd.DataFrame:
        """Key-result scores week by week from the period's start to as_of."""
        dates = weekly_as_of_dates(self.okrs.period(period).start, as_of)
        return score_history(self.okrs, self.catalog, self.series, dates, period)

    @lru_cache(maxsize=PER_VERSION)  # noqa: B019 - see scores
    def overview(
        self, as_of: dt.date, period: str | None, team: str | None, kind: str | None
    ) -> Overview:
        """The overview of period at as_of for team and kind (None: all)."""
        krs, objectives = self.scores(as_of, period)
        units = {m.name: m.unit for m in self.catalog.metrics}
        forecasts = self.forecasts(as_of, period)
        return overview(krs, objectives, self.series, forecasts, units, team=team, kind=kind)

    def glance(
        self,
        as_of: dt.date,
        period: str | None,
        team: str | None,
        kind: str | None,
        *,
        forecast: bool = True,
    ) -> Glance:
        """The ten-second read of period at as_of for team and kind (None: all).

        forecast False leaves out the forecasts and the measured links behind the why (seconds,
        where the rest takes milliseconds).
        """
        krs, objectives = self.scores(as_of, period)
        keep = pd.Series(True, index=krs.index)
        if team:
            keep &= krs["team"] == team
        if kind:
            keep &= krs["kind"] == kind
        week_before, _ = self.scores(as_of - WEEK, period)
        return glance(
            self.okrs,
            (krs[keep], objectives),
            week_before,
            (self.forecasts(as_of, period), self.links) if forecast else None,
            self.series,
            self.catalog,
            as_of,
            unseen=self.unseen,
        )

    @cached_property
    def unseen(self) -> dict[str, str]:
        """Per metric whose filter names what no stored event has, the first such name."""
        found = {
            m.name: unseen_names(m, self.vocabulary, self.catalog) for m in self.catalog.metrics
        }
        return {name: problems[0] for name, problems in found.items() if problems}

    def overview_html(self, as_of: dt.date, period: str, team: str | None = None) -> str:
        """The glance of period at as_of (for team, None: the company) as a page to forward."""
        found = self.glance(as_of, period, team, None)
        made = dt.datetime.now(dt.UTC)
        return overview_html(found, PRESETS[self.okrs.band_preset], team or "Company", made)

    @cached_property
    def vocabulary(self) -> Vocabulary:
        """What the stored events are called and carry, from the snapshot of this version."""
        return vocabulary_from_frame(self.workspace.vocabulary())

    @cached_property
    def links(self) -> pd.DataFrame:
        """Measured lead/lag links between every leading and lagging metric."""
        return metric_links(self.series, self.catalog)

    def links_between(
        self, leading: list[str] | None, lagging: list[str] | None, max_lag: int
    ) -> pd.DataFrame:
        """Lead/lag links of chosen metrics up to max_lag periods (the CLI's questions)."""
        return metric_links(
            self.series, self.catalog, leading=leading, lagging=lagging, max_lag=max_lag
        )

    @lru_cache(maxsize=PER_VERSION)  # noqa: B019 - see scores
    def forecasts(self, as_of: dt.date, period: str | None) -> pd.DataFrame:
        """Each metric-backed key result's forecast to period end: median, interval, band chances."""
        return kr_forecasts(self.okrs, self.catalog, self.series, as_of, period, self.links)

    @lru_cache(maxsize=PER_VERSION)  # noqa: B019 - see scores
    def findings(self, as_of: dt.date, period: str | None = None) -> pd.DataFrame:
        """Lint findings at as_of, for the objectives of period (None: every objective).

        Definitions left out come first, whatever the period: nothing else says they exist.
        """
        found = lint(self.okrs, self.catalog, self.series, as_of, vocabulary=self.vocabulary)
        if period is not None:
            in_period = {o.id for o in self.okrs.objectives if o.period == period}
            found = found[found["objective_id"].isin(in_period)]
        left_out = pd.DataFrame(
            [
                {
                    "code": b.code,
                    "severity": "error",
                    "objective_id": b.objective_id or "",
                    "kr_id": b.id if b.kind == "key result" else None,
                    "message": b.message(),
                }
                for b in self.broken
            ],
            columns=found.columns,
            dtype="object",
        )
        frames = [f for f in (left_out, found) if not f.empty]
        return pd.concat(frames, ignore_index=True) if frames else found.reset_index(drop=True)

    @lru_cache(maxsize=PER_VERSION)  # noqa: B019 - see scores
    def brief(self, as_of: dt.date, team: str | None) -> Brief:
        """The weekly standup brief for team (all teams when None)."""
        return weekly_brief(
            self.okrs,
            self.catalog,
            self.series,
            as_of,
            team=self.checked_team(team),
            links=self.links,
            vocabulary=self.vocabulary,
            cadence=self.workspace.reviews(self.okrs).cadence,
        )

    def brief_as_of(self) -> dt.date:
        """The brief's default as-of: the end of the latest complete week of data (else today)."""
        # Not the calendar: once the data stops, a standup still compares two weeks with data.
        return latest_complete_week_end(self.series) or dt.datetime.now(dt.UTC).date()

    @lru_cache(maxsize=PER_VERSION)  # noqa: B019 - see scores
    def ladder(self, period: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The ladder of period: its nodes (outputs, leading, lagging) and labelled edges."""
        nodes = ladder_nodes(self.okrs, self.catalog, period)
        return nodes, ladder_edges(self.okrs, self.catalog, period, self.links)

    def metric_series(self, names: tuple[str, ...] | None = None) -> pd.DataFrame:
        """The series of the named metrics (all when None); OkrlensError for an unknown name."""
        if names is None:
            return self.series
        known = {m.name for m in self.catalog.metrics}
        for name in names:
            if name not in known:
                raise OkrlensError(
                    f"no metric called {name!r}",
                    where=str(self.workspace.metrics_path),
                    fix=f"use one of: {', '.join(sorted(known))}",
                )
        return self.series[self.series["metric"].isin(names)].reset_index(drop=True)

    @cached_property
    def metric_catalog(self) -> pd.DataFrame:
        """One row per metric: name, label, kind, source, grain, unit, who uses it, in words."""
        users: dict[str, list[str]] = {}
        for objective in self.okrs.objectives:
            for kr in objective.key_results:
                for name in (kr.metric, kr.counter_metric):
                    if name:
                        users.setdefault(name, []).append(kr.id)
        return pd.DataFrame(
            [
                {
                    "name": m.name,
                    "label": m.display_label,
                    "kind": m.kind,
                    "type": m.type,
                    "source": m.source or "metrics",
                    "aggregation": _formula(m),
                    "grain": m.grain,
                    "unit": m.unit,
                    "direction": m.direction,
                    "used_by": ", ".join(users.get(m.name, [])),
                    "definition": in_words(m, self.catalog),
                    "description": m.description,
                }
                for m in self.catalog.metrics
            ]
        )

    def key_result(self, kr_id: str, as_of: dt.date) -> KrDetail:
        """Everything the key-result page shows about kr_id at as_of."""
        objective, kr = self.okrs.key_result(kr_id)
        krs, _ = self.scores(as_of, objective.period)
        period = self.okrs.period(objective.period)
        window = kr.window(period)
        metric = self.catalog.get(kr.metric) if kr.metric else None
        # A sliced KR reads its slice's series, shown under the metric's name.
        own = (
            self.series[self.series["metric"] == kr.series_key]
            .assign(metric=kr.metric or "")
            .reset_index(drop=True)
        )
        ahead = metric_forecast(own, metric, as_of, window.end) if metric else None
        return KrDetail(
            objective=objective,
            kr=kr,
            score=krs[krs["kr_id"] == kr_id].iloc[0],
            period=period,
            window=window,
            metric=metric,
            counter_metric=self.catalog.get(kr.counter_metric) if kr.counter_metric else None,
            own_series=own,
            checkins=pd.DataFrame(
                [c.model_dump() for c in kr.checkins],
                columns=["date", "value", "confidence", "note"],
            ),
            forecast=ahead,
            unseen=tuple(unseen_names(metric, self.vocabulary, self.catalog)) if metric else (),
        )

    @lru_cache(maxsize=PER_VERSION)  # noqa: B019 - see scores
    def balance(self, period: str) -> Balance:
        """The output/outcome balance of period: shares per company, team and objective."""
        return balance_of(self.okrs, self.catalog, period)

    @lru_cache(maxsize=PER_VERSION)  # noqa: B019 - see scores
    def review(self, period: str | None, as_of: dt.date) -> Review:
        """The review of period (None: the latest over at as_of, else the current) at as_of."""
        chosen = self.okrs.period(period) if period else period_to_review(self.okrs, as_of)
        if chosen is None:
            raise OkrlensError(
                "no OKR period to review", where="okrs.yaml", fix="add a period and objectives"
            )
        return period_review_of(self, chosen.name, as_of)

    @lru_cache(maxsize=PER_VERSION)  # noqa: B019 - see scores
    def rice(self, as_of: dt.date, period: str) -> pd.DataFrame:
        """Each initiative's RICE score in period at as_of, its inputs beside it, ranked."""
        krs, _ = self.scores(as_of, period)
        initiatives = self.workspace.initiatives(self.okrs)
        return rice_scores(initiatives, self.okrs, krs, self.forecasts(as_of, period), period)

    def updated_at(self) -> dt.datetime:
        """When the data shown last changed (UTC): a commit (its snapshot) or a definition edit."""
        home = self.workspace.home
        paths = [home / snapshot.FOLDER / snapshot.MANIFEST, *(home / n for n in DEFINITION_FILES)]
        changed = max(p.stat().st_mtime for p in paths if p.exists())
        return dt.datetime.fromtimestamp(changed, dt.UTC)

    @lru_cache(maxsize=PER_VERSION)  # noqa: B019 - see scores
    def effects(self, as_of: dt.date) -> Effects:
        """Every initiative shipped by as_of against the forecast made when it shipped: per
        metric it is judged on, the counts, effect, verdict and wording, and each chart's path."""
        initiatives = self.workspace.initiatives(self.okrs)
        return shipped_effects(initiatives, self.okrs, self.catalog, self.series, self.links, as_of)


def _formula(metric: Metric) -> str | None:
    """How metric is computed, in one cell: its aggregation, or its parts' formula."""
    if metric.ratio is not None:
        return f"{metric.ratio.numerator} / {metric.ratio.denominator}"
    return metric.expr if metric.type == "derived" else metric.aggregation
