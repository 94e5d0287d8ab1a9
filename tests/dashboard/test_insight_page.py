"""The Insight page's tables read as every page and the CLI print them: no raw floats or None."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dashboard.conftest import Open

TABLES = ("links", "ladder_edges", "lint")  # in the page's order (AppTest reports no table keys)


@pytest.mark.parametrize(
    ("table", "row", "column", "text"),
    [
        pytest.param(
            "links",
            {"leading": "workflows_per_active_user", "lagging": "new_subscriptions"},
            "correlation",
            "0.83",
            id="a-correlation-to-two-decimals-not-0.833298",
        ),
        pytest.param(
            "links",
            {"leading": "workflows_per_active_user", "lagging": "new_subscriptions"},
            "p value",
            "<0.001",
            id="a-small-p-value-as-a-statistician-writes-it",
        ),
        pytest.param(
            "links",
            {"leading": "workflows_per_active_user", "lagging": "new_subscriptions"},
            "significant",
            "yes",
            id="a-yes-or-no",
        ),
        pytest.param(
            "links",
            {"leading": "workflows_completed", "lagging": "new_subscriptions"},
            "stability",
            "91%",
            id="a-stability-as-the-share-of-windows",
        ),
        pytest.param(
            "ladder_edges",
            {"source": "workflows_per_active_user", "target": "new_subscriptions"},
            "strength",
            "0.83",
            id="a-measured-edges-strength",
        ),
        pytest.param(
            "ladder_edges",
            {"source": "downtime_minutes", "target": "mrr"},
            "strength",
            "–",
            id="a-declared-edge-without-one",
        ),
        pytest.param(
            "lint",
            {"code": "OBJ003", "objective id": "support-q4"},
            "kr id",
            "–",
            id="an-objectives-finding-names-no-key-result",
        ),
    ],
)
def test_each_table_shows_its_cells_as_people_read_them(
    demo_home: Path, open_page: Open, table: str, row: dict[str, str], column: str, text: str
) -> None:
    at = open_page("insight_page.py")
    assert not at.exception
    frame = at.dataframe[TABLES.index(table)].value
    matching = frame[(frame[list(row)] == list(row.values())).all(axis=1)]
    assert matching[column].tolist() == [text]
