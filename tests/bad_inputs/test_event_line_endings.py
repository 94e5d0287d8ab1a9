"""Event exports with any line endings, quoting and bad cells: every line stored or rejected once.

Hypothesis writes files line by line from known kinds of rows, so the test knows which physical
line each row starts on and whether it must be stored; the ingest must agree exactly.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines import db
from pipelines.ingest.events import ingest_events

HEADER = "event_time,user_id,event_name,note"
# Row kind -> (event_time, event_name, field count change, stored?): each a way tools go wrong.
KINDS = {
    "good": ("2026-05-18 09:00:00", "signed_up", 0, True),
    "iso-with-offset": ("2026-05-18T09:00:00+02:00", "signed_up", 0, True),
    "quoted-time": ('"2026-05-18 10:00:00"', "signed_up", 0, True),
    "unreadable-time": ("yesterday", "signed_up", 0, False),
    "empty-time": ("", "signed_up", 0, False),
    "blank-event": ("2026-05-18 09:00:00", "  ", 0, False),
    "too-few-fields": ("2026-05-18 09:00:00", "signed_up", -1, False),
    "too-many-fields": ("2026-05-18 09:00:00", "signed_up", 1, False),
}
NOTES = ["plain", "", '"a, b"', '"two\nlines"', '"say ""hi"""', '"three\n\nlines"', "é"]


@dataclass(frozen=True)
class Row:
    """One generated data row: its kind, its note cell and whether its user id is missing."""

    kind: str
    note: str
    no_user: bool


rows_strategy = st.lists(
    st.builds(Row, st.sampled_from(sorted(KINDS)), st.sampled_from(NOTES), st.booleans()),
    min_size=1,
    max_size=12,
)


def written(rows: list[Row], newline: str, final_newline: bool) -> tuple[str, dict[int, str]]:
    """The file's text and, per data row's first physical line, the user id it carries."""
    lines, users, line = [HEADER], {}, 2
    for i, row in enumerate(rows):
        time, event, extra, _ = KINDS[row.kind]
        user = "" if row.no_user else f"u{i}"
        cells = [time, user, event, row.note, *(["x"] * extra)][: 4 + extra]
        lines.append(",".join(cells))
        users[line] = user
        line += 1 + lines[-1].count("\n")
    text = "\n".join(lines) + ("\n" if final_newline else "")
    return text.replace("\n", newline), users


@settings(max_examples=150, deadline=None)
@given(
    rows=rows_strategy,
    newline=st.sampled_from(["\n", "\r\n"]),
    final_newline=st.booleans(),
)
def test_every_line_is_stored_or_rejected_with_its_line_number_exactly_once(
    rows: list[Row], newline: str, final_newline: bool
) -> None:
    text, users = written(rows, newline, final_newline)
    stored_lines = {
        line
        for (line, user), row in zip(users.items(), rows, strict=True)
        if KINDS[row.kind][3] and user
    }
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "events.csv"
        path.write_bytes(text.encode("utf-8"))
        con = db.connect(":memory:")
        try:
            report = ingest_events(con, path, allow_rejects=True)
            stored = set(db.query(con, "SELECT user_id FROM events")["user_id"])
        finally:
            con.close()
    rejected = report.rejects
    assert set(rejected["line"]) == set(users) - stored_lines, text
    assert report.rows_rejected == len(users) - len(stored_lines)
    assert not rejected.duplicated(["line", "reason"]).any(), "no line rejected twice"
    assert stored == {users[line] for line in stored_lines}, "exactly the good rows stored"
