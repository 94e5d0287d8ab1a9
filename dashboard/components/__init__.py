"""Reusable dashboard pieces; each owns its widget state and returns plain values."""
