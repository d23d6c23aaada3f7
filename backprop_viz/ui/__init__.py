"""The Streamlit layer: widgets, session state and page layout over the pure core."""
