"""`okrlens ingest kpis|events` on Excel workbooks (.xlsx), written here with openpyxl in the
shapes analysts save them: a title row above the table, dates typed as Excel dates, several
sheets, a European sheet of text cells, an analytics download pasted into a sheet, formulas.
Each is read as the CSV UTF-8 file Excel would save, or refused in words with a remedy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest

from pipelines import db
from pipelines.ingest import workbook as workbook_module
from pipelines.workspace import Workspace
from tests.cli.test_cli import okrlens

Rows = list[list[object]]
D = dt.date
TITLED_KPIS: Rows = [
    ["Monthly KPIs, Acme Ltd"],
    [],
    ["Month", "MRR", "Churn rate"],
    [D(2026, 8, 1), 1000, 0.021],
    [D(2026, 9, 1), 1100.5, 0.019],
    [D(2026, 10, 1), 1205, 0.25],
]
# A German accounting export pasted as text: day-first dates and decimal commas.
EUROPEAN: Rows = [["Buchungstag", "Saldo"], ["01.10.26", "1.234,50"], ["13.10.26", "1.300,00"]]
REVENUE: Rows = [["Date", "Revenue"], [D(2026, 10, 1), 500], [D(2026, 10, 2), 650]]
COSTS: Rows = [["Date", "Costs"], [D(2026, 10, 1), 120], [D(2026, 10, 2), 80]]
GA4_SHEET: Rows = [
    ["# ----------------------------------------"],
    ["# Acme web"],
    ["# Start date: 20261001"],
    ["# End date: 20261014"],
    ["Nth day", "Active users"],
    ["0000", 310],
    ["0001", 295],
    ["0013", 402],
]
EVENTS: Rows = [
    ["event_time", "user_id", "event_name", "plan"],
    [dt.datetime(2026, 11, 24, 10, 0, 0), "u1", "signed_up", "pro"],
    [dt.datetime(2026, 11, 24, 11, 30, 15), 42, "search", None],
]
# Percent cells are written as Excel shows them (2.1%), which okrlens stores as fractions.
ALL_MONTHS = {
    ("churn_rate", "2026-08-01"): 0.021,
    ("churn_rate", "2026-09-01"): 0.019,
    ("churn_rate", "2026-10-01"): 0.25,
    ("mrr", "2026-08-01"): 1000.0,
    ("mrr", "2026-09-01"): 1100.5,
    ("mrr", "2026-10-01"): 1205.0,
}


def write_workbook(
    path: Path, sheets: dict[str, Rows], formats: dict[str, str] | None = None
) -> Path:
    """A workbook with these sheets in order; formats gives number formats of the first sheet's
    cells (e.g. {"C4": "0.0%"})."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    for coordinate, number_format in (formats or {}).items():
        book.worksheets[0][coordinate].number_format = number_format
    book.save(path)
    return path


def with_cached_value(path: Path, formula: str, value: str) -> Path:
    """The workbook at path as a spreadsheet saves it: the formula's calculated value stored."""
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(
        f"<f>{formula}</f><v />".encode(), f"<f>{formula}</f><v>{value}</v>".encode()
    )
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return path


PERCENTS = {"C4": "0.0%", "C5": "0.0%", "C6": "0.0%"}


@pytest.fixture
def home(empty_home: Path) -> Path:
    """An empty workspace."""
    return empty_home


def stored_kpis(home: Path) -> dict[tuple[str, str], float]:
    """What the store holds: (metric, date) -> value."""
    with Workspace(home).reading() as con:
        rows = db.query(con, "SELECT metric, date, value FROM kpis ORDER BY metric, date")
    return {(r.metric, str(r.date)[:10]): round(r.value, 9) for r in rows.itertuples()}


@pytest.mark.parametrize(
    ("sheets", "formats", "args", "expected", "said"),
    [
        pytest.param(
            {"KPIs": TITLED_KPIS},
            PERCENTS,
            [],
            ALL_MONTHS,
            ["Excel sheet 'KPIs'", "2 preamble line(s) skipped", "dates as %Y-%m-%d"],
            id="title-row-excel-dates-and-percent-cells",
        ),
        pytest.param(
            {"Umsätze": EUROPEAN},
            {},
            [],
            {("saldo", "2026-10-01"): 1234.5, ("saldo", "2026-10-13"): 1300.0},
            ["dates as %d.%m.%y", "decimal mark ','"],
            id="european-text-cells-day-first-and-decimal-comma",
        ),
        pytest.param(
            {"Revenue": REVENUE, "Costs": COSTS},
            {},
            ["--sheet", "Costs"],
            {("costs", "2026-10-01"): 120.0, ("costs", "2026-10-02"): 80.0},
            ["Excel sheet 'Costs'"],
            id="second-sheet-chosen-by-name",
        ),
        pytest.param(
            {"Revenue": REVENUE, "Costs": COSTS},
            {},
            ["--sheet", "2"],
            {("costs", "2026-10-01"): 120.0, ("costs", "2026-10-02"): 80.0},
            ["Excel sheet 'Costs'"],
            id="second-sheet-chosen-by-number",
        ),
        pytest.param(
            {"Notes": [], "Revenue": REVENUE},
            {},
            [],
            {("revenue", "2026-10-01"): 500.0, ("revenue", "2026-10-02"): 650.0},
            ["Excel sheet 'Revenue'"],
            id="the-only-sheet-with-data-needs-no-choice",
        ),
        pytest.param(
            {"GA4": GA4_SHEET},
            {},
            [],
            {
                ("active_users", "2026-10-01"): 310.0,
                ("active_users", "2026-10-02"): 295.0,
                ("active_users", "2026-10-14"): 402.0,
            },
            ["days counted from 2026-10-01", "the export declares 2026-10-01 to 2026-10-14"],
            id="ga4-download-pasted-into-a-sheet",
        ),
    ],
)
def test_a_workbook_sheet_is_read_as_excel_would_save_it_as_csv(
    capsys: pytest.CaptureFixture[str],
    home: Path,
    tmp_path: Path,
    sheets: dict[str, Rows],
    formats: dict[str, str],
    args: list[str],
    expected: dict[tuple[str, str], float],
    said: list[str],
) -> None:
    book = write_workbook(tmp_path / "export.xlsx", sheets, formats)
    code, out, err = okrlens(capsys, "--home", str(home), "ingest", "kpis", *args, str(book))
    assert code == 0, err
    assert [phrase for phrase in said if phrase not in out] == []
    assert stored_kpis(home) == expected


def test_a_formula_is_read_as_the_value_the_spreadsheet_calculated(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    rows: Rows = [["Date", "Orders", "Revenue"], [D(2026, 10, 1), 42, "=B2*2"]]
    book = with_cached_value(write_workbook(tmp_path / "calc.xlsx", {"Sheet": rows}), "B2*2", "84")
    code, _, err = okrlens(capsys, "--home", str(home), "ingest", "kpis", str(book))
    assert code == 0, err
    assert stored_kpis(home) == {("orders", "2026-10-01"): 42.0, ("revenue", "2026-10-01"): 84.0}


def test_a_rejected_cell_is_named_by_its_row_in_the_sheet(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    rows = [*TITLED_KPIS[:4], [D(2026, 9, 1), "about 1100", 0.019]]
    book = write_workbook(tmp_path / "kpis.xlsx", {"KPIs": rows})
    code, _, err = okrlens(capsys, "--home", str(home), "ingest", "kpis", str(book))
    assert code == 2
    assert "1 of 2 lines are invalid: line 5, column MRR, value 'about 1100': not a number" in err


def test_an_events_workbook_is_read_with_its_excel_date_times(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    book = write_workbook(tmp_path / "events.xlsx", {"Notes": [["read me"]], "Events": EVENTS})
    code, _, err = okrlens(
        capsys, "--home", str(home), "ingest", "events", "--sheet", "Events", str(book)
    )
    assert code == 0, err
    with Workspace(home).reading() as con:
        rows = db.query(
            con,
            "SELECT strftime(event_time, '%Y-%m-%d %H:%M:%S') AS t, user_id, event_name "
            "FROM events ORDER BY event_time",
        )
    assert list(rows.itertuples(index=False, name=None)) == [
        ("2026-11-24 10:00:00", "u1", "signed_up"),
        ("2026-11-24 11:30:15", "42", "search"),
    ]


def test_the_ledger_keeps_the_workbooks_own_sha256_so_a_second_ingest_adds_nothing(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    book = write_workbook(tmp_path / "export.xlsx", {"KPIs": TITLED_KPIS})
    assert okrlens(capsys, "--home", str(home), "ingest", "kpis", str(book))[0] == 0
    code, out, _ = okrlens(capsys, "--home", str(home), "ingest", "kpis", str(book))
    assert code == 0
    assert "already ingested" in out
    with Workspace(home).reading() as con:
        kept = db.query(con, "SELECT sha256 FROM ingests")["sha256"].tolist()
    assert kept == [hashlib.sha256(book.read_bytes()).hexdigest()]


def test_each_sheet_of_one_workbook_is_ingested_once_not_called_already_ingested(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    book = write_workbook(tmp_path / "finance.xlsx", {"Revenue": REVENUE, "Costs": COSTS})
    ingest = ("--home", str(home), "ingest", "kpis", str(book), "--sheet")
    for sheet in ("Revenue", "2", "Costs"):
        okrlens(capsys, *ingest, sheet)
    assert stored_kpis(home) == {
        ("costs", "2026-10-01"): 120.0,
        ("costs", "2026-10-02"): 80.0,
        ("revenue", "2026-10-01"): 500.0,
        ("revenue", "2026-10-02"): 650.0,
    }
    with Workspace(home).reading() as con:
        parts = db.query(con, "SELECT part FROM ingests ORDER BY ingest_id")["part"].tolist()
    # Sheet 2 is Costs: asked for again by name, it is already ingested.
    assert parts == ["sheet 'Revenue'", "sheet 'Costs'"]


def test_the_sheets_csv_copy_is_removed_once_the_ingest_is_done(
    capsys: pytest.CaptureFixture[str],
    home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    book = write_workbook(tmp_path / "export.xlsx", {"GA4": GA4_SHEET})
    assert okrlens(capsys, "--home", str(home), "ingest", "kpis", str(book))[0] == 0
    assert list(scratch.glob("okrlens-sheet-*")) == []


def encrypted_workbook(path: Path) -> Path:
    """The start of a password-protected .xlsx: a compound file whose directory names the
    EncryptedPackage stream (in UTF-16, as Office writes it)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    entry = "EncryptedPackage".encode("utf-16-le").ljust(128, b"\x00")
    path.write_bytes(header + bytes(512) + entry + bytes(384))
    return path


@pytest.mark.parametrize(
    ("make", "command", "args", "said"),
    [
        pytest.param(
            lambda p: write_workbook(p / "two.xlsx", {"Revenue": REVENUE, "Costs": COSTS}),
            "kpis",
            [],
            [
                "two.xlsx has 2 sheets with data",
                "(its sheets are 1: Revenue, 2: Costs)",
                "--sheet NAME or --sheet N",
            ],
            id="several-sheets-with-data-and-none-chosen",
        ),
        pytest.param(
            lambda p: write_workbook(p / "two.xlsx", {"Revenue": REVENUE, "Costs": COSTS}),
            "events",
            ["--sheet", "Budget"],
            ["two.xlsx has no sheet 'Budget' (its sheets are 1: Revenue, 2: Costs)"],
            id="a-sheet-the-workbook-lacks",
        ),
        pytest.param(
            lambda p: write_workbook(
                p / "calc.xlsx",
                {"Sheet": [["Date", "Orders", "Revenue"], [D(2026, 10, 1), 4, "=B2*2"]]},
            ),
            "kpis",
            [],
            [
                "cell C2 of sheet 'Sheet' in calc.xlsx holds a formula (=B2*2) whose value was "
                "never calculated",
                "Open it in Excel or LibreOffice and save it",
            ],
            id="a-formula-never-calculated",
        ),
        pytest.param(
            lambda p: (p / "cut.xlsx").write_bytes(b"PK\x03\x04" + bytes(300)) and p / "cut.xlsx",
            "kpis",
            [],
            ["cut.xlsx looks like an Excel workbook but cannot be read: it is damaged"],
            id="a-corrupt-workbook",
        ),
        pytest.param(
            lambda p: (
                (p / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024))
                and p / "old.xls"
            ),
            "events",
            [],
            [
                "old.xls is an old Excel workbook (.xls), not a CSV file",
                "save it as CSV UTF-8 (File > Save As > CSV UTF-8)",
            ],
            id="an-old-xls-workbook",
        ),
        pytest.param(
            lambda p: encrypted_workbook(p / "locked.xlsx"),
            "kpis",
            [],
            ["locked.xlsx is a password-protected Excel workbook", "remove the password"],
            id="a-password-protected-workbook",
        ),
        pytest.param(
            lambda p: (
                (p / "plain.csv").write_text("Date,Sessions\n2026-10-01,5\n") and p / "plain.csv"
            ),
            "kpis",
            ["--sheet", "1"],
            ["a sheet was chosen, but plain.csv is not an Excel workbook", "Leave --sheet out"],
            id="a-sheet-chosen-for-a-csv-file",
        ),
    ],
)
def test_a_workbook_okrlens_cannot_read_is_refused_in_words(
    capsys: pytest.CaptureFixture[str],
    home: Path,
    tmp_path: Path,
    make: object,
    command: str,
    args: list[str],
    said: list[str],
) -> None:
    assert callable(make)
    path = make(tmp_path)
    code, _, err = okrlens(capsys, "--home", str(home), "ingest", command, *args, str(path))
    assert code == 2, err
    assert "Traceback" not in err
    assert [phrase for phrase in said if phrase not in " ".join(err.split())] == []


def test_a_sheet_over_the_cell_limit_is_refused_before_it_is_converted(
    capsys: pytest.CaptureFixture[str],
    home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(workbook_module, "MAX_SHEET_CELLS", 10)
    book = write_workbook(tmp_path / "big.xlsx", {"KPIs": TITLED_KPIS})
    code, _, err = okrlens(capsys, "--home", str(home), "ingest", "kpis", str(book))
    assert code == 2
    assert "sheet 'KPIs' of big.xlsx has more than 10 cells" in err
    assert "save it as CSV UTF-8" in err
