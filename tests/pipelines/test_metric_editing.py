"""Defining metrics through the service: checked against the file and the store, saved or
removed, audited."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from pipelines import db
from pipelines.access import AccessSpec, actor_of
from pipelines.errors import OkrlensError
from pipelines.service import Workspace, metric_choices, metric_edits, metric_forms, trust
from pipelines.service.okr_edits import NeedsConfirmation

SPEC = AccessSpec(
    users={"vic@example.com": "viewer", "ana@example.com": "analyst", "root@example.com": "admin"}
)
VIEWER = actor_of(SPEC, "vic@example.com", [], "dashboard")
ANALYST = actor_of(SPEC, "ana@example.com", [], "dashboard")
ADMIN = actor_of(SPEC, "root@example.com", [], "dashboard")
EVENTS = {"kind": "leading", "source": "events", "aggregation": "count"}
# A file in dbt's spelling (agg, expr), with comments, and no key results to keep whole.
DBT_SPELLED = """\
# Our metrics, dbt-style.
metrics:
  # Everyone active in the week.
  - name: weekly_active_users
    kind: leading
    source: events
    agg: count_distinct
    expr: user_id

  # Revenue, as billed.
  - name: mrr
    kind: lagging
    source: kpis
    agg: last

  # A formula, whose expr is not a column.
  - name: twice_active
    kind: leading
    expr: 2 * weekly_active_users
"""


@pytest.fixture
def ws(demo_copy: Path) -> Workspace:
    """A private copy of the demo workspace."""
    return Workspace(demo_copy)


def shown(ws: Workspace, name: str) -> metric_forms.MetricForm:
    """The form of the workspace's metric called name."""
    return metric_forms.metric_form(ws.catalog().get(name))


@pytest.mark.parametrize(
    ("draft", "written", "latest"),
    [
        pytest.param(
            EVENTS | {"name": "shares", "filter": "event_name = 'library_shared'"},
            """
  - name: shares
    kind: leading
    source: events
    aggregation: count
    filter: event_name = 'library_shared'
""",
            174.0,
            id="events-count-with-a-filter",
        ),
        pytest.param(
            {"name": "demo_requests", "kind": "lagging", "source": "kpis"}
            | {"aggregation": "sum", "grain": "week", "direction": "higher", "unit": "requests"},
            """
  - name: demo_requests
    kind: lagging
    source: kpis
    aggregation: sum
    unit: requests
""",
            12.0,
            id="kpis-without-the-defaults-it-was-given",
        ),
        pytest.param(
            {"name": "signups_per_user", "kind": "leading", "unit": "%"}
            | {"ratio": {"numerator": "signups", "denominator": "weekly_active_users"}},
            """
  - name: signups_per_user
    kind: leading
    ratio: {numerator: signups, denominator: weekly_active_users}
    unit: '%'
""",
            0.09933283914010378,
            id="ratio",
        ),
        pytest.param(
            {"name": "twice_signups", "kind": "leading", "expr": "2 * signups"},
            """
  - name: twice_signups
    kind: leading
    expr: 2 * signups
""",
            268.0,
            id="formula",
        ),
    ],
)
def test_a_new_metric_is_previewed_then_appended_with_only_the_fields_that_mean_something(
    ws: Workspace, draft: dict[str, Any], written: str, latest: float
) -> None:
    before = ws.metrics_path.read_text()
    found = metric_edits.preview(ws, draft)
    assert found.latest is not None
    start, value = found.latest
    assert (str(start.date()), value) == ("2026-11-16", pytest.approx(latest))
    assert len(found.series) == metric_edits.PREVIEW_PERIODS
    assert found.warnings == ()
    saved = metric_edits.save_metric(ws, ANALYST, draft)
    assert ws.metrics_path.read_text() == before + written
    assert ws.catalog().get(draft["name"]) == saved


def test_a_metric_saved_with_the_values_its_form_shows_leaves_the_file_byte_for_byte(
    ws: Workspace,
) -> None:
    before = ws.metrics_path.read_bytes()
    for metric in ws.catalog().metrics:
        draft = metric_forms.metric_form(metric).draft()
        metric_edits.save_metric(ws, ANALYST, draft, replacing=metric.name)
        assert ws.metrics_path.read_bytes() == before, metric.name


@pytest.mark.parametrize(
    ("name", "changes", "before", "after"),
    [
        pytest.param(
            "weekly_logins",
            {"unit": "", "direction": "lower"},
            "    unit: sessions\n",
            "    direction: lower\n",
            id="a-field-dropped-and-one-added-before-the-next-metrics-comments",
        ),
        pytest.param(
            "signups",
            {"event_names": ("signed_up", "account_activated")},
            "    filter: \"event_name = 'signed_up'\"\n",
            "    filter: \"event_name IN ('signed_up', 'account_activated')\"\n",
            id="event-names-picked-quoting-kept",
        ),
        pytest.param(
            "mrr",
            {"aggregation": "max", "label": "Peak MRR"},
            "    label: MRR\n    description: Monthly recurring revenue, as billed at the start of "
            "the week.\n    kind: lagging\n    source: kpis\n    kpi: mrr\n    aggregation: last\n",
            "    label: Peak MRR\n    description: Monthly recurring revenue, as billed at the start"
            " of the week.\n    kind: lagging\n    source: kpis\n    kpi: mrr\n    aggregation: max\n",
            id="values-changed-in-place-defaults-written-by-hand-kept",
        ),
    ],
)
def test_editing_a_metric_changes_only_its_own_lines_and_keeps_every_comment(
    ws: Workspace, name: str, changes: dict[str, Any], before: str, after: str
) -> None:
    original = ws.metrics_path.read_text()
    assert original.count(before) == 1
    draft = dataclasses.replace(shown(ws, name), **changes).draft()
    metric_edits.save_metric(ws, ANALYST, draft, replacing=name)
    assert ws.metrics_path.read_text() == original.replace(before, after)


def test_a_file_in_dbt_spelling_is_written_in_dbt_spelling(ws: Workspace) -> None:
    ws.metrics_path.write_text(DBT_SPELLED)
    ws.okrs_path.write_text("periods: []\nobjectives: []\n")
    wau = dataclasses.replace(shown(ws, "weekly_active_users"), column="account_id", unit="users")
    metric_edits.save_metric(ws, ANALYST, wau.draft(), replacing="weekly_active_users")
    twice = shown(ws, "twice_active").draft()
    metric_edits.save_metric(ws, ANALYST, twice, replacing="twice_active")
    metric_edits.save_metric(ws, ANALYST, EVENTS | {"name": "events_seen"})
    assert ws.metrics_path.read_text() == DBT_SPELLED.replace(
        "    expr: user_id\n", "    expr: account_id\n    unit: users\n"
    ) + ("\n  - name: events_seen\n    kind: leading\n    source: events\n    agg: count\n")


@pytest.mark.parametrize(
    ("draft", "replacing", "refusal"),
    [
        pytest.param(
            EVENTS | {"name": "big", "filter": "properties['seats'] = '3'"},
            None,
            "the filter names property 'seats', which the store does not hold",
            id="a-property-no-event-carries",
        ),
        pytest.param(
            EVENTS | {"name": "pl", "filter": "properties['plna'] = 'campus'"},
            None,
            "property 'plna', which the store does not hold; close matches: plan",
            id="a-misspelt-property-with-its-close-match",
        ),
        pytest.param(
            EVENTS | {"name": "su", "filter": "event_name = 'signed_upp'"},
            None,
            "event 'signed_upp', which the store does not hold; close matches: signed_up",
            id="a-misspelt-event-name",
        ),
        pytest.param(
            EVENTS | {"name": "pl", "filter": "plan = 'campus'"},
            None,
            "column 'plan', which the store does not hold; close matches: properties['plan']",
            id="a-property-written-as-a-column",
        ),
        pytest.param(
            EVENTS | {"name": "pl", "dimensions": ["platfrom"]},
            None,
            "dimension 'platfrom', which the store does not hold; close matches: platform",
            id="a-misspelt-dimension",
        ),
        pytest.param(
            {"name": "m", "kind": "lagging", "source": "kpis", "aggregation": "sum", "kpi": "mrrr"},
            None,
            "KPI 'mrrr', which the store does not hold; close matches: mrr",
            id="a-kpi-not-stored",
        ),
        pytest.param(
            EVENTS | {"name": "pl", "filter": "properties['plan'] > 5"},
            None,
            "the store cannot compute metric pl: Binder Error: Cannot compare values of type "
            "VARCHAR",
            id="text-compared-with-a-number",
        ),
        pytest.param(
            EVENTS | {"name": "Weekly users"},
            None,
            "'Weekly users' cannot name a metric",
            id="a-name-that-is-not-one",
        ),
        pytest.param(
            EVENTS | {"name": "signups"},
            None,
            "a metric called signups exists already",
            id="a-new-metric-under-a-taken-name",
        ),
        pytest.param(
            {"name": "r", "kind": "leading", "ratio": {"numerator": "nope", "denominator": "mrr"}},
            None,
            "metric r is not valid: it combines nope, which is not a valid metric",
            id="a-ratio-of-an-unknown-metric",
        ),
        pytest.param(
            EVENTS | {"name": "signups", "grain": "month", "filter": "event_name = 'signed_up'"},
            "signups",
            "would make metric activation_rate invalid: metric activation_rate: ratio combines "
            "parts of different grains",
            id="a-change-that-breaks-the-ratio-over-it",
        ),
    ],
)
def test_a_draft_that_cannot_stand_is_refused_in_preview_and_save_and_nothing_is_written(
    ws: Workspace, draft: dict[str, Any], replacing: str | None, refusal: str
) -> None:
    before = ws.metrics_path.read_bytes()
    for attempt in (
        lambda: metric_edits.preview(ws, draft, replacing=replacing),
        lambda: metric_edits.save_metric(ws, ANALYST, draft, replacing=replacing),
    ):
        with pytest.raises(OkrlensError) as refused:
            attempt()
        assert refusal in refused.value.message()
    assert ws.metrics_path.read_bytes() == before


@pytest.mark.parametrize(
    ("draft", "warning"),
    [
        pytest.param(
            EVENTS | {"filter": "properties['plan'] = 'enterprise'"},
            "no stored event has plan = 'enterprise'; stored values include: trial, department, "
            "campus",
            id="a-filter-matching-no-rows",
        ),
        pytest.param(
            EVENTS | {"aggregation": "sum", "column": "properties['plan']"},
            "No period has a value: properties['plan'] holds no numbers to sum.",
            id="a-sum-of-text",
        ),
    ],
)
def test_a_draft_that_computes_to_nothing_says_so(
    ws: Workspace, draft: dict[str, Any], warning: str
) -> None:
    found = metric_edits.preview(ws, draft | {"name": "draft"})
    assert found.warnings == (warning,)


@pytest.mark.parametrize(
    ("name", "refusal"),
    [
        pytest.param(
            "mrr",
            "metric mrr is used by key results company-q4-mrr, company-q3-mrr: renaming it",
            id="used-by-key-results",
        ),
        pytest.param(
            "activations",
            "metric activations is used by metrics activation_rate: renaming it",
            id="used-by-a-ratio",
        ),
    ],
)
def test_renaming_a_metric_in_use_is_refused_naming_its_users(
    ws: Workspace, name: str, refusal: str
) -> None:
    draft = dataclasses.replace(shown(ws, name), name=f"{name}_renamed").draft()
    with pytest.raises(OkrlensError) as refused:
        metric_edits.save_metric(ws, ANALYST, draft, replacing=name)
    assert refused.value.message().startswith(refusal)
    assert f"{name}_renamed" not in ws.metrics_path.read_text()


def test_renaming_a_metric_nothing_uses_renames_it_in_place(ws: Workspace) -> None:
    before = ws.metrics_path.read_text()
    draft = dataclasses.replace(shown(ws, "trials_started"), name="trials").draft()
    metric_edits.save_metric(ws, ANALYST, draft, replacing="trials_started")
    assert ws.metrics_path.read_text() == before.replace(
        "  - name: trials_started\n", "  - name: trials\n"
    )


def test_a_viewer_is_refused_and_the_refusal_is_audited(ws: Workspace) -> None:
    before = ws.metrics_path.read_bytes()
    with pytest.raises(OkrlensError) as refused:
        metric_edits.save_metric(ws, VIEWER, EVENTS | {"name": "shares"})
    assert (
        refused.value.what == "vic@example.com has the viewer role here and may not define metrics"
    )
    assert ws.metrics_path.read_bytes() == before
    log = trust.audit_log(ws, ADMIN, who="vic@example.com")
    assert log[["action", "target", "outcome"]].values.tolist() == [
        ["define metrics", "shares", "refused"]
    ]


def test_an_analysts_save_is_audited_with_what_changed(ws: Workspace) -> None:
    metric_edits.save_metric(ws, ANALYST, EVENTS | {"name": "shares"})
    draft = dataclasses.replace(shown(ws, "shares"), unit="shares").draft()
    metric_edits.save_metric(ws, ANALYST, draft, replacing="shares")
    log = trust.audit_log(ws, ADMIN, who="ana@example.com")
    assert log[["action", "target", "outcome"]].values.tolist() == [
        ["edit metric", "shares", "ok"],
        ["define metric", "shares", "ok"],
    ]
    assert all(log["file_sha256"].str.len() == 64)


def test_the_choices_are_what_the_store_holds(ws: Workspace) -> None:
    choices = metric_choices.metric_choices(ws)
    assert choices.event_names[:2] == ("session_started", "search_performed")
    assert set(choices.event_names) >= {"signed_up", "library_shared", "account_activated"}
    assert choices.property_keys == ("plan", "platform")
    assert choices.value_columns[-2:] == ("properties['plan']", "properties['platform']")
    assert choices.kpis["first_response_time_h"] == "First response time (h)"
    assert choices.segments["mrr"] == ()


@pytest.mark.parametrize(
    ("names", "condition", "text"),
    [
        pytest.param(("a",), "", "event_name = 'a'", id="one-event"),
        pytest.param(("a", "b"), "", "event_name IN ('a', 'b')", id="several-events"),
        pytest.param((), "user_id <> 'x'", "user_id <> 'x'", id="a-condition-alone"),
        pytest.param(
            ("it's",),
            "properties['plan'] = 'campus'",
            "event_name = 'it''s' AND (properties['plan'] = 'campus')",
            id="a-quote-in-a-name-and-a-condition",
        ),
    ],
)
def test_event_names_and_a_condition_make_one_filter_and_read_back(
    names: tuple[str, ...], condition: str, text: str
) -> None:
    assert metric_forms.event_filter(names, condition) == text
    assert metric_forms.filter_parts(text) == (names, condition)


# Sections and a comment per metric, as people write them; no key results to keep whole.
COMMENTED = """\
# Our metrics.
metrics:
  # --- Usage ---

  # Everyone active in the week.
  - name: weekly_active_users
    kind: leading
    source: events
    aggregation: count_distinct
    column: user_id

  # --- Money ---

  # Revenue, as billed.
  - name: mrr
    kind: lagging
    source: kpis
    aggregation: last  # as billed

  # Sign-ups.
  - name: signups
    kind: leading
    source: events
    aggregation: count
    filter: event_name = 'signed_up'
# The end.
"""
WAU = """\
  # Everyone active in the week.
  - name: weekly_active_users
    kind: leading
    source: events
    aggregation: count_distinct
    column: user_id

"""
MRR = """\
  # Revenue, as billed.
  - name: mrr
    kind: lagging
    source: kpis
    aggregation: last  # as billed

"""
SIGNUPS = """\

  # Sign-ups.
  - name: signups
    kind: leading
    source: events
    aggregation: count
    filter: event_name = 'signed_up'
"""


@pytest.mark.parametrize(
    ("name", "refusal"),
    [
        pytest.param(
            "mrr",
            "metric mrr is used by key results company-q4-mrr, company-q3-mrr: removing it would "
            "leave them without it. Point them at another metric first, or remove them.",
            id="used-by-key-results",
        ),
        pytest.param(
            "signups",
            "metric signups is used by key results product-q4-activation and metrics "
            "activation_rate: removing it",
            id="a-counter-metric-and-a-ratios-part",
        ),
    ],
)
def test_removing_a_metric_in_use_is_refused_naming_its_users_before_any_question(
    ws: Workspace, name: str, refusal: str
) -> None:
    before = ws.metrics_path.read_bytes()
    for confirmed in (False, True):
        with pytest.raises(OkrlensError) as refused:
            metric_edits.remove_metric(ws, ANALYST, name, confirmed=confirmed)
        assert not isinstance(refused.value, NeedsConfirmation)
        assert refused.value.message().startswith(refusal)
    assert ws.metrics_path.read_bytes() == before


def test_removing_a_metric_a_formula_uses_is_refused(ws: Workspace) -> None:
    ws.metrics_path.write_text(DBT_SPELLED)
    ws.okrs_path.write_text("periods: []\nobjectives: []\n")
    with pytest.raises(OkrlensError) as refused:
        metric_edits.remove_metric(ws, ANALYST, "weekly_active_users", confirmed=True)
    assert refused.value.what.startswith(
        "metric weekly_active_users is used by metrics twice_active"
    )
    assert ws.metrics_path.read_text() == DBT_SPELLED


def test_removing_a_metric_asks_first_saying_what_goes_and_writes_nothing(ws: Workspace) -> None:
    before = ws.metrics_path.read_bytes()
    with pytest.raises(NeedsConfirmation) as asked:
        metric_edits.remove_metric(ws, ANALYST, "trials_started", confirmed=False)
    assert asked.value.concerns == [
        "Remove metric trials_started from metrics.yaml? No key result or metric uses it; its "
        "definition goes, and the data it reads stays in the store."
    ]
    assert asked.value.what.startswith("removing metric trials_started needs your confirmation")
    assert ws.metrics_path.read_bytes() == before


@pytest.mark.parametrize(
    ("names", "written"),
    [
        pytest.param(
            ["weekly_active_users"], COMMENTED.replace(WAU, ""), id="the-first-section-kept"
        ),
        pytest.param(["mrr"], COMMENTED.replace(MRR, ""), id="one-in-the-middle-section-kept"),
        pytest.param(["signups"], COMMENTED.replace(SIGNUPS, ""), id="the-last-the-end-kept"),
        pytest.param(
            ["weekly_active_users", "mrr", "signups"],
            "# Our metrics.\nmetrics: []\n  # --- Usage ---\n\n  # --- Money ---\n# The end.\n",
            id="every-one-an-empty-list-with-the-other-comments",
        ),
    ],
)
def test_a_confirmed_removal_takes_the_metric_and_its_own_comment_and_nothing_else(
    ws: Workspace, names: list[str], written: str
) -> None:
    ws.metrics_path.write_text(COMMENTED)
    ws.okrs_path.write_text("periods: []\nobjectives: []\n")
    for name in names:
        left = metric_edits.remove_metric(ws, ANALYST, name, confirmed=True)
        assert name not in {m.name for m in left.metrics}
    assert ws.metrics_path.read_text() == written
    assert ws.catalog() == left


def test_a_removal_is_role_checked_and_audited(ws: Workspace) -> None:
    with pytest.raises(OkrlensError) as refused:
        metric_edits.remove_metric(ws, VIEWER, "trials_started", confirmed=True)
    assert refused.value.what.endswith("may not define metrics")
    assert "trials_started" in ws.metrics_path.read_text()
    metric_edits.remove_metric(ws, ANALYST, "trials_started", confirmed=True)
    log = trust.audit_log(ws, ADMIN)
    assert log[["actor", "action", "target", "outcome"]].values.tolist()[:2] == [
        ["ana@example.com", "remove metric", "trials_started", "ok"],
        ["vic@example.com", "define metrics", "trials_started", "refused"],
    ]


@pytest.mark.parametrize(
    "attempt",
    [
        pytest.param(
            lambda ws: metric_edits.remove_metric(ws, ANALYST, "trials_started", confirmed=True),
            id="remove",
        ),
        pytest.param(
            lambda ws: metric_edits.save_metric(
                ws,
                ANALYST,
                dataclasses.replace(shown(ws, "trials_started"), name="trials").draft(),
                replacing="trials_started",
            ),
            id="rename",
        ),
    ],
)
def test_the_use_check_reads_okrs_yaml_under_its_lock(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch, attempt: Any
) -> None:
    monkeypatch.setenv("OKRLENS_STORE_WAIT", "0")
    before = ws.metrics_path.read_bytes()
    # Another session saving a key result holds okrs.yaml: it might point at the metric.
    with db.lock_file(ws.okrs_path, exclusive=True), pytest.raises(OkrlensError) as refused:
        attempt(ws)
    assert refused.value.what.startswith("okrs.yaml is busy")
    assert ws.metrics_path.read_bytes() == before
    attempt(ws)  # once it is free, the change goes through
    assert "- name: trials_started\n" not in ws.metrics_path.read_text()


BROKEN_SIGNUPS = ("filter: \"event_name = 'signed_up'\"", "filter: \"event_name = = 'signed_up'\"")
BROKEN_TRIALS = (
    "aggregation: sum\n    grain: week\n    unit: trials",
    "aggregation: median\n    grain: week\n    unit: trials",
)


@pytest.mark.parametrize(
    ("broken", "listed", "shown", "fixed"),
    [
        pytest.param(
            BROKEN_SIGNUPS,
            {
                "signups": "cannot parse \"event_name = = 'signed_up'\"",
                "activation_rate": "it combines signups, which is not a valid metric",
            },
            {"name": "signups", "event_names": (), "filter": "event_name = = 'signed_up'"},
            {"filter": "", "event_names": ("signed_up",)},
            id="a-filter-that-does-not-parse-and-the-ratio-over-it",
        ),
        pytest.param(
            BROKEN_TRIALS,
            {"trials_started": "aggregation: Input should be 'count', 'count_distinct', 'sum'"},
            {"name": "trials_started", "source": "kpis", "aggregation": "median", "unit": "trials"},
            {"aggregation": "sum"},
            id="an-aggregation-okrlens-does-not-know",
        ),
    ],
)
def test_a_broken_metric_opens_in_its_form_as_written_and_saving_it_fixed_mends_the_file(
    ws: Workspace,
    broken: tuple[str, str],
    listed: dict[str, str],
    shown: dict[str, object],
    fixed: dict[str, object],
) -> None:
    original = ws.metrics_path.read_text()
    ws.metrics_path.write_text(original.replace(*broken))
    found = {b.name: b for b in metric_forms.broken_metrics(ws)}
    assert {n: b.problem[: len(listed[n])] for n, b in found.items()} == listed
    name = str(shown["name"])
    form = found[name].form
    assert {field: getattr(form, field) for field in shown} == shown
    metric_edits.save_metric(
        ws, ANALYST, dataclasses.replace(form, **fixed).draft(), replacing=name
    )
    assert metric_forms.broken_metrics(ws) == ()
    assert ws.metrics_path.read_text() == original


def test_a_broken_metric_can_be_removed(ws: Workspace) -> None:
    original = ws.metrics_path.read_text()
    ws.metrics_path.write_text(original.replace(*BROKEN_TRIALS))
    metric_edits.remove_metric(ws, ANALYST, "trials_started", confirmed=True)
    assert metric_forms.broken_metrics(ws) == ()
    assert "trials_started" not in ws.metrics_path.read_text()
