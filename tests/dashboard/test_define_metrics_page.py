"""The Define metrics page through AppTest: bound to the metric it edits, previewed, saved."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from pipelines.service import Workspace
from tests.dashboard.conftest import Open
from tests.dashboard.test_sign_in import ACCESS, visit

PAGE = "define_metrics_page.py"


def picked(at: AppTest, name: str) -> AppTest:
    """at after picking the metric called name (the empty name: a new one)."""
    return at.selectbox(key="define_metric").set_value(name).run()


def form_values(at: AppTest, name: str) -> dict[str, object]:
    """Every value the form of metric name shows, by the field its key names."""
    widgets = [*at.text_input, *at.radio, *at.selectbox, *at.multiselect, *at.checkbox]
    suffix = f"_{name}"
    return {
        str(w.key).removeprefix("define_").removesuffix(suffix): w.value
        for w in widgets
        if str(w.key).endswith(suffix)
    }


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        pytest.param(
            "signups",
            "activations",
            {"label": "Activations", "events": ["account_activated"], "source": "events"},
            id="events-to-events",
        ),
        pytest.param(
            "weekly_active_users",
            "mrr",
            {"label": "MRR", "kpi": "mrr", "agg": "last", "source": "kpis"},
            id="events-to-kpis",
        ),
        pytest.param(
            "csat",
            "activation_rate",
            {"label": "Activation rate", "numerator": "activations", "denominator": "signups"},
            id="kpis-to-ratio",
        ),
    ],
)
def test_picking_another_metric_shows_its_own_values_not_the_previous_ones(
    demo_home: Path, open_page: Open, first: str, second: str, expected: dict[str, object]
) -> None:
    at = picked(open_page(PAGE), first)
    at.text_input(key=f"define_label_{first}").input("Typed but not saved").run()
    at = picked(at, second)
    assert not at.exception
    shown = form_values(at, second)
    assert {field: shown[field] for field in expected} == expected
    assert form_values(at, first) == {}  # no widget of the first metric is left on the page


def test_a_metric_created_through_the_form_is_previewed_then_saved(
    demo_home: Path, open_page: Open
) -> None:
    at = open_page(PAGE)
    at.text_input(key="define_name_+new").input("shares")
    at.text_input(key="define_label_+new").input("Library shares")
    at.text_input(key="define_unit_+new").input("shares")
    at.multiselect(key="define_events_+new").select("library_shared").run()
    assert not at.exception and not at.error
    assert "Last complete week, from 16 Nov 2026: 174 shares" in [c.value for c in at.caption]
    assert "where event\\_name = 'library\\_shared'" in at.markdown[0].value
    at.button(key="define_save_+new").click().run()
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == ["Saved metric shares."]
    assert at.selectbox(key="define_metric").value == "shares"
    saved = Workspace(demo_home).catalog().get("shares")
    assert (saved.label, saved.filter, saved.unit) == (
        "Library shares",
        "event_name = 'library_shared'",
        "shares",
    )


def test_a_filter_naming_a_missing_property_is_refused_live_and_cannot_be_saved(
    demo_home: Path, open_page: Open
) -> None:
    before = (demo_home / "metrics.yaml").read_bytes()
    at = picked(open_page(PAGE), "signups")
    at.text_input(key="define_filter_signups").input("properties['plna'] = 'campus'").run()
    assert not at.exception
    assert "property 'plna', which the store does not hold; close matches: plan" in (
        at.error[0].value.replace("\\", "")
    )
    assert at.button(key="define_save_signups").disabled
    assert (demo_home / "metrics.yaml").read_bytes() == before


def test_a_filter_on_a_value_no_event_holds_names_the_stored_ones_and_saves_only_when_ticked(
    demo_home: Path, open_page: Open
) -> None:
    before = (demo_home / "metrics.yaml").read_bytes()
    at = picked(open_page(PAGE), "signups")
    at.text_input(key="define_filter_signups").input("properties['plan'] = 'Campus'").run()
    assert not at.exception and not at.error
    assert [w.value.replace("\\", "") for w in at.warning] == [
        "no stored event has plan = 'Campus'; stored values include: campus, department, trial"
    ]
    assert at.button(key="define_save_signups").disabled
    assert (demo_home / "metrics.yaml").read_bytes() == before
    at.checkbox(key="define_save_anyway_signups").check().run()
    at.button(key="define_save_signups").click().run()
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == ["Saved metric signups."]
    assert Workspace(demo_home).catalog().get("signups").filter == (
        "event_name = 'signed_up' AND (properties['plan'] = 'Campus')"
    )


def test_a_viewer_sees_the_definitions_read_only_with_no_enabled_save(demo_home: Path) -> None:
    (demo_home / "access.yaml").write_text(ACCESS)
    at = visit(PAGE, "vic@example.com", demo_home)
    assert not at.exception and not at.error
    assert "vic@example.com has the viewer role here and may not define metrics" in (
        at.caption[0].value
    )
    assert at.button and all(b.disabled for b in at.button)
    assert all(w.disabled for w in [*at.text_input, *at.radio, *at.selectbox[1:]])
    assert "New metric" not in at.selectbox(key="define_metric").options
    assert len(at.dataframe[0].value) == len(Workspace(demo_home).catalog().metrics)


def said(elements: Iterable[Any]) -> list[str]:
    """What the elements (messages) say, as read: without Markdown's escapes."""
    return [str(e.value).replace("\\", "") for e in elements]


def removal_asked(at: AppTest, name: str) -> AppTest:
    """at after picking metric name and pressing its Remove button once."""
    return picked(at, name).button(key=f"define_remove_{name}").click().run()


@pytest.mark.parametrize(
    ("answer", "success", "kept"),
    [
        pytest.param("remove_yes", ["Removed metric trials_started."], False, id="yes-remove"),
        pytest.param("remove_no", [], True, id="keep-it"),
    ],
)
def test_removing_a_metric_takes_a_second_click_that_says_what_goes(
    demo_home: Path, open_page: Open, answer: str, success: list[str], kept: bool
) -> None:
    before = (demo_home / "metrics.yaml").read_bytes()
    at = removal_asked(open_page(PAGE), "trials_started")
    assert not at.exception and not at.error
    assert said(at.warning)[0].startswith("Remove metric trials_started from metrics.yaml?")
    assert (demo_home / "metrics.yaml").read_bytes() == before
    at = at.button(key=f"define_{answer}_trials_started").click().run()
    assert not at.exception and not at.error
    assert said(at.success) == success
    assert ("trials_started" in {m.name for m in Workspace(demo_home).catalog().metrics}) is kept
    assert at.selectbox(key="define_metric").value == ("trials_started" if kept else "")
    assert not at.warning  # no question left on the page


def test_removing_a_metric_in_use_is_refused_in_words_with_nothing_to_confirm(
    demo_home: Path, open_page: Open
) -> None:
    before = (demo_home / "metrics.yaml").read_bytes()
    at = removal_asked(open_page(PAGE), "mrr")
    assert not at.exception
    assert said(at.error)[0].startswith(
        "metric mrr is used by key results company-q4-mrr, company-q3-mrr: removing it would "
        "leave them without it."
    )
    assert not [b for b in at.button if str(b.key).startswith("define_remove_yes")]
    assert (demo_home / "metrics.yaml").read_bytes() == before


@dataclass(frozen=True)
class Break:
    """A metric broken by replacing good with bad in metrics.yaml, and its mend in the form."""

    good: str
    bad: str
    name: str
    entry: str  # how the picker lists it
    field: str  # the widget key's field that mends it
    mended: str


BROKEN = {
    "a filter that does not parse": Break(
        "filter: \"event_name = 'signed_up'\"",
        "filter: \"event_name = = 'signed_up'\"",
        "signups",
        "signups (broken: cannot parse \"event_name = = 'signed_up'\": Required keyword…)",
        "filter",
        "event_name = 'signed_up'",
    ),
    "an aggregation okrlens does not know": Break(
        "aggregation: sum\n    grain: week\n    unit: trials",
        "aggregation: median\n    grain: week\n    unit: trials",
        "trials_started",
        "trials_started (broken: aggregation: Input should be 'count', 'count_distinct', 'su…)",
        "agg",
        "sum",
    ),
}


def broken(home: Path, case: Break) -> str:
    """Break case's metric in home's metrics.yaml; the file's text before."""
    path = home / "metrics.yaml"
    original = path.read_text()
    path.write_text(original.replace(case.good, case.bad))
    return original


@pytest.mark.parametrize("case", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_metric_is_listed_as_broken_and_opens_to_be_fixed(
    demo_home: Path, open_page: Open, case: Break
) -> None:
    original = broken(demo_home, case)
    at = open_page(PAGE)
    assert case.entry in at.selectbox(key="define_metric").options
    at = picked(at, case.name)
    assert not at.exception
    assert said(at.warning)[0].startswith(
        f"Metric {case.name} is broken, so every page leaves it out"
    )
    widgets = at.text_input if case.field == "filter" else at.selectbox
    widgets(key=f"define_{case.field}_{case.name}").set_value(case.mended).run()
    assert not at.error
    at.button(key=f"define_save_{case.name}").click().run()
    assert not at.exception and not at.error
    assert said(at.success) == [f"Saved metric {case.name}."]
    assert (demo_home / "metrics.yaml").read_text() == original
    assert not any("broken" in option for option in at.selectbox(key="define_metric").options)


@pytest.mark.parametrize("case", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_metric_can_be_removed_without_a_raw_error(
    demo_home: Path, open_page: Open, case: Break
) -> None:
    broken(demo_home, case)
    at = removal_asked(open_page(PAGE), case.name)
    at = at.button(key=f"define_remove_yes_{case.name}").click().run()
    assert not at.exception and not at.error
    assert f"- name: {case.name}\n" not in (demo_home / "metrics.yaml").read_text()
    assert case.entry not in at.selectbox(key="define_metric").options
