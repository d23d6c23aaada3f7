"""The step view: set a small network's values and watch one step of backpropagation."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from ..activations import ACTIVATIONS
from ..backprop import StepTrace, step
from ..config import StepConfig, loads_config, parse_config
from ..editing import (
    MAX_HIDDEN_LAYERS,
    MAX_INPUTS,
    MAX_OUTPUTS,
    MAX_UNITS,
    Config,
    decode_link,
    encode_link,
    preset_config,
    randomize,
    resize,
    set_biases,
    validated,
)
from ..errors import BackpropVizError
from ..figures.network import network_figure
from ..figures.step_charts import loss_slice_figure, loss_steps_figure
from ..gradcheck import GradCheckRow, gradient_check
from ..landscape import loss_slice
from ..losses import LOSSES
from ..presets import PRESET_LABELS, STEP_PRESETS
from ..report import describe_step
from ..stages import Stage, build_stages, fmt, unit_symbols
from .charts import show_figure
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
SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


@dataclass(frozen=True)
class Computed:
    """Everything the page shows for one configuration; pure, cached, never mutated."""

    cfg: StepConfig
    trace: StepTrace
    stages: list[Stage]
    figure: dict[str, Any]
    report: str


@st.cache_resource(max_entries=256, show_spinner=False)
def compute(cfg_json: str) -> Computed:
    """The step, its stages, diagram and lesson-style report (cached)."""
    cfg = parse_config(json.loads(cfg_json))
    trace = cfg.step()
    return Computed(
        cfg=cfg,
        trace=trace,
        stages=build_stages(trace),
        figure=network_figure(trace),
        report=describe_step(trace),
    )


@st.cache_resource(max_entries=256, show_spinner=False)
def grad_rows(cfg_json: str) -> list[GradCheckRow]:
    """The central-difference check of every parameter (cached; only the Gradient section
    needs it)."""
    cfg = parse_config(json.loads(cfg_json))
    return gradient_check(cfg.network, cfg.inputs, cfg.targets)


@st.cache_resource(max_entries=256, show_spinner=False)
def slice_figure(cfg_json: str, param: str) -> dict[str, Any]:
    """The loss along one parameter with backprop's tangent (cached)."""
    cfg = parse_config(json.loads(cfg_json))
    kind, layer, index = _parse_param(param)
    s = loss_slice(cfg.network, cfg.inputs, cfg.targets, kind, layer, index)
    return loss_slice_figure(s, _param_label(cfg.network.sizes, kind, layer, index))


def _cfg_json(cfg: Config) -> str:
    return json.dumps(cfg, sort_keys=True)


# --- names -----------------------------------------------------------------------------


def _unit_names(sizes: tuple[int, ...]) -> list[list[str]]:
    sym = unit_symbols(len(sizes) - 1)
    return [[f"{sym[i]}{str(j + 1).translate(SUB)}" for j in range(n)] for i, n in enumerate(sizes)]


def _parse_param(param: str) -> tuple[str, int, tuple[int, ...]]:
    kind = "weight" if param[0] == "W" else "bias"
    layer = int(param[1 : param.index("[")]) - 1
    index = tuple(int(i) for i in param[param.index("[") + 1 : -1].split(","))
    return kind, layer, index


def _param_label(sizes: tuple[int, ...], kind: str, layer: int, index: tuple[int, ...]) -> str:
    names = _unit_names(sizes)
    if kind == "weight":
        return f"w({names[layer][index[0]]} → {names[layer + 1][index[1]]})"
    return f"b({names[layer + 1][index[0]]})"


# --- callbacks: every change goes through propose() -----------------------------------------


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
    cfg = parse_config(state.cfg)
    net, losses = cfg.network, []
    try:
        for _ in range(int(count)):
            trace = step(net, cfg.inputs, cfg.targets, cfg.learning_rate)
            losses.append(trace.loss_before)
            net = trace.new_network
    except BackpropVizError as exc:
        state.errors["take"] = f"Stopped after {len(losses)} steps: {exc}"
    if losses:
        apply_steps(
            state, list(net.weights), None if net.biases is None else list(net.biases), losses
        )


def _undo() -> None:
    undo(get_state())


def _reset() -> None:
    reset(get_state())


def _randomize() -> None:
    state = get_state()
    seed = st.session_state.get(state.key("seed"))
    if seed is None:
        state.errors["weights"] = "Type a seed (a whole number) to randomize."
        return
    if propose(state, "weights", randomize(state.cfg, int(seed)), weights_only=True):
        state.history.clear()
        state.losses.clear()
        state.base = dict(state.cfg)
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


def _import_config() -> None:
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
    names = _unit_names(sizes)
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


def _collect_grid_edits(state: StepState) -> None:
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
            weights[layer], changed = new_w, True
        has_bias_row = biases is not None and values.shape[0] > n_from
        if has_bias_row and not np.array_equal(values[n_from], biases[layer]):
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


def _error(state: StepState, control: str) -> None:
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
    _error(state, f"{name}{index}")


def _target_range(cfg: Config) -> tuple[float, float]:
    out = cfg["activations"][-1]
    return {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}.get(out, (-3.0, 3.0))


def _value_controls(state: StepState) -> None:
    """Learning rate, inputs and targets: sliders, and boxes for exact values on request."""
    cfg = state.cfg
    sizes = (len(cfg["weights"][0]), *(len(w[0]) for w in cfg["weights"]))
    names = _unit_names(sizes)
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
    _error(state, "lr")
    for i in range(sizes[0]):
        _value_pair(state, "inputs", i, f"Input {names[0][i]}", -3.0, 3.0, 0.01, exact)
    lo, hi = _target_range(cfg)
    for k in range(sizes[-1]):
        label = f"Target y{str(k + 1).translate(SUB)}"
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
    _error(state, "weights")
    left, right = st.columns([1, 1.3], vertical_alignment="bottom")
    seed_key = state.key("seed")
    st.session_state.setdefault(seed_key, 0)
    left.number_input("Seed", key=seed_key, step=1, value=None)
    right.button("Randomize", key="step_randomize", on_click=_randomize, width="stretch")
    st.button(
        "Reset to preset",
        key="step_reset_weights",
        on_click=_reset_weights,
        disabled=state.preset == CUSTOM,
        width="stretch",
    )


def _sidebar(state: StepState) -> None:
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
            _error(state, "shape")
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
            _error(state, "functions")


def _full(v: float) -> str:
    return f"{float(v):.12g}"


def md_table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table: cheap to send and draw, and its numbers copy as typed."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


@st.cache_resource(max_entries=256, show_spinner=False)
def tables_markdown(cfg_json: str) -> list[tuple[str, str]]:
    """(title, Markdown table) pairs for the Tables tab, with full-precision numbers."""
    t = compute(cfg_json).trace
    names = _unit_names(t.network.sizes)
    fwd = [[n, "", _full(v)] for n, v in zip(names[0], t.inputs[0], strict=True)]
    back = []
    for i, lt in enumerate(t.layers):
        fprime = t.network.activations[i].derivative(lt.weighted_sum[0], lt.output[0])
        for k, n in enumerate(names[i + 1]):
            fwd.append([n, _full(lt.weighted_sum[0, k]), _full(lt.output[0, k])])
            back.append([n, _full(lt.error[0, k]), _full(fprime[k]), _full(lt.error_term[0, k])])
    out = [
        ("Forward pass", md_table(["unit", "h (weighted sum)", "a = f(h)"], fwd)),
        (
            "Errors and error terms",
            md_table(["unit", "error (before f′)", "f′(h)", "δ = error·f′(h)"], back),
        ),
    ]
    for i, lt in enumerate(t.layers):
        cols = ["from \\ to", *names[i + 1]]
        frozen = "" if t.network.train_biases else " (frozen: not applied)"
        rows_d = [[n, *map(_full, r)] for n, r in zip(names[i], lt.weight_delta, strict=True)]
        rows_w = [[n, *map(_full, r)] for n, r in zip(names[i], lt.new_weights, strict=True)]
        if lt.bias_delta is not None:
            rows_d.append(["bias" + frozen, *map(_full, lt.bias_delta)])
            rows_w.append(["bias", *map(_full, lt.new_biases)])
        out.append((f"Δw, layer {i + 1} (η·δ·input)", md_table(cols, rows_d)))
        out.append((f"New weights, layer {i + 1} (w + Δw)", md_table(cols, rows_w)))
    return out


def _tables(comp: Computed, cfg_json: str) -> None:
    st.markdown("**The lesson's printout** (the same numbers the lesson's code prints)")
    st.code(comp.report, language=None)
    tables = tables_markdown(cfg_json)
    for i in range(0, len(tables), 2):
        cols = st.columns(2)
        for col, (title, table) in zip(cols, tables[i : i + 2], strict=False):
            col.markdown(f"**{title}**\n\n{table}")


def _gradient(state: StepState, comp: Computed, cfg_json: str) -> None:
    sizes = comp.trace.network.sizes
    rows = grad_rows(cfg_json)
    labels = {r.name: _param_label(sizes, r.kind, r.layer - 1, r.index) for r in rows}
    st.markdown(
        "Backprop computes the **slope** of the loss with respect to every weight. Pick one: "
        "the curve is the loss as that weight alone moves, the dashed line has backprop's "
        "slope, and it touches the curve at the current value."
    )
    key = "step_slice_param"
    if st.session_state.get(key) not in labels:
        st.session_state[key] = rows[-1].name
    st.selectbox("Weight", list(labels), key=key, format_func=lambda n: f"{labels[n]}  [{n}]")
    show_figure(slice_figure(cfg_json, st.session_state[key]), key="step_slice_chart")
    st.markdown(
        "**Gradient check**: backprop against central differences "
        "(E(w + ε) − E(w − ε)) / 2ε, ε = 10⁻⁶"
    )
    st.dataframe(
        pd.DataFrame(
            {
                "parameter": [f"{labels[r.name]} [{r.name}]" for r in rows],
                "value": [_full(r.value) for r in rows],
                "∂E/∂w backprop": [_full(r.analytic) for r in rows],
                "∂E/∂w numeric": [_full(r.numeric) for r in rows],
                "relative error": [f"{r.relative_error:.1e}" for r in rows],
            }
        ),
        hide_index=True,
        width="stretch",
    )


def _share(state: StepState) -> None:
    cfg = state.cfg
    text = json.dumps(cfg, indent=1)
    st.download_button(
        "Download this configuration (JSON)",
        text,
        "backprop-step.json",
        mime="application/json",
        key="step_download",
    )
    try:
        base = str(st.context.url or "").split("?")[0]
    except Exception:  # no browser context (e.g. tests)
        base = ""
    st.markdown("**Link to this exact network** (inputs, weights, settings):")
    st.code(f"{base}?config={encode_link(cfg)}", language=None)
    st.markdown("**Load a configuration** (the same JSON the command line reads):")
    key = state.key("import")
    st.text_area(
        "Configuration JSON",
        key=key,
        height=150,
        label_visibility="collapsed",
        placeholder='{"inputs": [...], "targets": [...], "learning_rate": 0.5, ...}',
    )
    st.button("Load", key="step_import_load", on_click=_import_config)
    _error(state, "import")


def _read_link(state: StepState) -> None:
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


def _forget_old_widgets(state: StepState) -> None:
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


SECTIONS = ["Lesson printout", "Equations", "Tables", "Gradient", "Loss per step", "Share / export"]


def _equations(comp: Computed) -> None:
    # One block for all stages: each KaTeX element costs the browser time on every step.
    rows = r" \\[5pt] ".join(
        rf"\text{{{i}. {s.title}}} & \quad {s.latex}" for i, s in enumerate(comp.stages, 1)
    )
    st.latex(r"\begin{aligned}" + rows + r"\end{aligned}")


def _section(state: StepState, comp: Computed, cfg_json: str) -> None:
    """The one section asked for: only it is computed and sent on a slider step."""
    choice = st.segmented_control(
        "Show", SECTIONS, default=SECTIONS[0], key="step_section", label_visibility="collapsed"
    )
    if choice == "Lesson printout":
        st.code(comp.report, language=None)
    elif choice == "Equations":
        _equations(comp)
    elif choice == "Tables":
        _tables(comp, cfg_json)
    elif choice == "Gradient":
        _gradient(state, comp, cfg_json)
    elif choice == "Loss per step":
        if state.losses:
            show_figure(
                loss_steps_figure([*state.losses, comp.trace.loss_before]), key="step_losses"
            )
        else:
            st.info("Apply a step (or take N) to see the loss fall step by step.")
    elif choice == "Share / export":
        _share(state)


@st.fragment
def _live(state: StepState) -> None:
    """Everything a slider step changes. A fragment: moving a slider reruns only this."""
    controls, view = st.columns([1, 3], gap="medium")
    with controls:
        _value_controls(state)
    cfg_json = _cfg_json(state.cfg)
    comp = compute(cfg_json)
    t = comp.trace
    with view:
        row = st.container(horizontal=True)  # one block, not three columns
        row.metric("Output ŷ", _vec(t.output[0]))
        row.metric("Error y − ŷ", _vec(t.error[0]))
        change = t.loss_after - t.loss_before
        row.metric(
            "Loss E (before the step)",
            fmt(t.loss_before),
            # An ASCII sign: Streamlit reads the arrow's direction from a leading "-".
            delta=f"{change:+.4g} after the step: {fmt(t.loss_after)}",
            delta_color="inverse",
        )
        show_figure(comp.figure, key="step_diagram")
    _section(state, comp, cfg_json)


def _stepping(state: StepState) -> None:
    b = st.columns([1.1, 0.7, 1.2, 0.8, 0.8, 2.4], vertical_alignment="bottom")
    b[0].button(
        "Apply step",
        key="step_apply",
        type="primary",
        on_click=_apply_steps,
        args=(None,),
        help="w ← w + Δw for every weight",
    )
    b[1].number_input("N", key="step_take_n", value=10, step=1, label_visibility="collapsed")
    b[2].button("Take N steps", key="step_take", on_click=_apply_steps, args=("step_take_n",))
    b[3].button("Undo", key="step_undo", on_click=_undo, disabled=not state.history)
    b[4].button("Reset", key="step_reset", on_click=_reset, disabled=not state.history)
    b[5].caption(f"{len(state.losses)} step(s) applied on this example")
    _error(state, "take")


def render_step_view() -> None:
    """Draw the step page."""
    state = get_state()
    if not state.link_checked:
        _read_link(state)
    _forget_old_widgets(state)
    _collect_grid_edits(state)
    _sidebar(state)
    st.title("One step of backpropagation")
    origin = "Custom network" if state.preset == CUSTOM else PRESET_LABELS[state.preset]
    st.caption(
        f"{origin} · move a slider, or press ▶ Play under the diagram to watch the "
        "step stage by stage"
    )
    if state.notice:
        st.warning(state.notice)
        state.notice = None
    _stepping(state)
    _live(state)


def _vec(values: np.ndarray) -> str:
    items = [fmt(v) for v in np.ravel(values)]
    return items[0] if len(items) == 1 else ", ".join(items)
