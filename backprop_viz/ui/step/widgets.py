"""The step page's widgets: value sliders (with exact boxes), the weight grids, the shape
controls and the stepping buttons, each bound to its callback."""

from __future__ import annotations

import streamlit as st

from ...core.activations import ACTIVATIONS, ALL_ACTIVATIONS
from ...core.losses import LOSSES
from ...explain.notation import sub, unit_names
from ...explain.presets import PRESET_LABELS, STEP_PRESETS
from .. import plain
from .callbacks import (
    LR_OPTIONS,
    MAX_SEED,
    STEP_MAX_TAKE,
    nearest_rate,
    on_functions,
    on_learning_rate,
    on_preset,
    on_randomize,
    on_reset_weights,
    on_shape,
    on_take_steps,
    on_target_class,
    on_value,
    shape_keys,
)
from .classroom import stage_buttons, step_buttons, undo_reset
from .edits import STEP_MAX_HIDDEN_LAYERS, STEP_MAX_INPUTS, STEP_MAX_OUTPUTS, STEP_MAX_UNITS
from .grid import weight_grid
from .results import INPUT_RANGE, target_range
from .state import CUSTOM, StepState


def show_error(state: StepState, control: str) -> None:
    message = state.errors.get(control)
    if message:
        plain.error(message, icon=":material/error:")


def _value_pair(
    state: StepState,
    name: str,
    index: int,
    label: str,
    lo: float,
    hi: float,
    step_: float,
    exact: bool,
) -> None:
    """A slider for exploring, and with `exact` a box for typing, bound to one value."""
    value = float(state.cfg[name][index])
    skey, nkey = state.key(f"{name}{index}_s"), state.key(f"{name}{index}_n")
    st.session_state.setdefault(skey, min(max(value, lo), hi))
    args = (name, index, True, skey, nkey, lo, hi)
    if not exact:
        st.slider(label, lo, hi, step=step_, key=skey, on_change=on_value, args=args)
    else:
        st.session_state.setdefault(nkey, value)
        left, right = st.columns([3, 2], vertical_alignment="bottom")
        left.slider(label, lo, hi, step=step_, key=skey, on_change=on_value, args=args)
        right.number_input(
            f"{label}, exact",
            key=nkey,
            value=None,
            step=step_,
            format="%g",
            label_visibility="collapsed",
            on_change=on_value,
            args=(name, index, False, skey, nkey, lo, hi),
        )
    show_error(state, f"{name}{index}")


def value_controls(state: StepState) -> None:
    """Learning rate, inputs and targets: sliders, and boxes for exact values on request."""
    cfg = state.cfg
    sizes = (len(cfg["weights"][0]), *(len(w[0]) for w in cfg["weights"]))
    names = unit_names(sizes)
    exact = st.toggle("Type exact values", key="step_exact")
    skey, nkey = state.key("lr_s"), state.key("lr_n")
    st.session_state.setdefault(skey, nearest_rate(cfg["learning_rate"]))
    lr_args = (True, skey, nkey)
    if exact:
        st.session_state.setdefault(nkey, float(cfg["learning_rate"]))
        left, right = st.columns([3, 2], vertical_alignment="bottom")
    else:
        left = right = st
    left.select_slider(
        "Learning rate η (log scale)",
        LR_OPTIONS,
        key=skey,
        format_func=lambda v: f"{v:g}",
        on_change=on_learning_rate,
        args=lr_args,
    )
    if exact:
        right.number_input(
            "η, exact",
            key=nkey,
            value=None,
            format="%g",
            step=0.01,
            label_visibility="collapsed",
            on_change=on_learning_rate,
            args=(False, skey, nkey),
        )
    show_error(state, "lr")
    for i in range(sizes[0]):
        _value_pair(state, "inputs", i, f"Input {names[0][i]}", *INPUT_RANGE, 0.01, exact)
    if cfg["activations"][-1] == "softmax":
        _target_class(state, sizes[-1])
        return
    lo, hi = target_range(cfg["activations"])
    for k in range(sizes[-1]):
        label = f"Target y{sub(k + 1)}"
        _value_pair(state, "targets", k, label, lo, hi, 0.01, exact)


def _target_class(state: StepState, n_classes: int) -> None:
    """A softmax output's target is one class (y one-hot): a choice, not k sliders."""
    targets = state.cfg["targets"]
    key = state.key("target_class")
    one_hot = sorted(targets) == [0.0] * (n_classes - 1) + [1.0]
    st.session_state.setdefault(key, targets.index(max(targets)) if one_hot else None)
    st.radio(
        "Target class (y is one-hot)",
        list(range(n_classes)),
        key=key,
        horizontal=True,
        format_func=lambda k: f"class {k + 1}",
        on_change=on_target_class,
        args=(key,),
    )
    if not one_hot:
        st.caption("Soft targets from the link: " + ", ".join(f"{t:g}" for t in targets))
    show_error(state, "targets0")


def _weights_editor(state: StepState) -> None:
    """One grid per layer (rows: from, columns: to, plus a bias row), randomize, reset."""
    st.markdown("**Weights** (rows: from, columns: to)")
    for layer in range(len((state.grid_base or state.cfg)["weights"])):
        weight_grid(state, layer)  # text cells: a typed 1e3 arrives whole
    show_error(state, "weights")
    left, right = st.columns([1, 1.3], vertical_alignment="bottom")
    seed_key = state.key("seed")
    st.session_state.setdefault(seed_key, 0.0)
    # A float box: an integer box reads a typed 1e3 as 1 (the browser keeps "1"); the
    # callback refuses a number that is not whole.
    left.number_input(
        "Seed", 0.0, float(MAX_SEED), key=seed_key, step=1.0, format="%.0f", value=None
    )
    right.button("Randomize", key="step_randomize", on_click=on_randomize, width="stretch")
    st.button(
        "Reset to preset",
        key="step_reset_weights",
        on_click=on_reset_weights,
        disabled=state.preset == CUSTOM,
        width="stretch",
    )


def sidebar(state: StepState) -> None:
    """The example, the weight grids and (on request) the network's shape and functions."""
    with st.sidebar:
        key = state.key("preset")
        st.session_state.setdefault(key, state.preset)
        st.selectbox(
            "Example",
            [*STEP_PRESETS, CUSTOM],
            key=key,
            on_change=on_preset,
            format_func=lambda n: PRESET_LABELS.get(n, "Custom"),
        )
        _weights_editor(state)
        # Drawn only when asked for: a dozen widgets fewer on every other rerun.
        if st.toggle("Change the network's shape", key="step_shape_open"):
            _shape_controls(state)
            _function_controls(state)


def _whole_box(label: str, lo: int, hi: int, key: str) -> None:
    """A box for a whole number that reads what is typed whole (1e3 is 1000, then refused
    by the callback), as the seed's and N's: an integer box would read 1e3 as 1."""
    st.number_input(label, float(lo), float(hi), key=key, step=1.0, format="%g", on_change=on_shape)


def _shape_controls(state: StepState) -> None:
    cfg = state.cfg
    sizes = (len(cfg["weights"][0]), *(len(w[0]) for w in cfg["weights"]))
    keys = shape_keys(state)
    st.session_state.setdefault(keys["n_in"], float(sizes[0]))
    st.session_state.setdefault(keys["n_hidden"], float(len(sizes) - 2))
    st.session_state.setdefault(keys["n_out"], float(sizes[-1]))
    _whole_box("Inputs", 1, STEP_MAX_INPUTS, keys["n_in"])
    _whole_box("Hidden layers", 0, STEP_MAX_HIDDEN_LAYERS, keys["n_hidden"])
    for i, units in enumerate(sizes[1:-1]):
        k = state.key(f"units{i}")
        st.session_state.setdefault(k, float(units))
        _whole_box(f"Units in hidden layer {i + 1}", 1, STEP_MAX_UNITS, k)
    _whole_box("Outputs", 1, STEP_MAX_OUTPUTS, keys["n_out"])
    show_error(state, "shape")


def _function_controls(state: StepState) -> None:
    cfg = state.cfg
    last = len(cfg["activations"]) - 1
    for i, act in enumerate(cfg["activations"]):
        k = state.key(f"act{i}")
        st.session_state.setdefault(k, act)
        st.selectbox(
            "Output activation" if i == last else f"Activation, layer {i + 1}",
            list(ALL_ACTIVATIONS if i == last else ACTIVATIONS),  # softmax: output only
            key=k,
            on_change=on_functions,
            format_func=lambda n: ALL_ACTIVATIONS[n].label,
        )
    k = state.key("loss")
    st.session_state.setdefault(k, cfg["loss"])
    st.selectbox(
        "Loss", list(LOSSES), key=k, on_change=on_functions, format_func=lambda n: LOSSES[n].label
    )
    k = state.key("biases")
    st.session_state.setdefault(k, cfg.get("biases") is not None)
    st.checkbox("Biases", key=k, on_change=on_functions)
    k = state.key("train_biases")
    st.session_state.setdefault(k, bool(cfg.get("train_biases", True)))
    st.checkbox("Train the biases (off: present but frozen)", key=k, on_change=on_functions)
    show_error(state, "functions")


def stepping(state: StepState) -> None:
    """Apply (Enter), Take N steps, Undo (U), Reset (Home) and the stage keys (← →)."""
    with st.container(horizontal=True, vertical_alignment="bottom", key="step_buttons"):
        step_buttons(state)
        st.number_input(  # a float box, as the seed's: 1e9 is read whole, and refused
            "N",
            1.0,
            float(STEP_MAX_TAKE),
            key="step_take_n",
            value=10.0,
            step=1.0,
            format="%g",
            label_visibility="collapsed",
            width=110,
        )
        st.button("Take N steps", key="step_take", on_click=on_take_steps, args=("step_take_n",))
        undo_reset(state)
        stage_buttons(state)
        st.caption(f"{len(state.losses)} step(s) applied on this example")
    show_error(state, "take")
