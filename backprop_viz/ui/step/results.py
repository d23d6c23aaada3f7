"""The step page's results, computed once per configuration and cached (pure functions)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from ...core.config import StepConfig, parse_config
from ...core.gradcheck import GradCheckRow, gradient_check
from ...core.landscape import loss_slice
from ...core.params import ParamRef
from ...core.step import StepTrace
from ...core.sweep import sweep
from ...explain.chain import chain_rule
from ...explain.codegen import python_script
from ...explain.notation import param_place, param_symbol
from ...explain.report import describe_step
from ...explain.stages import Stage, build_stages
from ...explain.tables import chain_text, step_tables
from ...figures.control import control_figure
from ...figures.network import network_figure
from ...figures.step_charts import loss_slice_figure
from .edits import MAX_LEARNING_RATE, Config

INPUT_RANGE = (-3.0, 3.0)  # the input sliders' range, and the span of an input's sweep
WEIGHT_SPAN = 10.0  # a weight's or bias's sweep covers ±10 (and its current value)
# η's sweep, on a log scale, up to the page's largest η: the lesson's step overshoots
# only past η ≈ 75 (its best η is ≈ 35).
RATE_RANGE = (1e-4, MAX_LEARNING_RATE)
SWEEP_POINTS = 121


def target_range(activations: list[str] | tuple[str, ...]) -> tuple[float, float]:
    """What the output activation can reach: the target sliders' range."""
    return {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}.get(activations[-1], (-3.0, 3.0))


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
    stages = build_stages(trace)
    return Computed(
        cfg=cfg,
        trace=trace,
        stages=stages,
        figure=network_figure(trace, stages=stages),
        report=describe_step(trace),
    )


PRESENT_TEXT_SCALE = 1.7  # presenter mode: diagram labels and unit text at >= 18 px
PRESENT_HEIGHT = 500  # presenter mode: the diagram, metrics and equation fit 1280 x 720


@st.cache_resource(max_entries=32, show_spinner=False)
def presenter_figure(cfg_json: str) -> dict[str, Any]:
    """The diagram in large type and a little shorter, for presenter mode (cached)."""
    comp = compute(cfg_json)
    fig = network_figure(comp.trace, stages=comp.stages, text_scale=PRESENT_TEXT_SCALE)
    return {**fig, "layout": {**fig["layout"], "height": PRESENT_HEIGHT}}


@st.cache_resource(max_entries=256, show_spinner=False)
def grad_rows(cfg_json: str) -> list[GradCheckRow]:
    """The central-difference check of every parameter (cached; only the Gradient section
    needs it)."""
    cfg = parse_config(json.loads(cfg_json))
    return gradient_check(cfg.network, cfg.inputs, cfg.targets, l1=cfg.l1, l2=cfg.l2)


@st.cache_resource(max_entries=256, show_spinner=False)
def slice_figure(cfg_json: str, param: str) -> dict[str, Any]:
    """The loss along one parameter with backprop's tangent (cached)."""
    cfg = parse_config(json.loads(cfg_json))
    ref = ParamRef.parse(param)
    s = loss_slice(
        cfg.network, cfg.inputs, cfg.targets, ref.kind, ref.layer, ref.index, l1=cfg.l1, l2=cfg.l2
    )
    return loss_slice_figure(s, param_place(ref, cfg.network.sizes))


def current_value(cfg: StepConfig, ref: ParamRef) -> float:
    """The value the control `ref` has in `cfg`."""
    net = cfg.network
    if ref.kind == "input":
        return float(cfg.inputs[0, ref.index[0]])
    if ref.kind == "target":
        return float(cfg.targets[0, ref.index[0]])
    if ref.kind == "learning_rate":
        return float(cfg.learning_rate)
    params = net.weights if ref.kind == "weight" else net.biases
    return float(params[ref.layer][ref.index])


def sweep_values(cfg: StepConfig, ref: ParamRef) -> np.ndarray:
    """The values a control's sweep visits: its whole range, stretched to hold its value."""
    if ref.kind == "learning_rate":
        return np.geomspace(*RATE_RANGE, SWEEP_POINTS)
    if ref.kind == "input":
        lo, hi = INPUT_RANGE
    elif ref.kind == "target":
        lo, hi = target_range([a.name for a in cfg.network.activations])
    else:
        lo, hi = -WEIGHT_SPAN, WEIGHT_SPAN
    now = current_value(cfg, ref)
    return np.linspace(min(lo, now), max(hi, now), SWEEP_POINTS)


@st.cache_resource(max_entries=256, show_spinner=False)
def control_chart(cfg_json: str, ref_name: str) -> dict[str, Any]:
    """The "what this control does" figure for one control (cached)."""
    cfg = compute(cfg_json).cfg
    ref = ParamRef.parse(ref_name)
    values = sweep_values(cfg, ref)
    s = sweep(
        cfg.network, cfg.inputs, cfg.targets, cfg.learning_rate, ref, values, l1=cfg.l1, l2=cfg.l2
    )
    n = cfg.network.n_layers
    return control_figure(s, current_value(cfg, ref), param_symbol(ref, n), n)


@st.cache_resource(max_entries=256, show_spinner=False)
def chain_markdown(cfg_json: str, ref_name: str) -> str:
    """The chain rule for one weight or bias, as a Markdown table and three numbers."""
    t = compute(cfg_json).trace
    return chain_text(chain_rule(t, ParamRef.parse(ref_name)), t.network.n_layers)


def cfg_json_of(cfg: Config) -> str:
    return json.dumps(cfg, sort_keys=True)


@st.cache_resource(max_entries=256, show_spinner=False)
def tables_markdown(cfg_json: str) -> list[tuple[str, str]]:
    """(title, Markdown table) pairs for the Tables section (cached)."""
    return step_tables(compute(cfg_json).trace)


@st.cache_resource(max_entries=64, show_spinner=False)
def python_text(cfg_json: str, steps: int = 1) -> str:
    """The step (or `steps` steps) as a self-contained NumPy script (cached)."""
    return python_script(json.loads(cfg_json), steps)
