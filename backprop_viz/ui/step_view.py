"""The step view (placeholder until it is built)."""

import streamlit as st


def render_step_view() -> None:
    """Draw the step page."""
    st.title("One step of backpropagation")
