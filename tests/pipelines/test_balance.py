"""The output/outcome balance: each key result's tier, the shares, the spectrum, the call-outs."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from pipelines.errors import OkrlensError
from pipelines.insight.balance import (
    BALANCE_COLUMNS,
    key_result_tiers,
    output_outcome_balance,
    spectrum_word,
    team_call_out,
)
from pipelines.insight.ladder import TIERS
from pipelines.metrics.spec import MetricCatalog
from pipelines.okrs.spec import OkrSet
from pipelines.service.balance import balance_of

CATALOG = MetricCatalog.model_validate(
    {
        "metrics": [
            {"name": "wau", "kind": "leading", "source": "events", "aggregation": "count_distinct",
             "column": "user_id"},
            {"name": "activation", "kind": "leading", "source": "kpis", "aggregation": "avg"},
            {"name": "mrr", "kind": "lagging", "source": "kpis", "aggregation": "last"},
            {"name": "churn", "kind": "lagging", "source": "kpis", "aggregation": "sum"},
        ]
    }
)  # fmt: skip

NUMBER: dict[str, Any] = {"baseline": 1, "target": 2}
CHECKED_IN: dict[str, Any] = {
    "type": "increase", "baseline": 0, "target": 5,
    "checkins": [{"date": "2026-11-02", "value": 1}],
}  # fmt: skip


def okrs() -> OkrSet:
    """Five teams of 2026-Q4: all outputs, all lagging, balanced, leaning to outputs, one rolling up."""
    return OkrSet.model_validate(
        {
            "periods": [
                {"name": "2026-Q3", "start": "2026-07-01", "end": "2026-09-30"},
                {"name": "2026-Q4", "start": "2026-10-01", "end": "2026-12-31"},
            ],
            "objectives": [
                {"id": "co", "title": "Grow", "team": "Company", "period": "2026-Q4", "key_results": [
                    {"id": "co-habit", "title": "Make workflows a habit"},
                    {"id": "co-mrr", "title": "Grow MRR", "metric": "mrr", **NUMBER},
                    {"id": "co-partners", "title": "Deliver the partner programme",
                     "type": "milestone"},
                ]},
                {"id": "pl", "title": "Rebuild the platform", "team": "Platform", "period": "2026-Q4",
                 "key_results": [
                    {"id": "pl-sso", "title": "Single sign-on for every institution",
                     "type": "milestone"},
                    {"id": "pl-api", "title": "Release the public API", **CHECKED_IN},
                    {"id": "pl-mobile", "title": "Roll out the mobile app", **CHECKED_IN},
                ]},
                {"id": "fi", "title": "Keep the money coming", "team": "Finance", "period": "2026-Q4",
                 "key_results": [
                    {"id": "fi-mrr", "title": "MRR to 500k", "metric": "mrr", **NUMBER},
                    {"id": "fi-churn", "title": "Churn down", "metric": "churn", "baseline": 6,
                     "target": 3},
                    {"id": "fi-deals", "title": "Sign 5 institutions", **CHECKED_IN},
                ]},
                {"id": "gr", "title": "Habit", "team": "Growth", "period": "2026-Q4",
                 "parent_kr": "co-habit", "key_results": [
                    {"id": "gr-launch", "title": "Launch onboarding to 500 weekly users",
                     "metric": "wau", "weight": 5, **NUMBER},
                    {"id": "gr-mrr", "title": "Self-serve MRR", "metric": "mrr", **NUMBER},
                    {"id": "gr-tour", "title": "Ship the product tour", "type": "milestone"},
                    {"id": "gr-import", "title": "Import from every reference manager"},
                ]},
                {"id": "mo", "title": "Partners", "team": "Partnerships", "period": "2026-Q4",
                 "parent_kr": "co-partners", "key_results": [
                    {"id": "mo-portal", "title": "Build the partner portal", "type": "milestone"},
                    {"id": "mo-kit", "title": "Complete the sales kit", "type": "milestone"},
                    {"id": "mo-revenue", "title": "Partner MRR", "metric": "mrr", **NUMBER},
                ]},
                {"id": "old", "title": "Earlier", "team": "Platform", "period": "2026-Q3",
                 "key_results": [{"id": "old-wau", "title": "WAU", "metric": "wau", **NUMBER}]},
            ],
        }
    )  # fmt: skip


@pytest.fixture(scope="module")
def tiers() -> pd.DataFrame:
    return key_result_tiers(okrs(), CATALOG, "2026-Q4").set_index("kr_id")


@pytest.fixture(scope="module")
def balance() -> pd.DataFrame:
    return output_outcome_balance(key_result_tiers(okrs(), CATALOG, "2026-Q4"))


def team_row(balance: pd.DataFrame, team: str) -> pd.Series:
    return balance[(balance["scope"] == "team") & (balance["team"] == team)].iloc[0]


@pytest.mark.parametrize(
    ("kr_id", "tier", "because"),
    [
        pytest.param("pl-sso", "output", "a milestone: done or not", id="a-milestone-is-an-output"),
        pytest.param("co-partners", "output", "a milestone: done or not",
                     id="a-milestone-with-child-objectives-is-still-an-output"),
        pytest.param("gr-import", "output", "a milestone: done or not",
                     id="a-kr-with-no-metric-type-or-check-ins-is-a-milestone"),
        pytest.param("pl-api", "output", "no metric, and its title says 'release'",
                     id="check-ins-under-an-output-verb-are-an-output"),
        pytest.param("pl-mobile", "output", "no metric, and its title says 'roll out'",
                     id="lint-kr008s-verbs-are-the-same-verbs"),
        pytest.param("gr-launch", "product outcome", "its metric wau is leading",
                     id="a-leading-metric-counts-behaviour-whatever-the-title-says"),
        pytest.param("fi-churn", "business outcome", "its metric churn is lagging",
                     id="a-lagging-metric-is-a-business-outcome"),
        pytest.param("co-habit", None, "rolled up from gr, whose key results count in their team",
                     id="a-rolled-up-kr-is-left-out-for-its-children"),
        pytest.param("fi-deals", None, "check-ins without a metric: give it a metric to say "
                     "whether it is a product or a business outcome",
                     id="a-number-reported-by-hand-has-no-kind-to-count"),
    ],
)  # fmt: skip
def test_each_key_result_sits_in_one_tier(
    tiers: pd.DataFrame, kr_id: str, tier: str | None, because: str
) -> None:
    row = tiers.loc[kr_id]
    assert (None if pd.isna(row["tier"]) else row["tier"], row["because"]) == (tier, because)


@pytest.mark.parametrize(
    ("team", "counted", "shares", "position", "spectrum"),
    [
        pytest.param("Platform", 3, (1.0, 0.0, 0.0), 0.0, "output-driven", id="all-outputs"),
        pytest.param("Partnerships", 3, (2 / 3, 0.0, 1 / 3), 1 / 3, "leaning to outputs",
                     id="two-outputs-in-three"),
        pytest.param("Growth", 4, (0.5, 0.25, 0.25), 0.5, "balanced", id="half-outputs"),
        pytest.param("Finance", 2, (0.0, 0.0, 1.0), 1.0, "outcome-driven",
                     id="all-lagging-is-outcome-driven-yet-called-out"),
        pytest.param("Company", 2, (0.5, 0.0, 0.5), 0.5, "balanced",
                     id="without-its-rolled-up-kr"),
    ],
)  # fmt: skip
def test_team_shares_count_key_results_and_place_the_team_on_the_spectrum(
    balance: pd.DataFrame,
    team: str,
    counted: int,
    shares: tuple[float, float, float],
    position: float,
    spectrum: str,
) -> None:
    row = team_row(balance, team)
    assert row["counted"] == counted
    found = (row["output"], row["product_outcome"], row["business_outcome"])
    assert found == pytest.approx(shares)
    assert (row["position"], row["spectrum"]) == (pytest.approx(position), spectrum)


def test_each_share_lists_the_key_results_behind_it(balance: pd.DataFrame) -> None:
    row = team_row(balance, "Growth")
    assert row[["output_krs", "product_outcome_krs", "business_outcome_krs"]].tolist() == [
        ["gr-tour", "gr-import"], ["gr-launch"], ["gr-mrr"],
    ]  # fmt: skip


def test_a_weight_does_not_change_a_share(balance: pd.DataFrame) -> None:
    # gr-launch weighs 5 and the other three 1: by weight it would be 5/8 of Growth.
    assert team_row(balance, "Growth")["product_outcome"] == 0.25


def test_the_company_counts_every_team_once_and_names_what_it_left_out(
    balance: pd.DataFrame,
) -> None:
    company = balance.iloc[0]
    assert company["scope"] == "company"
    assert company["counted"] == 14  # 16 key results of 2026-Q4, without co-habit and fi-deals
    assert company["output"] == pytest.approx(8 / 14)
    assert (company["spectrum"], company["left_out"]) == (
        "leaning to outputs",
        ["co-habit", "fi-deals"],
    )


def test_rows_read_company_then_each_team_followed_by_its_objectives(
    balance: pd.DataFrame,
) -> None:
    assert list(balance.columns) == BALANCE_COLUMNS
    assert list(zip(balance["scope"], balance["team"].fillna(""), strict=True)) == [
        ("company", ""), ("team", "Company"), ("objective", "Company"),
        ("team", "Platform"), ("objective", "Platform"), ("team", "Finance"),
        ("objective", "Finance"), ("team", "Growth"), ("objective", "Growth"),
        ("team", "Partnerships"), ("objective", "Partnerships"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("team", "call_out"),
    [
        pytest.param(
            "Platform",
            "Platform measures what it ships, not what changes for customers: every key result "
            "is an output (pl-sso, pl-api, pl-mobile). Add the change in customer behaviour the "
            "work should cause, as a leading product metric.",
            id="all-outputs",
        ),
        pytest.param(
            "Finance",
            "Finance has only lagging numbers it cannot move directly within the period "
            "(fi-mrr, fi-churn): add a leading product metric it can move.",
            id="all-business-outcomes",
        ),
        pytest.param(
            "Partnerships",
            "Partnerships has no product outcome: nothing shows whether what it ships "
            "(mo-portal, mo-kit) changes what customers do before the business numbers "
            "(mo-revenue) move. Add a leading product metric between them.",
            id="outputs-and-business-outcomes-with-nothing-between",
        ),
        pytest.param("Growth", None, id="a-team-with-a-product-outcome-is-not-called-out"),
    ],
)
def test_a_team_whose_mix_should_change_is_called_out_with_why(
    balance: pd.DataFrame, team: str, call_out: str | None
) -> None:
    found = team_row(balance, team)["call_out"]
    assert (None if pd.isna(found) else found) == call_out


def test_only_team_rows_carry_call_outs(balance: pd.DataFrame) -> None:
    assert set(balance.loc[balance["call_out"].notna(), "scope"]) == {"team"}


def test_an_objective_of_rolled_up_key_results_only_has_nothing_to_weigh() -> None:
    only = OkrSet.model_validate(
        {
            "periods": [{"name": "Q", "start": "2026-10-01", "end": "2026-12-31"}],
            "objectives": [
                {"id": "top", "title": "t", "team": "Company", "period": "Q",
                 "key_results": [{"id": "top-1", "title": "Habit"}]},
                {"id": "kid", "title": "k", "team": "Product", "period": "Q", "parent_kr": "top-1",
                 "key_results": [{"id": "kid-1", "title": "WAU", "metric": "wau", **NUMBER}]},
            ],
        }
    )  # fmt: skip
    row = team_row(output_outcome_balance(key_result_tiers(only, CATALOG, "Q")), "Company")
    assert (row["counted"], row["left_out"]) == (0, ["top-1"])
    assert row[["output", "position", "spectrum", "call_out"]].isna().all()


@pytest.mark.parametrize(
    ("position", "word"),
    [
        (0.0, "output-driven"),
        (0.2499, "output-driven"),
        (0.25, "leaning to outputs"),
        (0.4999, "leaning to outputs"),
        (0.5, "balanced"),
        (0.75, "outcome-driven"),
        (1.0, "outcome-driven"),
    ],
)
def test_each_cut_of_the_spectrum_starts_the_next_word(position: float, word: str) -> None:
    assert spectrum_word(position) == word


def test_a_period_weighs_only_its_own_objectives() -> None:
    found = balance_of(okrs(), CATALOG, "2026-Q3")
    assert found.key_results["kr_id"].tolist() == ["old-wau"]
    assert found.of_team("Finance").shares.empty  # no Finance objective in 2026-Q3


def test_an_unknown_period_is_refused_saying_which_exist() -> None:
    with pytest.raises(OkrlensError, match="unknown period '2027-Q1'"):
        balance_of(okrs(), CATALOG, "2027-Q1")


def test_the_service_reads_shares_as_percentages_and_lists_key_results_tier_by_tier() -> None:
    found = balance_of(okrs(), CATALOG, "2026-Q4").of_team("Growth")
    assert found.share_table().to_dict("records") == [
        {"scope": "team", "team": "Growth", "objective id": "–", "counted": "4", "output": "50%",
         "product outcome": "25%", "business outcome": "25%", "position": "0.50",
         "spectrum": "balanced"},
        {"scope": "objective", "team": "Growth", "objective id": "gr", "counted": "4",
         "output": "50%", "product outcome": "25%", "business outcome": "25%", "position": "0.50",
         "spectrum": "balanced"},
    ]  # fmt: skip
    assert found.kr_table()[["tier", "kr id"]].values.tolist() == [
        ["output", "gr-tour"], ["output", "gr-import"], ["product outcome", "gr-launch"],
        ["business outcome", "gr-mrr"],
    ]  # fmt: skip
    assert found.call_outs == []


@pytest.mark.parametrize(
    ("outputs", "product", "business", "called_out"),
    [
        (["a", "b", "c"], ["d"], [], True),
        (["a", "b"], ["c"], ["d"], False),
        (["a", "b"], ["c", "d"], [], False),
    ],
    ids=["three outputs to one outcome", "as many outputs as outcomes", "outcomes outnumber"],
)
def test_a_team_with_more_outputs_than_outcomes_is_told_it_leans_to_outputs(
    outputs: list[str], product: list[str], business: list[str], called_out: bool
) -> None:
    found = team_call_out("Platform", dict(zip(TIERS, (outputs, product, business), strict=True)))
    assert (found is not None) == called_out
    if called_out:
        assert found == (
            "Platform leans to outputs: 3 of its 4 key results say what it ships (a, b, c), not "
            "what changes for customers. Move the deliverables into initiatives that serve an "
            "outcome key result."
        )
