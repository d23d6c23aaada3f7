"""The step page: set a small network's values and watch one step of backpropagation.

Lays out the controls, the live fragment (what a slider step changes) and the sections, in
the everyday layout or in presenter mode; the address follows every change.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from ...core.step import StepTrace
from ...explain.notation import fmt
from ...explain.presets import PRESET_LABELS
from ...explain.quiz import Question
from ...figures.network import diagram_at, stage_keys
from .. import plain
from ..charts import show_figure
from .classroom import (
    KEYS_LEGEND,
    history_scrubber,
    present_toggle,
    presenter_style,
    shown_config,
    stage_buttons,
    step_buttons,
)
from .grid import collect_grid_edits
from .link import read_link, write_address
from .panels import control_panel, diagram, gradient_panel
from .quiz_panel import forward_stage, live_question, quiz_panel, quiz_toggle
from .results import Computed, cfg_json_of, compute, presenter_figure
from .sections import section
from .state import CUSTOM, StepState, forget_old_widgets, get_state
from .widgets import sidebar, stepping, value_controls


def _metrics(t: StepTrace, *, hide_after: bool, stacked: bool = False) -> None:
    # One block, not three columns; a column of its own in presenter mode.
    row = st.container(horizontal=not stacked, key="step_metrics")
    row.metric("Output ŷ", vec_text(t.output[0]))
    row.metric("Error y − ŷ", vec_text(t.error[0]))
    if hide_after:  # the loss after the step would answer the quiz
        row.metric("Loss E (before the step)", fmt(t.loss_before))
        return
    change = t.loss_after - t.loss_before
    row.metric(
        "Loss E (before the step)",
        fmt(t.loss_before),
        # An ASCII sign: Streamlit reads the arrow's direction from a leading "-".
        delta=f"{change:+.4g} after the step: {fmt(t.loss_after)}",
        delta_color="inverse",
    )


def _forward_only(comp: Computed, q: Question, figure: dict | None = None) -> None:
    """The diagram held at the end of the forward pass until the question is answered."""
    fig = figure or comp.figure
    stage = forward_stage(stage_keys(fig))
    ring = q.param if q.param is not None and q.param.kind in ("weight", "bias") else None
    show_figure(diagram_at(fig, stage, ring), key="step_diagram")


@st.fragment
def _live(state: StepState) -> None:
    """Everything a slider step changes. A fragment: moving a slider reruns only this."""
    if state.generation != state.drawn_generation:
        # Something in here (Load, an example's contrast) replaced the configuration: the
        # sidebar's example and weight grids must be drawn anew, so rerun the whole page.
        st.rerun()
    cfg_json = cfg_json_of(shown_config(state))
    comp = compute(cfg_json)
    q = live_question(state, comp, cfg_json)
    hold = q is not None and state.quiz_answer is None  # backward stages wait for the answer
    if state.present:
        _presenter(state, comp, cfg_json, q, hold)
    else:
        _everyday(state, comp, cfg_json, q, hold)
    write_address(state)


def _everyday(
    state: StepState, comp: Computed, cfg_json: str, q: Question | None, hold: bool
) -> None:
    controls, view = st.columns([1, 3], gap="medium")
    with controls:
        value_controls(state)
    with view:
        _metrics(comp.trace, hide_after=hold)
        if state.quiz:
            quiz_panel(state, q)
        if hold and q is not None:
            _forward_only(comp, q)
            return
        diagram(state, comp)
        what, sizes = st.columns([3, 2], gap="small")
        with what:
            control_panel(state, comp, cfg_json)
        with sizes:
            gradient_panel(state, comp)
    section(state, comp, cfg_json)


def _presenter(
    state: StepState, comp: Computed, cfg_json: str, q: Question | None, hold: bool
) -> None:
    """The essentials in large type: the diagram with the metrics beside it, the stage's
    equation under it, the buttons above (drawn outside this fragment)."""
    if state.quiz:
        quiz_panel(state, q)
    big = presenter_figure(cfg_json)
    keys = stage_keys(big)
    picture, numbers = st.columns([3.3, 1], gap="small")
    with numbers:
        _metrics(comp.trace, hide_after=hold, stacked=True)
    with picture:
        if hold and q is not None:
            shown = forward_stage(keys)
            _forward_only(comp, q, big)
        else:
            # No stage slider here: the ◀ ▶ buttons and the arrow keys step through stages.
            shown = state.stage if state.stage in keys else keys[-1]
            show_figure(diagram_at(big, shown, None), key="step_diagram")
    stage = next(s for s in comp.stages if s.key == shown)
    with st.container(key="step_stage_equation"):
        st.latex(stage.latex)  # the diagram's title names the stage
    with st.expander("Inputs, targets and η"):
        value_controls(state)


def render_step_view() -> None:
    """Draw the step page."""
    state = get_state()
    if not state.link_checked:
        read_link(state)
    forget_old_widgets(state)
    collect_grid_edits(state)
    if state.present:
        presenter_style()
    else:
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
    top = st.container(horizontal=True, vertical_alignment="center", key="step_top_row")
    with top:
        present_toggle(state)
        quiz_toggle(state)
        if state.present:
            step_buttons(state, compact=True)
            stage_buttons(state)
        st.caption(KEYS_LEGEND)
    if not state.present:
        stepping(state)
        history_scrubber(state)
    state.drawn_generation = state.generation
    _live(state)


def vec_text(values: np.ndarray) -> str:
    items = [fmt(v) for v in np.ravel(values)]
    return items[0] if len(items) == 1 else ", ".join(items)
