"""The step page: set a small network's values and watch one step of backpropagation.

Lays out the controls, the live fragment (what a slider step changes) and the sections.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from ...explain.notation import fmt
from ...explain.presets import PRESET_LABELS
from .. import plain
from .grid import collect_grid_edits
from .link import read_link
from .panels import control_panel, diagram, gradient_panel
from .results import cfg_json_of, compute
from .sections import section
from .state import CUSTOM, StepState, forget_old_widgets, get_state
from .widgets import sidebar, stepping, value_controls


@st.fragment
def _live(state: StepState) -> None:
    """Everything a slider step changes. A fragment: moving a slider reruns only this."""
    if state.generation != state.drawn_generation:
        # Something in here (Load, an example's contrast) replaced the configuration: the
        # sidebar's example and weight grids must be drawn anew, so rerun the whole page.
        st.rerun()
    controls, view = st.columns([1, 3], gap="medium")
    with controls:
        value_controls(state)
    cfg_json = cfg_json_of(state.cfg)
    comp = compute(cfg_json)
    t = comp.trace
    with view:
        row = st.container(horizontal=True)  # one block, not three columns
        row.metric("Output ŷ", vec_text(t.output[0]))
        row.metric("Error y − ŷ", vec_text(t.error[0]))
        change = t.loss_after - t.loss_before
        row.metric(
            "Loss E (before the step)",
            fmt(t.loss_before),
            # An ASCII sign: Streamlit reads the arrow's direction from a leading "-".
            delta=f"{change:+.4g} after the step: {fmt(t.loss_after)}",
            delta_color="inverse",
        )
        diagram(state, comp)
        what, sizes = st.columns([3, 2], gap="small")
        with what:
            control_panel(state, comp, cfg_json)
        with sizes:
            gradient_panel(state, comp)
    section(state, comp, cfg_json)


def render_step_view() -> None:
    """Draw the step page."""
    state = get_state()
    if not state.link_checked:
        read_link(state)
    forget_old_widgets(state)
    collect_grid_edits(state)
    sidebar(state)
    st.title("One step of backpropagation")
    origin = "Custom network" if state.preset == CUSTOM else PRESET_LABELS[state.preset]
    st.caption(
        f"{origin} · move a slider and watch every gradient move; press ▶ Play under the "
        "diagram to watch the step stage by stage, or click an edge for its chain rule"
    )
    if state.notice:
        plain.warning(state.notice)
        state.notice = None
    stepping(state)
    state.drawn_generation = state.generation
    _live(state)


def vec_text(values: np.ndarray) -> str:
    items = [fmt(v) for v in np.ravel(values)]
    return items[0] if len(items) == 1 else ", ".join(items)
