"""Ingestion: CSV exports in, validated rows committed atomically to the store, every reject reported."""
