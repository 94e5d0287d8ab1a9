"""The overview as a page to forward: standalone, titled, dated, and safe to open."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipelines.okrs.bands import PRESETS
from pipelines.service.forward import overview_html
from pipelines.service.glance import Glance, Objective, Row
from tests.cli.test_cli import okrlens


def test_the_page_to_forward_carries_title_period_and_as_of_and_escapes_every_text() -> None:
    row = Row(
        kr_id="x", title="<script>alert(1)</script>", band="met", status="on track",
        now="5 of 9", progress="62%", heading="met 70%", change="no change",
        why='<img src=x onerror="alert(2)">', stale=False, final=False,
    )  # fmt: skip
    objective = Objective("o", "Grow & <b>win</b>", "Sales", "met", "62%", "", (row,))
    glance = Glance(
        period="2026-Q4", as_of=dt.date(2026, 11, 23), elapsed="58%", bands=("missed", "met"),
        band_counts=(("missed", 0), ("met", 1)), status_counts=(("on track", 1),),
        objectives=(objective,),
    )  # fmt: skip
    html = overview_html(glance, PRESETS["default"], "Sales", dt.datetime(2026, 11, 24, 9, 0))
    assert html.startswith("<!doctype html>")
    assert "<title>Sales OKRs · 2026-Q4 · as of 23 Nov 2026</title>" in html
    assert "Made by okrlens on 24 Nov 2026 09:00 UTC" in html
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "Grow &amp; &lt;b&gt;" in html
    assert '<span class="band" style="background:#E69F00">met</span>' in html
    assert "<th>Band so far · status</th>" in html  # mid-period, a band is no verdict yet


def test_okrlens_report_html_prints_the_page_of_the_period(
    capsys: pytest.CaptureFixture[str], demo_copy: Path
) -> None:
    code, out, _ = okrlens(
        capsys, "--home", str(demo_copy), "report", "--as-of", "2026-11-23", "--html"
    )
    assert code == 0
    assert "<title>Company OKRs · 2026-Q4 · as of 23 Nov 2026</title>" in out
    assert out.count("<tr><td>") == 11  # every key result of the period, one row each
    assert "<th>Band so far · status</th>" in out
    assert "Grow MRR from $430k to $490k" in out


def test_once_the_period_is_over_the_bands_are_grades(
    capsys: pytest.CaptureFixture[str], demo_copy: Path
) -> None:
    code, out, _ = okrlens(
        capsys, "--home", str(demo_copy), "report", "--as-of", "2026-10-05", "--period",
        "2026-Q3", "--html",
    )  # fmt: skip
    assert code == 0
    assert "<th>Final band · status</th>" in out
