"""RICE from the key results: impact as the share of each served key result's gap, weighted.

Every case is one initiative against one hand-built OKR set, score frame and forecast frame;
the expected numbers are worked by hand from the tables below.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest

from pipelines.okrs.initiatives import InitiativeSet
from pipelines.okrs.rice import RICE_COLUMNS, rice_scores, weight_steps
from pipelines.okrs.spec import OkrSet

PERIOD = "2026-Q4"


def kr(kr_id: str, weight: float = 1.0, **fields: Any) -> dict[str, Any]:
    """A key result of the OKR set below (fields beyond its id and weight are okrs.yaml's)."""
    return {"id": kr_id, "title": kr_id, "weight": weight, **fields}


# company: c-mrr weighs 2 of 4, c-habit 2 of 4 (product telescopes it: each product KR's share
# is halved); product: p-workflows 1 of 4, p-activation 1 of 4, p-launch 2 of 4;
# support (top level): s-response 1 of 4, s-downtime 1 of 4, s-csat 2 of 4.
OKRS = OkrSet.model_validate(
    {
        "periods": [
            {"name": "2026-Q3", "start": "2026-07-01", "end": "2026-09-30"},
            {"name": PERIOD, "start": "2026-10-01", "end": "2026-12-31"},
        ],
        "objectives": [
            {"id": "company", "title": "Company", "team": "Company", "period": PERIOD,
             "key_results": [kr("c-mrr", 2, metric="mrr"), kr("c-habit", 2)]},
            {"id": "product", "title": "Product", "team": "Product", "period": PERIOD,
             "parent_kr": "c-habit",
             "key_results": [kr("p-workflows", metric="wf"), kr("p-activation", metric="act"),
                             kr("p-launch", 2, type="milestone")]},
            {"id": "support", "title": "Support", "team": "Customer Success", "period": PERIOD,
             "key_results": [kr("s-response", metric="frt"),
                             kr("s-downtime", metric="down", type="stay_below", target=60),
                             kr("s-csat", 2, metric="csat")]},
            {"id": "summer", "title": "Summer", "team": "Product", "period": "2026-Q3",
             "key_results": [kr("q3-kr", metric="wf")]},
        ],
    }
)  # fmt: skip
# The score frame at as_of (the columns rice reads) and the forecasts' median end values.
KRS = pd.DataFrame(
    [
        ("c-mrr", "increase", "USD", 490000.0, 460000.0, 0.5),
        ("c-habit", "rollup", None, math.nan, math.nan, 0.4),
        ("p-workflows", "increase", "", 1.8, 1.5, 0.5),
        ("p-activation", "increase", "%", 0.75, 0.80, 1.2),
        ("p-launch", "milestone", None, 1.0, 0.4, 0.4),
        ("s-response", "decrease", "hours", 3.0, 4.0, 0.67),
        ("s-downtime", "stay_below", "minutes", 60.0, 30.0, 1.0),
        ("s-csat", "increase", "%", 0.95, 0.90, 0.5),
    ],
    columns=["kr_id", "type", "unit", "target", "current", "progress"],
)
FORECASTS = pd.DataFrame(
    [
        ("c-mrr", 480000.0),  # falls $10,000 short of its target
        ("p-activation", 0.78),
        ("s-response", 3.5),  # falls 0.5 hours short
        ("s-downtime", 40.0),  # holds the line
        ("s-csat", 0.96),  # passes its target
    ],
    columns=["kr_id", "median_end"],
)


def initiative(i: str = "x", team: str = "Product", status: str = "idea", **fields: Any) -> dict:
    """An initiative serving fields["serves"], reach 100, confidence 1, effort 1 by default."""
    return {"id": i, "title": i, "team": team, "status": status,
            "reach": 100, "confidence": 1.0, "effort": 1.0, **fields}  # fmt: skip


def scores(*items: dict[str, Any]) -> pd.DataFrame:
    """rice_scores of items against OKRS, KRS and FORECASTS in 2026-Q4."""
    declared = InitiativeSet.model_validate({"initiatives": list(items)})
    return rice_scores(declared, OKRS, KRS, FORECASTS, PERIOD)


def serving(*pairs: tuple[str, float | None]) -> list[dict[str, Any]]:
    """The serves list of (key result, effect) pairs."""
    return [{"key_result": k, "effect": e} for k, e in pairs]


@pytest.mark.parametrize(
    ("serves", "impact", "contributions", "flag"),
    [
        pytest.param([], 0.0, "", "serves no key result of 2026-Q4",
                     id="an initiative serving nothing has zero impact"),
        pytest.param(serving(("q3-kr", 5)), 0.0, "q3-kr: in 2026-Q3, not 2026-Q4",
                     "serves no key result of 2026-Q4",
                     id="serving only another period's key result gives zero impact"),
        pytest.param(serving(("p-workflows", 0.1)), 0.1 / 0.3 * 0.25 * 0.5,
                     "p-workflows: +0.1 of the 0.3 still needed (33%) × weight share 12% "
                     "(25% in product × 50% in company)", "",
                     id="the share of target minus current, weighted through the parent KR"),
        pytest.param(serving(("c-mrr", 5000)), 0.25,
                     "c-mrr: +5,000 USD of the 10,000 USD the forecast falls short (50%) × "
                     "weight share 50%", "",
                     id="a forecast falling short makes its shortfall the gap"),
        pytest.param(serving(("c-mrr", 15000)), 0.5,
                     "c-mrr: +15,000 USD of the 10,000 USD the forecast falls short (100%) × "
                     "weight share 50%", "",
                     id="more than the gap counts as closing it"),
        pytest.param(serving(("s-response", -0.25)), 0.125,
                     "s-response: -0.25 hours of the 0.5 hours the forecast falls short (50%) × "
                     "weight share 25%", "",
                     id="a decrease counts an effect downward"),
        pytest.param(serving(("s-response", 0.5)), 0.0,
                     "s-response: +0.5 hours moves away from the target (0%)",
                     "expected effect moves away from the target on s-response",
                     id="an effect away from the target counts zero and is flagged"),
        pytest.param(serving(("p-activation", 0.05)), 0.0,
                     "p-activation: +5 pts, but already at its target (0%)",
                     "serves only key results already forecast to be exceeded",
                     id="a key result already reached counts zero"),
        pytest.param(serving(("s-downtime", -10)), 0.0,
                     "s-downtime: -10 minutes, but already at its target (0%)",
                     "serves only key results already forecast to be exceeded",
                     id="a guardrail holding the line now and in its forecast counts zero"),
        pytest.param(serving(("s-csat", 0.01)), 0.1,
                     "s-csat: +1 pts of the 5 pts still needed (20%) × weight share 50%",
                     "serves only key results already forecast to be exceeded",
                     id="a key result forecast to pass its target counts but is flagged"),
        pytest.param(serving(("p-launch", 0.3)), 0.125,
                     "p-launch: 30% of the 60% of the milestone left (50%) × weight share 25% "
                     "(50% in product × 50% in company)", "",
                     id="a milestone's gap is what its progress leaves"),
        pytest.param(serving(("p-workflows", None)), 0.0, "p-workflows: no expected effect stated",
                     "no expected effect stated for p-workflows",
                     id="a key result without an effect counts zero and is flagged"),
        pytest.param(serving(("c-habit", 0.5)), 0.0,
                     "c-habit: rolls up from its child objectives' key results, not counted",
                     "c-habit rolls up from child objectives: serve their key results instead",
                     id="a rolled-up key result is not counted"),
        pytest.param(serving(("c-mrr", 5000), ("p-launch", 0.3), ("q3-kr", 1)), 0.375,
                     "c-mrr: +5,000 USD of the 10,000 USD the forecast falls short (50%) × "
                     "weight share 50%; p-launch: 30% of the 60% of the milestone left (50%) × "
                     "weight share 25% (50% in product × 50% in company); "
                     "q3-kr: in 2026-Q3, not 2026-Q4", "",
                     id="impact sums the key results of the period it serves"),
    ],
)  # fmt: skip
def test_impact_is_the_weighted_share_of_each_served_key_results_gap(
    serves: list[dict[str, Any]], impact: float, contributions: str, flag: str
) -> None:
    row = scores(initiative(serves=serves)).iloc[0]
    assert row["impact"] == pytest.approx(impact)
    assert row["rice"] == pytest.approx(100 * impact)  # reach 100, confidence 1, effort 1
    assert (row["contributions"], row["flag"]) == (contributions, flag)


@pytest.mark.parametrize(
    ("kr_id", "steps"),
    [
        pytest.param("c-mrr", [(0.5, "company")], id="a top-level objective counts as a whole"),
        pytest.param("p-launch", [(0.5, "product"), (0.5, "company")],
                     id="a telescoped objective counts through its parent key result"),
        pytest.param("s-csat", [(0.5, "support")], id="weights are shares of the objective's sum"),
    ],
)  # fmt: skip
def test_a_key_results_weight_is_its_share_of_the_okrs(
    kr_id: str, steps: list[tuple[float, str]]
) -> None:
    assert weight_steps(OKRS, kr_id) == steps


def test_missing_inputs_leave_the_score_uncomputed_and_unranked_saying_so() -> None:
    row = scores(initiative(serves=serving(("c-mrr", 5000)), reach=None, effort=None)).iloc[0]
    assert row["impact"] == pytest.approx(0.25) and math.isnan(row["rice"])
    assert row["flag"] == "no reach, effort: score not computable"
    assert (row["rank_company"], row["rank_team"]) == (None, None)


# (id, team, status, serves, reach, confidence, effort) → RICE, worked by hand:
# C 600 × 1/24 × 1 ÷ 1 = 25; B 100 × 0.25 × 0.5 ÷ 1 = 12.5; A 100 × 0.125 × 0.8 ÷ 2 = 5;
# A2 100 × 0.05 ÷ 1 = 5 (a tie); E serves nothing: 0; D shipped, F dropped, G without effort.
RANKED_SET = [
    initiative("A", "Product", "planned", serves=serving(("p-launch", 0.3)), confidence=0.8, effort=2),
    initiative("B", "Customer Success", serves=serving(("c-mrr", 5000)), confidence=0.5),
    initiative("C", "Product", "in_progress", serves=serving(("p-workflows", 0.1)), reach=600),
    initiative("D", "Product", "shipped", ship_date="2026-10-05", serves=serving(("c-mrr", 15000))),
    initiative("A2", "Customer Success", "planned", serves=serving(("c-mrr", 1000))),
    initiative("E", "Customer Success"),
    initiative("F", "Product", "dropped", serves=serving(("c-mrr", 15000))),
    initiative("G", "Product", serves=serving(("c-mrr", 15000)), effort=None),
]  # fmt: skip


def test_ideas_planned_and_in_progress_work_is_ranked_company_wide_and_per_team() -> None:
    found = scores(*RANKED_SET)
    assert list(found.columns) == list(RICE_COLUMNS)
    assert list(found["initiative_id"]) == ["C", "B", "A", "A2", "E", "D", "F", "G"]
    assert list(found["rank_company"]) == [1, 2, 3, 3, 5, None, None, None]
    assert list(found["rank_team"]) == [1, 1, 2, 2, 3, None, None, None]
    assert list(found["rice"]) == pytest.approx([25, 12.5, 5, 5, 0, 50, 50, math.nan], nan_ok=True)


def test_shipped_and_dropped_work_keeps_its_score_beside_its_inputs() -> None:
    row = scores(*RANKED_SET).set_index("initiative_id").loc["D"]
    assert (row["reach"], row["impact"], row["confidence"], row["effort"]) == (100, 0.5, 1, 1)
    assert (row["status"], row["key_results"], row["rank_company"]) == ("shipped", ("c-mrr",), None)
