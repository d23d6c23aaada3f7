"""The training view (placeholder until it is built)."""

import streamlit as st


def render_train_view() -> None:
    """Draw the training page."""
    st.title("Training")
    st.info("The training view is being built.")
