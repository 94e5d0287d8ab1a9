"""Periods, objectives and key results defined through the service: validated, saved, audited."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from pipelines.errors import OkrlensError
from pipelines.service import Actor, Role, Workspace, trust
from pipelines.service.okr_edits import (
    NeedsConfirmation,
    add_key_result,
    add_objective,
    add_period,
    edit_key_result,
    edit_objective,
    edit_period,
    quarter_of,
    remove,
)

ANALYST = Actor("ana@example.com", Role.ANALYST, "test")
VIEWER = Actor("vic@example.com", Role.VIEWER, "test")
Q4 = ("2026-Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31))


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """An empty workspace with the example's metrics, so key results have something to read."""
    workspace = Workspace(tmp_path)
    workspace.init(example=True)
    (tmp_path / "okrs.yaml").write_text("# ours\nperiods: []\nobjectives: []\n")
    return workspace


def objective(**fields: Any) -> dict[str, Any]:
    """An objective's fields, with these ones changed."""
    return {"title": "Grow revenue", "team": "Sales", "owner": "Sam", "period": "2026-Q4", **fields}


def test_an_empty_workspace_is_scored_from_nothing_to_its_first_key_result(ws: Workspace) -> None:
    add_period(ws, ANALYST, *Q4)
    add_objective(ws, ANALYST, objective())
    okrs = add_key_result(
        ws, ANALYST, "grow-revenue", {"title": "MRR to $500k", "metric": "mrr", "target": 500000.0}
    )
    text = ws.okrs_path.read_text()
    assert text.startswith("# ours\n")
    assert "  - {name: 2026-Q4, start: 2026-10-01, end: 2026-12-31}\n" in text
    assert "      - id: mrr-to-500k\n        title: MRR to $500k\n        metric: mrr\n" in text
    assert "target: 500000\n" in text and "weight" not in text  # only what was set
    ((o, kr),) = [(o, kr) for o in okrs.objectives for kr in o.key_results]
    assert (o.id, o.team, o.period, kr.kr_type) == ("grow-revenue", "Sales", "2026-Q4", "increase")
    actions = list(trust.audit_log(ws, Actor("admin", Role.ADMIN, "t"))["action"])
    assert {"add period", "add objective", "add key result"} <= set(actions)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(
            lambda ws: add_period(ws, ANALYST, "Q", dt.date(2026, 10, 1), dt.date(2026, 9, 1)),
            "the new period cannot be saved: period Q: end 2026-09-01 is not after start",
            id="period-ending-before-it-starts",
        ),
        pytest.param(
            lambda ws: add_period(ws, ANALYST, *Q4),
            "a period called '2026-Q4' already exists",
            id="period-twice",
        ),
        pytest.param(
            lambda ws: add_objective(ws, ANALYST, objective(title="Other", period="2027-Q1")),
            "there is no period '2027-Q1'",
            id="objective-in-unknown-period",
        ),
        pytest.param(
            lambda ws: add_objective(ws, ANALYST, objective(id="grow-revenue")),
            "an objective or key result called 'grow-revenue' already exists",
            id="objective-id-taken",
        ),
        pytest.param(
            lambda ws: add_key_result(
                ws, ANALYST, "grow-revenue", {"title": "X", "metric": "nope", "target": 1.0}
            ),
            "there is no metric 'nope'. Define it on the Define metrics page first",
            id="unknown-metric",
        ),
        pytest.param(
            lambda ws: add_key_result(
                ws,
                ANALYST,
                "grow-revenue",
                {"title": "X", "metric": "mrr", "baseline": 5.0, "target": 5.0},
            ),
            "the target equals the baseline (5), so progress cannot be measured",
            id="target-equals-baseline",
        ),
        pytest.param(
            lambda ws: add_key_result(ws, ANALYST, "nope", {"title": "X", "metric": "mrr"}),
            "there is no objective 'nope'",
            id="unknown-objective",
        ),
        pytest.param(
            lambda ws: add_key_result(
                ws,
                ANALYST,
                "grow-revenue",
                {"title": "X", "metric": "mrr", "target": 9.0, "deadline": dt.date(2027, 1, 15)},
            ),
            "key result x is due 2027-01-15, outside its period 2026-Q4 (2026-10-01 to "
            "2026-12-31) (okrs.yaml, key result x, deadline). Choose a deadline after 2026-10-01",
            id="deadline-after-the-period",
        ),
        pytest.param(
            lambda ws: add_period(ws, VIEWER, "2027-Q1", dt.date(2027, 1, 1), dt.date(2027, 3, 31)),
            "define OKR periods",
            id="viewer-refused",
        ),
    ],
)
def test_what_okrs_yaml_would_refuse_is_refused_in_words_and_nothing_is_written(
    ws: Workspace, make: Any, message: str
) -> None:
    add_period(ws, ANALYST, *Q4)
    add_objective(ws, ANALYST, objective())
    before = ws.okrs_path.read_bytes()
    with pytest.raises(OkrlensError) as refused:
        make(ws)
    assert message in refused.value.message()
    assert ws.okrs_path.read_bytes() == before


def test_a_new_key_result_against_its_title_asks_for_confirmation(ws: Workspace) -> None:
    add_period(ws, ANALYST, *Q4)
    add_objective(ws, ANALYST, objective())
    fields = {"title": "Raise MRR", "metric": "mrr", "baseline": 500.0, "target": 400.0}
    with pytest.raises(NeedsConfirmation) as asked:
        add_key_result(ws, ANALYST, "grow-revenue", fields)
    assert asked.value.concerns == [
        "Its title says to raise it (\u201cRaise MRR\u201d), but the target is below the baseline.",
        "For mrr, higher is better, but this target asks it to fall.",
    ]
    okrs = add_key_result(ws, ANALYST, "grow-revenue", fields, confirmed=True)
    assert okrs.key_result("raise-mrr")[1].kr_type == "decrease"


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2026, 1, 1), ("2026-Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31))),
        (dt.date(2026, 8, 15), ("2026-Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30))),
        (dt.date(2026, 12, 31), ("2026-Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31))),
    ],
)
def test_the_suggested_period_is_the_calendar_quarter(
    day: dt.date, expected: tuple[str, dt.date, dt.date]
) -> None:
    period = quarter_of(day)
    assert (period.name, period.start, period.end) == expected


@pytest.fixture
def defined(ws: Workspace) -> Workspace:
    """ws with a period, an objective, a key result, and a child objective rolling up into it."""
    add_period(ws, ANALYST, *Q4)
    add_objective(ws, ANALYST, objective())
    add_key_result(
        ws, ANALYST, "grow-revenue", {"title": "Grow MRR", "metric": "mrr", "target": 9.0}
    )
    add_objective(ws, ANALYST, objective(title="Sell more", team="Field", parent_kr="grow-mrr"))
    return ws


def test_editing_changes_only_the_fields_given_and_keeps_the_rest_as_written(
    defined: Workspace,
) -> None:
    before = defined.okrs_path.read_text()
    edit_key_result(
        defined, ANALYST, "grow-mrr", {"title": "Grow MRR to 9", "counter_metric": "arr"}
    )
    edit_objective(defined, ANALYST, "sell-more", {"owner": "Fay"})
    edit_period(defined, ANALYST, "2026-Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 20))
    after = defined.okrs_path.read_text()
    assert after.startswith("# ours\n")
    changed = [line for line in after.splitlines() if line not in before.splitlines()]
    assert changed == [
        "  - {name: 2026-Q4, start: 2026-10-01, end: 2026-12-20}",
        "        title: Grow MRR to 9",
        "        counter_metric: arr",
        "    owner: Fay",
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            lambda ws: edit_key_result(ws, ANALYST, "grow-mrr", {"metric": "nope"}),
            "there is no metric 'nope'",
            id="unknown-metric",
        ),
        pytest.param(
            lambda ws: edit_key_result(
                ws, ANALYST, "grow-mrr", {"type": "stay_above", "target": None}
            ),
            "a stay above key result needs a target",
            id="threshold-without-target",
        ),
        pytest.param(
            lambda ws: edit_objective(ws, ANALYST, "grow-revenue", {"title": " "}),
            "an objective needs a title and a team",
            id="blank-title",
        ),
        pytest.param(
            lambda ws: edit_period(
                ws, ANALYST, "2026-Q4", dt.date(2026, 10, 1), dt.date(2026, 9, 1)
            ),
            "end 2026-09-01 is not after start",
            id="period-backwards",
        ),
        pytest.param(
            lambda ws: remove(ws, ANALYST, "key_result", "grow-mrr"),
            "'grow-mrr' cannot be removed while Sell more depends on it",
            id="a-parent-key-result",
        ),
        pytest.param(
            lambda ws: remove(ws, ANALYST, "period", "2026-Q4"),
            "'2026-Q4' cannot be removed while Grow revenue, Sell more depend on it",
            id="a-period-in-use",
        ),
        pytest.param(
            lambda ws: remove(ws, VIEWER, "objective", "sell-more"),
            "may not edit key results",
            id="viewer",
        ),
    ],
)
def test_an_edit_or_removal_that_would_leave_something_broken_is_refused(
    defined: Workspace, change: Any, message: str
) -> None:
    before = defined.okrs_path.read_bytes()
    with pytest.raises(OkrlensError) as refused:
        change(defined)
    assert message in refused.value.message()
    assert defined.okrs_path.read_bytes() == before


def test_removing_goes_leaf_first_and_is_audited(defined: Workspace) -> None:
    remove(defined, ANALYST, "objective", "sell-more")
    okrs = remove(defined, ANALYST, "key_result", "grow-mrr")
    assert [(o.id, len(o.key_results)) for o in okrs.objectives] == [("grow-revenue", 0)]
    removed = trust.audit_log(defined, Actor("admin", Role.ADMIN, "t"))
    assert {"remove objective", "remove key result"} <= set(removed["action"])


@pytest.mark.parametrize(
    ("fields", "entry"),
    [
        pytest.param(
            {"deadline": dt.date(2026, 12, 31)},
            "        metric: mrr\n        target: 9\n",
            id="a-deadline-on-the-period-end-is-the-default-and-not-written",
        ),
        pytest.param(
            {"deadline": dt.date(2026, 12, 15)},
            "        metric: mrr\n        target: 9\n        deadline: 2026-12-15\n",
            id="an-earlier-deadline-is-written",
        ),
        pytest.param(
            {"metric": "weekly_active_users", "slice": {"plan": "pro"}},
            "        metric: weekly_active_users\n        target: 9\n        slice: {plan: pro}\n",
            id="a-slice-is-written-as-dimension-and-value",
        ),
        pytest.param(
            {"slice": None},
            "        metric: mrr\n        target: 9\n",
            id="the-whole-metric-writes-no-slice",
        ),
    ],
)
def test_a_new_key_result_writes_its_deadline_and_slice_only_when_they_are_not_the_default(
    ws: Workspace, fields: dict[str, Any], entry: str
) -> None:
    add_period(ws, ANALYST, *Q4)
    add_objective(ws, ANALYST, objective())
    add_key_result(
        ws, ANALYST, "grow-revenue", {"title": "Grow", "metric": "mrr", "target": 9.0, **fields}
    )
    assert ws.okrs_path.read_text().endswith("      - id: grow\n        title: Grow\n" + entry)


@pytest.mark.parametrize(
    ("deadlines", "changed"),
    [
        pytest.param([dt.date(2026, 12, 31)], [], id="the-period-end-unchanged-writes-nothing"),
        pytest.param(
            [dt.date(2026, 12, 15)],
            ["        deadline: 2026-12-15"],
            id="an-earlier-one-is-written",
        ),
        pytest.param(
            [dt.date(2026, 12, 15), dt.date(2026, 12, 15)],
            ["        deadline: 2026-12-15"],
            id="saving-it-unchanged-writes-nothing-more",
        ),
        pytest.param(
            [dt.date(2026, 12, 15), dt.date(2026, 12, 31)],
            [],
            id="moving-it-back-to-the-period-end-removes-it",
        ),
    ],
)
def test_an_edited_deadline_is_written_only_while_it_differs_from_the_period_end(
    defined: Workspace, deadlines: list[dt.date], changed: list[str]
) -> None:
    before = defined.okrs_path.read_text()
    for deadline in deadlines:
        edit_key_result(defined, ANALYST, "grow-mrr", {"title": "Grow MRR", "deadline": deadline})
    after = defined.okrs_path.read_text()
    assert [line for line in after.splitlines() if line not in before.splitlines()] == changed
    assert (after == before) is (changed == [])


def test_a_period_cannot_be_shortened_past_a_deadline_inside_it(defined: Workspace) -> None:
    edit_key_result(defined, ANALYST, "grow-mrr", {"deadline": dt.date(2026, 12, 15)})
    before = defined.okrs_path.read_bytes()
    with pytest.raises(OkrlensError) as refused:
        edit_period(defined, ANALYST, "2026-Q4", dt.date(2026, 10, 1), dt.date(2026, 11, 30))
    assert refused.value.message().startswith(
        "key result grow-mrr is due 2026-12-15, outside its period 2026-Q4 (2026-10-01 to "
        "2026-11-30)"
    )
    assert defined.okrs_path.read_bytes() == before
