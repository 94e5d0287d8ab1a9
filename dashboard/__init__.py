"""okrlens interfaces: the Streamlit dashboard and the `okrlens` command line, thin layers over pipelines."""
