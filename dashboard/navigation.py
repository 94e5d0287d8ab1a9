"""The dashboard's pages, declared once: the router builds navigation from it, tests walk it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipelines.service import Action

PAGES_DIR = Path(__file__).with_name("app_pages")


@dataclass(frozen=True)
class PageSpec:
    """One page: its module file, title, icon, URL path, and the action a visitor needs."""

    file: str
    title: str
    icon: str
    url_path: str
    needs: Action = Action.VIEW
    # A dense page draws who is signed in within its own title row (identity.badge), so the
    # router does not spend a line on it above the page.
    badge_in_title: bool = False

    @property
    def path(self) -> Path:
        """The page's script."""
        return PAGES_DIR / self.file


PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "overview_page.py", "Overview", ":material/dashboard:", "overview", badge_in_title=True
    ),
    PageSpec("kr_detail_page.py", "Key result", ":material/query_stats:", "key-result"),
    PageSpec("metrics_page.py", "Metrics", ":material/monitoring:", "metrics"),
    PageSpec("define_metrics_page.py", "Define metrics", ":material/function:", "define-metrics"),
    PageSpec("insight_page.py", "Insight", ":material/insights:", "insight"),
    PageSpec("standup_page.py", "Standup", ":material/groups:", "standup"),
    PageSpec("review_page.py", "Review", ":material/rate_review:", "review"),
    PageSpec("upload_page.py", "Upload", ":material/upload_file:", "upload", Action.UPLOAD),
    PageSpec("define_okrs_page.py", "Define OKRs", ":material/flag:", "define-okrs"),
    PageSpec("initiatives_page.py", "Initiatives", ":material/rocket_launch:", "initiatives"),
    PageSpec("targets_page.py", "Targets", ":material/edit_note:", "targets", Action.CHECK_IN),
    PageSpec("admin_page.py", "Audit", ":material/shield_person:", "audit", Action.READ_AUDIT),
)
