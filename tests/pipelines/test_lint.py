"""KR lint: every rule fires on a hand-made case and stays quiet on its twin; the sample lints."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest

from pipelines.errors import OkrlensError
from pipelines.insight import lint as lint_module
from pipelines.insight.lint import CODES, FINDING_COLUMNS, RULES, Rule, lint
from pipelines.metrics.spec import MetricCatalog
from pipelines.metrics.vocabulary import Vocabulary, store_vocabulary
from pipelines.okrs.spec import OkrSet
from pipelines.workspace import Workspace

AS_OF = date(2025, 5, 15)  # six weeks into 2025Q2
FIRST_WEEK = date(2024, 1, 1)  # a Monday; week i starts FIRST_WEEK + i weeks
WEEKS = (AS_OF - FIRST_WEEK).days // 7 + 1  # through the (incomplete) week holding AS_OF
# Week 64 (2025-03-24 → 03-31) is the last one over before 2025Q2 starts: the baseline week.
PERIODS = [
    {"name": "2025Q1", "start": "2025-01-01", "end": "2025-03-31"},
    {"name": "2025Q2", "start": "2025-04-01", "end": "2025-06-30"},
]

CATALOG = MetricCatalog.model_validate(
    {
        "metrics": [
            {"name": "wau", "label": "Weekly active users", "kind": "leading", "source": "events",
             "aggregation": "count_distinct", "column": "user_id"},
            {"name": "mrr", "label": "MRR", "kind": "lagging", "source": "kpis",
             "aggregation": "last"},
            {"name": "churn", "label": "Churned accounts", "kind": "lagging", "source": "kpis",
             "aggregation": "sum", "direction": "lower"},
            {"name": "activation", "label": "Activation rate", "kind": "leading",
             "source": "kpis", "aggregation": "avg", "unit": "%"},
            {"name": "activation_late", "kind": "leading", "source": "kpis",
             "aggregation": "avg", "unit": "%"},
            {"name": "total_users", "label": "Users to date", "kind": "leading",
             "source": "kpis", "aggregation": "last"},
            {"name": "short_total", "kind": "leading", "source": "kpis", "aggregation": "last"},
            {"name": "nps", "label": "NPS", "kind": "lagging", "source": "kpis",
             "aggregation": "last"},
            {"name": "sessions", "label": "Sessions", "kind": "leading", "source": "events",
             "aggregation": "count", "filter": "event_name = 'session_started'"},
            {"name": "noisy", "label": "Trials", "kind": "leading", "source": "kpis",
             "aggregation": "sum"},
            {"name": "pro_signups", "kind": "leading", "source": "events", "aggregation": "count",
             "filter": "event_name = 'signed_up' AND properties['plan'] = 'Pro'"},
            {"name": "signups", "kind": "leading", "source": "events", "aggregation": "count",
             "filter": "event_name = 'signed_up'"},
            {"name": "pro_share", "kind": "leading", "unit": "%",
             "ratio": {"numerator": "pro_signups", "denominator": "signups"}},
        ]
    }
)  # fmt: skip
# What the events behind SERIES are called and carry: the plans are written in lower case.
VOCABULARY = Vocabulary(
    event_names=("session_started", "signed_up"),
    values={"plan": ("pro", "free", "team"), "platform": ("web", "ios")},
)


def weekly(metric: str, value: Callable[[int], float], weeks: int = WEEKS) -> pd.DataFrame:
    """Weekly rows of one metric, week i valued value(i); the week holding AS_OF incomplete."""
    starts = pd.to_datetime([FIRST_WEEK + timedelta(weeks=i) for i in range(weeks)])
    ends = starts + pd.Timedelta(days=7)
    return pd.DataFrame(
        {
            "metric": metric,
            "period_start": starts,
            "period_end": ends,
            "value": [float(value(i)) for i in range(weeks)],
            "complete": ends <= pd.Timestamp(AS_OF),
        }
    )


def wiggle(i: int) -> int:
    return 1 if i % 2 == 0 else -1


def mrr(i: int) -> float:
    """A snapshot rising 10 a week with a 4-point dip every fifth week: 1,468 at week 65."""
    return 1000 + sum(-4 if k % 5 == 4 else 10 for k in range(i))


SERIES = pd.concat(
    [
        weekly("wau", lambda i: 100 + 2 * i + 3 * wiggle(i)),  # 231 in the baseline week
        weekly("mrr", mrr),
        weekly("churn", lambda i: 30 - 0.2 * i + wiggle(i)),  # 18.2 in the baseline week
        # 60 % all along, 50 % for the three weeks before the period and since.
        weekly("activation", lambda i: 0.60 if i < 62 else 0.50),
        # 60 % until October 2024 only: two of the four earlier quarters.
        weekly("activation_late", lambda i: 0.60 if i < 39 else 0.50),
        weekly("total_users", lambda i: 500 + 5 * i),
        weekly("short_total", lambda i: 500 + 5 * i, weeks=7),
        weekly("nps", lambda i: 30 + 0.25 * i),  # rises every week, a level all the same
        weekly("sessions", lambda i: 1000 + 3 * i + 40 * wiggle(i)),
        weekly("noisy", lambda i: 100 + 0.5 * i + 20 * wiggle(i)),  # 152 in the baseline week
    ],
    ignore_index=True,
)


def kr(kid: str, metric: str | None = None, **fields: Any) -> dict[str, Any]:
    return {"id": kid, "title": f"Move {metric or kid}", "metric": metric, **fields}


WAU = kr("wau-kr", "wau", baseline=230, target=260)
MRR = kr("mrr-kr", "mrr", baseline=1468, target=1560)
CHURN = kr("churn-kr", "churn", baseline=18, target=15)


def objective(
    oid: str,
    *krs: dict[str, Any],
    team: str = "growth",
    period: str = "2025Q2",
    parent_kr: str | None = None,
) -> dict[str, Any]:
    return {
        "id": oid,
        "title": f"Objective {oid}",
        "team": team,
        "period": period,
        "parent_kr": parent_kr,
        "key_results": list(krs),
    }


def okr_set(*objectives: dict[str, Any]) -> OkrSet:
    return OkrSet.model_validate({"periods": PERIODS, "objectives": list(objectives)})


def healthy(*extra: dict[str, Any]) -> OkrSet:
    """One team, one objective, leading and lagging KRs with sound targets, plus extra KRs."""
    return okr_set(objective("growth-q2", WAU, MRR, CHURN, *extra))


def with_period(okrs: OkrSet, period: str) -> OkrSet:
    """okrs with its first objective moved to period, bypassing validation (as a bad file could)."""
    first = okrs.objectives[0].model_copy(update={"period": period})
    return okrs.model_copy(update={"objectives": [first, *okrs.objectives[1:]]})


def telescoped(child_krs: list[dict[str, Any]]) -> OkrSet:
    """A lagging company objective whose habit KR a product objective with child_krs measures."""
    habit = kr("habit", title="Make the product a weekly habit")
    return okr_set(
        objective("company-q2", MRR, CHURN, habit, team="company"),
        objective("product-q2", *child_krs, team="product", parent_kr="habit"),
    )


RULE = {r.code: r for r in RULES}
MILESTONE_CHECKINS = [{"date": "2025-04-20", "value": 0.3, "confidence": 0.6}]


def hits(
    code: str, okrs: OkrSet, series: pd.DataFrame = SERIES, as_of: date = AS_OF
) -> pd.DataFrame:
    return lint(okrs, CATALOG, series, as_of, rules=(RULE[code],), vocabulary=VOCABULARY)


# (code, OKR set, series, the KR or objective flagged, fragments its message must contain)
TRIGGERS = [
    pytest.param("OBJ001", okr_set(objective("o", WAU, MRR)), SERIES, "o",
                 ["has 2 key results", "add 1"], id="OBJ001 flags an objective with two KRs"),
    pytest.param("OBJ001", healthy(kr("k4", "wau", baseline=230, target=250),
                                   kr("k5", "mrr", baseline=1468, target=1550),
                                   kr("k6", "churn", baseline=18, target=16)),
                 SERIES, "growth-q2", ["has 6 key results", "keep the 5"],
                 id="OBJ001 flags an objective with six KRs"),
    pytest.param("OBJ002", okr_set(objective("a", WAU, MRR, CHURN), objective("b", WAU | {"id": "w2"}, MRR | {"id": "m2"}, CHURN | {"id": "c2"})),
                 SERIES, "b", ["team growth has 2 objectives in 2025Q2 (a, b)", "merge"],
                 id="OBJ002 flags a team with two objectives in one period"),
    pytest.param("OBJ003", okr_set(objective("o", MRR, CHURN, kr("mrr2", "mrr", baseline=1468, target=1540))),
                 SERIES, "o", ["all 3 metric key results are lagging", "Weekly active users"],
                 id="OBJ003 flags an objective of lagging KRs only"),
    pytest.param("OBJ004", okr_set(objective("o", WAU, kr("act", "activation", baseline=0.5, target=0.6), kr("w2", "wau", baseline=230, target=250))),
                 SERIES, "o", ["all 3 metric key results are leading", "MRR (mrr)"],
                 id="OBJ004 flags an objective of leading KRs only, telescoped from nothing"),
    pytest.param("OBJ005", with_period(healthy(), "2025Q9"), SERIES, "growth-q2",
                 ["period '2025Q9' is not declared", "2025Q1, 2025Q2"],
                 id="OBJ005 flags an objective whose period is not declared"),
    pytest.param("KR001", healthy(kr("k", "wau", target=260)), SERIES, "k",
                 ["has no baseline", "baseline: auto"], id="KR001 flags a KR without baseline"),
    pytest.param("KR001", healthy(kr("k", "wau", baseline="auto", target=260)),
                 SERIES[SERIES["metric"] != "wau"], "k", ["baseline: auto, but Weekly active users has no data"],
                 id="KR001 flags baseline auto on a metric without data"),
    pytest.param("KR002", healthy(kr("k", "wau", baseline=230)), SERIES, "k",
                 ["has no target"], id="KR002 flags a KR without target"),
    pytest.param("KR003", healthy(kr("k", title="Improve onboarding")), SERIES, "k",
                 ["no metric, no check-ins and no child objective", "parent_kr: k"],
                 id="KR003 flags a KR nothing measures"),
    pytest.param("KR004", healthy(kr("k", "nope", baseline=1, target=2)), SERIES, "k",
                 ["metric 'nope'", "churn"], id="KR004 flags an unknown metric"),
    pytest.param("KR004", healthy(WAU | {"id": "k", "counter_metric": "nope"}), SERIES, "k",
                 ["counter_metric 'nope'"], id="KR004 flags an unknown counter-metric"),
    pytest.param("KR005", healthy(kr("k", "wau", baseline="auto", target=231)), SERIES, "k",
                 ["baseline: auto reads 231", "the target itself"],
                 id="KR005 flags an auto baseline that resolves to the target"),
    pytest.param("KR006", healthy(kr("k", "churn", baseline=18, target=25)), SERIES, "k",
                 ["increase KR from 18 to 25 on churn", "lower is better", "below the baseline"],
                 id="KR006 flags an increase KR on a lower-is-better metric"),
    pytest.param("KR006", healthy(kr("k", "wau", type="decrease", baseline="auto", target=260)),
                 SERIES, "k", ["declared decrease", "260 is above the baseline 231"],
                 id="KR006 flags a declared decrease whose auto baseline is below the target"),
    pytest.param("KR006", healthy(kr("k", "churn", type="stay_above", target=10)), SERIES, "k",
                 ["stay_above", "use type stay_below"],
                 id="KR006 flags keeping a lower-is-better metric above a line"),
    pytest.param("KR007", healthy(kr("k", "total_users", baseline=825, target=900)), SERIES, "k",
                 ["is a running total (its label says 'to date')",
                  "only grew in all 71 complete weeks", "500 → 850", "Activation rate"],
                 id="KR007 flags a running total by its label and shows it only grew"),
    pytest.param("KR007", healthy(kr("k", "short_total", baseline=525, target=600)), SERIES, "k",
                 ["is a running total (the last reading of a KPI whose name says 'total')"],
                 id="KR007 flags a KPI snapshot named a total from its definition, even on seven points"),
    pytest.param("KR007", healthy(kr("k", "sessions", baseline=1200, target=1400)), SERIES, "k",
                 ["counts logins/sessions/page views", "session_started", "Weekly active users (wau)"],
                 id="KR007 flags a session count by its filter"),
    pytest.param("KR008", healthy(kr("k", title="Launch the new editor", type="milestone", checkins=MILESTONE_CHECKINS)),
                 SERIES, "k", ["is an output, not an outcome: an output belongs in an initiative "
                              "(initiatives.yaml) that serves an outcome key result",
                              "the launch should cause"],
                 id="KR008 flags a launch KR without metric"),
    pytest.param("KR009", healthy(kr("k", title="Editor beta", type="milestone", checkins=[{"date": "2025-04-20", "value": 0.3}])),
                 SERIES, "k", ["1 check-in but none states a confidence",
                              "if the milestone is an output, it belongs in an initiative"],
                 id="KR009 flags a milestone whose check-ins state no confidence"),
    pytest.param("KR010", healthy(kr("k", "wau", baseline=300, target=330)), SERIES, "k",
                 ["declares baseline 300", "was 231", "30% off", "baseline: 231"],
                 id="KR010 flags a declared baseline 30 % above the data"),
    pytest.param("KR011", healthy(kr("k", "activation", baseline="auto", target=0.55)), SERIES, "k",
                 ["already reached in 4 of the last 4 91-day windows", "57.5%, 60%, 60%, 60%", "above 60%"],
                 id="KR011 flags a target the metric beat in every earlier quarter"),
    pytest.param("KR012", healthy(kr("k", "wau", baseline=230, target=400)), SERIES, "k",
                 ["needs +170 in 13 weeks", "largest 13-week rise was +32", "about 262"],
                 id="KR012 flags a rise five times the largest in the history"),
    pytest.param("KR013", healthy(kr("k", "noisy", baseline="auto", target=170)), SERIES, "k",
                 ["by +18 (152 → 170)", "±40.3: s.d. of its 13-week changes around the trend "
                  "over the last 71 weeks", "at least 232.7"],
                 id="KR013 flags a flow target inside the spread of its 13-week changes"),
    pytest.param("KR013", healthy(kr("k", "mrr", baseline=1468, target=1473)), SERIES, "k",
                 ["by +5", "±6.96"],
                 id="KR013 flags a snapshot target inside the spread of its 13-week changes"),
    pytest.param("KR014", healthy(kr("k", "pro_signups", baseline=10, target=20)), SERIES, "k",
                 ["KR k's metric pro_signups filters on what no stored event has: no stored event "
                  "has plan = 'Pro'; stored values include: pro, free, team", "Correct its filter"],
                 id="KR014 flags a KR whose metric filters on a value no stored event has"),
    pytest.param("KR014", healthy(WAU | {"id": "k", "counter_metric": "pro_share"}), SERIES, "k",
                 ["counter_metric pro_share filters on what no stored event has: its part "
                  "pro_signups: no stored event has plan = 'Pro'"],
                 id="KR014 flags a counter-metric whose ratio part filters on an unseen value"),
]  # fmt: skip

QUIET = [
    pytest.param("OBJ001", healthy(), SERIES, id="OBJ001 accepts three KRs"),
    pytest.param("OBJ001", healthy(kr("k4", "wau", baseline=230, target=250),
                                   kr("k5", "mrr", baseline=1468, target=1550)),
                 SERIES, id="OBJ001 accepts five KRs"),
    pytest.param("OBJ002", okr_set(objective("a", WAU, MRR, CHURN, period="2025Q1"), objective("b", WAU | {"id": "w2"}, MRR | {"id": "m2"}, CHURN | {"id": "c2"})),
                 SERIES, id="OBJ002 accepts one objective per team in each of two periods"),
    pytest.param("OBJ003", telescoped([WAU, kr("w2", "wau", baseline=230, target=250), kr("act", "activation", baseline=0.5, target=0.6)]),
                 SERIES, id="OBJ003 counts a leading KR of a telescoped child objective"),
    pytest.param("OBJ004", telescoped([WAU, kr("w2", "wau", baseline=230, target=250), kr("act", "activation", baseline=0.5, target=0.6)]),
                 SERIES, id="OBJ004 counts a lagging KR of the parent objective"),
    pytest.param("OBJ005", healthy(), SERIES, id="OBJ005 accepts a declared period"),
    pytest.param("KR001", healthy(kr("k", "wau", baseline="auto", target=260)), SERIES,
                 id="KR001 accepts baseline auto with data"),
    pytest.param("KR001", healthy(kr("k", "churn", type="stay_below", target=40)), SERIES,
                 id="KR001 accepts a stay_below guardrail without baseline"),
    pytest.param("KR002", healthy(kr("k", type="milestone", checkins=MILESTONE_CHECKINS)), SERIES,
                 id="KR002 accepts a milestone without target"),
    pytest.param("KR003", telescoped([WAU, kr("w2", "wau", baseline=230, target=250), kr("act", "activation", baseline=0.5, target=0.6)]),
                 SERIES, id="KR003 accepts a parent KR rolled up from a child objective"),
    pytest.param("KR003", healthy(kr("k", type="milestone", checkins=MILESTONE_CHECKINS)), SERIES,
                 id="KR003 accepts a milestone with check-ins"),
    pytest.param("KR004", healthy(WAU | {"id": "k", "counter_metric": "churn"}), SERIES,
                 id="KR004 accepts known metrics and counter-metrics"),
    pytest.param("KR005", healthy(kr("k", "wau", baseline="auto", target=260)), SERIES,
                 id="KR005 accepts an auto baseline below the target"),
    pytest.param("KR006", healthy(kr("k", "churn", baseline=18, target=12)), SERIES,
                 id="KR006 accepts a decrease KR on a lower-is-better metric"),
    pytest.param("KR007", healthy(), SERIES, id="KR007 accepts active users that go up and down"),
    pytest.param("KR007", healthy(kr("k", "nps", baseline=46, target=50)), SERIES,
                 id="KR007 accepts NPS that rose every week: a level, not a running total"),
    pytest.param("KR008", healthy(kr("k", "wau", title="Launch to 260 weekly active users", baseline=230, target=260)),
                 SERIES, id="KR008 accepts a launch title measured by a metric"),
    pytest.param("KR009", healthy(kr("k", type="milestone", checkins=MILESTONE_CHECKINS)), SERIES,
                 id="KR009 accepts a milestone with a stated confidence"),
    pytest.param("KR010", healthy(kr("k", "wau", baseline=240, target=280)), SERIES,
                 id="KR010 accepts a baseline 4 % from the data"),
    pytest.param("KR011", healthy(kr("k", "activation", baseline="auto", target=0.65)), SERIES,
                 id="KR011 accepts a target never reached before"),
    pytest.param("KR011", healthy(kr("k", "activation_late", baseline="auto", target=0.55)), SERIES,
                 id="KR011 accepts a target reached in only 2 of the last 4 quarters"),
    pytest.param("KR012", healthy(kr("k", "wau", baseline=230, target=270)), SERIES,
                 id="KR012 accepts a rise within 1.5 times the largest so far"),
    pytest.param("KR012", healthy(kr("k", "wau", baseline=230, target=400)),
                 SERIES[(SERIES["metric"] != "wau") | (SERIES["period_start"] >= pd.Timestamp("2024-12-01"))],
                 id="KR012 does not judge from less than two quarters of history"),
    pytest.param("KR013", healthy(kr("k", "noisy", baseline="auto", target=200)), SERIES,
                 id="KR013 accepts a target beyond the spread of its 13-week changes"),
    pytest.param("KR013", healthy(kr("k", "noisy", baseline="auto", target=170)),
                 SERIES[(SERIES["metric"] != "noisy") | (SERIES["period_start"] >= pd.Timestamp("2024-12-01"))],
                 id="KR013 does not judge from less than two quarters of history"),
    pytest.param("KR014", healthy(kr("k", "signups", baseline=10, target=20),
                                  kr("s", "sessions", baseline=1200, target=1400)),
                 SERIES, id="KR014 accepts filters on stored event names"),
]  # fmt: skip


@pytest.mark.parametrize(("code", "okrs", "series", "where", "fragments"), TRIGGERS)
def test_rule_flags(
    code: str, okrs: OkrSet, series: pd.DataFrame, where: str, fragments: list[str]
) -> None:
    found = hits(code, okrs, series)
    assert set(found["code"]) == {code}
    at = found[
        (found["kr_id"] == where) | (found["kr_id"].isna() & (found["objective_id"] == where))
    ]
    assert len(at) == 1, found.to_string()
    message = at["message"].iloc[0]
    for fragment in fragments:
        assert fragment in message
    assert at["severity"].iloc[0] == RULE[code].severity


@pytest.mark.parametrize(("code", "okrs", "series"), QUIET)
def test_rule_stays_quiet(code: str, okrs: OkrSet, series: pd.DataFrame) -> None:
    found = hits(code, okrs, series)
    assert found.empty, found.to_string()


def test_a_sound_okr_set_has_no_findings_at_all() -> None:
    found = lint(healthy(), CATALOG, SERIES, AS_OF, vocabulary=VOCABULARY)
    assert found.empty, found.to_string()


@pytest.mark.parametrize(
    "vocabulary",
    [pytest.param(None, id="without-a-vocabulary"),
     pytest.param(Vocabulary(event_names=(), values={}), id="with-no-events-stored")],
)  # fmt: skip
def test_kr014_has_nothing_to_check_against(vocabulary: Vocabulary | None) -> None:
    okrs = healthy(kr("k", "pro_signups", baseline=10, target=20))
    found = lint(okrs, CATALOG, SERIES, AS_OF, rules=(RULE["KR014"],), vocabulary=vocabulary)
    assert found.empty, found.to_string()


LAGGING_ONLY = okr_set(objective("o", MRR, CHURN, kr("mrr2", "mrr", baseline=1468, target=1540)))


@pytest.mark.parametrize(
    ("series", "vocabulary", "suggested"),
    [
        pytest.param(SERIES, Vocabulary(event_names=("signed_up",), values={"plan": ("Pro",)}),
                     "Pro share (pro_share) or Weekly active users (wau)",
                     id="a-rate-reading-stored-values-comes-first"),
        pytest.param(pd.concat([SERIES, weekly("pro_share", lambda i: 0)], ignore_index=True),
                     None, "Weekly active users (wau) or Activation rate (activation)",
                     id="a-rate-whose-every-period-is-zero-is-never-suggested"),
        pytest.param(SERIES, VOCABULARY,
                     "Weekly active users (wau) or Activation rate (activation)",
                     id="a-rate-filtering-on-an-unseen-value-is-never-suggested"),
    ],
)  # fmt: skip
def test_lint_suggests_only_metrics_that_read_something(
    series: pd.DataFrame, vocabulary: Vocabulary | None, suggested: str
) -> None:
    found = lint(LAGGING_ONLY, CATALOG, series, AS_OF, rules=(RULE["OBJ003"],),
                 vocabulary=vocabulary)  # fmt: skip
    assert found["message"].iloc[0].endswith(f"add a leading KR such as {suggested}")


def test_both_objectives_of_a_team_are_flagged() -> None:
    okrs = okr_set(
        objective("a", WAU, MRR, CHURN),
        objective("b", WAU | {"id": "w2"}, MRR | {"id": "m2"}, CHURN | {"id": "c2"}),
    )
    assert list(hits("OBJ002", okrs)["objective_id"]) == ["a", "b"]


def test_every_rule_has_a_documented_unique_code() -> None:
    codes = [r.code for r in RULES]
    assert len(codes) == len(set(codes))
    assert {r.code: r.summary for r in RULES} == CODES
    doc = lint_module.__doc__ or ""
    for r in RULES:
        assert re.search(rf"^\| {r.code} \| {r.severity} \| .+ \|$", doc, re.MULTILINE), r.code
        assert r.severity in ("error", "warning", "info")
    table = re.findall(r"^\| ([A-Z]+\d{3}) \|", doc, re.MULTILINE)
    assert table == codes


def test_every_code_is_exercised_by_a_trigger_and_a_quiet_case() -> None:
    assert {p.values[0] for p in TRIGGERS} == set(CODES)
    assert {p.values[0] for p in QUIET} == set(CODES)


def test_findings_come_as_a_frame_in_okrs_yaml_order() -> None:
    okrs = okr_set(
        objective("first", kr("launch", title="Ship the editor"), WAU),
        objective("second", kr("z", "nope", baseline=1, target=2), MRR, CHURN),
    )
    found = lint(okrs, CATALOG, SERIES, AS_OF)
    assert tuple(found.columns) == FINDING_COLUMNS
    assert list(found["objective_id"]) == sorted(
        found["objective_id"], key=["first", "second"].index
    )
    first = found[found["objective_id"] == "first"]
    assert first["kr_id"].iloc[0] is None  # the objective-level OBJ001 before its KRs
    assert found["message"].map(lambda m: "\n" not in m and len(m) > 20).all()


def test_no_findings_is_an_empty_frame_with_the_columns() -> None:
    found = lint(healthy(), CATALOG, SERIES, AS_OF, rules=())
    assert found.empty and tuple(found.columns) == FINDING_COLUMNS


def test_a_rule_subset_runs_only_those_rules() -> None:
    okrs = okr_set(objective("o", kr("k", "sessions", baseline=1200, target=1400)))
    chosen: tuple[Rule, ...] = (RULE["KR007"],)
    assert set(lint(okrs, CATALOG, SERIES, AS_OF, rules=chosen)["code"]) == {"KR007"}
    assert {"OBJ001", "KR007"} <= set(lint(okrs, CATALOG, SERIES, AS_OF)["code"])


def test_telescoping_loops_do_not_hang_the_lint() -> None:
    okrs = okr_set(
        objective("a", kr("a1", title="Grow"), WAU, MRR, team="x", parent_kr="b1"),
        objective("b", kr("b1", title="Grow"), WAU | {"id": "w2"}, MRR | {"id": "m2"},
                  team="y", parent_kr="a1"),
    )  # fmt: skip
    assert "OBJ003" not in set(lint(okrs, CATALOG, SERIES, AS_OF)["code"])


def test_a_series_without_its_columns_is_refused_with_a_fix() -> None:
    with pytest.raises(OkrlensError, match="lacks column"):
        lint(healthy(), CATALOG, SERIES.drop(columns=["complete"]), AS_OF)


# --- the committed sample -------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_findings(demo_workspace: Workspace) -> pd.DataFrame:
    return lint(
        demo_workspace.okrs(), demo_workspace.catalog(), demo_workspace.series(), date(2026, 11, 23)
    )


def test_the_sample_vanity_kr_is_flagged(sample_findings: pd.DataFrame) -> None:
    print("\n" + sample_findings.to_string())
    logins = sample_findings[sample_findings["kr_id"] == "product-q3-logins"]
    assert "KR007" in set(logins["code"])
    message = logins[logins["code"] == "KR007"]["message"].iloc[0]
    assert "session_started" in message and "weekly_active_users" in message


def test_the_sample_metrics_name_only_what_its_events_hold(demo_workspace: Workspace) -> None:
    with demo_workspace.reading() as con:
        stored = store_vocabulary(con)
    okrs, catalog = demo_workspace.okrs(), demo_workspace.catalog()
    found = lint(okrs, catalog, demo_workspace.series(), date(2026, 11, 23),
                 rules=(RULE["KR014"],), vocabulary=stored)  # fmt: skip
    assert found.empty, found.to_string()


def test_the_sample_is_free_of_definition_errors(sample_findings: pd.DataFrame) -> None:
    assert (sample_findings["severity"] != "error").all(), sample_findings.to_string()
    assert set(sample_findings["code"]) <= set(CODES)
