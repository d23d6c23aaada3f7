"""The training page: pick a dataset and a network, train it, and watch it learn.

Lays out the controls beside the results. Training runs only when a button asks for it;
datasets, and runs with their figures, are cached across sessions, so every other rerun
just draws what is already there.
"""

from __future__ import annotations

import streamlit as st

from ...trainer import problems
from .data import data_controls
from .runs import train_more, train_new
from .sections import results
from .state import get_state
from .widgets import buttons, network_controls, preset_control, training_controls


def render_train_view() -> None:
    """Draw the training page."""
    state = get_state()
    st.title("Training")
    st.caption(
        "Train a network on real or generated data and watch it learn: the loss falling, "
        "the accuracy rising, the weights moving and, for 2-D data, the decision boundary "
        "taking shape."
    )
    controls, results_column = st.columns([1, 2.4], gap="large")
    with results_column:
        slot = st.empty()  # the progress bar, above the results
    with controls:
        spec = state.spec
        preset_control(state, spec)
        spec, data, data_key = data_controls(state, spec)
        spec = network_controls(state, spec)
        spec = training_controls(state, spec)
        state.spec = spec
        ok = data is not None and not problems(spec)
        # A button only records its request; the work happens here, before the buttons
        # are drawn, so that they already show what the new run allows.
        request, state.request = state.request, None
        if request == "train" and ok:
            train_new(state, spec, data, data_key, slot)
        elif request == "more" and data is not None and data_key == state.run_data_key:
            train_more(state, data, state.more_epochs, slot)
        same_data = data is not None and data_key == state.run_data_key
        buttons(state, ok, same_data)
    with results_column:
        results(state, spec, data_key)
