"""The step page's sections, one shown at a time: printout, chain rule, equations, tables,
gradient check, loss per step, share and export."""

from __future__ import annotations

import json
import urllib.parse

import streamlit as st

from ...core.params import ParamRef, weight_refs
from ...explain.notation import param_place, param_symbol
from ...explain.tables import full, md_table
from ...figures.step_charts import loss_steps_figure
from ...limits import STEP_MAX_TAKE
from ..charts import show_figure
from .callbacks import on_import
from .link import DEFAULT_SECTION, SECTION_KEY, address_of
from .panels import CHAIN_SECTION, explained, shape_tag
from .results import (
    Computed,
    cfg_json_of,
    chain_markdown,
    compute,
    grad_rows,
    python_text,
    slice_figure,
    tables_markdown,
)
from .state import StepState, get_state
from .widgets import show_error

SECTIONS = [
    DEFAULT_SECTION,
    CHAIN_SECTION,
    "Equations",
    "Tables",
    "Gradient",
    "Loss per step",
    "Share / export",
]


def _equations(comp: Computed) -> None:
    # One block for all stages: each KaTeX element costs the browser time on every step.
    rows = r" \\[5pt] ".join(
        rf"\text{{{i}. {s.title}}} & \quad {s.latex}" for i, s in enumerate(comp.stages, 1)
    )
    st.latex(r"\begin{aligned}" + rows + r"\end{aligned}")


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
    labels = {r.name: param_place(r.ref, sizes) for r in rows}
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
    table = md_table(
        ["parameter", "value", "∂E/∂w (backprop)", "∂E/∂w (numeric)", "relative error"],
        [
            [
                f"{labels[r.name]} [{r.name}]",
                full(r.value),
                full(r.analytic),
                full(r.numeric),
                f"{r.relative_error:.1e}",
            ]
            for r in rows
        ],
    )
    st.markdown(
        "**Gradient check**: backprop against central differences "
        "(E(w + ε) − E(w − ε)) / 2ε, ε = 10⁻⁶\n\n" + table
    )


def _choose_explained(widget_key: str) -> None:
    get_state().explain = st.session_state[widget_key]


def _chain(state: StepState, comp: Computed, cfg_json: str) -> None:
    net = comp.trace.network
    refs = weight_refs(net.sizes, net.biases is not None)
    chosen = explained(state, comp)
    key = f"step_chain_{shape_tag(comp)}"
    st.session_state[key] = chosen.name  # a click on the diagram may have chosen another
    labels = {r.name: param_place(r, net.sizes) for r in refs}
    st.selectbox(
        "Weight or bias (or click an edge on the diagram)",
        [r.name for r in refs],
        key=key,
        on_change=_choose_explained,
        args=(key,),
        format_func=lambda n: f"{param_symbol(ParamRef.parse(n), net.n_layers)}: {labels[n]}",
    )
    st.markdown(chain_markdown(cfg_json, chosen.name))


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
    left, right = st.columns([1, 3], vertical_alignment="bottom")
    steps = left.number_input(
        "Steps the script takes", 1, STEP_MAX_TAKE, value=1, step=1, key="step_script_steps"
    )
    script = python_text(cfg_json_of(cfg), int(steps))
    right.download_button(
        "Download as Python (NumPy only: this network, its steps, the lesson's printout)",
        script,
        "backprop_step.py",
        mime="text/x-python",
        key="step_download_python",
    )
    with st.expander("The script, to copy"):
        st.code(script, language="python")
    try:
        base = str(st.context.url or "").split("?")[0]
    except Exception:  # no browser context (e.g. tests)
        base = ""
    query = urllib.parse.urlencode(address_of(state), doseq=True)
    st.markdown(
        "**Link to this exact page** (the address bar says the same: every value, the stage):"
    )
    st.code(f"{base}?{query}" if query else base or "/", language=None)
    st.markdown("**Load a configuration** (the same JSON the command line reads):")
    key = state.key("import")
    st.text_area(
        "Configuration JSON",
        key=key,
        height=150,
        label_visibility="collapsed",
        placeholder='{"inputs": [...], "targets": [...], "learning_rate": 0.5, ...}',
    )
    st.button("Load", key="step_import_load", on_click=on_import)
    show_error(state, "import")


def section(state: StepState, comp: Computed, cfg_json: str) -> None:
    """The one section asked for: only it is computed and sent on a slider step."""
    if state.section is not None:  # asked for by the address
        if state.section in SECTIONS:
            st.session_state[SECTION_KEY] = state.section
        state.section = None
    st.session_state.setdefault(SECTION_KEY, DEFAULT_SECTION)
    choice = st.segmented_control("Show", SECTIONS, key=SECTION_KEY, label_visibility="collapsed")
    if choice == "Lesson printout":
        st.code(comp.report, language=None)
    elif choice == CHAIN_SECTION:
        _chain(state, comp, cfg_json)
    elif choice == "Equations":
        _equations(comp)
    elif choice == "Tables":
        _tables(comp, cfg_json)
    elif choice == "Gradient":
        _gradient(state, comp, cfg_json)
    elif choice == "Loss per step":
        if state.losses:
            now = compute(cfg_json_of(state.cfg)).trace.loss_before  # comp may be a past step
            show_figure(loss_steps_figure([*state.losses, now], state.viewing), key="step_losses")
        else:
            st.info("Apply a step (or take N) to see the loss fall step by step.")
    elif choice == "Share / export":
        _share(state)
