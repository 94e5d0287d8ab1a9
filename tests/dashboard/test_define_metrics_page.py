"""The Define metrics page through AppTest: bound to the metric it edits, previewed, saved."""

from __future__ import annotations

from pathlib import Path

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
