"""`okrlens review`: the period's review as Markdown or JSON, and reflections recorded, audited."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from tests.cli.test_cli import okrlens

AS_OF = "2026-11-23"


@pytest.fixture
def home(demo_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private demo workspace, worked on by the OS user `carla`."""
    monkeypatch.setenv("OKRLENS_USER", "carla")
    return demo_copy


def test_the_review_defaults_to_the_latest_closed_period_in_markdown(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    code, out, err = okrlens(capsys, "--home", str(home), "review", "--as-of", AS_OF)
    assert code == 0, err
    assert out.startswith("# Review · 2026-Q3\n")
    assert "final grades as of 23 Nov 2026" in out
    assert "### Lift activation from 45% to 55% of sign-ups · 0.22 missed\n" in out
    assert (
        "- Questions for the team:\n  - Was it an internal failure we could have foreseen?" in out
    )
    assert "Next review due 31 Dec 2026." in out


def test_a_review_before_the_end_is_graded_so_far(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    code, out, _ = okrlens(
        capsys, "--home", str(home), "review", "--period", "2026-Q4", "--as-of", AS_OF, "-f", "json"
    )
    assert code == 0
    review = json.loads(out)
    assert (review["period"], review["final"], review["next_review_due"]) == (
        "2026-Q4",
        False,
        "2026-12-31",
    )
    mrr = review["objectives"][0]["key_results"][0]
    assert mrr["kr_id"] == "company-q4-mrr" and mrr["final"] is False
    assert mrr["draft"]["decision"] == "raise"


def test_a_reflection_is_recorded_in_a_new_reviews_file_when_there_is_none(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    (home / "reviews.yaml").unlink()
    code, _, err = okrlens(
        capsys, "--home", str(home), "review", "reflect", "company-q3-mrr", "Renewals came early."
    )
    assert code == 0, err
    saved = yaml.safe_load((home / "reviews.yaml").read_text())
    assert [r["note"] for r in saved["reflections"]] == ["Renewals came early."]
    assert (home / "reviews.yaml").read_text().startswith("# End-of-period reviews (okrlens)")


def test_a_reflection_is_recorded_with_its_author_and_audited(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    code, out, err = okrlens(
        capsys, "--home", str(home), "review", "reflect", "product-q3-activation",
        "The onboarding rework slipped to September.", "--decision", "change",
        "--date", "2026-10-02",
    )  # fmt: skip
    assert code == 0, err
    assert "recorded a reflection on product-q3-activation" in out
    saved = yaml.safe_load((home / "reviews.yaml").read_text())
    assert saved["cadence"] == {"every_weeks": 6}
    assert saved["reflections"][-1:] == [
        {
            "key_result": "product-q3-activation",
            "date": dt.date(2026, 10, 2),
            "author": "carla",
            "note": "The onboarding rework slipped to September.",
            "decision": "change",
        }
    ]
    _, review, _ = okrlens(capsys, "--home", str(home), "review", "--as-of", AS_OF)
    assert "  - 2 Oct 2026, carla (decided: change course): The onboarding rework slipped" in review
    _, log, _ = okrlens(
        capsys, "--home", str(home), "audit", "--action", "record reflection", "-f", "json"
    )
    assert [(e["actor"], e["target"], e["outcome"]) for e in json.loads(log)] == [
        ("carla", "product-q3-activation", "ok")
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-kr", "note"], "no key result 'no-such-kr'"),
        (["company-q3-mrr", "note", "--decision", "maybe"], "unknown decision 'maybe'"),
        (["company-q3-mrr", "   "], "the reflection is empty"),
        (["company-q3-mrr", "x" * 4001], "the reflection is 4,001 characters long"),
    ],
    ids=["an unknown key result", "an unknown decision", "an empty note", "a note too long"],
)
def test_a_reflection_that_cannot_stand_is_refused_in_words_and_nothing_is_written(
    capsys: pytest.CaptureFixture[str], home: Path, args: list[str], message: str
) -> None:
    before = (home / "reviews.yaml").read_bytes()
    code, _, err = okrlens(capsys, "--home", str(home), "review", "reflect", *args)
    assert code == 2
    assert message in err and "Traceback" not in err
    assert (home / "reviews.yaml").read_bytes() == before


@pytest.mark.parametrize(
    ("cadence", "expected"),
    [
        (None, "Next OKR review (2026-Q4) due 31 Dec 2026, in 39 days."),
        ("cadence:\n  every_weeks: 4\n", "Next OKR review (2026-Q4) due 26 Nov 2026, in 4 days."),
    ],
    ids=["the default six weeks", "a four-week cadence from reviews.yaml"],
)
def test_the_standup_brief_says_when_the_next_review_is_due(
    capsys: pytest.CaptureFixture[str], home: Path, cadence: str | None, expected: str
) -> None:
    if cadence:
        (home / "reviews.yaml").write_text(cadence)
    code, out, err = okrlens(capsys, "--home", str(home), "brief", "--as-of", "2026-11-22")
    assert code == 0, err
    assert expected in out
