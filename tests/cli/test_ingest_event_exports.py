"""`okrlens ingest events` on exports in the shapes analytics tools write them."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines import db
from pipelines.workspace import Workspace
from tests.cli.test_cli import okrlens

# Mixpanel's raw export: one JSON object per line, epoch seconds in properties.time.
MIXPANEL = (
    '{"event":"Signed Up","properties":{"time":1795514400,"distinct_id":"u1",'
    '"$insert_id":"a1","plan":"campus"}}\n'
    '{"event":"Search","properties":{"time":1795518000,"distinct_id":"u2","plan":"trial"}}\n'
)
# PostHog and Segment: ISO timestamps and the user id at the top level.
POSTHOG = (
    '{"event":"$pageview","timestamp":"2026-11-24T10:00:00Z","distinct_id":"u3",'
    '"properties":{"$browser":"Firefox"}}\n'
)
SEGMENT = '{"type":"track","event":"Order Completed","userId":"u4","timestamp":"2026-11-24T11:00:00.000Z","properties":{"revenue":12.5}}\n'
# Amplitude: event_type, user_id and a space-separated UTC event_time.
AMPLITUDE = '{"event_type":"session_start","user_id":"u5","event_time":"2026-11-24 12:00:00.123","event_properties":{"platform":"web"}}\n'


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An empty workspace."""
    workspace = Workspace(tmp_path / "ws")
    workspace.init(example=True)
    return workspace.home


def stored_events(home: Path) -> list[tuple[str, str, str, str | None]]:
    """(event_time, user_id, event_name, properties) of every stored event, by time."""
    with Workspace(home).reading() as con:
        rows = db.query(
            con,
            "SELECT strftime(event_time, '%Y-%m-%d %H:%M:%S') AS t, user_id, event_name, "
            "CAST(properties AS VARCHAR) AS p FROM events ORDER BY event_time, user_id",
        )
    return list(rows.itertuples(index=False, name=None))


def ingest(
    capsys: pytest.CaptureFixture[str], home: Path, path: Path, *flags: str
) -> tuple[int, str, str]:
    """okrlens ingest events PATH FLAGS... against home."""
    return okrlens(capsys, "--home", str(home), "ingest", "events", str(path), *flags)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            MIXPANEL,
            [
                ("2026-11-24 10:00:00", "u1", "Signed Up", '{"$insert_id":"a1","plan":"campus"}'),
                ("2026-11-24 11:00:00", "u2", "Search", '{"plan":"trial"}'),
            ],
            id="mixpanel-epoch-seconds-in-properties",
        ),
        pytest.param(
            POSTHOG,
            [("2026-11-24 10:00:00", "u3", "$pageview", '{"$browser":"Firefox"}')],
            id="posthog-iso-timestamp",
        ),
        pytest.param(
            SEGMENT,
            [("2026-11-24 11:00:00", "u4", "Order Completed", '{"revenue":12.5}')],
            id="segment-user-id",
        ),
        pytest.param(
            AMPLITUDE,
            [("2026-11-24 12:00:00", "u5", "session_start", '{"platform":"web"}')],
            id="amplitude-event-type",
        ),
        pytest.param(
            MIXPANEL.replace("1795514400", "1795514400000").replace("1795518000", "1795518000000"),
            [
                ("2026-11-24 10:00:00", "u1", "Signed Up", '{"$insert_id":"a1","plan":"campus"}'),
                ("2026-11-24 11:00:00", "u2", "Search", '{"plan":"trial"}'),
            ],
            id="mixpanel-epoch-milliseconds",
        ),
    ],
)
def test_json_lines_exports_are_read_as_their_tools_write_them(
    capsys: pytest.CaptureFixture[str],
    home: Path,
    tmp_path: Path,
    content: str,
    expected: list[tuple[str, str, str, str]],
) -> None:
    path = tmp_path / "export.json"
    path.write_text(content)
    code, out, err = ingest(capsys, home, path)
    assert code == 0, err
    assert "read as: JSON lines" in out
    assert stored_events(home) == expected


def test_a_json_lines_line_that_is_no_event_is_rejected_with_its_number(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    path = tmp_path / "mixpanel.json"
    broken = '{"event":"Search","properties":{"distinct_id":"u9"}}\n'
    path.write_bytes((MIXPANEL + "not json at all\n" + broken).replace("\n", "\r\n").encode())
    code, _, err = ingest(capsys, home, path)
    assert code == 2
    assert "2 of 4 lines are invalid" in err
    assert "not a JSON object" in err and "missing event_time" in err
    assert stored_events(home) == []
    assert ingest(capsys, home, path, "--allow-rejects")[0] == 0
    assert [user for _, user, _, _ in stored_events(home)] == ["u1", "u2"]


@pytest.mark.parametrize(
    ("times", "flags", "expected"),
    [
        pytest.param(
            ["1795514400", "1795518000"], [], "2026-11-24 10:00:00", id="seconds-by-digits"
        ),
        pytest.param(
            ["1795514400000", "1795518000000"],
            [],
            "2026-11-24 10:00:00",
            id="milliseconds-by-digits",
        ),
        pytest.param(
            ["176397840", "176398200"],
            ["--time-unit", "s"],
            "1975-08-04 15:24:00",
            id="declared-seconds",
        ),
        pytest.param(
            ["176397840000", "176398200000"],
            ["--time-unit", "ms"],
            "1975-08-04 15:24:00",
            id="declared-milliseconds",
        ),
    ],
)
def test_epoch_times_are_read_when_their_digits_settle_the_unit_or_as_declared(
    capsys: pytest.CaptureFixture[str],
    home: Path,
    tmp_path: Path,
    times: list[str],
    flags: list[str],
    expected: str,
) -> None:
    path = tmp_path / "mixpanel.csv"
    path.write_text("time,distinct_id,event\n" + "".join(f"{t},u1,Search\n" for t in times))
    code, out, err = ingest(capsys, home, path, *flags)
    assert code == 0, err
    assert "time → event_time (epoch" in out
    assert stored_events(home)[0][0] == expected


def test_epoch_times_whose_unit_the_digits_leave_open_ask_for_the_unit(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    path = tmp_path / "mixpanel.csv"
    path.write_text("time,distinct_id,event\n176397840,u1,Search\n")
    code, _, err = ingest(capsys, home, path)
    assert code == 2
    assert "cannot tell apart as epoch seconds or milliseconds" in err
    assert "--time-unit s or --time-unit ms" in err


def test_a_customer_name_column_is_never_taken_as_the_event_without_a_map(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    path = tmp_path / "crm.csv"
    path.write_text("created_at,user_id,Name\n2026-11-24 10:00:00,u1,Ada Lovelace\n")
    code, _, err = ingest(capsys, home, path)
    assert code == 2
    assert "its column 'Name' usually holds people's names" in err
    assert "--map event_name=Name" in err
    assert ingest(capsys, home, path, "--map", "event_name=Name")[0] == 0
    assert stored_events(home) == [("2026-11-24 10:00:00", "u1", "Ada Lovelace", None)]


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_a_file_with_several_unreadable_cells_is_refused_with_each_line_never_crashing(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path, newline: str
) -> None:
    rows = [
        "event_time,user_id,event_name,plan",
        "yesterday,u1,signed_up,trial",
        "2026-11-24 10:00:00,,signed_up,trial",
        "last week,u3,signed_up,trial",
        "2026-11-24 10:00:00,u4,signed_up,trial",
    ]
    path = tmp_path / "events.csv"
    path.write_bytes(newline.join(rows).encode() + newline.encode())
    code, _, err = ingest(capsys, home, path)
    assert code == 2
    assert "internal error" not in err
    assert "3 of 4 lines are invalid" in err
    table = err.split("rejected lines:")[1]
    assert [line.split()[0] for line in table.strip().splitlines()[2:]] == ["2", "3", "4"]
