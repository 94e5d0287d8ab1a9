"""`okrlens effects` on the demo: the planted effects found, the one without an effect not."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from pipelines.workspace import Workspace
from tests.cli.test_cli import okrlens

AS_OF = "2026-11-23"


@pytest.fixture(scope="module")
def demo_home(demo_workspace: Workspace) -> Path:
    """The shared demo workspace (read-only for these tests)."""
    return demo_workspace.home


@pytest.fixture(scope="module")
def effects_json(demo_home: Path) -> list[dict[str, Any]]:
    """`okrlens effects -f json` on the demo as of AS_OF, run once for the module (capsys is
    per test, and each run measures every link of the demo again)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        main(["--home", str(demo_home), "effects", "--as-of", AS_OF, "-f", "json"])
    return list(json.loads(out.getvalue()))


@pytest.mark.parametrize(
    ("initiative", "kr_id", "verdict", "direction", "opening"),
    [
        pytest.param(
            "onboarding-checklist", "product-q4-activation", "above", "better",
            "better than the forecast band for 5 of 8 weeks", id="the_checklist_lifted_activation",
        ),
        pytest.param(
            "support-triage-bot", "support-q4-response-time", "below", "better",
            "better than the forecast band for 6 of 7 weeks", id="the_bot_cut_response_time",
        ),
        pytest.param(
            "dark-mode", "product-q4-active-users", "within", "",
            "within the forecast band for all 6 weeks: no effect visible yet",
            id="dark_mode_shows_no_effect",
        ),
    ],
)  # fmt: skip
def test_the_demos_shipped_initiatives_are_judged_as_planted(
    effects_json: list[dict[str, Any]],
    initiative: str,
    kr_id: str,
    verdict: str,
    direction: str,
    opening: str,
) -> None:
    (row,) = [r for r in effects_json if r["initiative_id"] == initiative]
    assert (row["kr_id"], row["role"], row["verdict"], row["direction"]) == (
        kr_id, "served", verdict, direction,
    )  # fmt: skip
    assert row["wording"].startswith(opening)


def test_a_found_effect_is_worded_as_an_observational_estimate(
    effects_json: list[dict[str, Any]],
) -> None:
    found = [r for r in effects_json if r["verdict"] in ("above", "below")]
    assert len(found) == 2
    for row in found:
        assert row["effect_lo"] <= row["effect"] <= row["effect_hi"]
        assert "Observational: other changes of the same weeks may explain it." in row["wording"]
    checklist = next(r for r in found if r["initiative_id"] == "onboarding-checklist")
    assert checklist["ship_date"] == "2026-09-28"
    assert checklist["expected_effect"] == 0.08


def test_the_table_shows_counts_then_each_wording(
    demo_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = okrlens(
        capsys, "--home", str(demo_home), "effects", "--initiative", "support-triage-bot",
        "--as-of", AS_OF,
    )  # fmt: skip
    assert code == 0
    assert "An observational estimate, not proof" in out
    assert "below (better)" in out
    assert "-1.43 hours to -0.508 hours" in out
    assert (
        out.rstrip()
        .splitlines()[-1]
        .startswith(
            "support-triage-bot → support-q4-response-time (first_response_time, served): better than"
        )
    )
    assert "dark-mode" not in out


@pytest.mark.parametrize(
    ("initiative", "message"),
    [
        pytest.param(
            "shared-libraries",
            "initiative shared-libraries is planned: only shipped work is compared with a forecast",
            id="planned_work_is_not_compared",
        ),
        pytest.param("no-such-thing", "no initiative 'no-such-thing'", id="an_unknown_id"),
    ],
)
def test_an_initiative_that_cannot_be_judged_is_refused_in_words(
    demo_home: Path, capsys: pytest.CaptureFixture[str], initiative: str, message: str
) -> None:
    code, out, err = okrlens(
        capsys, "--home", str(demo_home), "effects", "--initiative", initiative, "--as-of", AS_OF
    )
    assert (code, out) == (2, "")
    assert message in err
    assert "Traceback" not in err


def test_weeks_after_shipping_it_is_too_early_to_tell(
    demo_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = okrlens(
        capsys, "--home", str(demo_home), "effects", "--as-of", "2026-10-14", "-f", "csv"
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("initiative_id,initiative,team,ship_date,kr_id,metric,role,")
    assert [line.split(",")[0] for line in lines[1:]] == [
        "onboarding-checklist", "support-triage-bot", "dark-mode",
    ]  # fmt: skip
    assert all(",too_early,," in line for line in lines[1:])
    assert "too early: shipped this week, of the 3 weeks the comparison needs" in out
