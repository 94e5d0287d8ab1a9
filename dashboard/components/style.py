"""The dashboard's one stylesheet: the overview's table dense, its slides large, for a shared screen.

A constant: no user text ever reaches it. Streamlit's Markdown tables pad every cell by
~0.4 rem and let every cell wrap; with a quarter's 11 key results and 3 objectives that pushed
the last rows below the fold at 1280×720. The rules apply only inside the container keyed
GLANCE (Streamlit gives it the class st-key-<key>); tests/e2e/test_overview_in_browser.py checks
that every key result fits, so a Streamlit upgrade that renames the class fails a test.
"""

from __future__ import annotations

import streamlit as st

GLANCE = "glance"
SLIDE = "slide"  # presentation mode: read from the back of a room, or a shrunken screen share
# Band and status never break; the other short cells (value, heading, change) stay on one line
# on a wide screen, so the title and the why take the rest; on a narrow one they may wrap
# rather than make the page scroll sideways.
STYLESHEET = f"""<style>
.st-key-{GLANCE} table th, .st-key-{GLANCE} table td {{
  padding: 0.15rem 0.5rem; line-height: 1.35;
}}
.st-key-{GLANCE} table td:nth-child(2), .st-key-{GLANCE} table td:nth-child(3) {{
  white-space: nowrap;
}}
@media (min-width: 1000px) {{
  .st-key-{GLANCE} table th,
  .st-key-{GLANCE} table td:nth-child(n+2):nth-child(-n+6) {{ white-space: nowrap; }}
}}
.st-key-{SLIDE} [data-testid="stMarkdownContainer"] p {{ font-size: 1.4rem; }}
.st-key-{SLIDE} [data-testid="stMarkdownContainer"] h2 {{ font-size: 2.4rem; }}
.st-key-{SLIDE} [data-testid="stMarkdownContainer"] h3 {{ font-size: 1.9rem; }}
/* A badge sets its size inline (0.875rem); on a slide it follows the heading it sits in. */
.st-key-{SLIDE} span.stMarkdownBadge {{ font-size: 0.8em !important; }}
</style>"""


def apply() -> None:
    """Apply the stylesheet to the page being drawn."""
    st.html(STYLESHEET)
