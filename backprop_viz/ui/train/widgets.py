"""The training page's controls besides the data: the preset, the network, the training
settings and the buttons (which only record a request; the page does the work)."""

from __future__ import annotations

import streamlit as st

from ...core.activations import ACTIVATIONS
from ...core.losses import LOSSES
from ...limits import MAX_HIDDEN_LAYERS, MAX_HIDDEN_UNITS
from ...trainer import (
    HIDDEN_ACTIVATIONS,
    MODE_LABELS,
    OUTPUT_ACTIVATIONS,
    PRESETS,
    TRAIN_MAX_EPOCHS_PER_RUN,
    TrainSpec,
    problems,
)
from .state import CUSTOM, TrainViewState, get_state, load_preset, reset


def _on_preset(key: str) -> None:
    load_preset(get_state(), st.session_state[key])


def preset_control(state: TrainViewState, spec: TrainSpec) -> None:
    """The Preset box, with the preset's note while the settings are still its own."""
    options = [CUSTOM, *PRESETS]
    key = state.key("preset")
    st.selectbox(
        "Preset",
        options,
        index=options.index(state.preset),
        format_func=lambda k: "Custom settings" if k == CUSTOM else PRESETS[k].label,
        key=key,
        on_change=_on_preset,
        args=(key,),
        help="Load settings known to train well; then press Train.",
    )
    if state.preset != CUSTOM:
        preset = PRESETS[state.preset]
        if spec.normalized() == preset.spec.normalized():
            st.caption(preset.note)
        else:
            st.caption("Changed from this preset.")


def _hidden_layers(state: TrainViewState, spec: TrainSpec) -> tuple[int, ...]:
    """The hidden layers' sizes: a count, then one units box per layer."""
    layers = st.number_input(
        "Hidden layers", 0, MAX_HIDDEN_LAYERS, len(spec.hidden), 1, key=state.key("layers")
    )
    hidden = []
    if layers:
        cols = st.columns(int(layers))
        for i, col in enumerate(cols):
            default = spec.hidden[i] if i < len(spec.hidden) else (spec.hidden or (4,))[-1]
            hidden.append(
                int(
                    col.number_input(
                        f"Units {i + 1}",
                        1,
                        MAX_HIDDEN_UNITS,
                        int(default),
                        1,
                        key=state.key(f"units{i}"),
                    )
                )
            )
    return tuple(hidden)


def network_controls(state: TrainViewState, spec: TrainSpec) -> TrainSpec:
    """The Network section: the spec with its network settings (a problem is shown)."""
    st.subheader("Network")
    hidden = _hidden_layers(state, spec)
    c1, c2 = st.columns(2)
    activation = c1.selectbox(
        "Hidden activation",
        HIDDEN_ACTIVATIONS,
        index=HIDDEN_ACTIVATIONS.index(spec.activation),
        format_func=lambda a: ACTIVATIONS[a].label,
        key=state.key("activation"),
    )
    output = c2.selectbox(
        "Output activation",
        OUTPUT_ACTIVATIONS,
        index=OUTPUT_ACTIVATIONS.index(spec.output),
        format_func=lambda a: ACTIVATIONS[a].label,
        key=state.key("output"),
    )
    c1, c2 = st.columns(2)
    loss = c1.selectbox(
        "Loss",
        list(LOSSES),
        index=list(LOSSES).index(spec.loss),
        format_func=lambda n: LOSSES[n].label,
        key=state.key("loss"),
    )
    biases = c2.checkbox(
        "Biases", spec.biases, key=state.key("biases"), help="The lesson's network has none."
    )
    spec = spec.with_changes(
        hidden=hidden,
        activation=activation,
        output=output,
        loss=loss,
        biases=bool(biases),
    )
    message = problems(spec).get("network")
    if message:
        st.error(message)
    return spec


def training_controls(state: TrainViewState, spec: TrainSpec) -> TrainSpec:
    """The Training settings section: the spec with them (a problem is shown)."""
    st.subheader("Training settings")
    c1, c2 = st.columns(2)
    lr = c1.number_input(
        "Learning rate η",
        value=float(spec.learning_rate),
        step=0.001,
        format="%g",
        key=state.key("lr"),
    )
    epochs = c2.number_input(
        "Epochs", 1, TRAIN_MAX_EPOCHS_PER_RUN, int(spec.epochs), 100, key=state.key("epochs")
    )
    modes = list(MODE_LABELS)
    mode = st.radio(
        "Update mode",
        modes,
        index=modes.index(spec.mode),
        format_func=MODE_LABELS.__getitem__,
        horizontal=True,
        key=state.key("mode"),
    )
    c1, c2 = st.columns(2)
    batch_size = spec.batch_size
    if mode == "minibatch":
        batch_size = c2.number_input(
            "Batch size", 1, 100_000, int(spec.batch_size), 1, key=state.key("batch_size")
        )
    seed = c1.number_input(
        "Seed",
        0,
        1_000_000,
        int(spec.seed),
        1,
        key=state.key("seed"),
        help="Draws the initial weights (and shuffles mini-batches).",
    )
    spec = spec.with_changes(
        learning_rate=float(lr) if lr is not None else float("nan"),
        epochs=int(epochs),
        mode=mode,
        batch_size=int(batch_size),
        seed=int(seed),
    )
    message = problems(spec).get("training")
    if message:
        st.error(message)
    return spec


def _request(what: str) -> None:
    state = get_state()
    state.request = what
    state.more_epochs = int(st.session_state.get("train_more_n", state.more_epochs))


def _reset() -> None:
    reset(get_state())


def buttons(state: TrainViewState, ok: bool, same_data: bool) -> None:
    """Train, Reset and Train N more; `ok`: the settings and data can train, `same_data`:
    the data is the current run's, so it can go on."""
    # Drawn after any training of this run, so they already reflect its result.
    c1, c2 = st.columns(2)
    c1.button(
        "Train",
        type="primary",
        disabled=not ok,
        key="train_button_train",
        width="stretch",
        on_click=_request,
        args=("train",),
    )
    c2.button(
        "Reset",
        key="train_button_reset",
        width="stretch",
        disabled=state.run is None,
        on_click=_reset,
    )
    c1, c2 = st.columns([1, 1.4], vertical_alignment="bottom")
    more = c1.number_input(
        "N (more epochs)", 1, TRAIN_MAX_EPOCHS_PER_RUN, state.more_epochs, 100, key="train_more_n"
    )
    state.more_epochs = int(more)
    can_continue = state.run is not None and not state.run.diverged and same_data
    c2.button(
        f"Train {int(more):,} more epochs",
        disabled=not can_continue,
        key="train_button_more",
        width="stretch",
        help="Goes on from the trained network with the run's own settings.",
        on_click=_request,
        args=("more",),
    )
