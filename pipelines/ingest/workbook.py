"""Turning one sheet of an Excel workbook (.xlsx) into a CSV UTF-8 file, as Excel's own
"Save As > CSV UTF-8" would, so that the rest of the ingest is the CSV path unchanged.

Line N of the CSV is row N of the sheet, so rejects name the sheet's rows. Cells are written as
an analyst reads them: dates as ISO text, numbers without float noise (integers stay integers,
percentages keep their %), formulas as the values Excel last calculated. Title rows above the
first header become `#` comment lines, which the dialect skips as a preamble.

openpyxl streams the sheet (read_only): memory stays bounded whatever the sheet's size.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import shutil
import tempfile
import weakref
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from openpyxl import load_workbook  # type: ignore[import-untyped]
from openpyxl.utils.exceptions import InvalidFileException  # type: ignore[import-untyped]

from pipelines.errors import OkrlensError
from pipelines.limits import MAX_SHARED_STRINGS_BYTES, MAX_SHEET_CELLS

ZIP_MAGIC = b"PK\x03\x04"
# Old .xls workbooks are compound files; so is a password-protected .xlsx, which Excel encrypts
# into one whose directory names (in UTF-16) the EncryptedPackage stream.
_COMPOUND_MAGIC = b"\xd0\xcf\x11\xe0"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
SAVE_AS_CSV = "open it in Excel and save it as CSV UTF-8 (File > Save As > CSV UTF-8)"
_WORKBOOK_PART = "xl/workbook.xml"
_SHARED_STRINGS_PART = "xl/sharedStrings.xml"
# What openpyxl raises on a cut-short archive, a broken XML part or a missing one: the file's
# damage, to be said as such (the zip and XML errors are measured; the others guard lookups).
_DAMAGED = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    ValueError,
    SyntaxError,
    InvalidFileException,
)


def is_workbook(path: Path) -> bool:
    """True when the file is a ZIP archive holding an Excel workbook, or a damaged archive
    named as one (.xlsx, .xlsm), which the conversion then refuses as damaged."""
    with path.open("rb") as raw:
        if raw.read(4) != ZIP_MAGIC:
            return False
    try:
        with zipfile.ZipFile(path) as archive:
            return _WORKBOOK_PART in archive.namelist()
    except zipfile.BadZipFile:
        return path.suffix.lower() in {".xlsx", ".xlsm"}


def refuse_binary_workbook(path: Path, head: bytes) -> None:
    """OkrlensError when the file's first bytes are an old .xls or a password-protected workbook."""
    if not head.startswith(_COMPOUND_MAGIC):
        return
    if _ENCRYPTED_PACKAGE in head:
        raise OkrlensError(
            f"{path.name} is a password-protected Excel workbook, which okrlens cannot open",
            where=f"{path.name}, byte 0",
            fix="open it in Excel, remove the password (File > Info > Protect Workbook > Encrypt "
            "with Password) and save it, or save it as CSV UTF-8 (File > Save As > CSV UTF-8)",
        )
    raise OkrlensError(
        f"{path.name} is an old Excel workbook (.xls), not a CSV file",
        where=f"{path.name}, byte 0",
        fix=SAVE_AS_CSV,
    )


def not_a_workbook(path: Path) -> OkrlensError:
    """The refusal of a sheet chosen for a file that is no workbook."""
    return OkrlensError(
        f"a sheet was chosen, but {path.name} is not an Excel workbook",
        where="--sheet",
        fix="leave --sheet out for a CSV file (it chooses a sheet of an .xlsx workbook)",
    )


def sheet_as_csv(path: Path, sheet: str | None, out: Path) -> str:
    """Write the chosen sheet of the workbook at path to out as CSV UTF-8; the sheet's name.

    sheet is a name, or a 1-based number; None is the only sheet with data. OkrlensError for a
    damaged workbook, a sheet it lacks, a formula never calculated, or a sheet over the limits.
    """
    _refuse_oversized_parts(path)
    valueless: set[str] = set()  # cells written without a value: blanks, or formulas?
    with _opened(path, data_only=True) as book:
        number = _chosen_sheet(path, [ws.title for ws in book.worksheets], sheet, book)
        chosen = book.worksheets[number]
        title = str(chosen.title)
        if (chosen.max_row or 0) * (chosen.max_column or 0) > MAX_SHEET_CELLS:
            raise _too_many_cells(path, title)
        with out.open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream, lineterminator="\n")
            for fields in _csv_rows(path, title, chosen.iter_rows(), valueless):
                if len(fields) == 1 and fields[0].startswith("#"):
                    stream.write(fields[0] + "\n")  # a preamble line, as analytics tools write it
                else:
                    writer.writerow(fields)
    if valueless:
        _refuse_uncalculated(path, number, title, valueless)
    return title


@contextmanager
def _opened(path: Path, *, data_only: bool) -> Iterator[Any]:
    """The workbook at path, streamed, then closed; what openpyxl raises on a damaged one, while
    opening or streaming it, is said as an OkrlensError."""
    try:
        book = load_workbook(path, read_only=True, data_only=data_only)
    except (*_DAMAGED, OSError):  # "File contains no valid workbook part" is an OSError
        raise _damaged(path) from None
    try:
        yield book
    except _DAMAGED:
        raise _damaged(path) from None
    finally:
        book.close()


def _damaged(path: Path) -> OkrlensError:
    """The refusal of a workbook that cannot be read."""
    return OkrlensError(
        f"{path.name} looks like an Excel workbook but cannot be read: it is damaged, cut "
        "short, or not a workbook",
        where=path.name,
        fix=SAVE_AS_CSV + ", or export it again",
    )


def _refuse_uncalculated(path: Path, number: int, sheet: str, valueless: set[str]) -> None:
    """OkrlensError when one of the valueless cells holds a formula never calculated.

    A second pass, only when some cell was written without a value: openpyxl reads either the
    formulas or their cached values, and a missing value must not pass for an empty cell.
    """
    with _opened(path, data_only=False) as book:
        for row in book.worksheets[number].iter_rows():
            for cell in row:
                formula = getattr(cell, "value", None)
                is_formula = isinstance(formula, str) and formula.startswith("=")
                if is_formula and cell.coordinate in valueless:
                    raise _uncalculated(path, sheet, cell.coordinate, str(formula))


def _uncalculated(path: Path, sheet: str, coordinate: str, formula: str) -> OkrlensError:
    """The refusal of a formula cell without the value a spreadsheet calculates and saves."""
    return OkrlensError(
        f"cell {coordinate} of sheet {sheet!r} in {path.name} holds a formula ({formula}) whose "
        "value was never calculated: the workbook was written by a program and never saved by "
        "a spreadsheet",
        where=f"{path.name}, sheet {sheet}, cell {coordinate}",
        fix="open it in Excel or LibreOffice and save it, so that its formulas are calculated, "
        "or save it as CSV UTF-8 (File > Save As > CSV UTF-8)",
    )


def _too_many_cells(path: Path, sheet: str) -> OkrlensError:
    """The refusal of a sheet over MAX_SHEET_CELLS."""
    return OkrlensError(
        f"sheet {sheet!r} of {path.name} has more than {MAX_SHEET_CELLS:,} cells, more than "
        "okrlens converts from a workbook",
        where=f"{path.name}, sheet {sheet}",
        fix=SAVE_AS_CSV + "; a CSV file of any size is read in bounded memory",
    )


def _refuse_oversized_parts(path: Path) -> None:
    """OkrlensError when the workbook's shared strings would not fit in memory."""
    try:
        with zipfile.ZipFile(path) as archive:
            sizes = {info.filename: info.file_size for info in archive.infolist()}
    except (zipfile.BadZipFile, OSError):
        return  # openpyxl's refusal names the damage
    if sizes.get(_SHARED_STRINGS_PART, 0) > MAX_SHARED_STRINGS_BYTES:
        raise OkrlensError(
            f"{path.name} holds {sizes[_SHARED_STRINGS_PART] / 1e6:,.0f} MB of text, more than "
            f"okrlens reads from a workbook ({MAX_SHARED_STRINGS_BYTES / 1e6:,.0f} MB)",
            where=path.name,
            fix=SAVE_AS_CSV + "; a CSV file is read in bounded memory whatever its size",
        )


def _has_data(worksheet: Any) -> bool:
    """True when a sheet holds at least one non-empty cell (it stops at the first row with one)."""
    return any(any(v is not None for v in row) for row in worksheet.iter_rows(values_only=True))


def _chosen_sheet(path: Path, names: list[str], sheet: str | None, book: Any) -> int:
    """The 0-based index of the sheet asked for, or of the only sheet with data."""
    listed = ", ".join(f"{n}: {name}" for n, name in enumerate(names, start=1))
    if sheet is not None:
        text = sheet.strip()
        if text in names:
            return names.index(text)
        if text.isdecimal() and 1 <= int(text) <= len(names):
            return int(text) - 1
        raise OkrlensError(
            f"{path.name} has no sheet {text!r} (its sheets are {listed})",
            where="--sheet",
            fix="give a sheet's name or its number, 1 being the first",
        )
    filled = [n for n, ws in enumerate(book.worksheets) if _has_data(ws)]
    if len(filled) > 1:
        raise OkrlensError(
            f"{path.name} has {len(filled)} sheets with data, and okrlens reads one per ingest "
            f"(its sheets are {listed})",
            where=path.name,
            fix=f"choose one with --sheet NAME or --sheet N (e.g. --sheet {filled[0] + 1})",
        )
    return filled[0] if filled else 0


def _csv_rows(
    path: Path, sheet: str, rows: Iterator[tuple[Any, ...]], valueless: set[str]
) -> Iterator[list[str]]:
    """The sheet's rows as CSV fields: notes outside tables as comments, each table padded to
    its header's width; adds to valueless the cells that are written but hold no value."""
    width = 0  # the current table's header width; 0 before a header and after a blank row
    seen = 0
    for cells in rows:
        seen += len(cells)
        if seen > MAX_SHEET_CELLS:
            raise _too_many_cells(path, sheet)
        fields = [_text(cell) for cell in cells]
        valueless.update(
            cell.coordinate for cell in cells if cell.value is None and hasattr(cell, "coordinate")
        )
        while fields and not fields[-1]:
            fields.pop()
        if not fields:
            width = 0
            yield []
        elif width == 0 and len(fields) == 1:
            # A title or note above a table: a comment line, so the dialect skips it.
            text = " ".join(fields[0].split())
            yield [text if text.startswith("#") else "# " + text]
        else:
            width = width or len(fields)
            yield fields + [""] * (width - len(fields))


def _text(cell: Any) -> str:
    """One cell's value as Excel's CSV would write it, dates as ISO text."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="milliseconds" if value.microsecond else "seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if "%" in str(getattr(cell, "number_format", "")):
            return _number(value * 100) + "%"
        return _number(value)
    return str(value)


def _number(value: float) -> str:
    """A float as written, without binary noise: Excel keeps 15 significant digits.

    Example:
        >>> _number(0.1 + 0.2), _number(1234.0), _number(2.5e-07), _number(1e20)
        ('0.3', '1234', '0.00000025', '100000000000000000000')
    """
    return str(np.format_float_positional(float(f"{value:.15g}"), trim="-"))


@dataclass(frozen=True)
class SheetCopy:
    """One sheet of a workbook as a CSV UTF-8 file, removed once nothing refers to this object."""

    path: Path  # named as the workbook, so that every message quotes the workbook's name
    sheet: str


def sheet_copy(path: Path, sheet: str | None) -> SheetCopy:
    """The chosen sheet of the workbook at path, converted to CSV UTF-8 in a temporary folder.

    The folder goes with the returned object (a dialect keeps it for as long as it reads the
    copy), so no caller has to remember to remove it.
    """
    folder = Path(tempfile.mkdtemp(prefix="okrlens-sheet-"))
    try:
        title = sheet_as_csv(path, sheet, folder / path.name)
    except BaseException:
        _remove(folder)
        raise
    copy = SheetCopy(folder / path.name, title)
    weakref.finalize(copy, _remove, folder)
    return copy


def _remove(folder: Path) -> None:
    """Remove a conversion's folder, which may already be gone (removed at exit, or by hand)."""
    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(folder)
