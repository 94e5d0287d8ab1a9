"""Insight: measured lead/lag links, key-result forecasts, KR lint and the standup brief.

Statistics live here as pure functions over metric series and the OKR definitions; the CLI and
the dashboard only call them.
"""
