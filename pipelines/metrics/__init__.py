"""Metric layer: definitions from metrics.yaml, compiled to DuckDB SQL, computed to time series."""
