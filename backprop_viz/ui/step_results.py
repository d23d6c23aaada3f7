"""The step page's results, computed once per configuration and cached (pure functions)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import streamlit as st

from ..backprop import StepTrace
from ..config import StepConfig, parse_config
from ..editing import Config
from ..figures.network import network_figure
from ..figures.step_charts import loss_slice_figure
from ..gradcheck import GradCheckRow, gradient_check
from ..landscape import loss_slice
from ..report import describe_step
from ..stages import Stage, build_stages, unit_symbols

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
    kind, layer, index = parse_param(param)
    s = loss_slice(cfg.network, cfg.inputs, cfg.targets, kind, layer, index)
    return loss_slice_figure(s, param_label(cfg.network.sizes, kind, layer, index))


def cfg_json_of(cfg: Config) -> str:
    return json.dumps(cfg, sort_keys=True)


# --- names -----------------------------------------------------------------------------


def unit_names(sizes: tuple[int, ...]) -> list[list[str]]:
    sym = unit_symbols(len(sizes) - 1)
    return [[f"{sym[i]}{str(j + 1).translate(SUB)}" for j in range(n)] for i, n in enumerate(sizes)]


def parse_param(param: str) -> tuple[str, int, tuple[int, ...]]:
    kind = "weight" if param[0] == "W" else "bias"
    layer = int(param[1 : param.index("[")]) - 1
    index = tuple(int(i) for i in param[param.index("[") + 1 : -1].split(","))
    return kind, layer, index


def param_label(sizes: tuple[int, ...], kind: str, layer: int, index: tuple[int, ...]) -> str:
    names = unit_names(sizes)
    if kind == "weight":
        return f"w({names[layer][index[0]]} → {names[layer + 1][index[1]]})"
    return f"b({names[layer + 1][index[0]]})"


# --- callbacks: every change goes through propose() -----------------------------------------


def full(v: float) -> str:
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
    names = unit_names(t.network.sizes)
    fwd = [[n, "", full(v)] for n, v in zip(names[0], t.inputs[0], strict=True)]
    back = []
    for i, lt in enumerate(t.layers):
        fprime = t.network.activations[i].derivative(lt.weighted_sum[0], lt.output[0])
        for k, n in enumerate(names[i + 1]):
            fwd.append([n, full(lt.weighted_sum[0, k]), full(lt.output[0, k])])
            back.append([n, full(lt.error[0, k]), full(fprime[k]), full(lt.error_term[0, k])])
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
        rows_d = [[n, *map(full, r)] for n, r in zip(names[i], lt.weight_delta, strict=True)]
        rows_w = [[n, *map(full, r)] for n, r in zip(names[i], lt.new_weights, strict=True)]
        if lt.bias_delta is not None:
            rows_d.append(["bias" + frozen, *map(full, lt.bias_delta)])
            rows_w.append(["bias", *map(full, lt.new_biases)])
        out.append((f"Δw, layer {i + 1} (η·δ·input)", md_table(cols, rows_d)))
        out.append((f"New weights, layer {i + 1} (w + Δw)", md_table(cols, rows_w)))
    return out
