"""The step page's widgets, and the callbacks through which they change its configuration.

Every change goes through `propose` (see step_state): valid changes are adopted, invalid
ones leave a message next to their control and the last valid state in place.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from ..activations import ACTIVATIONS
from ..config import loads_config
from ..editing import (
    MAX_HIDDEN_LAYERS,
    MAX_INPUTS,
    MAX_OUTPUTS,
    MAX_UNITS,
    Config,
    decode_link,
    preset_config,
    randomize,
    resize,
    set_biases,
    take_steps,
    validated,
)
from ..errors import BackpropVizError
from ..losses import LOSSES
from ..notation import sub, unit_names
from ..params import ParamRef
from ..presets import PRESET_LABELS, STEP_PRESETS
from .step_results import INPUT_RANGE, target_range
from .step_state import (
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
MAX_TAKE = 1000
MAX_SEED = 2**32 - 1


def _set_value(
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


def _nearest_rate(value: float) -> float:
    return min(LR_OPTIONS, key=lambda o: abs(math.log(o / value)))


def _set_learning_rate(from_slider: bool, slider_key: str, number_key: str) -> None:
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
            st.session_state[slider_key] = _nearest_rate(float(value))


def _shape_keys(state: StepState) -> dict[str, str]:
    return {n: state.key(n) for n in ("n_in", "n_hidden", "n_out")}


def _set_shape() -> None:
    state = get_state()
    keys = _shape_keys(state)
    n_hidden = int(st.session_state[keys["n_hidden"]])
    old_hidden = [len(w[0]) for w in state.cfg["weights"][:-1]]
    units = []
    for i in range(n_hidden):
        k = state.key(f"units{i}")
        units.append(int(st.session_state.get(k, old_hidden[i] if i < len(old_hidden) else 2)))
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


def _set_functions() -> None:
    state = get_state()
    n = len(state.cfg["weights"])
    acts = [st.session_state[state.key(f"act{i}")] for i in range(n)]
    cfg = {**state.cfg, "activations": acts, "loss": st.session_state[state.key("loss")]}
    cfg = set_biases(cfg, bool(st.session_state[state.key("biases")]))
    cfg["train_biases"] = bool(st.session_state[state.key("train_biases")])
    if propose(state, "functions", cfg):
        state.refresh_widgets()


def _load_preset() -> None:
    state = get_state()
    name = st.session_state[state.key("preset")]
    if name == CUSTOM:
        state.preset = CUSTOM
        return
    load(state, preset_config(name), name)


def _apply_steps(count_key: str | None) -> None:
    state = get_state()
    count = 1 if count_key is None else st.session_state.get(count_key)
    if count is None or not 1 <= int(count) <= MAX_TAKE:
        state.errors["take"] = f"Take between 1 and {MAX_TAKE} steps."
        return
    state.errors.pop("take", None)
    done = take_steps(state.cfg, int(count))
    if done.stopped:
        taken = f"Stopped after {len(done.losses)} step(s)" if done.losses else "No step taken"
        state.errors["take"] = f"{taken}: {done.stopped}"
    if done.losses:
        apply_steps(state, done.weights, done.biases, done.losses)


def _undo() -> None:
    undo(get_state())


def _reset() -> None:
    reset(get_state())


def _randomize() -> None:
    state = get_state()
    seed = st.session_state.get(state.key("seed"))
    if seed is None or not 0 <= seed <= MAX_SEED:
        state.errors["weights"] = f"Type a seed, a whole number from 0 to {MAX_SEED}."
        return
    # New weights start a new history: propose() resets it (not weights_only).
    if propose(state, "weights", randomize(state.cfg, int(seed))):
        state.refresh_widgets()


def _reset_weights() -> None:
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


def import_config() -> None:
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


def _grid_frame(cfg: Config, layer: int) -> pd.DataFrame:
    w = np.asarray(cfg["weights"][layer], dtype=float)
    sizes = (len(cfg["weights"][0]), *(len(m[0]) for m in cfg["weights"]))
    names = unit_names(sizes)
    rows = list(names[layer])
    data = w
    if cfg.get("biases") is not None:
        rows.append("bias")
        data = np.vstack([w, np.asarray(cfg["biases"][layer], dtype=float)])
    cols = [f"→ {n}" for n in names[layer + 1]]
    return pd.DataFrame(data, index=rows, columns=cols)


def _edited_grid(base: pd.DataFrame, edits: Any) -> tuple[np.ndarray, str | None]:
    """The grid's values after the editor's edits, and a message for an empty/bad cell."""
    values = base.to_numpy(copy=True)
    rows = (edits or {}).get("edited_rows", {}) if isinstance(edits, dict) else {}
    for r, changes in rows.items():
        for c, v in changes.items():
            ci = base.columns.get_loc(c) if not isinstance(c, int) else c
            ri = int(r)
            if v is None or (isinstance(v, float) and math.isnan(v)):
                return values, (
                    f"Empty cell (row {base.index[ri]}, column {base.columns[ci]}): type a number."
                )
            try:
                values[ri, ci] = float(v)
            except (TypeError, ValueError):
                return (
                    values,
                    f"Cell (row {base.index[ri]}, column {base.columns[ci]}) is not a number.",
                )
    return values, None


def collect_grid_edits(state: StepState) -> None:
    """Adopt valid edits from this generation's weight grids (read before drawing)."""
    base_cfg = state.grid_base or state.cfg
    n = len(base_cfg["weights"])
    weights = [np.asarray(w, dtype=float) for w in state.cfg["weights"]]
    biases = (
        None if state.cfg.get("biases") is None else [np.asarray(b) for b in state.cfg["biases"]]
    )
    changed, message = False, None
    for layer in range(n):
        key = state.key(f"grid{layer}")
        if key not in st.session_state:
            continue
        base = _grid_frame(base_cfg, layer)
        values, problem = _edited_grid(base, st.session_state[key])
        if problem:
            message = f"Weights {layer + 1}: {problem}"
            continue
        n_from = len(base_cfg["weights"][layer])
        new_w = values[:n_from]
        if not np.array_equal(new_w, weights[layer]):
            moved = np.argwhere(new_w != weights[layer])[0]
            state.last_control = ParamRef("weight", layer, tuple(int(i) for i in moved)).name
            weights[layer], changed = new_w, True
        has_bias_row = biases is not None and values.shape[0] > n_from
        if has_bias_row and not np.array_equal(values[n_from], biases[layer]):
            moved = np.argwhere(values[n_from] != biases[layer])[0]
            state.last_control = ParamRef("bias", layer, (int(moved[0]),)).name
            biases[layer], changed = values[n_from], True
    if message:
        state.errors["weights"] = message
    elif changed:
        cfg = {
            **state.cfg,
            "weights": [w.tolist() for w in weights],
            "biases": None if biases is None else [b.tolist() for b in biases],
        }
        propose(state, "weights", cfg, weights_only=True)
    elif "weights" in state.errors and state.errors["weights"].startswith("Weights "):
        state.errors.pop("weights")


# --- drawing -------------------------------------------------------------------------------


def show_error(state: StepState, control: str) -> None:
    message = state.errors.get(control)
    if message:
        st.error(message, icon=":material/error:")


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
        st.slider(label, lo, hi, step=step_, key=skey, on_change=_set_value, args=args)
    else:
        st.session_state.setdefault(nkey, value)
        left, right = st.columns([3, 2], vertical_alignment="bottom")
        left.slider(label, lo, hi, step=step_, key=skey, on_change=_set_value, args=args)
        right.number_input(
            f"{label}, exact",
            key=nkey,
            value=None,
            step=step_,
            format="%g",
            label_visibility="collapsed",
            on_change=_set_value,
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
    st.session_state.setdefault(skey, _nearest_rate(cfg["learning_rate"]))
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
        on_change=_set_learning_rate,
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
            on_change=_set_learning_rate,
            args=(False, skey, nkey),
        )
    show_error(state, "lr")
    for i in range(sizes[0]):
        _value_pair(state, "inputs", i, f"Input {names[0][i]}", *INPUT_RANGE, 0.01, exact)
    lo, hi = target_range(cfg["activations"])
    for k in range(sizes[-1]):
        label = f"Target y{sub(k + 1)}"
        _value_pair(state, "targets", k, label, lo, hi, 0.01, exact)


def _weights_editor(state: StepState) -> None:
    """One grid per layer (rows: from, columns: to, plus a bias row), randomize, reset."""
    st.markdown("**Weights** (rows: from, columns: to)")
    grid_cfg = state.grid_base or state.cfg
    for layer in range(len(grid_cfg["weights"])):
        frame = _grid_frame(grid_cfg, layer)
        st.data_editor(
            frame,
            key=state.key(f"grid{layer}"),
            width="stretch",
            column_config={
                c: st.column_config.NumberColumn(c, format="%.6g") for c in frame.columns
            },
        )
    show_error(state, "weights")
    left, right = st.columns([1, 1.3], vertical_alignment="bottom")
    seed_key = state.key("seed")
    st.session_state.setdefault(seed_key, 0)
    left.number_input("Seed", 0, MAX_SEED, key=seed_key, step=1, value=None)
    right.button("Randomize", key="step_randomize", on_click=_randomize, width="stretch")
    st.button(
        "Reset to preset",
        key="step_reset_weights",
        on_click=_reset_weights,
        disabled=state.preset == CUSTOM,
        width="stretch",
    )


def sidebar(state: StepState) -> None:
    cfg = state.cfg
    sizes = (len(cfg["weights"][0]), *(len(w[0]) for w in cfg["weights"]))
    with st.sidebar:
        key = state.key("preset")
        st.session_state.setdefault(key, state.preset)
        st.selectbox(
            "Example",
            [*STEP_PRESETS, CUSTOM],
            key=key,
            on_change=_load_preset,
            format_func=lambda n: PRESET_LABELS.get(n, "Custom"),
        )
        _weights_editor(state)
        # Drawn only when asked for: a dozen widgets fewer on every other rerun.
        if st.toggle("Change the network's shape", key="step_shape_open"):
            keys = _shape_keys(state)
            st.session_state.setdefault(keys["n_in"], sizes[0])
            st.session_state.setdefault(keys["n_hidden"], len(sizes) - 2)
            st.session_state.setdefault(keys["n_out"], sizes[-1])
            st.number_input("Inputs", 1, MAX_INPUTS, key=keys["n_in"], on_change=_set_shape)
            st.number_input(
                "Hidden layers", 0, MAX_HIDDEN_LAYERS, key=keys["n_hidden"], on_change=_set_shape
            )
            for i, units in enumerate(sizes[1:-1]):
                k = state.key(f"units{i}")
                st.session_state.setdefault(k, units)
                st.number_input(
                    f"Units in hidden layer {i + 1}", 1, MAX_UNITS, key=k, on_change=_set_shape
                )
            st.number_input("Outputs", 1, MAX_OUTPUTS, key=keys["n_out"], on_change=_set_shape)
            show_error(state, "shape")
            for i, act in enumerate(cfg["activations"]):
                k = state.key(f"act{i}")
                st.session_state.setdefault(k, act)
                label = "Output activation" if i == len(sizes) - 2 else f"Activation, layer {i + 1}"
                st.selectbox(
                    label,
                    list(ACTIVATIONS),
                    key=k,
                    on_change=_set_functions,
                    format_func=lambda n: ACTIVATIONS[n].label,
                )
            k = state.key("loss")
            st.session_state.setdefault(k, cfg["loss"])
            st.selectbox(
                "Loss",
                list(LOSSES),
                key=k,
                on_change=_set_functions,
                format_func=lambda n: LOSSES[n].label,
            )
            k = state.key("biases")
            st.session_state.setdefault(k, cfg.get("biases") is not None)
            st.checkbox("Biases", key=k, on_change=_set_functions)
            k = state.key("train_biases")
            st.session_state.setdefault(k, bool(cfg.get("train_biases", True)))
            st.checkbox(
                "Train the biases (off: present but frozen)", key=k, on_change=_set_functions
            )
            show_error(state, "functions")


def stepping(state: StepState) -> None:
    b = st.columns([1.1, 0.7, 1.2, 0.8, 0.8, 2.4], vertical_alignment="bottom")
    b[0].button(
        "Apply step",
        key="step_apply",
        type="primary",
        on_click=_apply_steps,
        args=(None,),
        help="w ← w + Δw for every weight",
    )
    b[1].number_input(
        "N", 1, MAX_TAKE, key="step_take_n", value=10, step=1, label_visibility="collapsed"
    )
    b[2].button("Take N steps", key="step_take", on_click=_apply_steps, args=("step_take_n",))
    b[3].button("Undo", key="step_undo", on_click=_undo, disabled=not state.history)
    b[4].button("Reset", key="step_reset", on_click=_reset, disabled=not state.history)
    b[5].caption(f"{len(state.losses)} step(s) applied on this example")
    show_error(state, "take")


def read_link(state: StepState) -> None:
    state.link_checked = True
    params = {k: st.query_params[k] for k in ("preset", "config") if k in st.query_params}
    if not params:
        return
    try:
        cfg = decode_link(params)
    except BackpropVizError as exc:
        state.notice = f"{exc} Showing the lesson's example instead."
        return
    if cfg is not None:
        name = params.get("preset", CUSTOM) if "config" not in params else CUSTOM
        load(state, cfg, name)


def forget_old_widgets(state: StepState) -> None:
    # Widget keys of earlier generations would otherwise pile up in the session.
    if state.swept == state.generation:
        return
    state.swept = state.generation
    suffix = f"_g{state.generation}"
    for key in [
        k
        for k in st.session_state
        if isinstance(k, str) and k.startswith("step_") and "_g" in k and not k.endswith(suffix)
    ]:
        del st.session_state[key]
