"""The `okrlens` command line: parse, ask the service layer, render. No Streamlit here."""
