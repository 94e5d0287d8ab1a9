"""Editing okrs.yaml: validated before saving, atomic, comments kept."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipelines.errors import OkrlensError
from pipelines.okrs.edit import add_checkin, set_band_preset, update_item, update_key_result
from pipelines.okrs.spec import CheckIn
from pipelines.workspace import Workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    ws = Workspace(tmp_path)
    ws.init(example=True)
    return ws


def test_updating_a_target_keeps_the_comments(workspace: Workspace) -> None:
    before = workspace.okrs_path.read_text()
    okrs = update_key_result(workspace, "CO-1.1", {"target": 520000, "weight": 3})
    kr = okrs.objectives[0].key_results[0]
    assert (kr.target, kr.weight) == (520000, 3)
    after = workspace.okrs_path.read_text()
    comments = [line for line in before.splitlines() if line.lstrip().startswith("#")]
    assert comments and all(c in after for c in comments)
    assert workspace.okrs().objectives[0].key_results[0].target == 520000


@pytest.mark.parametrize(
    ("values", "message"),
    [
        pytest.param({"target": 1.5}, "target equals baseline", id="target-equal-to-baseline"),
        pytest.param({"weight": -1}, "greater than 0", id="negative-weight"),
        pytest.param({"metric": "x"}, "cannot edit metric", id="not-editable"),
    ],
)
def test_invalid_edits_leave_the_file_untouched(
    workspace: Workspace, values: dict[str, float], message: str
) -> None:
    before = workspace.okrs_path.read_text()
    with pytest.raises(OkrlensError, match=message):
        update_key_result(workspace, "CO-1.2", values)
    assert workspace.okrs_path.read_text() == before


def test_band_preset_and_checkins_are_saved(workspace: Workspace) -> None:
    set_band_preset(workspace, "measure_what_matters")
    okrs = add_checkin(
        workspace,
        "CO-1.3",
        CheckIn(date=dt.date(2026, 11, 20), value=1, confidence=0.9, note="shipped"),
    )
    assert okrs.band_preset == "measure_what_matters"
    assert okrs.objectives[0].key_results[2].checkins[-1].note == "shipped"
    assert (
        "{date: 2026-11-20, value: 1, confidence: 0.9, note: shipped}"
        in workspace.okrs_path.read_text()
    )


def test_an_unknown_band_preset_is_refused(workspace: Workspace) -> None:
    with pytest.raises(OkrlensError, match="band_preset"):
        set_band_preset(workspace, "nonsense")


ADD_CHECKINS = """
import datetime as dt, sys
from pathlib import Path
from pipelines.okrs.edit import add_checkin
from pipelines.okrs.spec import CheckIn
from pipelines.workspace import Workspace
ws, tag = Workspace(Path(sys.argv[1])), sys.argv[2]
for i in range(20):
    add_checkin(ws, "CO-1.3", CheckIn(date=dt.date(2026, 11, 1), value=0, note=f"{tag}-{i}"))
"""


def test_check_ins_saved_by_two_processes_at_once_are_all_kept(workspace: Workspace) -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", ADD_CHECKINS, str(workspace.home), tag],
            cwd=root,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("a", "b")
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
    notes = [c.note for _, kr in [workspace.okrs().key_result("CO-1.3")] for c in kr.checkins]
    assert sorted(n for n in notes if n[:2] in ("a-", "b-")) == sorted(
        [f"a-{i}" for i in range(20)] + [f"b-{i}" for i in range(20)]
    )


def test_an_edit_of_a_hostile_file_is_refused_before_it_is_read(workspace: Workspace) -> None:
    workspace.okrs_path.write_text("a: &a [x, x]\nb: [*a, *a]\n")
    with pytest.raises(OkrlensError, match="anchors and aliases"):
        set_band_preset(workspace, "google")


def test_a_hand_edit_made_during_a_save_is_kept_and_the_save_refused(
    workspace: Workspace,
) -> None:
    from pipelines.okrs.edit import _save

    hand_edit = workspace.okrs_path.read_text().replace("CO-1.1", "CO-1.1-renamed-by-hand")

    def change_while_someone_saves(document: object) -> None:
        workspace.okrs_path.write_text(hand_edit)  # the editor saves between read and write

    with pytest.raises(OkrlensError, match="changed by someone else"):
        _save(workspace, change_while_someone_saves)
    assert workspace.okrs_path.read_text() == hand_edit


@pytest.mark.parametrize(
    ("values", "written"),
    [
        pytest.param(
            {"baseline": 1.5, "target": 2.5, "weight": 2.0},
            None,
            id="unchanged-form-writes-nothing",
        ),
        pytest.param({"target": 3.0}, "target: 3\n", id="whole-number-stays-whole"),
        pytest.param({"target": 2.75}, "target: 2.75\n", id="fraction-kept"),
    ],
)
def test_a_save_writes_only_what_changed_and_spells_numbers_as_typed(
    workspace: Workspace, values: dict[str, float], written: str | None
) -> None:
    before = workspace.okrs_path.read_text()
    update_key_result(workspace, "CO-1.2", values)
    after = workspace.okrs_path.read_text()
    if written is None:
        assert after == before
    else:
        assert written in after
        assert "target: 2.5\n" not in after
        assert after.count("weight:") == before.count("weight:")


def test_saving_the_default_weight_adds_no_weight_field(workspace: Workspace) -> None:
    before = workspace.okrs_path.read_text()
    update_key_result(workspace, "CO-1.1", {"target": 500000.0, "weight": 1.0})
    assert workspace.okrs_path.read_text() == before


@pytest.mark.parametrize(
    ("kr_id", "values", "written"),
    [
        pytest.param(
            "CO-1.3",
            {"deadline": dt.date(2026, 12, 1)},
            "        target: 1\n        deadline: 2026-12-01\n        checkins:\n",
            id="a-new-field-goes-above-the-check-ins",
        ),
        pytest.param(
            "CO-1.2",
            {"slice": {"plan": "pro"}},
            "        weight: 2\n        slice: {plan: pro}\n",
            id="a-slice-is-written-as-one-flow-mapping",
        ),
    ],
)
def test_a_field_a_key_result_lacked_is_written_where_a_person_would_write_it(
    workspace: Workspace, kr_id: str, values: dict[str, object], written: str
) -> None:
    update_item(workspace, "key_result", kr_id, values)
    saved = workspace.okrs_path.read_text()
    assert written in saved
    update_item(workspace, "key_result", kr_id, values)  # saving the same again changes nothing
    assert workspace.okrs_path.read_text() == saved
