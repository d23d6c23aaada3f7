"""Pure figure builders: core results in, Plotly figure dicts out (no Streamlit here)."""
