"""okrlens pipelines: ingest CSV exports, compute metrics, score OKR key results.

A library first: everything the dashboard shows can be computed from a REPL. Never imports
streamlit.
"""
