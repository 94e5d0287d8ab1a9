"""The ladder from outputs to business outcomes, and what backs each edge."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from pipelines.insight.ladder import ladder_edges, ladder_nodes
from pipelines.metrics.spec import MetricCatalog
from pipelines.okrs.spec import OkrSet

CATALOG = MetricCatalog.model_validate(
    {
        "metrics": [
            {
                "name": "wau",
                "kind": "leading",
                "source": "events",
                "aggregation": "count_distinct",
                "column": "user_id",
            },
            {"name": "mrr", "kind": "lagging", "source": "kpis", "aggregation": "last"},
        ]
    }
)


def okrs() -> OkrSet:
    kr: dict[str, Any] = {"baseline": 1, "target": 2}
    return OkrSet.model_validate(
        {
            "periods": [{"name": "Q", "start": "2026-10-01", "end": "2026-12-31"}],
            "objectives": [
                {"id": "C", "title": "c", "team": "Co", "period": "Q", "key_results": [
                    {"id": "C1", "title": "MRR", "metric": "mrr", **kr},
                    {"id": "C2", "title": "Habit"},
                ]},
                {"id": "P", "title": "p", "team": "Pr", "period": "Q", "parent_kr": "C2", "key_results": [
                    {"id": "P1", "title": "WAU", "metric": "wau", **kr},
                    {"id": "P2", "title": "Launch graph", "type": "milestone"},
                ]},
            ],
        }
    )  # fmt: skip


def test_nodes_sit_in_their_tier() -> None:
    nodes = ladder_nodes(okrs(), CATALOG, "Q")
    assert dict(zip(nodes["node"], nodes["tier"], strict=True)) == {
        "mrr": "business outcome", "wau": "product outcome", "P2": "output",
    }  # fmt: skip


def test_edges_say_what_backs_them() -> None:
    links = pd.DataFrame(
        [
            {
                "leading": "wau",
                "lagging": "mrr",
                "grain": "week",
                "best_lag": 3,
                "correlation": 0.8,
                "significant": True,
            }
        ]
    )
    edges = ladder_edges(okrs(), CATALOG, "Q", links).set_index(["source", "target"])
    assert edges.loc[("P2", "wau"), "label"] == "enables (declared)"
    assert edges.loc[("wau", "mrr"), "label"] == "leads by ~3 weeks, r = 0.80"
    assert edges.loc[("wau", "mrr"), "kind"] == "measured"


def test_an_unmeasured_telescoped_edge_says_so() -> None:
    edges = ladder_edges(okrs(), CATALOG, "Q", None).set_index(["source", "target"])
    assert edges.loc[("wau", "mrr"), ["kind", "label"]].tolist() == ["telescoped", "not measured"]


@pytest.mark.parametrize(
    ("kr", "node"),
    [
        pytest.param({"type": "milestone", "title": "Launch graph"}, ("K", "output"),
                     id="a-milestone"),
        pytest.param({"title": "Ship the app", "type": "increase", "baseline": 0, "target": 3,
                      "checkins": [{"date": "2026-11-02", "value": 1}]}, ("K", "output"),
                     id="check-ins-under-an-output-verb"),
        pytest.param({"title": "Launch graph to 500 users", "metric": "wau", "baseline": 1,
                      "target": 500}, ("wau", "product outcome"),
                     id="a-leading-metric-whatever-the-title"),
        pytest.param({"title": "Sign 5 institutions", "type": "increase", "baseline": 0,
                      "target": 5, "checkins": [{"date": "2026-11-02", "value": 1}]}, None,
                     id="no-node-for-a-number-without-a-metric"),
    ],
)  # fmt: skip
def test_the_ladder_places_a_key_result_by_the_balances_rule(
    kr: dict[str, Any], node: tuple[str, str] | None
) -> None:
    one = OkrSet.model_validate(
        {
            "periods": [{"name": "Q", "start": "2026-10-01", "end": "2026-12-31"}],
            "objectives": [{"id": "O", "title": "o", "team": "T", "period": "Q",
                            "key_results": [{"id": "K", **kr}]}],
        }
    )  # fmt: skip
    nodes = ladder_nodes(one, CATALOG, "Q")
    assert list(zip(nodes["node"], nodes["tier"], strict=True)) == ([node] if node else [])
