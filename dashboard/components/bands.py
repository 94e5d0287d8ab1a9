"""Bands and statuses as words in colour: the badges every page writes them with.

Streamlit's named colours are set to the bands' Okabe–Ito colours in the shipped theme
(.streamlit/config.toml, and `okrlens run`'s settings), so a badge and a chart mark of one band
are the same colour; the word is always written too, for readers who cannot tell colours apart.
"""

from __future__ import annotations

from pipelines.service import PRESETS

# The theme's colour name of each band colour (pipelines.okrs.bands.PALETTE).
_NAMED = {"#D55E00": "red", "#E69F00": "orange", "#0072B2": "blue", "#56B4E9": "violet"}
STATUS_COLORS = {"on track": "blue", "at risk": "orange", "off track": "red"}


def band_badge(band: str, preset: str) -> str:
    """Markdown for band as a coloured badge (grey when there is no band)."""
    color = _NAMED.get(PRESETS[preset].colors.get(band, ""), "gray")
    return f":{color}-badge[{band}]"


def status_word(status: str) -> str:
    """Markdown for a status in its colour."""
    return f":{STATUS_COLORS.get(status, 'gray')}[{status}]"
