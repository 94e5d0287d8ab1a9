"""The Upload page stays calm: each file judged on its own, bounded rejects, the CLI's rule."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button

from pipelines import db
from pipelines.service import (
    EventOptions,
    IngestRejected,
    KpiOptions,
    Workspace,
    edits,
    trust,
    uploads,
)
from tests.cli.test_ingest_workbooks import write_workbook
from tests.dashboard.conftest import Open

WEBINARS = b"date,metric,value\n2026-11-09,Webinar sign-ups,7\n2026-11-16,Webinar sign-ups,9\n"
SIGNUPS = (
    b"event_time,user_id,event_name\n"
    b"2026-11-02 10:00:00,w1,signed_up\n2026-11-02 11:00:00,w2,signed_up\n"
)
# Lines 3 and 5 are not numbers; the three others are.
TWO_BAD = (
    b"date,metric,value\n2026-11-02,Webinar sign-ups,5\n2026-11-09,Webinar sign-ups,lots\n"
    b"2026-11-16,Webinar sign-ups,7\n2026-11-23,Webinar sign-ups,n/a?\n"
    b"2026-11-30,Webinar sign-ups,9\n"
)
INTERNAL = (
    "okrlens failed while {step} middle.csv, because of an internal error in okrlens, not a "
    "problem in the file (middle.csv). The other files are not affected; the ingest history "
    "shows whether anything of this one was stored, and the server log has the details for a "
    "bug report."
)


def events_with_bad_times(bad: int) -> bytes:
    """An event export of one good line followed by bad lines whose time reads `soon`."""
    lines = [b"event_time,user_id,event_name", b"2026-11-02 10:00:00,w0,signed_up"]
    lines += [b"soon,w%d,signed_up" % i for i in range(bad)]
    return b"\n".join(lines) + b"\n"


def minimal_xlsx() -> bytes:
    """The ZIP skeleton of an Excel workbook with nothing in it: a damaged one."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        book.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        book.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
    return buffer.getvalue()


def xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    """An Excel workbook with these sheets, in order, as openpyxl writes it."""
    with tempfile.TemporaryDirectory() as folder:
        return write_workbook(Path(folder) / "book.xlsx", sheets).read_bytes()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty workspace (example definitions, no data) served to the app."""
    workspace = Workspace(tmp_path / "ws")
    workspace.init()
    monkeypatch.setenv("OKRLENS_HOME", str(workspace.home))
    return workspace.home


def ingests(home: Path) -> dict[str, tuple[int, int]]:
    """File name -> (rows added, lines rejected) of every ingest the store holds."""
    workspace = Workspace(home)
    if not workspace.store_path.exists():
        return {}
    with workspace.reading() as con:
        rows = db.query(con, "SELECT file_name, rows_added, rows_rejected FROM ingests")
    return {name: (added, rejected) for name, added, rejected in rows.itertuples(index=False)}


def rejected_lines(home: Path) -> list[int]:
    """The line numbers the ingest ledger keeps as rejected."""
    with Workspace(home).reading() as con:
        return db.query(con, "SELECT line FROM rejected_lines ORDER BY line")["line"].tolist()


def upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    """at after the files were dropped on the uploader."""
    at.file_uploader(key="uploads").set_value([(n, b, "text/csv") for n, b in files]).run()
    assert not at.exception
    return at


def ingest_buttons(at: AppTest) -> list[Button]:
    """The Ingest buttons on the page, one per file card that can still be ingested."""
    return [b for b in at.button if b.label == "Ingest"]


def warnings(at: AppTest) -> str:
    """Every warning and caption the page shows, as one string."""
    return "\n".join(str(e.value) for e in (*at.warning, *at.caption))


def failing_for(
    name: str, real: Callable[..., object], *, when_storing: bool
) -> Callable[..., object]:
    """real, except that a call about the file called name fails as a bug in okrlens would.

    when_storing: only the call that stores the file fails (previews pass).
    """

    def call(*args: object, **kwargs: object) -> object:
        if name in args and (not when_storing or kwargs.get("dry_run") is False):
            raise RuntimeError("a bug")
        return real(*args, **kwargs)

    return call


REFUSED_MIDDLES = {
    "UTF-16 text, refused when its kind is detected": (
        "date,metric,value\n2026-11-16,Webinar sign-ups,7\n".encode("utf-16"),
        None,
        "middle.csv is UTF-16 text (Excel's 'Unicode text'), which okrlens does not read "
        "(middle.csv, byte 0). Save it as 'CSV UTF-8 (comma delimited)' and ingest that file.",
    ),
    "no values, refused by its preview": (
        b"when,what,how much\n2026-11-16,Webinar sign-ups,\n",
        None,
        "middle.csv holds no values to ingest (middle.csv). Export a range that contains data.",
    ),
    # Files with a bug get content of their own: the same bytes as first.csv are checked once.
    "a bug in kind detection": (
        WEBINARS + b"2026-11-23,Webinar sign-ups,11\n",
        (edits, "upload_kind"),
        INTERNAL.format(step="analysing"),
    ),
    "a bug in the preview": (
        WEBINARS + b"2026-11-23,Webinar sign-ups,11\n",
        (uploads, "upload_preview"),
        INTERNAL.format(step="analysing"),
    ),
}


@pytest.mark.parametrize(
    ("middle", "bug", "message"), REFUSED_MIDDLES.values(), ids=REFUSED_MIDDLES.keys()
)
def test_a_refused_file_between_two_good_ones_never_stops_them(
    home: Path,
    open_page: Open,
    monkeypatch: pytest.MonkeyPatch,
    middle: bytes,
    bug: tuple[object, str] | None,
    message: str,
) -> None:
    if bug is not None:
        module, name = bug
        monkeypatch.setattr(
            module, name, failing_for("middle.csv", getattr(module, name), when_storing=False)
        )
    at = upload(
        open_page("upload_page.py"),
        ("first.csv", WEBINARS),
        ("middle.csv", middle),
        ("third.csv", SIGNUPS),
    )
    assert [e.value for e in at.error] == [message]
    assert "Ingesting will add **2** rows." in [m.value for m in at.markdown]
    ingest_buttons(at)[0].click().run()
    ingest_buttons(at)[0].click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [message]
    assert ingests(home) == {"first.csv": (2, 0), "third.csv": (2, 0)}


def test_a_bug_while_storing_one_file_is_said_in_its_card_and_the_next_file_still_ingests(
    home: Path, open_page: Open, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        edits, "ingest_upload", failing_for("middle.csv", edits.ingest_upload, when_storing=True)
    )
    at = upload(open_page("upload_page.py"), ("middle.csv", WEBINARS), ("third.csv", SIGNUPS))
    ingest_buttons(at)[0].click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [INTERNAL.format(step="ingesting")]
    ingest_buttons(at)[1].click().run()
    assert not at.exception
    assert ingests(home) == {"third.csv": (2, 0)}


def test_sixty_thousand_rejected_lines_show_the_first_fifty_with_the_count_and_a_download(
    home: Path, open_page: Open
) -> None:
    at = upload(open_page("upload_page.py"), ("huge.csv", events_with_bad_times(60_000)))
    shown = next(d.value for d in at.dataframe if "reason" in d.value.columns)
    assert shown["line"].tolist() == list(range(3, 53))
    assert set(shown["value"]) == {"soon"}
    assert "60,000 line(s) cannot be read and will not be stored." in warnings(at)
    assert "The first 50 of 60,000 rejected lines:" in warnings(at)
    assert "Download all 60,000 rejected lines" in warnings(at)
    downloads = [b.proto.label for b in at.download_button if (b.key or "").startswith("rejects_")]
    assert downloads == ["Download CSV"]


def test_the_rejects_download_holds_every_rejected_line_of_the_preview(home: Path) -> None:
    report = uploads.upload_preview(
        Workspace(home),
        trust.cli_actor(),
        "huge.csv",
        events_with_bad_times(60_000),
        "events",
        EventOptions(),
    )
    csv = trust.export_csv(Workspace(home), trust.cli_actor(), "rejects", report.rejects)
    assert (report.rows_rejected, csv.count("\n")) == (60_000, 60_001)


def test_a_preview_keeps_at_most_its_cap_of_rejects_and_says_so(
    home: Path, open_page: Open, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(uploads, "REJECTS_KEPT", 1_000)
    at = upload(open_page("upload_page.py"), ("huge.csv", events_with_bad_times(1_500)))
    said = "Download the first 1,000 of 1,500 rejected lines (a preview keeps no more)"
    assert said in warnings(at)


def test_a_long_rejected_line_is_shown_cut_short(home: Path, open_page: Open) -> None:
    long_line = (
        b"date,metric,value\n2026-11-02,Webinar sign-ups,5\n2026-11-09," + b"x" * 5_000 + b",1,2\n"
    )
    at = upload(open_page("upload_page.py"), ("wide.csv", long_line))
    shown = next(d.value for d in at.dataframe if "reason" in d.value.columns)
    assert [len(v) for v in shown["value"]] == [200]


LABEL = "Store the 3 valid rows and keep the 2 rejected lines in the ingest ledger (like --allow-rejects)"


def test_a_file_with_rejects_is_stored_only_once_the_analyst_allows_it(
    home: Path, open_page: Open
) -> None:
    at = upload(open_page("upload_page.py"), ("two-bad.csv", TWO_BAD))
    assert "tick the box below to store the valid rows" in warnings(at)
    (button,) = ingest_buttons(at)
    assert button.disabled
    assert [c.label for c in at.checkbox] == [LABEL]
    assert ingests(home) == {}
    at.checkbox[0].check().run()
    (button,) = ingest_buttons(at)
    assert not button.disabled
    button.click().run()
    assert not at.exception
    assert "two-bad.csv: ingested as kpis (long); 3 rows added, 2 rejected" in [
        s.value for s in at.success
    ]
    assert ingests(home) == {"two-bad.csv": (3, 2)}
    assert rejected_lines(home) == [3, 5]


def test_a_file_without_rejects_ingests_without_asking(home: Path, open_page: Open) -> None:
    at = upload(open_page("upload_page.py"), ("first.csv", WEBINARS))
    assert not at.checkbox
    ingest_buttons(at)[0].click().run()
    assert ingests(home) == {"first.csv": (2, 0)}


def test_rejects_past_a_sampled_preview_are_refused_in_the_pages_words_until_allowed(
    home: Path, open_page: Open, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(edits, "PREVIEW_BYTES", 200)  # the preview reads the clean head only
    clean_head = b"date,metric,value\n" + b"".join(
        b"2026-11-%02d,Webinar sign-ups,%d\n" % (day, day) for day in range(1, 21)
    )
    at = upload(
        open_page("upload_page.py"),
        ("late.csv", clean_head + b"2026-11-21,Webinar sign-ups,lots\n"),
    )
    assert "This preview read the first" in " ".join(i.value for i in at.info)
    ingest_buttons(at)[0].click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "late.csv was not ingested: 1 of 21 lines are invalid: line 22, column value, value "
        "'lots': not a number. Correct those lines and upload the file again, or tick the box to "
        "store its valid rows and keep the rejected lines in the ingest ledger, then press Ingest "
        "again."
    ]
    assert ingests(home) == {}
    at.checkbox[0].check().run()
    ingest_buttons(at)[0].click().run()
    assert ingests(home) == {"late.csv": (20, 1)}


# As the page shows them: Markdown, so its > are escaped.
WORKBOOKS = {
    "a damaged Excel workbook": (
        "book.xlsx",
        minimal_xlsx(),
        "book.xlsx looks like an Excel workbook but cannot be read: it is damaged, cut short, "
        "or not a workbook (book.xlsx). Open it in Excel and save it as CSV UTF-8 (File \\> Save "
        "As \\> CSV UTF-8), or export it again.",
    ),
    "an old Excel workbook": (
        "old.xls",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
        "old.xls is an old Excel workbook (.xls), not a CSV file (old.xls, byte 0). Open it in "
        "Excel and save it as CSV UTF-8 (File \\> Save As \\> CSV UTF-8).",
    ),
}


@pytest.mark.parametrize(("name", "payload", "message"), WORKBOOKS.values(), ids=WORKBOOKS.keys())
def test_a_workbook_okrlens_cannot_read_is_told_to_be_saved_as_csv_utf8(
    home: Path, open_page: Open, name: str, payload: bytes, message: str
) -> None:
    at = open_page("upload_page.py")
    assert {".xlsx", ".xls"} <= set(at.file_uploader(key="uploads").proto.type)
    at = upload(at, (name, payload), ("first.csv", WEBINARS))
    assert [e.value for e in at.error] == [message]
    assert len(ingest_buttons(at)) == 1


def test_the_same_file_twice_is_checked_once(home: Path, open_page: Open) -> None:
    at = upload(open_page("upload_page.py"), ("first.csv", WEBINARS), ("copy.csv", WEBINARS))
    assert not at.error
    assert "The same content as first.csv above" in " ".join(i.value for i in at.info)
    assert len(ingest_buttons(at)) == 1


@pytest.mark.parametrize(
    ("allow_rejects", "outcome", "stored"),
    [
        (False, pytest.raises(IngestRejected, match="2 of 5 lines are invalid"), {}),
        (True, contextlib.nullcontext(), {"two-bad.csv": (3, 2)}),
    ],
    ids=["refused by default, like the CLI", "valid rows stored when allowed"],
)
def test_the_upload_service_refuses_a_file_with_rejects_unless_allowed(
    home: Path,
    allow_rejects: bool,
    outcome: contextlib.AbstractContextManager[object],
    stored: dict[str, tuple[int, int]],
) -> None:
    with outcome:
        edits.ingest_upload(
            Workspace(home),
            trust.cli_actor(),
            "two-bad.csv",
            TWO_BAD,
            "kpis",
            KpiOptions(),
            dry_run=False,
            allow_rejects=allow_rejects,
        )
    assert ingests(home) == stored


def test_a_forty_column_export_keeps_its_mapping_folded_in_rows_of_at_most_four(
    home: Path, open_page: Open
) -> None:
    header = "date," + ",".join(f"KPI {i}" for i in range(40))
    export = f"{header}\n2026-11-02," + ",".join(str(i) for i in range(40)) + "\n"
    at = upload(open_page("upload_page.py"), ("wide.csv", export.encode()))
    (mapping,) = at.expander
    assert (mapping.proto.label, mapping.proto.expanded) == (
        "Column mapping and reading options",
        False,
    )
    rows = [c for c in mapping.children.values() if getattr(c, "type", "") == "flex_container"]
    # date, metric, value, segment; layout, decimal mark, date format; table, columns left out
    assert [len(row.children) for row in rows] == [4, 3, 2]
    assert (len(mapping.selectbox), len(mapping.text_input)) == (len(at.selectbox), 1) == (6, 1)
    assert "Ingesting will add **40** rows." in [m.value for m in at.markdown]


@pytest.mark.parametrize(
    ("name", "payload", "column", "first"),
    [
        pytest.param("webinars.csv", WEBINARS, "date", "2026-11-09", id="a-date-without-midnight"),
        pytest.param("webinars.csv", WEBINARS, "value", "7", id="a-value-without-a-trailing-0"),
        pytest.param("signups.csv", SIGNUPS, "event time", "2026-11-02 10:00", id="a-time"),
        pytest.param("signups.csv", SIGNUPS, "account id", "–", id="a-missing-id"),
    ],
)
def test_the_preview_reads_like_every_table(
    home: Path, open_page: Open, name: str, payload: bytes, column: str, first: str
) -> None:
    at = upload(open_page("upload_page.py"), (name, payload))
    preview = next(d.value for d in at.dataframe if column in d.value.columns)
    assert preview[column].iloc[0] == first


def test_the_ingest_history_reads_like_every_table(home: Path, open_page: Open) -> None:
    at = upload(open_page("upload_page.py"), ("webinars.csv", WEBINARS))
    ingest_buttons(at)[0].click().run()
    history = at.dataframe[-1].value
    row = history[history["file name"] == "webinars.csv"].iloc[0]
    assert (row["kind"], row["shape"], row["rows added"]) == ("kpis", "long", "2")
    assert len(row["ingested at"]) == len("2026-11-23 09:05")  # to the minute, not microseconds


@pytest.mark.parametrize(
    ("content", "says"),
    [
        pytest.param(
            b"Day,Sessions,Users\n03/04/2026,12,5\n04/05/2026,14,6\n",
            "Type the Date format under Column mapping and reading options, e.g. %d/%m/%Y",
            id="ambiguous-day-and-month",
        ),
        pytest.param(
            b"date;metric;value\n2026-11-02;mrr;1.250\n2026-11-09;mrr;1.300\n",
            "State the mark by picking the Decimal mark under Column mapping and reading options",
            id="ambiguous-decimal-mark",
        ),
    ],
)
def test_a_refusal_names_the_pages_own_controls_not_the_clis_flags(
    home: Path, open_page: Open, content: bytes, says: str
) -> None:
    at = upload(open_page("upload_page.py"), ("export.csv", content))
    (error,) = [e.value for e in at.error]
    assert says in error
    assert "--" not in error


GA4_TWO_TABLES = (
    b"# ----------------------------------------\n# Sessions by country\n"
    b"# Start date: 20261102\n# End date: 20261115\n"
    b"# ----------------------------------------\nCountry,Sessions\nGermany,120\nFrance,80\n\n"
    b"# ----------------------------------------\n# Sessions by week\n"
    b"# ----------------------------------------\nNth week,Sessions\n0000,700\n0001,760\n"
)


def test_a_download_with_two_tables_reads_its_time_table_and_the_table_control_is_offered(
    home: Path, open_page: Open
) -> None:
    at = upload(open_page("upload_page.py"), ("ga4.csv", GA4_TWO_TABLES))
    assert not at.error, [e.value for e in at.error]
    tables = [n for n in at.number_input if str(n.key).endswith("_table")]
    assert [n.value for n in tables] == [0]  # 0: the one that runs over time
    shown = "\n".join(str(e.value) for e in (*at.markdown, *at.caption))
    assert "table 2 of 2" in shown
    assert ingest_buttons(at)


REVENUE_AND_COSTS = {
    "Revenue": [["date", "metric", "value"], [dt.date(2026, 11, 9), "Revenue", 500]],
    "Costs": [["date", "metric", "value"], [dt.date(2026, 11, 9), "Costs", 120]],
}


def sheet_boxes(at: AppTest) -> list[str]:
    """The values of the Sheet boxes on the page, one per workbook card."""
    return [t.value for t in at.text_input if t.label == "Sheet"]


def test_the_sheet_box_is_offered_for_a_workbook_and_not_for_a_csv_file(
    home: Path, open_page: Open
) -> None:
    at = upload(
        open_page("upload_page.py"),
        ("sales.xlsx", xlsx({"Revenue": REVENUE_AND_COSTS["Revenue"]})),
        ("first.csv", WEBINARS),
    )
    assert not at.error, [e.value for e in at.error]
    assert sheet_boxes(at) == [""]
    assert len(ingest_buttons(at)) == 2


@pytest.mark.parametrize("typed", ["Costs", "2"], ids=["by-name", "by-number"])
def test_a_workbook_with_several_sheets_is_read_at_the_sheet_typed_in_the_sheet_box(
    home: Path, open_page: Open, typed: str
) -> None:
    at = upload(open_page("upload_page.py"), ("book.xlsx", xlsx(REVENUE_AND_COSTS)))
    (error,) = [e.value for e in at.error]
    assert "book.xlsx has 2 sheets with data" in error
    assert "by typing its name or number in the Sheet box (e.g. 1)" in error
    assert "--" not in error
    next(t for t in at.text_input if t.label == "Sheet").input(typed).run()
    assert not at.error, [e.value for e in at.error]
    assert "Excel sheet 'Costs'" in "\n".join(str(m.value) for m in at.markdown)
    ingest_buttons(at)[0].click().run()
    assert ingests(home) == {"book.xlsx": (1, 0)}


EPOCH_OPEN = b"time,distinct_id,event\n176397840000,u1,Search\n"  # 12 digits: s or ms?


def test_epoch_times_the_digits_leave_open_are_read_in_the_time_unit_picked(
    home: Path, open_page: Open
) -> None:
    at = upload(open_page("upload_page.py"), ("mixpanel.csv", EPOCH_OPEN))
    (error,) = [e.value for e in at.error]
    assert "by picking seconds or milliseconds in the Time unit control" in error
    assert "--" not in error
    next(s for s in at.selectbox if s.label == "Time unit").set_value("ms").run()
    assert not at.error, [e.value for e in at.error]
    ingest_buttons(at)[0].click().run()
    with Workspace(home).reading() as con:
        stored = db.query(con, "SELECT CAST(event_time AS VARCHAR) AS t FROM events")["t"]
    assert stored.tolist() == ["1975-08-04 15:24:00"]


# Weekday events of 2 to 27 Nov 2026: the last row is a Friday.
WEEKDAYS = b"event_time,user_id,event_name\n" + b"".join(
    f"2026-11-{d:02d}T09:00:00Z,u1,login\n".encode()
    for d in range(2, 28)
    if dt.date(2026, 11, d).weekday() < 5
)


def captions(at: AppTest) -> str:
    """Every caption on the page, in one text."""
    return " ".join(c.value for c in at.caption)


def test_the_preview_says_what_the_file_covers_and_the_covers_through_date_extends_it(
    home: Path, open_page: Open
) -> None:
    at = upload(open_page("upload_page.py"), ("weekdays.csv", WEEKDAYS))
    said = captions(at)
    assert "It covers 2 Nov 2026 – 27 Nov 2026 (its rows; ingested" in said
    assert "say so in the Covers through box under Column mapping and reading options" in said
    next(d for d in at.date_input if d.label == "Covers through").set_value(
        dt.date(2026, 11, 29)
    ).run()
    assert "It covers 2 Nov 2026 – 29 Nov 2026 (stated with the Covers through date)." in captions(
        at
    )
    ingest_buttons(at)[0].click().run()
    with Workspace(home).reading() as con:
        covered = db.query(con, "SELECT covers_from, covers_through, covered_by FROM ingests")
    assert covered.astype(str).values.tolist() == [
        ["2026-11-02", "2026-11-29", "stated with --through"]
    ]
