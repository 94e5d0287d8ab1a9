"""The service layer: the one place pages and commands ask for what they show and change.

- `Answers` (answers.py): what every page draws and every command prints, for one data version.
- glance.py: the overview's ten-second read; overview.py: its full table; forward.py: the
  overview as one HTML page to forward or print.
- edits.py: every change to the data (ingests, uploads, deletions, the workspace, the demo);
  uploads.py: the Upload page's previews and messages.
- okr_edits.py and metric_edits.py: every change to okrs.yaml and metrics.yaml;
  key_result_form.py: the Targets form's numbers and the slices a key result may take;
  metric_forms.py and metric_choices.py: a metric's form, and what the store holds to pick from.
- status.py: the store's row counts, freshness, latest ingests and the first run's steps.
- trust.py: who is acting (sign-in, roles), the audit log, audited exports.
- formatting.py: numbers as people read them.
- initiatives.py: the RICE ranking and the audited edits of initiatives.yaml; effects.py: did the
  shipped work move the outcome; reviews.py: the end-of-period review and its reflections;
  balance.py: the output/outcome balance; `inbox` (pipelines/inbox.py): exports dropped in the
  inbox folder, ingested once each.

Pages and the CLI import pipelines only through this package (a test enforces it); the names
below are the vocabulary they need.
"""

from __future__ import annotations

from pipelines import inbox
from pipelines.access import ANONYMOUS, AccessSpec, Action, Actor, Role
from pipelines.definitions import Broken
from pipelines.errors import OkrlensError
from pipelines.exports import records, spreadsheet_safe
from pipelines.ingest.columns import EVENT_ROLES, KPI_ROLES
from pipelines.ingest.events import EventOptions
from pipelines.ingest.kpis import SHAPES, KpiOptions
from pipelines.ingest.ledger import IngestRejected, IngestReport
from pipelines.insight.brief import Brief, brief_markdown, brief_sections
from pipelines.insight.ladder import TIERS
from pipelines.metrics.describe import in_words
from pipelines.metrics.spec import Metric, MetricCatalog
from pipelines.okrs.bands import PRESETS, BandPreset
from pipelines.okrs.spec import CheckIn, KeyResult, Objective, OkrSet, Period
from pipelines.service.answers import ALL_PERIODS, Answers, KrDetail
from pipelines.service.glance import Glance
from pipelines.service.overview import Overview
from pipelines.workspace import Workspace

__all__ = [
    "ALL_PERIODS",
    "ANONYMOUS",
    "EVENT_ROLES",
    "KPI_ROLES",
    "PRESETS",
    "SHAPES",
    "TIERS",
    "AccessSpec",
    "Action",
    "Actor",
    "Answers",
    "BandPreset",
    "Brief",
    "Broken",
    "CheckIn",
    "EventOptions",
    "Glance",
    "IngestRejected",
    "IngestReport",
    "KeyResult",
    "KpiOptions",
    "KrDetail",
    "Metric",
    "MetricCatalog",
    "Objective",
    "OkrSet",
    "OkrlensError",
    "Overview",
    "Period",
    "Role",
    "Workspace",
    "brief_markdown",
    "brief_sections",
    "in_words",
    "inbox",
    "records",
    "spreadsheet_safe",
]
