"""Editing initiatives.yaml through the service: allowed by role and team, numbers read as
typed, validated like a hand-written file, saved atomically with comments kept, audited; and a
key result an initiative serves cannot be removed from under it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
import yaml

from pipelines.access import Action, Actor, Role
from pipelines.errors import OkrlensError
from pipelines.okrs import initiative_edit
from pipelines.okrs.initiatives import Initiative
from pipelines.service import initiatives as service
from pipelines.service import okr_edits, trust
from pipelines.service.initiatives import InitiativeDraft
from pipelines.workspace import Workspace

ANALYST = Actor("ana@example.com", Role.ANALYST, "dashboard")
PRODUCT_ANALYST = Actor("pia@example.com", Role.ANALYST, "dashboard", frozenset({"Product"}))
VIEWER = Actor("vic@example.com", Role.VIEWER, "dashboard")
ADMIN = Actor("root@example.com", Role.ADMIN, "dashboard")
DRAFT = InitiativeDraft(
    title="Reference import wizard",
    team="Product",
    owner="Malik Okafor",
    status="planned",
    # As people type them: activation is a percent metric (points), the milestone in percent.
    effects=(("product-q4-activation", "+5"), ("product-q4-citation-graph", "20 %")),
    reach="1,200",
    confidence="80 %",
    effort="3.5",
)


@pytest.fixture
def ws(demo_copy: Path) -> Workspace:
    """A private copy of the demo workspace (its initiatives.yaml is the sample's)."""
    return Workspace(demo_copy)


def saved(ws: Workspace) -> dict[str, dict[str, object]]:
    """initiatives.yaml as a plain reader sees it, by initiative id."""
    return {i["id"]: i for i in yaml.safe_load(ws.initiatives_path.read_text())["initiatives"]}


def test_an_analyst_adds_an_initiative_read_as_typed_with_the_files_comments_kept(
    ws: Workspace,
) -> None:
    comments = [line for line in ws.initiatives_path.read_text().splitlines() if "#" in line]
    service.add_initiative(ws, ANALYST, DRAFT)
    assert saved(ws)["reference-import-wizard"] == {
        "id": "reference-import-wizard",
        "title": "Reference import wizard",
        "team": "Product",
        "owner": "Malik Okafor",
        "status": "planned",
        "serves": [
            {"key_result": "product-q4-activation", "effect": 0.05},
            {"key_result": "product-q4-citation-graph", "effect": 0.2},
        ],
        "reach": 1200,
        "confidence": 0.8,
        "effort": 3.5,
    }
    assert all(line in ws.initiatives_path.read_text() for line in comments)
    log = trust.audit_log(ws, ADMIN, actions=["add initiative"])
    assert list(log["target"]) == ["reference-import-wizard"]
    assert list(log["actor"]) == ["ana@example.com"]


@pytest.mark.parametrize(
    ("actor", "team", "refusal"),
    [
        pytest.param(VIEWER, "Product", "vic@example.com has the viewer role here and may not "
                     "define initiatives", id="a viewer may not add one"),
        pytest.param(PRODUCT_ANALYST, "Customer Success", "pia@example.com may define "
                     "initiatives only for the teams Product, not for Customer Success",
                     id="an analyst of one team may not add one for another team"),
    ],
)  # fmt: skip
def test_a_refused_addition_writes_nothing_and_is_audited(
    ws: Workspace, actor: Actor, team: str, refusal: str
) -> None:
    before = ws.initiatives_path.read_bytes()
    with pytest.raises(OkrlensError, match=refusal):
        service.add_initiative(ws, actor, dataclasses.replace(DRAFT, team=team))
    assert ws.initiatives_path.read_bytes() == before
    log = trust.audit_log(ws, ADMIN, outcomes=["refused"])
    assert list(log["action"]) == [Action.DEFINE_INITIATIVES.wording]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"reach": "lots"}, "the reach 'lots' is not a number", id="a reach in words"),
        pytest.param({"confidence": "150"}, "confidence: Input should be less than or equal to 1",
                     id="a confidence over 100 %"),
        pytest.param({"effort": "0"}, "effort: Input should be greater than 0", id="no effort"),
        pytest.param({"status": "shipped"}, "is shipped but has no ship_date",
                     id="shipped without a ship date"),
        pytest.param({"effects": (("product-q4-nope", "1"),)}, "there is no key result "
                     "'product-q4-nope'", id="a key result okrs.yaml lacks"),
        pytest.param({"title": " "}, "the new initiative has no title", id="no title"),
        pytest.param({"id": "dark-mode"}, "an initiative called 'dark-mode' already exists",
                     id="an id already taken"),
    ],
)  # fmt: skip
def test_an_impossible_initiative_is_refused_in_words_and_writes_nothing(
    ws: Workspace, change: dict[str, object], message: str
) -> None:
    before = ws.initiatives_path.read_bytes()
    with pytest.raises(OkrlensError, match=message):
        service.add_initiative(ws, ANALYST, dataclasses.replace(DRAFT, **change))  # type: ignore[arg-type]
    assert ws.initiatives_path.read_bytes() == before


def test_the_save_itself_refuses_a_change_the_file_would_leave_out(ws: Workspace) -> None:
    before = ws.initiatives_path.read_bytes()
    orphan = Initiative(
        id="orphan", title="Orphan", team="Product", serves=[{"key_result": "gone"}]
    )
    with pytest.raises(OkrlensError, match="would make initiative orphan invalid: it serves gone"):
        initiative_edit.add_initiative(ws, orphan)
    assert ws.initiatives_path.read_bytes() == before


def test_updating_changes_only_what_changed_and_saving_unchanged_writes_nothing(
    ws: Workspace,
) -> None:
    draft = service.draft_of(ws, "shared-libraries")
    assert (draft.confidence, draft.reach, draft.effects[0]) == (
        "80",
        "1800",
        ("product-q4-workflows", "0.15"),
    )
    before = ws.initiatives_path.read_bytes()
    service.update_initiative(ws, ANALYST, "shared-libraries", draft)
    assert ws.initiatives_path.read_bytes() == before
    shipped = dataclasses.replace(draft, status="shipped", ship_date=dt.date(2026, 11, 20))
    service.update_initiative(ws, ANALYST, "shared-libraries", shipped)
    after = ws.initiatives_path.read_text()
    assert "    status: shipped\n    ship_date: 2026-11-20\n    serves:" in after
    assert after.replace("status: shipped\n    ship_date: 2026-11-20", "status: planned") == (
        before.decode()
    )
    log = trust.audit_log(ws, ADMIN, actions=["edit initiative"])
    assert list(log["target"]) == ["shared-libraries"]
    assert log["detail"].iloc[0] == (
        'initiatives.shared-libraries.status: "planned" → "shipped"; '
        'initiatives.shared-libraries.ship_date: (none) → "2026-11-20"'
    )


def test_an_analyst_of_one_team_may_not_move_an_initiative_to_another(ws: Workspace) -> None:
    draft = dataclasses.replace(service.draft_of(ws, "dark-mode"), team="Customer Success")
    with pytest.raises(OkrlensError, match="only for the teams Product, not for Customer Success"):
        service.update_initiative(ws, PRODUCT_ANALYST, "dark-mode", draft)


def test_removing_an_initiative_is_audited_and_a_viewer_may_not(ws: Workspace) -> None:
    with pytest.raises(OkrlensError, match="may not define initiatives"):
        service.remove_initiative(ws, VIEWER, "dark-mode")
    assert "dark-mode" in saved(ws)
    service.remove_initiative(ws, ANALYST, "dark-mode")
    assert "dark-mode" not in saved(ws) and len(saved(ws)) == 8
    assert list(trust.audit_log(ws, ADMIN, actions=["remove initiative"])["target"]) == [
        "dark-mode"
    ]


def test_a_workspace_without_the_file_gets_it_with_its_first_initiative(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    ws.init(example=True)
    ws.initiatives_path.unlink()
    draft = InitiativeDraft(
        title="Guided setup", team="Company", effects=(("CO-1.1", "10,000"),), reach="50"
    )
    service.add_initiative(ws, ANALYST, draft)
    text = ws.initiatives_path.read_text()
    assert text.startswith("# initiatives.yaml — the outputs")  # the documented template
    assert saved(ws) == {
        "guided-setup": {
            "id": "guided-setup",
            "title": "Guided setup",
            "team": "Company",
            "status": "idea",
            "serves": [{"key_result": "CO-1.1", "effect": 10000}],
            "reach": 50,
        }
    }
    assert [i.id for i in ws.initiatives().initiatives] == ["guided-setup"]


@pytest.mark.parametrize(
    ("kind", "item", "refusal"),
    [
        pytest.param("key_result", "company-q4-mrr",
                     "initiative renewal-playbook serves company-q4-mrr: the change would leave it "
                     "pointing at a key result that is gone (initiatives.yaml). Remove "
                     "company-q4-mrr from initiative renewal-playbook first.",
                     id="removing a served key result"),
        pytest.param("objective", "support-q4",
                     "initiatives support-triage-bot, help-centre-search serve support-q4-csat, "
                     "support-q4-response-time: the change would leave them pointing at a key "
                     "result that is gone (initiatives.yaml). Remove support-q4-csat, "
                     "support-q4-response-time from initiatives support-triage-bot, "
                     "help-centre-search first.",
                     id="removing the objective holding served key results"),
    ],
)  # fmt: skip
def test_a_key_result_an_initiative_serves_cannot_be_removed_from_under_it(
    ws: Workspace, kind: str, item: str, refusal: str
) -> None:
    before = ws.okrs_path.read_bytes()
    with pytest.raises(OkrlensError) as refused:
        okr_edits.remove(ws, ANALYST, kind, item)
    assert refused.value.message() == refusal
    assert ws.okrs_path.read_bytes() == before


def test_once_no_initiative_serves_it_the_key_result_can_be_removed(ws: Workspace) -> None:
    service.remove_initiative(ws, ANALYST, "renewal-playbook")
    okr_edits.remove(ws, ANALYST, "key_result", "company-q4-mrr")
    assert ws.okrs().owner_of("company-q4-mrr") is None
