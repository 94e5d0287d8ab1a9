"""The Upload page's parts: a card per file, how it should be read, what was read, its Ingest.

Every file is judged on its own: its refusal, or even a bug in okrlens, is said in its own card
in the one paragraph the CLI uses, and the cards after it are analysed and ingested as usual.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.uploaded_file_manager import UploadedFile

from dashboard import data
from dashboard.components import downloads
from dashboard.components.gate import Context
from pipelines.service import (
    EVENT_ROLES,
    KPI_ROLES,
    SHAPES,
    Actor,
    EventOptions,
    IngestRejected,
    IngestReport,
    KpiOptions,
    OkrlensError,
    edits,
    uploads,
)
from pipelines.service.formatting import markdown_text

LOG = logging.getLogger(__name__)
AUTO = "detect"
# Wider rows squeeze each selectbox below the length of a column name.
MAPPING_PER_ROW = 4
REJECT_LABELS = {
    "line": st.column_config.NumberColumn("Line", format="%d"),
    "column_name": st.column_config.TextColumn("Column"),
    "value": st.column_config.TextColumn("Text as read"),
    "reason": st.column_config.TextColumn("Reason"),
}


@dataclass(frozen=True)
class Upload:
    """One uploaded file as the page handles it: its name, its bytes, its widgets' key."""

    name: str
    payload: bytes
    key: str


def show_each(ctx: Context, files: Sequence[UploadedFile]) -> None:
    """A card per uploaded file; a failure in one (a bug included) never stops the next."""
    shown: dict[str, str] = {}  # widget key -> the file whose card uses it
    for file in files:
        with st.container(border=True):
            st.subheader(markdown_text(file.name))
            try:
                payload = file.getvalue()
                key = hashlib.sha256(payload).hexdigest()[:16]
                if key in shown:
                    st.info(
                        f"The same content as {markdown_text(shown[key])} above, which is where "
                        "it is checked and ingested (once)."
                    )
                    continue
                shown[key] = file.name
                show_upload(ctx, Upload(file.name, payload, key))
            except Exception:
                LOG.exception("upload %r failed", file.name)
                st.error(markdown_text(uploads.internal_error(file.name, "analysing").message()))


def show_upload(ctx: Context, upload: Upload) -> None:
    """One file: how it is read, its preview and rejects, and its Ingest button."""
    done: dict[str, tuple[str, str]] = st.session_state.setdefault("ingested_uploads", {})
    if upload.key in done:
        summary, covers = done[upload.key]
        st.success(markdown_text(summary))
        if covers:
            st.caption(markdown_text(f"It {uploads.in_page_text(covers)}."))
        return
    sheet = sheet_for(upload) if uploads.is_workbook(upload.payload) else None
    try:
        detected, header = (
            data.upload_kind(ctx.home, ctx.actor, upload.name, upload.payload)
            if sheet is None
            else uploads.sheet_kind(data.workspace(), ctx.actor, upload.name, upload.payload, sheet)
        )
    except OkrlensError as exc:
        st.error(markdown_text(uploads.in_page_words(exc).message()))
        return
    kind = str(
        st.segmented_control(
            "Kind",
            ["events", "kpis"],
            default=detected,
            key=f"{upload.key}_kind",
            format_func=lambda k: "product events" if k == "events" else "business KPIs",
        )
        or detected
    )
    options = options_for(upload.key, kind, header, sheet)
    try:
        report = data.preview_upload(
            ctx.home, ctx.actor, upload.name, upload.payload, kind, options, ctx.version
        )
    except OkrlensError as exc:
        st.error(markdown_text(uploads.in_page_words(exc).message()))
        st.caption("If a column was misread, pick it under Column mapping and reading options.")
        return
    if report.already_ingested_at is not None:
        st.info(markdown_text(report.summary()))
        return
    show_report(report)
    show_rejects(ctx.actor, report, upload.key)
    allow_rejects = rejects_allowed(report, upload.key)
    blocked = report.rows_rejected > 0 and not allow_rejects
    if st.button(
        "Ingest",
        type="primary",
        key=f"{upload.key}_ingest",
        disabled=blocked or (report.rows_added == 0 and not report.rows_revised),
        help="Tick the box above first: the file has rejected lines."
        if blocked and report.rows_read
        else None,
    ):
        ingest(ctx, upload, kind, options, allow_rejects=allow_rejects)


def ingest(
    ctx: Context,
    upload: Upload,
    kind: str,
    options: KpiOptions | EventOptions,
    *,
    allow_rejects: bool,
) -> None:
    """Store the file (Ingest was pressed); its one-paragraph error if that is refused or fails."""
    bar = st.progress(0.1, text="Reading and validating…")
    try:
        result = edits.ingest_upload(
            data.workspace(),
            ctx.actor,
            upload.name,
            upload.payload,
            kind,
            options,
            dry_run=False,
            allow_rejects=allow_rejects,
        )
    except IngestRejected as exc:  # lines past a sampled preview's head
        failure = uploads.upload_refusal(exc)
    except OkrlensError as exc:
        failure = uploads.in_page_words(exc)
    except Exception:
        LOG.exception("ingesting upload %r failed", upload.name)
        failure = uploads.internal_error(upload.name, "ingesting")
    else:
        bar.progress(1.0, text="Committed")
        st.session_state["ingested_uploads"][upload.key] = (result.summary(), result.covers())
        st.rerun()
    bar.empty()
    st.error(markdown_text(failure.message()))


def _grid(count: int) -> list[DeltaGenerator]:
    """count cells laid out in rows of MAPPING_PER_ROW."""
    rows = [st.columns(MAPPING_PER_ROW) for _ in range(0, count, MAPPING_PER_ROW)]
    return [cell for row in rows for cell in row][:count]


def sheet_for(upload: Upload) -> str | None:
    """The sheet of a workbook upload the analyst typed (a name or a number), or None."""
    typed = st.text_input(
        "Sheet",
        key=f"{upload.key}_sheet",
        placeholder="its only sheet with data",
        help="Which sheet of the workbook to read: its name, or its number (1 = the first).",
    )
    return typed.strip() or None


def options_for(
    file_key: str, kind: str, header: list[str], sheet: str | None = None
) -> KpiOptions | EventOptions:
    """The analyst's column mapping and reading options for one file (of its sheet `sheet`, for
    a workbook), folded away until needed."""
    roles = EVENT_ROLES if kind == "events" else KPI_ROLES
    mapping: dict[str, str] = {}
    with st.expander("Column mapping and reading options"):
        st.caption("Which column plays which role (detect = recognised by its name)")
        for cell, role in zip(_grid(len(roles)), roles, strict=True):
            picked = cell.selectbox(role, [AUTO, *header], key=f"{file_key}_{kind}_map_{role}")
            if picked != AUTO:
                mapping[role] = str(picked)
        through = st.date_input(
            "Covers through",
            value=None,
            key=f"{file_key}_through",
            help="The last day the export covers, when its rows end sooner (events that stop "
            "on Friday, exported on Monday, cover the week through Sunday). Empty: its rows' "
            "last day, or the range a GA4 download declares.",
        )
        if kind == "events":
            unit = st.selectbox(
                "Time unit",
                [AUTO, *uploads.TIME_UNITS],
                format_func=lambda u: uploads.TIME_UNITS.get(u, u),
                key=f"{file_key}_time_unit",
                help="What numbers in the time column count since 1970: detect reads 10 digits "
                "as seconds and 13 as milliseconds.",
            )
            event_name = st.text_input(
                "One event name",
                placeholder="e.g. payment",
                key=f"{file_key}_event_name",
                help="For an export without an event column (Stripe's payments): what every row "
                "is. Or pick the event_name column above.",
            )
            return EventOptions(
                mapping=mapping or None,
                time_unit=None if unit == AUTO else str(unit),
                event_name=event_name.strip() or None,
                sheet=sheet,
                through=through,
            )
        c1, c2, c3 = st.columns(3)
        shape = c1.selectbox("Layout", [AUTO, *SHAPES], key=f"{file_key}_shape")
        decimal = c2.selectbox("Decimal mark", [AUTO, ".", ","], key=f"{file_key}_decimal")
        date_format = c3.text_input(
            "Date format", placeholder="detect, or e.g. %d/%m/%Y", key=f"{file_key}_datefmt"
        )
        c4, c5 = st.columns([1, 2])
        table = c4.number_input(
            "Table",
            min_value=0,
            value=0,
            step=1,
            key=f"{file_key}_table",
            help="Which table of a download that holds several (1 = the first); 0 = the only "
            "one that runs over time.",
        )
        ignore = c5.multiselect("Leave out columns", header, key=f"{file_key}_ignore")
    return KpiOptions(
        shape=None if shape == AUTO else str(shape),
        decimal=None if decimal == AUTO else str(decimal),
        date_format=date_format or None,
        mapping=mapping or None,
        ignore=tuple(ignore),
        table=int(table) or None,
        sheet=sheet,
        through=through,
    )


def show_report(report: IngestReport) -> None:
    """What the dry run understood: dialect, layout, columns, preview and counts."""
    st.markdown(
        f"**Read as** {markdown_text(report.dialect)} · **layout** {markdown_text(report.shape)}"
    )
    if report.covers():
        st.caption(markdown_text(f"It {uploads.in_page_text(report.covers())}."))
    understood = pd.DataFrame(
        {"column in the file": list(report.columns), "stored as": list(report.columns.values())}
    )
    st.dataframe(understood, hide_index=True)
    st.markdown("**Preview** (first rows as they will be stored)")
    st.dataframe(report.preview, hide_index=True)
    if report.sampled:
        st.info(
            f"This preview read the first {report.sampled / 1_000_000:,.0f} MB of the file; "
            "the counts below are that sample's. Ingest reads and checks the whole file."
        )
    st.markdown(
        ("In this sample, ingesting would add" if report.sampled else "Ingesting will add")
        + (" its valid rows:" if report.rows_rejected else "")
        + f" **{report.rows_added:,}** rows"
        + (f", skip **{report.rows_duplicate:,}** already stored" if report.rows_duplicate else "")
        + (f", revise **{report.rows_revised:,}** values" if report.rows_revised else "")
        + (f", reject **{report.rows_rejected:,}**" if report.rows_rejected else "")
        + "."
    )


def show_rejects(actor: Actor, report: IngestReport, file_key: str) -> None:
    """The lines that cannot be stored: how many and why, the first few, a download of all."""
    count = report.rows_rejected
    if not count:
        return
    st.warning(
        f"{count:,} line(s) cannot be read and will not be stored. "
        + (
            "As with the CLI, Ingest stores nothing of a file with rejected lines: correct them "
            "and upload the file again, or tick the box below to store the valid rows and keep "
            "the rejected lines in the ingest ledger."
            if report.rows_read
            else "Not one line of the file can be stored as it is: correct them and upload it again."
        )
    )
    shown = uploads.rejects_on_page(report)
    if shown["line"].nunique() < count:
        st.caption(f"The first {shown['line'].nunique():,} of {count:,} rejected lines:")
    st.dataframe(shown, hide_index=True, column_config=REJECT_LABELS)
    kept = uploads.rejected_lines_kept(report)
    of_sample = " of this sample" if report.sampled else ""
    with st.container(horizontal=True, vertical_alignment="center"):
        st.caption(
            f"Download all {count:,} rejected lines{of_sample}"
            if kept >= count
            else f"Download the first {kept:,} of {count:,} rejected lines{of_sample} (a preview keeps no more)"
        )
        downloads.csv_button(
            actor,
            report.rejects,
            f"{report.file_name}-rejects.csv",
            key=f"rejects_{file_key}",
            what=f"rejected lines of {report.file_name}",
        )


def rejects_allowed(report: IngestReport, file_key: str) -> bool:
    """Whether the analyst asked to store a file's valid rows despite its rejected lines."""
    if not report.rows_read or not (report.rows_rejected or report.sampled):
        return False
    label = (
        f"Store the {report.rows_read:,} valid rows and keep the {report.rows_rejected:,} "
        "rejected lines in the ingest ledger (like --allow-rejects)"
        if report.rows_rejected and not report.sampled
        else "Store the valid rows and keep any rejected lines in the ingest ledger (like "
        "--allow-rejects)"
    )
    return st.checkbox(label, key=f"{file_key}_allow_rejects")
