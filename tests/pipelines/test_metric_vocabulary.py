"""A filter on a property, value or event the store never saw is named with the known names,
never computed as a silent zero: read from the store, refused on save, flagged by lint."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from pipelines.access import AccessSpec, actor_of
from pipelines.errors import OkrlensError
from pipelines.ingest.events import ingest_events
from pipelines.metrics import vocabulary
from pipelines.metrics.spec import Metric
from pipelines.metrics.vocabulary import (
    Vocabulary,
    store_vocabulary,
    unseen_names,
    vocabulary_frame,
    vocabulary_from_frame,
)
from pipelines.service import Workspace, metric_edits
from pipelines.service.answers import Answers
from tests.conftest import WriteCsv

# An export as a product tool writes it: the columns past the four roles become properties.
EVENTS_CSV = """event_time,user_id,account_id,event_name,plan,platform
2026-05-18 09:00:00,u1,a1,signed_up,pro,web
2026-05-18 10:00:00,u2,a1,signed_up,pro,ios
2026-05-18 11:00:00,u3,a2,signed_up,free,web
2026-05-19 08:00:00,u1,a1,workflow_completed,pro,web
2026-05-19 09:00:00,u3,a2,workflow_completed,team,web
"""
# Mixpanel's raw export: one JSON object a line, the user and time inside its properties.
MIXPANEL_JSONL = [
    {"event": "Sign Up", "properties": {"time": 1779094800, "distinct_id": "u1", "plan": "pro",
                                        "seats": 3, "beta": True}},
    {"event": "Sign Up", "properties": {"time": 1779098400, "distinct_id": "u2", "plan": "free",
                                        "seats": 1, "beta": None}},
]  # fmt: skip


def events_metric(filter_: str | None = None, column: str | None = None) -> Metric:
    """A weekly events metric: a count, or a sum of column, over the events filter_ keeps."""
    fields: dict[str, Any] = {"aggregation": "sum", "column": column} if column else {}
    return Metric.model_validate(
        {"name": "draft", "kind": "leading", "source": "events", "aggregation": "count",
         "filter": filter_} | fields
    )  # fmt: skip


@pytest.fixture
def csv_store(con: duckdb.DuckDBPyConnection, write_csv: WriteCsv) -> Vocabulary:
    """The vocabulary of a store holding EVENTS_CSV."""
    ingest_events(con, write_csv("events.csv", EVENTS_CSV))
    return store_vocabulary(con)


def test_the_vocabulary_lists_names_keys_and_values_most_frequent_first(
    csv_store: Vocabulary,
) -> None:
    assert csv_store.event_names == ("signed_up", "workflow_completed")
    assert dict(csv_store.values) == {"platform": ("web", "ios"), "plan": ("pro", "free", "team")}
    assert (csv_store.all_event_names, csv_store.all_keys, csv_store.cut_keys) == (
        True, True, frozenset()
    )  # fmt: skip


@pytest.mark.parametrize(
    ("filter_", "unseen"),
    [
        pytest.param(
            "properties['plann'] = 'pro'",
            ["the filter names property 'plann', which no stored event has; known properties: "
             "plan, platform"],
            id="a-misspelt-property-names-the-known-ones-closest-first",
        ),
        pytest.param(
            "properties['plan'] = 'Pro'",
            ["no stored event has plan = 'Pro'; stored values include: pro, free, team"],
            id="a-value-in-the-wrong-case-puts-its-case-blind-match-first",
        ),
        pytest.param(
            "properties['plan'] IN ('pro', 'teams') OR properties['platform'] <> 'android'",
            ["no stored event has plan = 'teams'; stored values include: team, free, pro",
             "no stored event has platform = 'android'; stored values include: ios, web"],
            id="in-and-not-equal-are-checked-value-by-value",
        ),
        pytest.param(
            "'Free' = properties['plan']",
            ["no stored event has plan = 'Free'; stored values include: free, pro, team"],
            id="a-value-written-first-is-checked-too",
        ),
        pytest.param(
            "event_name = 'signup'",
            ["no stored event is called 'signup'; stored event names include: signed_up, "
             "workflow_completed"],
            id="an-event-name-never-stored",
        ),
        pytest.param(
            "event_name = 'signed_up' AND properties['plan'] = 'pro'", [],
            id="stored-names-and-values-are-fine",
        ),
        pytest.param("lower(properties['plan']) = 'pro'", [], id="a-folded-value-is-not-judged"),
        pytest.param(
            "CAST(properties['seat'] AS INTEGER) > 2",
            ["the filter names property 'seat', which no stored event has; known properties: "
             "platform, plan"],
            id="a-property-read-anywhere-in-the-filter",
        ),
        pytest.param("this is not sql", [], id="a-filter-that-does-not-parse-is-left-to-compile"),
    ],
)  # fmt: skip
def test_a_filter_naming_what_no_stored_event_has_is_named_with_the_known_names(
    csv_store: Vocabulary, filter_: str, unseen: list[str]
) -> None:
    assert unseen_names(events_metric(filter_), csv_store) == unseen


def test_a_column_reading_a_property_no_event_has_is_named(csv_store: Vocabulary) -> None:
    assert unseen_names(events_metric(column="properties['amount']"), csv_store) == [
        "the column names property 'amount', which no stored event has; known properties: "
        "plan, platform"
    ]


def test_an_empty_store_has_nothing_to_check_against(con: duckdb.DuckDBPyConnection) -> None:
    empty = store_vocabulary(con)
    assert empty.empty
    assert unseen_names(events_metric("properties['plann'] = 'x'"), empty) == []


def test_a_json_lines_export_gives_its_nested_properties_as_text(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / "mixpanel.json"
    path.write_text("".join(json.dumps(line) + "\n" for line in MIXPANEL_JSONL))
    ingest_events(con, path)
    found = store_vocabulary(con)
    assert found.event_names == ("Sign Up",)
    # Values as properties['key'] reads them: numbers and booleans as their text, null left out.
    assert found.values["plan"] == ("free", "pro")
    assert found.values["seats"] == ("1", "3")
    assert found.values["beta"] == ("true",)
    assert unseen_names(events_metric("properties['seats'] = '2'"), found) == [
        "no stored event has seats = '2'; stored values include: 1, 3"
    ]


def test_a_property_with_more_values_than_kept_is_never_called_unseen(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vocabulary, "MAX_VALUES", 2)
    ingest_events(con, write_csv("events.csv", EVENTS_CSV))
    found = store_vocabulary(con)
    assert found.cut_keys == frozenset({"plan"})
    assert found.values["plan"] == ("pro", "free")
    assert unseen_names(events_metric("properties['plan'] = 'team'"), found) == []
    assert unseen_names(events_metric("properties['platform'] = 'android'"), found) != []


# --- saving a metric --------------------------------------------------------------------------

SPEC = AccessSpec.model_validate({"users": {"ana@example.com": "analyst"}})
ANALYST = actor_of(SPEC, "ana@example.com", [], "cli")
# The demo's events carry plan = campus, department or trial.
PRO_SIGNUPS = {
    "name": "pro_signups",
    "kind": "leading",
    "source": "events",
    "aggregation": "count",
    "filter": "event_name = 'signed_up' AND properties['plan'] = 'Campus'",
}
UNSEEN_CAMPUS = (
    "no stored event has plan = 'Campus'; stored values include: campus, department, trial"
)


@pytest.fixture
def ws(demo_copy: Path) -> Workspace:
    """A private copy of the demo workspace."""
    return Workspace(demo_copy)


def test_a_preview_names_the_unseen_value_instead_of_a_bare_no_match(ws: Workspace) -> None:
    found = metric_edits.preview(ws, PRO_SIGNUPS)
    assert found.warnings == (UNSEEN_CAMPUS,)
    assert found.unseen == (UNSEEN_CAMPUS,)


def test_saving_a_filter_on_an_unseen_value_is_refused_and_writes_nothing(ws: Workspace) -> None:
    before = ws.metrics_path.read_bytes()
    with pytest.raises(OkrlensError) as refused:
        metric_edits.save_metric(ws, ANALYST, PRO_SIGNUPS)
    assert refused.value.message() == (
        f"{UNSEEN_CAMPUS} (metric pro_signups). Correct the filter with one of the stored names "
        "listed; if these values will arrive in a later export, save anyway."
    )
    assert ws.metrics_path.read_bytes() == before


def test_saving_anyway_keeps_a_value_a_later_export_will_bring(ws: Workspace) -> None:
    saved = metric_edits.save_metric(ws, ANALYST, PRO_SIGNUPS, allow_unseen=True)
    assert saved.filter == PRO_SIGNUPS["filter"]
    assert ws.catalog().get("pro_signups").filter == PRO_SIGNUPS["filter"]


def test_a_filter_on_stored_values_saves_without_asking(ws: Workspace) -> None:
    fixed = PRO_SIGNUPS | {"filter": "event_name = 'signed_up' AND properties['plan'] = 'campus'"}
    assert metric_edits.save_metric(ws, ANALYST, fixed).name == "pro_signups"


# --- what pages and commands say about a key result on such a metric -------------------------

AS_OF = date(2026, 11, 23)


@pytest.fixture
def unseen_signups(ws: Workspace) -> Workspace:
    """The demo with its signups metric filtered on a plan spelt as no stored event has it."""
    signups = ws.catalog().get("signups")
    draft = signups.model_dump() | {"filter": PRO_SIGNUPS["filter"]}
    metric_edits.save_metric(ws, ANALYST, draft, replacing="signups", allow_unseen=True)
    return ws


def test_lint_flags_every_key_result_reading_the_metric_as_an_error(
    unseen_signups: Workspace,
) -> None:
    found = Answers(unseen_signups).findings(AS_OF)
    flagged = found[found["code"] == "KR014"]
    assert list(zip(flagged["kr_id"], flagged["severity"], strict=True)) == [
        ("product-q4-activation", "error"),  # its ratio's part
        ("product-q4-activation", "error"),  # its counter-metric
        ("product-q3-activation", "error"),
    ]
    assert flagged["message"].iloc[1] == (
        f"KR product-q4-activation's counter_metric signups filters on what no stored event has: "
        f"{UNSEEN_CAMPUS}. Correct its filter (Define metrics page or metrics.yaml), or upload "
        "the export that has it"
    )


def test_the_key_result_says_what_its_metric_names_that_no_event_has(
    unseen_signups: Workspace,
) -> None:
    detail = Answers(unseen_signups).key_result("product-q4-activation", AS_OF)
    assert detail.unseen == (f"its part signups: {UNSEEN_CAMPUS}",)
    sound = Answers(unseen_signups).key_result("company-q4-mrr", AS_OF)
    assert sound.unseen == ()


@pytest.mark.parametrize(
    "vocabulary",
    [
        pytest.param(Vocabulary(event_names=(), values={}), id="an-empty-store"),
        pytest.param(
            Vocabulary(
                event_names=("login", "export"),
                values={"plan": ("pro", "free"), "order_id": ()},
                all_event_names=False,
                all_keys=False,
                cut_keys=frozenset({"plan"}),
            ),
            id="names-keys-values-and-every-cut-short-flag",
        ),
    ],
)
def test_the_vocabulary_survives_the_snapshot_it_is_published_in(
    tmp_path: Path, vocabulary: Vocabulary
) -> None:
    path = tmp_path / "vocabulary.parquet"
    vocabulary_frame(vocabulary).to_parquet(path)
    assert vocabulary_from_frame(pd.read_parquet(path)) == vocabulary
