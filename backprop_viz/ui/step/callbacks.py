"""The step page's callbacks: each turns a widget's new value into a proposed configuration
and passes it through the state's gate (valid: adopted; invalid: a message by its control)."""

from __future__ import annotations

import json
import math

import numpy as np
import streamlit as st

from ...core.config import loads_config
from ...core.params import ParamRef
from ...errors import BackpropVizError
from ...limits import MAX_SEED, STEP_MAX_TAKE
from .edits import (
    preset_config,
    randomize,
    resize,
    set_biases,
    take_steps,
    validated,
)
from .state import (
    CUSTOM,
    StepState,
    apply_steps,
    get_state,
    load,
    propose,
    reset,
    undo,
)

LR_OPTIONS = [m * 10.0**e for e in range(-4, 1) for m in (1, 2, 5)] + [10.0]


def on_value(
    name: str, index: int, from_slider: bool, slider_key: str, number_key: str, lo: float, hi: float
) -> None:
    state = get_state()
    value = st.session_state[slider_key if from_slider else number_key]
    control = f"{name}{index}"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        state.errors[control] = "This box is empty: type a number."
        return
    cfg = {**state.cfg, name: list(state.cfg[name])}
    cfg[name][index] = float(value)
    state.last_control = ParamRef("input" if name == "inputs" else "target", 0, (index,)).name
    if propose(state, control, cfg):
        # Keep the pair in step: the slider shows the nearest value it can.
        if from_slider:
            st.session_state[number_key] = float(value)
        else:
            st.session_state[slider_key] = min(max(float(value), lo), hi)


def on_target_class(widget_key: str) -> None:
    """A softmax output's target: one class, as a one-hot row."""
    state = get_state()
    k = st.session_state[widget_key]
    if k is None:
        return
    state.last_control = ParamRef("target", 0, (int(k),)).name
    propose(state, "targets0", {**state.cfg, "targets": one_hot(int(k), len(state.cfg["targets"]))})


def nearest_rate(value: float) -> float:
    return min(LR_OPTIONS, key=lambda o: abs(math.log(o / value)))


def on_learning_rate(from_slider: bool, slider_key: str, number_key: str) -> None:
    state = get_state()
    value = st.session_state[slider_key if from_slider else number_key]
    if value is None:
        state.errors["lr"] = "The learning rate box is empty: type a number."
        return
    state.last_control = ParamRef("learning_rate").name
    if propose(state, "lr", {**state.cfg, "learning_rate": float(value)}):
        if from_slider:
            st.session_state[number_key] = float(value)
        else:  # the log-scale slider shows the nearest of its options
            st.session_state[slider_key] = nearest_rate(float(value))


def _whole(value: object) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and float(value).is_integer()


def shape_keys(state: StepState) -> dict[str, str]:
    return {n: state.key(n) for n in ("n_in", "n_hidden", "n_out")}


def on_shape() -> None:
    state = get_state()
    keys = shape_keys(state)
    n_hidden_value = st.session_state[keys["n_hidden"]]
    old_hidden = [len(w[0]) for w in state.cfg["weights"][:-1]]
    n_hidden = int(n_hidden_value) if _whole(n_hidden_value) else -1
    units_keys = [state.key(f"units{i}") for i in range(max(n_hidden, 0))]
    values = [
        st.session_state[keys["n_in"]],
        n_hidden_value,
        st.session_state[keys["n_out"]],
        *(
            st.session_state.get(k, old_hidden[i] if i < len(old_hidden) else 2)
            for i, k in enumerate(units_keys)
        ),
    ]
    if not all(_whole(v) for v in values):
        state.errors["shape"] = "Sizes are whole numbers: type one without a fraction."
        return
    units = [int(v) for v in values[3:]]
    cfg = resize(
        state.cfg,
        int(st.session_state[keys["n_in"]]),
        units,
        int(st.session_state[keys["n_out"]]),
        seed=len(units) * 7 + sum(units),
    )
    if propose(state, "shape", cfg):
        state.preset = CUSTOM
        state.refresh_widgets()


def one_hot(k: int, n_classes: int) -> list[float]:
    return [1.0 if i == k else 0.0 for i in range(n_classes)]


def on_functions() -> None:
    state = get_state()
    n = len(state.cfg["weights"])
    acts = [st.session_state[state.key(f"act{i}")] for i in range(n)]
    cfg = {**state.cfg, "activations": acts, "loss": st.session_state[state.key("loss")]}
    if acts[-1] == "softmax" and state.cfg["activations"][-1] != "softmax":
        # Classes: softmax comes with cross-entropy and one class per record (one-hot),
        # the class the targets favoured so far.
        cfg["loss"] = "cross_entropy"
        targets = state.cfg["targets"]
        cfg["targets"] = one_hot(int(np.argmax(targets)), len(targets))
    cfg = set_biases(cfg, bool(st.session_state[state.key("biases")]))
    cfg["train_biases"] = bool(st.session_state[state.key("train_biases")])
    if propose(state, "functions", cfg):
        state.refresh_widgets()


def on_preset() -> None:
    state = get_state()
    name = st.session_state[state.key("preset")]
    if name == CUSTOM:
        state.preset = CUSTOM
        return
    load(state, preset_config(name), name)


def on_take_steps(count_key: str | None) -> None:
    state = get_state()
    count = 1 if count_key is None else st.session_state.get(count_key)
    if count is None or not float(count).is_integer() or not 1 <= count <= STEP_MAX_TAKE:
        state.errors["take"] = f"Take a whole number of steps from 1 to {STEP_MAX_TAKE}."
        return
    state.errors.pop("take", None)
    done = take_steps(state.cfg, int(count))
    if done.stopped:
        taken = f"Stopped after {len(done.losses)} step(s)" if done.losses else "No step taken"
        state.errors["take"] = f"{taken}: {done.stopped}"
    if done.losses:
        apply_steps(state, done.weights, done.biases, done.losses)


def on_undo() -> None:
    undo(get_state())


def on_reset() -> None:
    reset(get_state())


def on_randomize() -> None:
    state = get_state()
    seed = st.session_state.get(state.key("seed"))
    if seed is None or not float(seed).is_integer() or not 0 <= seed <= MAX_SEED:
        state.errors["weights"] = f"Type a seed, a whole number from 0 to {MAX_SEED}."
        return
    # New weights start a new history: propose() resets it (not weights_only).
    if propose(state, "weights", randomize(state.cfg, int(seed))):
        state.refresh_widgets()


def on_reset_weights() -> None:
    state = get_state()
    if state.preset == CUSTOM:
        return
    preset = preset_config(state.preset)
    same_shape = [np.shape(w) for w in preset["weights"]] == [
        np.shape(w) for w in state.cfg["weights"]
    ]
    if not same_shape:
        load(state, preset, state.preset)
        return
    cfg = {**state.cfg, "weights": preset["weights"], "biases": preset["biases"]}
    if cfg["biases"] is None and state.cfg.get("biases") is not None:
        cfg = set_biases(cfg, True)
    if propose(state, "weights", cfg):
        state.refresh_widgets()


def on_import() -> None:
    state = get_state()
    text = st.session_state.get(state.key("import"), "") or ""
    try:
        loads_config(text)  # the same parser as files and the command line
        cfg, _ = validated(json.loads(text))
    except BackpropVizError as exc:
        state.errors["import"] = str(exc)
        return
    except ValueError:
        state.errors["import"] = "The configuration is not valid JSON."
        return
    state.errors.pop("import", None)
    load(state, cfg, CUSTOM)


# --- the grids of weights ------------------------------------------------------------------
