"""What the Upload page says about each file: a bounded preview, its rejects, and its errors.

The page judges every file on its own, so each of these speaks about one file, in the one
paragraph the CLI uses (OkrlensError.message()), and never holds more of it than a page can draw.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pandas as pd

from pipelines.access import Action, Actor
from pipelines.errors import OkrlensError
from pipelines.ingest import workbook
from pipelines.ingest.events import UNIT_NAMES, EventOptions
from pipelines.ingest.kpis import KpiOptions
from pipelines.ingest.ledger import IngestRejected, IngestReport
from pipelines.service import edits
from pipelines.service.formatting import readable
from pipelines.workspace import Workspace

# A 60,000-row reject table made a 2.1-million-pixel page that crashed the browser tab; the
# first lines say what is wrong, and the download holds the rest.
REJECTS_ON_PAGE = 50
# Reject rows a preview keeps for its download: previews are cached per person and file, and a
# 20 MB sample of one-character lines would otherwise keep ten million rows in the cache.
REJECTS_KEPT = 100_000
# A rejected line may be 2 MB long; the page shows its start, the download all of it.
REJECT_TEXT_SHOWN = 200
# The ingest messages name the CLI's flags; on the page they name its controls, which live
# under one expander. In order: a run of --map pairs first, then single flags.
OPTIONS = "under Column mapping and reading options"
TIME_UNITS = UNIT_NAMES  # epoch time units an events file may be declared in, with their names
_MAPS = re.compile(r"(?:--map (\w+)=(\S+)(?:\s+|$))+")
_PAGE_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"with --through DATE"), f"in the Covers through box {OPTIONS}"),
    (re.compile(r"--through"), "the Covers through date"),
    (re.compile(r"with --decimal \. or --decimal ,"), f"by picking the Decimal mark {OPTIONS}"),
    (
        re.compile(r"state the format, e\.g\. --date-format (.+)$"),
        rf"type the Date format {OPTIONS}, e.g. \1",
    ),
    (re.compile(r"--date-format (\S+)"), rf"Date format \1 ({OPTIONS})"),
    (re.compile(r"(?:state it )?with --shape"), f"pick its Layout {OPTIONS}"),
    (re.compile(r"^--shape$"), f"Layout, {OPTIONS}"),
    (re.compile(r"pass --allow-rejects to"), "tick the box to"),
    (
        re.compile(r"with --table N \(e\.g\. --table (\d+)\)"),
        rf"with its number as Table {OPTIONS} (e.g. \1)",
    ),
    (re.compile(r"^--table$"), f"Table, {OPTIONS}"),
    (re.compile(r"with --ignore <column>"), f"under Leave out columns ({OPTIONS})"),
    (re.compile(r"--ignore names"), "Leave out columns names"),
    (re.compile(r"^--ignore$"), f"Leave out columns, {OPTIONS}"),
    (
        re.compile(r"with --sheet NAME or --sheet N \(e\.g\. --sheet (\d+)\)"),
        r"by typing its name or number in the Sheet box (e.g. \1)",
    ),
    (re.compile(r"leave --sheet out"), "clear the Sheet box"),
    (re.compile(r"--sheet"), "the Sheet box"),
    (
        re.compile(r"with --time-unit s or --time-unit ms"),
        f"by picking seconds or milliseconds in the Time unit control {OPTIONS}",
    ),
    (
        re.compile(r"use --time-unit s \(epoch seconds\) or --time-unit ms \(epoch milliseconds\)"),
        f"pick seconds or milliseconds in the Time unit control {OPTIONS}",
    ),
    (re.compile(r"--time-unit"), "the Time unit control"),
)


def upload_preview(
    workspace: Workspace,
    actor: Actor,
    name: str,
    payload: bytes,
    kind: str,
    options: KpiOptions | EventOptions,
) -> IngestReport:
    """The dry run of an upload, keeping at most REJECTS_KEPT reject rows (all are counted).

    Its preview reads as every table does (formatting.readable): dates without midnight,
    numbers with sensible precision.
    """
    report = edits.ingest_upload(workspace, actor, name, payload, kind, options, dry_run=True)
    report.rejects = report.rejects.head(REJECTS_KEPT)
    report.preview = readable(report.preview)
    return report


def is_workbook(payload: bytes) -> bool:
    """True when an upload is an Excel workbook (.xlsx), whose sheet the page asks for."""
    return payload.startswith(workbook.ZIP_MAGIC)


def sheet_kind(
    workspace: Workspace, actor: Actor, name: str, payload: bytes, sheet: str
) -> tuple[str, list[str]]:
    """("events" or "kpis", the column labels) of the chosen sheet of an uploaded workbook."""
    edits.allow(workspace, actor, Action.UPLOAD, name)  # before the server converts anything
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / edits.upload_file_name(name, payload)
        book.write_bytes(payload)
        copy = workbook.sheet_copy(book, sheet)
        return edits.upload_kind(workspace, actor, name, copy.path.read_bytes())


def rejects_on_page(report: IngestReport) -> pd.DataFrame:
    """The first REJECTS_ON_PAGE rejected lines (every reason of each), their text cut short."""
    first = report.rejects["line"].drop_duplicates().head(REJECTS_ON_PAGE)
    shown = report.rejects[report.rejects["line"].isin(first)]
    return shown.assign(value=shown["value"].map(_cut))


def _cut(value: object) -> object:
    """value, a text cut to REJECT_TEXT_SHOWN characters."""
    if isinstance(value, str) and len(value) > REJECT_TEXT_SHOWN:
        return value[: REJECT_TEXT_SHOWN - 1] + "…"
    return value


def rejected_lines_kept(report: IngestReport) -> int:
    """How many of the report's rejected lines its rejects frame holds (all, unless capped)."""
    return int(report.rejects["line"].nunique())


def upload_refusal(refused: IngestRejected) -> OkrlensError:
    """The CLI's refusal of a file with rejected lines, its fix in the Upload page's words."""
    storable = refused.report.rows_read > 0
    return OkrlensError(
        refused.what,
        where=refused.where,
        fix="correct those lines and upload the file again"
        + (
            ", or tick the box to store its valid rows and keep the rejected lines in the "
            "ingest ledger, then press Ingest again"
            if storable
            else " (not one of its lines can be stored as it is)"
        ),
    )


def _mapped(match: re.Match[str]) -> str:
    """A run of --map role=column flags as the page's column mapping, e.g. "date: Day"."""
    pairs = re.findall(r"--map (\w+)=(\S+)", match.group(0))
    trailing = " " if match.group(0).endswith(" ") else ""
    return f"{', '.join(f'{role}: {column}' for role, column in pairs)} {OPTIONS}{trailing}"


def in_page_text(text: str) -> str:
    """text with the CLI's flags said as the Upload page's controls."""
    text = _MAPS.sub(_mapped, text)
    for pattern, words in _PAGE_WORDS:
        text = pattern.sub(words, text)
    return text


def in_page_words(error: OkrlensError) -> OkrlensError:
    """error as the Upload page says it: the same paragraph, naming the page's controls."""
    return OkrlensError(
        in_page_text(error.what),
        where=in_page_text(error.where),
        fix=in_page_text(error.fix),
    )


def internal_error(file_name: str, step: str) -> OkrlensError:
    """What a person is told when okrlens itself failed on one file while doing step."""
    return OkrlensError(
        f"okrlens failed while {step} {file_name}, because of an internal error in okrlens, "
        "not a problem in the file",
        where=file_name,
        fix="the other files are not affected; the ingest history shows whether anything of "
        "this one was stored, and the server log has the details for a bug report",
    )
