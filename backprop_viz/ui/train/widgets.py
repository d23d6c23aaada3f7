"""The training page's controls besides the data: the preset, the network, the training
settings and the buttons (which only record a request; the page does the work)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ...core.activations import ACTIVATIONS, ALL_ACTIVATIONS
from ...core.losses import LOSSES
from ...data.features import FEATURE_LABELS, FEATURES
from ...limits import MAX_HIDDEN_LAYERS, MAX_HIDDEN_UNITS, MAX_REGULARIZATION
from ...trainer import (
    HIDDEN_ACTIVATIONS,
    MODE_LABELS,
    OUTPUT_ACTIVATIONS,
    PRESETS,
    TRAIN_MAX_EPOCHS_PER_RUN,
    TrainSpec,
    problems,
)
from ...trainer.spec import REGULARIZATIONS, TASK_OUTPUT, is_whole
from .state import CUSTOM, TrainViewState, get_state, load_preset, stop_live


def _on_preset(key: str) -> None:
    load_preset(get_state(), st.session_state[key])


def preset_control(state: TrainViewState) -> Any:
    """The Preset box; returns the place under it for `preset_note`."""
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
        help="Loads settings known to train well, trained; ▶ Train live to watch them learn.",
    )
    return st.empty()


def preset_note(state: TrainViewState, spec: TrainSpec, place: Any) -> None:
    """Under the Preset box: the preset's note while the settings shown (read after every
    control, so never one rerun late) are still its own."""
    if state.preset != CUSTOM:
        preset = PRESETS[state.preset]
        if spec.normalized() == preset.spec.normalized():
            place.caption(preset.note)
        else:
            place.caption("Changed from this preset.")


def _hidden_layers(state: TrainViewState, spec: TrainSpec) -> tuple[int, ...]:
    """The hidden layers' sizes: a count, then one units box per layer.

    The boxes have no bounds of their own: a value out of range stays on screen with a
    message (from `problems`) and Train waits, rather than Streamlit quietly keeping the
    previous value while the box shows the typed one.
    """
    layers = int(
        st.number_input(
            "Hidden layers",
            value=len(spec.hidden),
            step=1,
            key=state.key("layers"),
            help=f"From 0 to {MAX_HIDDEN_LAYERS}.",
        )
    )
    hidden = []
    shown = max(0, min(layers, MAX_HIDDEN_LAYERS))
    if shown:
        cols = st.columns(shown)
        for i, col in enumerate(cols):
            default = spec.hidden[i] if i < len(spec.hidden) else (spec.hidden or (4,))[-1]
            hidden.append(
                int(
                    col.number_input(
                        f"Units {i + 1}",
                        value=int(default),
                        step=1,
                        key=state.key(f"units{i}"),
                        help=f"From 1 to {MAX_HIDDEN_UNITS}.",
                    )
                )
            )
    if not 0 <= layers <= MAX_HIDDEN_LAYERS:
        # A count out of range becomes one layer too many, which `problems` refuses with
        # the range: the message appears and Train waits.
        return (*hidden, *([1] * (MAX_HIDDEN_LAYERS + 1 - shown)))
    return tuple(hidden)


def feature_key(name: str) -> str:
    """A feature's toggle's name in widget keys ("x1^2" → "feature_x1sq")."""
    return "feature_" + name.replace("^2", "sq")


def _features(state: TrainViewState, spec: TrainSpec) -> tuple[str, ...]:
    """The input-feature toggles (generated 2-D data only): the chosen keys, in order."""
    st.caption("Input features: what the input layer gets from each point (x₁, x₂).")
    cols = st.columns(4)
    chosen = [
        name
        for i, name in enumerate(FEATURES)
        if cols[i % 4].toggle(
            FEATURE_LABELS[name], name in spec.features, key=state.key(feature_key(name))
        )
    ]
    return tuple(chosen)


def _follow_task(state: TrainViewState, spec: TrainSpec) -> TrainSpec:
    """A dataset of another task (two classes, regression, three classes) picked this
    rerun: the output and loss switch to what the task needs. The widgets drawn from here
    on get new keys (a new generation), so that they show the switched settings."""
    if spec.task == state.spec.task:
        return spec
    output, loss = TASK_OUTPUT[spec.task] or ("sigmoid", "cross_entropy")
    state.generation += 1
    return spec.with_changes(output=output, loss=loss)


def network_controls(state: TrainViewState, spec: TrainSpec) -> TrainSpec:
    """The Network section: the spec with its network settings (a problem is shown)."""
    st.subheader("Network")
    spec = _follow_task(state, spec)
    features = _features(state, spec) if spec.is_2d else spec.features
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
        format_func=lambda a: ALL_ACTIVATIONS[a].label,
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
        features=features,
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
    # Unbounded boxes, checked by `problems`: an out-of-range value is said, not hidden.
    # A float box reads "1e9" as 10⁹ (and `problems` refuses it); an int box reads 1.
    epochs = c2.number_input(
        "Epochs",
        value=float(spec.epochs),
        step=100.0,
        format="%.0f",
        key=state.key("epochs"),
        help=f"From 1 to {TRAIN_MAX_EPOCHS_PER_RUN:,}: how far Train and Train live go.",
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
            "Batch size", value=int(spec.batch_size), step=1, key=state.key("batch_size")
        )
    seed = c1.number_input(
        "Seed",
        value=int(spec.seed),
        step=1,
        key=state.key("seed"),
        help="Draws the initial weights (and shuffles mini-batches).",
    )
    c1, c2 = st.columns(2)
    regs = list(REGULARIZATIONS)
    regularization = c1.selectbox(
        "Regularization",
        regs,
        index=regs.index(spec.regularization),
        format_func=REGULARIZATIONS.__getitem__,
        key=state.key("regularization"),
        help="A penalty on the weights (not the biases), added to the loss E.",
    )
    rate = c2.number_input(
        "Rate λ",
        value=float(spec.rate),
        step=0.001,
        format="%g",
        key=state.key("rate"),
        disabled=regularization == "none",
        help=f"From 0 to {MAX_REGULARIZATION:g}. Each step becomes Δw = η·(mean of δ·input "
        "− λ·w) for L2, − λ·sign(w) for L1.",
    )
    spec = spec.with_changes(
        regularization=regularization,
        rate=float(rate) if rate is not None else float("nan"),
        learning_rate=float(lr) if lr is not None else float("nan"),
        epochs=whole(epochs),
        mode=mode,
        batch_size=int(batch_size),
        seed=int(seed),
    )
    message = problems(spec).get("training")
    if message:
        st.error(message)
    return spec


def whole(value: float | int | None) -> float | int:
    """A box's number as an int when it is a whole number (checks then accept it), as it
    is otherwise (checks refuse it with a message)."""
    if value is None:
        return float("nan")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _request(what: str) -> None:
    state = get_state()
    state.request = what
    if what == "pause":
        stop_live(state)  # at once: the live part must not train another chunk
    if what in ("step", "reset"):
        stop_live(state)
    more = whole(st.session_state.get("train_more_n", state.more_epochs))
    if is_whole(more) and 1 <= more <= TRAIN_MAX_EPOCHS_PER_RUN:
        state.more_epochs = int(more)


def buttons(state: TrainViewState, ok: bool, same_data: bool) -> None:
    """Train live / Pause, Step one epoch, Reset, Train (the whole run at once, then
    replayed) and Train N more; `ok`: the settings and data can train, `same_data`: the
    data is the current run's, so it can go on."""
    # Drawn after the work of this rerun, so they already reflect its result.
    c1, c2 = st.columns(2)
    if state.live:
        c1.button(
            "❚❚ Pause",
            type="primary",
            key="train_button_pause",
            width="stretch",
            on_click=_request,
            args=("pause",),
            shortcut="p",
            help="Stops training live after the chunk of epochs under way.",
        )
    else:
        c1.button(
            "▶ Train live",
            type="primary",
            disabled=not ok,
            key="train_button_live",
            width="stretch",
            on_click=_request,
            args=("live",),
            shortcut="p",
            help="Trains in short chunks and redraws after each: watch the network learn. "
            "Goes on from a paused run; otherwise starts from an untrained network.",
        )
    c2.button(
        "Step one epoch",
        disabled=not ok,
        key="train_button_step",
        width="stretch",
        on_click=_request,
        args=("step",),
    )
    c1, c2 = st.columns(2)
    c1.button(
        "Train",
        disabled=not ok,
        key="train_button_train",
        width="stretch",
        on_click=_request,
        args=("train",),
        help="Trains all the epochs at once; then ▶ Play under a chart replays them.",
    )
    c2.button(
        "Reset",
        key="train_button_reset",
        width="stretch",
        disabled=not ok,
        on_click=_request,
        args=("reset",),
        help="Back to the untrained network (epoch 0).",
    )
    c1, c2 = st.columns([1, 1.4], vertical_alignment="bottom")
    more = c1.number_input("N (more epochs)", value=state.more_epochs, step=100, key="train_more_n")
    valid = is_whole(more) and 1 <= more <= TRAIN_MAX_EPOCHS_PER_RUN
    can_continue = valid and state.run is not None and not state.run.diverged and same_data
    c2.button(
        f"Train {int(more):,} more epochs" if valid else "Train N more epochs",
        disabled=not can_continue or state.live,
        key="train_button_more",
        width="stretch",
        help="Goes on from the trained network with the run's own settings.",
        on_click=_request,
        args=("more",),
    )
    if not valid:
        st.error(f"N must be from 1 to {TRAIN_MAX_EPOCHS_PER_RUN:,} more epochs.")
