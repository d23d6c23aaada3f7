"""The training page: pick a dataset and a network, train it, and watch it learn.

Lays out the controls beside the results. The first visit shows the default preset
already trained (a cached run, one per server), as does loading a preset. ▶ Train live
trains in short chunks inside a fragment that reruns itself every
TRAIN_LIVE_INTERVAL_SECONDS, redrawing the results after each chunk; buttons and settings
live outside it, so a click is served between two chunks. Every other rerun draws what is
already there.
"""

from __future__ import annotations

from collections.abc import Hashable

import streamlit as st

from ...errors import BackpropVizError
from ...limits import TRAIN_LIVE_INTERVAL_SECONDS
from ...trainer import Dataset, TrainSpec, problems, with_features
from .data import data_controls
from .runs import (
    can_go_on,
    live_chunk,
    pause_live,
    reset_run,
    restart_live,
    start_live,
    step_epoch,
    train_more,
    train_new,
)
from .sections import results
from .state import TrainViewState, get_state
from .widgets import (
    buttons,
    network_controls,
    preset_control,
    preset_note,
    training_controls,
)

INTERRUPTED = (
    "Training was cut short before it finished (the page was left, or another control "
    "used, while it ran), so the run shown is the previous one. Press Train to run it again."
)


def _serve(
    state: TrainViewState,
    request: str | None,
    spec: TrainSpec,
    data: Dataset | None,
    data_key: Hashable,
    ok: bool,
    slot: object,
) -> None:
    """Do what a button asked for (or the first visit needs)."""
    if state.training is not None:  # a Train whose rerun never finished
        state.training = None
        state.notice = INTERRUPTED
    if data is None:
        return
    if request is None and not state.opened and ok:
        request = "train"  # the first visit opens on a result (tried once)
        state.opened = True
    if request == "train" and ok:
        train_new(state, spec, data, data_key, slot)
    elif request == "more" and data_key == state.run_data_key:
        train_more(state, data, state.more_epochs, slot)
    elif request == "live" and ok:
        start_live(state, spec, data, data_key)
    elif request == "pause":
        pause_live(state)
    elif request == "step" and ok:
        step_epoch(state, spec, data, data_key)
    elif request == "reset" and ok:
        reset_run(state, spec, data, data_key)
    if state.run is not None:
        state.opened = True


def _follow_settings(
    state: TrainViewState, spec: TrainSpec, data: Dataset | None, data_key: Hashable, ok: bool
) -> None:
    """While live, settings that changed restart training from them (or, if they cannot
    train, stop it), with a notice."""
    if not state.live or can_go_on(state, spec, data_key):
        return
    if ok and data is not None:
        restart_live(state, spec, data, data_key)
    else:
        pause_live(state)
        state.info = "Training live stopped: the settings changed and cannot train as they are."


def _featured(data: Dataset | None, spec: TrainSpec) -> Dataset | None:
    """Generated 2-D data with the spec's input features as its inputs; None (nothing
    trains) while the features are not valid (their problem is shown by the toggles)."""
    if data is None or not data.is_2d:
        return data
    try:
        return with_features(data, spec.features)
    except BackpropVizError:
        return None


def _live_results() -> None:
    """The results, trained one chunk further first while live."""
    state = get_state()
    if state.live and live_chunk(state):
        st.rerun()  # finished: the whole page again, for the buttons and the replay
    results(state, state.spec, state.data_key)


def render_train_view() -> None:
    """Draw the training page."""
    state = get_state()
    st.title("Training")
    st.caption(
        "Train a network on real or generated data and watch it learn: the loss falling, "
        "the accuracy rising, the weights moving and, for 2-D data, the decision boundary "
        "and every unit's picture taking shape."
    )
    controls, results_column = st.columns([1, 2.4], gap="large")
    with results_column:
        slot = st.empty()  # the progress bar, above the results
    with controls:
        spec = state.spec
        note = preset_control(state)
        spec, data, data_key = data_controls(state, spec)
        spec = network_controls(state, spec)
        spec = training_controls(state, spec)
        preset_note(state, spec, note)
        state.spec, state.data_key = spec, data_key
        data = _featured(data, spec)
        ok = data is not None and not problems(spec)
        # A button only records its request; the work happens here, before the buttons
        # are drawn, so that they already show what the new run allows.
        request, state.request = state.request, None
        _serve(state, request, spec, data, data_key, ok, slot)
        _follow_settings(state, spec, data, data_key, ok)
        same_data = data is not None and data_key == state.run_data_key
        buttons(state, ok, same_data)
    with results_column:
        every = TRAIN_LIVE_INTERVAL_SECONDS if state.live else None
        st.fragment(_live_results, run_every=every)()
