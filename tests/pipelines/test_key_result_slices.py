"""A key result can target one slice of its metric (e.g. pro-plan users), read from the snapshot."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipelines.ingest.events import ingest_events
from pipelines.service import Answers
from pipelines.workspace import Workspace

# Week of 5 Jan: u1, u2 (pro) and u3 (free); week of 12 Jan, the last complete one on 20 Jan:
# u1 (pro), u3 and u4 (free), u5 (no plan); u4 alone on ios. The event of 19 Jan completes it.
EVENTS = """event_time,user_id,event_name,plan,platform
2026-01-05 09:00:00,u1,workflow_completed,pro,web
2026-01-06 09:00:00,u2,session_started,pro,ios
2026-01-07 09:00:00,u3,workflow_completed,free,web
2026-01-12 09:00:00,u1,workflow_completed,pro,web
2026-01-13 09:00:00,u3,session_started,free,web
2026-01-14 09:00:00,u4,workflow_completed,free,ios
2026-01-14 10:00:00,u5,session_started,,web
2026-01-19 09:00:00,u1,session_started,pro,web
"""
OKRS = """
periods:
  - {{name: 2026-Q1, start: 2026-01-01, end: 2026-03-31}}
objectives:
  - id: grow
    title: Grow the paying base
    team: Product
    period: 2026-Q1
    key_results:
      - id: pro-users
        title: Pro users active every week
        metric: weekly_active_users
        {slice}
        baseline: 1
        target: 5
      - id: all-users
        title: Everyone active every week
        metric: weekly_active_users
        baseline: 1
        target: 5
"""


def sliced_workspace(tmp_path: Path, slice_line: str) -> Workspace:
    """The example workspace holding EVENTS, with a pro-users KR declared by slice_line."""
    workspace = Workspace(tmp_path / "ws")
    workspace.init(example=True)
    export = tmp_path / "events.csv"
    export.write_text(EVENTS)
    with workspace.writing() as con:
        ingest_events(con, export)
    workspace.okrs_path.write_text(OKRS.format(slice=slice_line))
    workspace.initiatives_path.unlink()  # the example's initiatives serve key results OKRS lacks
    return workspace


@pytest.mark.parametrize(
    ("slice_line", "pro_now", "all_now"),
    [
        pytest.param("slice: {plan: pro}", 1.0, 4.0, id="pro-plan-slice"),
        pytest.param("slice: {plan: free}", 2.0, 4.0, id="free-plan-slice"),
        pytest.param("slice: {platform: ios}", 1.0, 4.0, id="another-dimension"),
        pytest.param("slice: {plan: '(none)'}", 1.0, 4.0, id="rows-without-the-property"),
        pytest.param("", 4.0, 4.0, id="no-slice-reads-the-whole-metric"),
    ],
)
def test_a_sliced_key_result_is_scored_on_its_slice_only(
    tmp_path: Path, slice_line: str, pro_now: float, all_now: float
) -> None:
    answers = Answers(sliced_workspace(tmp_path, slice_line))
    krs, _ = answers.scores(dt.date(2026, 1, 20), "2026-Q1")
    now = dict(zip(krs["kr_id"], krs["current"], strict=True))
    assert (now["pro-users"], now["all-users"]) == (pro_now, all_now)


def test_the_key_result_page_charts_the_slice(tmp_path: Path) -> None:
    detail = Answers(sliced_workspace(tmp_path, "slice: {plan: pro}")).key_result(
        "pro-users", dt.date(2026, 1, 20)
    )
    assert detail.own_series["value"].tolist() == [2.0, 1.0, 1.0]
    assert set(detail.own_series["metric"]) == {"weekly_active_users"}


@pytest.mark.parametrize(
    ("slice_line", "message"),
    [
        pytest.param("slice: {region: emea}", "does not declare as a dimension", id="undeclared"),
        pytest.param(
            "slice: {plan: pro, platform: web}", "names one dimension", id="two-dimensions"
        ),
        pytest.param(
            'slice: {"plan\') OR 1=1 --": x}', "does not declare", id="hostile-dimension-name"
        ),
    ],
)
def test_a_slice_the_metric_cannot_give_leaves_out_its_key_result_saying_what_to_write(
    tmp_path: Path, slice_line: str, message: str
) -> None:
    answers = Answers(sliced_workspace(tmp_path, slice_line))
    (broken,) = answers.broken
    assert (broken.kind, broken.id) == ("key result", "pro-users")
    assert message in broken.message() and "okrs.yaml" in broken.message()
    assert "pro-users" not in {kr.id for o in answers.okrs.objectives for kr in o.key_results}
