"""`okrlens ingest events` on exports in the shapes analytics tools write them."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines import db
from pipelines.metrics.series import metric_series
from pipelines.metrics.spec import MetricCatalog
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
                ("2026-11-24 10:00:00", "u1", "Signed Up", '{"plan":"campus"}'),
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
                ("2026-11-24 10:00:00", "u1", "Signed Up", '{"plan":"campus"}'),
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


def weekly(home: Path, metric: dict[str, str]) -> dict[str, float]:
    """Week start -> value of one events metric over the store, as metric_series computes it."""
    catalog = MetricCatalog.model_validate({"metrics": [{"kind": "leading", **metric}]})
    with Workspace(home).reading() as con:
        series = metric_series(con, catalog, [metric["name"]])
    return dict(zip(series["period_start"].astype(str).str[:10], series["value"], strict=True))


# Amplitude's CSV download: spaced headers, ISO times with milliseconds, the event's own
# properties as one JSON object per cell (quotes doubled, as CSV writes them).
AMPLITUDE_CSV = (
    "Event Type,User ID,Event Time,event_properties\n"
    'Upgrade,u1,2026-11-02T10:00:00.123Z,"{""plan"":""pro"",""seats"":5}"\n'
    'Upgrade,u2,2026-11-03T10:00:00Z,"{""plan"":""free"",""seats"":1}"\n'
    'Upgrade,u3,2026-11-04T09:00:00Z,"{""plan"":""pro"",""seats"":12}"\n'
    'Upgrade,u4,2026-11-10T11:00:00Z,"{""plan"":""pro"",""address"":{""city"":""Oslo""}}"\n'
    "Search,u5,2026-11-10T12:00:00Z,\n"
)


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        pytest.param(
            {"agg": "count", "filter": "properties['plan'] = 'pro'"},
            {"2026-11-02": 2, "2026-11-09": 1},
            id="a-filter-on-a-key-of-the-json-column-counts-its-events",
        ),
        pytest.param(
            {"agg": "sum", "expr": "CAST(properties['seats'] AS DOUBLE)"},
            {"2026-11-02": 18, "2026-11-09": 0},
            id="a-json-number-sums",
        ),
        pytest.param(
            {"agg": "count", "filter": """properties['address'] = '{"city":"Oslo"}'"""},
            {"2026-11-02": 0, "2026-11-09": 1},
            id="a-nested-object-stays-one-json-value-as-json-lines-keep-it",
        ),
        pytest.param(
            {"agg": "count", "filter": "properties['event_properties'] IS NOT NULL"},
            {"2026-11-02": 0, "2026-11-09": 0},
            id="the-column-itself-is-no-property",
        ),
    ],
)
def test_a_json_properties_column_is_expanded_into_properties_that_metrics_read(
    capsys: pytest.CaptureFixture[str],
    home: Path,
    tmp_path: Path,
    metric: dict[str, str],
    expected: dict[str, float],
) -> None:
    path = tmp_path / "amplitude.csv"
    path.write_text(AMPLITUDE_CSV)
    code, out, err = ingest(capsys, home, path)
    assert code == 0, err
    assert "event_properties → properties: its JSON object's keys" in out
    assert weekly(home, {"name": "m", "source": "events", **metric}) == expected


def test_a_plain_column_wins_a_name_it_shares_with_a_json_key_unless_its_cell_is_blank(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    path = tmp_path / "segment.csv"
    path.write_text(
        "timestamp,userId,event,properties,plan\n"
        '2026-11-24 10:00:00,u1,Order Completed,"{""plan"":""pro"",""total"":9}",campus\n'
        '2026-11-24 11:00:00,u2,Order Completed,"{""plan"":""pro""}",\n'
    )
    assert ingest(capsys, home, path)[0] == 0
    assert [props for _, _, _, props in stored_events(home)] == [
        '{"plan":"campus","total":9}',
        '{"plan":"pro"}',
    ]


@pytest.mark.parametrize(
    "cell",
    ["not json", '"[1,2]"', '"""pro"""', '"{""plan"": ""pro"""'],
    ids=["text", "an-array", "a-json-string", "cut-short"],
)
def test_a_json_properties_cell_that_is_no_object_is_rejected_with_its_line(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path, cell: str
) -> None:
    path = tmp_path / "amplitude.csv"
    path.write_text(
        "event_type,user_id,event_time,event_properties\n"
        'Upgrade,u1,2026-11-02 10:00:00,"{""plan"":""pro""}"\n'
        f"Upgrade,u2,2026-11-02 11:00:00,{cell}\n"
    )
    code, _, err = ingest(capsys, home, path)
    assert code == 2
    assert "1 of 2 lines are invalid" in err
    assert "line 3, column event_properties" in err and "not a JSON object" in err
    assert ingest(capsys, home, path, "--allow-rejects")[0] == 0
    assert [user for _, user, _, _ in stored_events(home)] == ["u1"]


# One user's morning as Mixpanel exports it: two upgrades clicked within one second (two
# insert ids), a search Mixpanel's SDK sent twice (one insert id, written twice).
MIXPANEL_MORNING = (
    '{"event":"Upgrade","properties":{"time":1793613600,"distinct_id":"u1","$insert_id":"a1"}}\n'
    '{"event":"Upgrade","properties":{"time":1793613600,"distinct_id":"u1","$insert_id":"a2"}}\n'
    '{"event":"Search","properties":{"time":1793617200,"distinct_id":"u1","$insert_id":"b1"}}\n'
    '{"event":"Search","properties":{"time":1793617200,"distinct_id":"u1","$insert_id":"b1"}}\n'
)
# The same morning from Amplitude's CSV: milliseconds, its own columns, the same insert ids.
AMPLITUDE_MORNING = (
    "Event Type,User ID,Event Time,Insert ID,Platform\n"
    "Upgrade,u1,2026-11-02 10:00:00.412,a1,web\n"
    "Upgrade,u1,2026-11-02 10:00:00.845,a2,web\n"
    "Search,u1,2026-11-02 11:00:00.020,b1,web\n"
)
# A warehouse CSV of the same morning with no insert ids, and one later event.
WAREHOUSE_MORNING = (
    "event_time,user_id,event_name,plan\n"
    "2026-11-02 10:00:00,u1,Upgrade,pro\n"
    "2026-11-02 10:00:00,u1,Upgrade,pro\n"
    "2026-11-02 11:00:00,u1,Search,pro\n"
    "2026-11-02 12:00:00,u1,Logout,pro\n"
)


@pytest.mark.parametrize(
    ("exports", "stored", "last_said"),
    [
        pytest.param(
            [("mixpanel.json", MIXPANEL_MORNING)],
            3,
            "3 rows added, 1 already stored (skipped)",
            id="clicks-within-one-second-with-two-insert-ids-are-two-events-a-resent-one-is-one",
        ),
        pytest.param(
            [("mixpanel.json", MIXPANEL_MORNING), ("amplitude.csv", AMPLITUDE_MORNING)],
            3,
            "0 rows added, 3 already stored (skipped)",
            id="the-same-events-from-a-second-tool-are-stored-once",
        ),
        pytest.param(
            [("mixpanel.json", MIXPANEL_MORNING), ("warehouse.csv", WAREHOUSE_MORNING)],
            4,
            "1 rows added, 3 already stored (skipped)",
            id="rows-without-an-insert-id-are-the-stored-events-of-their-second-user-and-name",
        ),
        pytest.param(
            [
                ("amplitude.csv", AMPLITUDE_MORNING),
                ("amplitude-2.csv", AMPLITUDE_MORNING.replace("a2", "a3")),
            ],
            4,
            "1 rows added, 2 already stored (skipped)",
            id="another-insert-id-in-the-same-second-is-another-event",
        ),
        pytest.param(
            [
                ("warehouse.csv", WAREHOUSE_MORNING),
                ("warehouse-2.csv", WAREHOUSE_MORNING + "2026-11-02 12:00:00,u1,Logout,pro\n"),
            ],
            5,
            "1 rows added, 4 already stored (skipped)",
            id="a-superset-export-adds-only-the-events-beyond-the-stored-ones",
        ),
    ],
)
def test_events_are_stored_once_by_their_identity_whichever_tools_export_them(
    capsys: pytest.CaptureFixture[str],
    home: Path,
    tmp_path: Path,
    exports: list[tuple[str, str]],
    stored: int,
    last_said: str,
) -> None:
    for file_name, content in exports:
        path = tmp_path / file_name
        path.write_text(content)
        code, out, err = ingest(capsys, home, path)
        assert code == 0, err
    assert last_said in out
    assert len(stored_events(home)) == stored


# Stripe's payments export: one row per charge, amounts with thousands separators, no event.
STRIPE = (
    "id,Created (UTC),Amount,Amount Refunded,Currency,Status,Customer Email,Customer ID,Description\n"
    'ch_3Q1,2026-11-02 09:15:00,"1,234.56",0.00,usd,Paid,ana@example.edu,cus_A1,Campus licence\n'
    "ch_3Q2,2026-11-03 14:02:11,49.00,0.00,usd,Paid,bo@example.edu,cus_B2,Department plan\n"
    "ch_3Q3,2026-11-04 08:00:00,49.00,0.00,usd,Failed,bo@example.edu,cus_B2,Department plan\n"
    'ch_3Q4,2026-11-10 10:30:00,"2,500.00",100.00,usd,Refunded,cy@example.edu,cus_C3,Campus licence\n'
    "ch_3Q5,2026-11-11 16:45:00,99.50,0.00,usd,Paid,di@example.edu,cus_D4,Department plan\n"
    'ch_3Q6,2026-11-12 08:05:00,"10,000.00",0.00,usd,Paid,ed@example.edu,cus_E5,Site licence\n'
)


@pytest.mark.parametrize(
    ("flags", "paid"),
    [
        pytest.param(
            ["--event-name", "payment"],
            "event_name = 'payment' AND properties['status'] = 'Paid'",
            id="one-event-name-for-every-row",
        ),
        pytest.param(
            ["--map", "event_name=Status"], "event_name = 'Paid'", id="the-status-as-the-event"
        ),
    ],
)
def test_a_stripe_payments_export_is_read_as_events_whose_amounts_a_sum_metric_totals(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path, flags: list[str], paid: str
) -> None:
    path = tmp_path / "unified_payments.csv"
    path.write_text(STRIPE)
    code, out, err = ingest(capsys, home, path, *flags)
    assert code == 0, err
    assert "6 rows added" in out
    assert "Amount → property amount (numbers, thousands separators dropped)" in out
    revenue = {
        "name": "revenue",
        "source": "events",
        "agg": "sum",
        "expr": "CAST(properties['amount'] AS DOUBLE)",
        "filter": paid,
    }
    assert weekly(home, revenue) == {"2026-11-02": 1283.56, "2026-11-09": 10099.5}


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        pytest.param([], "--event-name NAME", id="no-event-column-suggests-one-name"),
        pytest.param(
            ["--event-name", "payment", "--map", "event_name=Status"],
            "Keep one: --event-name for one name on every row",
            id="a-name-and-a-column-contradict",
        ),
        pytest.param(["--event-name", " "], "is blank", id="a-blank-name"),
    ],
)
def test_an_export_without_an_event_column_is_refused_until_its_event_is_named(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path, flags: list[str], said: str
) -> None:
    path = tmp_path / "unified_payments.csv"
    path.write_text(STRIPE)
    code, _, err = ingest(capsys, home, path, *flags)
    assert code == 2
    assert said in err
    assert stored_events(home) == []
