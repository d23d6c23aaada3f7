"""The step page in front of a room: stage keys, presenter mode and the step history.

Keys (Streamlit's own button shortcuts, shown on the page): → / ← next and previous
stage, Enter applies a step, U undoes it, Home resets. (R and C are Streamlit's own keys.)
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from ...figures.network import stage_keys
from .callbacks import on_reset, on_take_steps, on_undo
from .results import cfg_json_of, compute
from .state import StepState, config_at, get_state, set_stage

KEYS_LEGEND = "Keys: ← / → stage · Enter apply step · U undo · Home reset"
HISTORY_KEY = "step_history_view"

# Presenter mode: large type for a room, the sidebar hidden. Selectors are Streamlit's test
# ids and the keyed containers' classes.
_PRESENT_CSS = """
<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], header[data-testid="stHeader"] {display: none !important;}
.block-container, [data-testid="stMainBlockContainer"] {
  padding-top: 0.8rem !important; padding-bottom: 1rem !important;
  max-width: 100% !important;
}
[data-testid="stMetricValue"] {font-size: 2.2rem !important; line-height: 1.15 !important;}
[data-testid="stMetricLabel"] p {font-size: 1.15rem !important;}
[data-testid="stMetricDelta"] {font-size: 1.1rem !important;}
.st-key-step_stage_equation .katex {font-size: 1.9rem !important;}
.st-key-step_stage_equation p {font-size: 1.3rem !important; margin-bottom: 0 !important;}
h1 {font-size: 1.6rem !important; padding: 0 !important;}
</style>
"""


def on_stage_move(delta: int) -> None:
    """Next (+1) or previous (−1) stage of the diagram, stopping at either end."""
    state = get_state()
    if state.quiz and state.quiz_answer is None:
        return  # the backward stages wait for the answer
    keys = stage_keys(compute(cfg_json_of(shown_config(state))).figure)
    at = keys.index(state.stage) if state.stage in keys else len(keys) - 1
    set_stage(state, keys[min(max(at + delta, 0), len(keys) - 1)])


def on_present(widget_key: str) -> None:
    get_state().present = bool(st.session_state[widget_key])


def stage_buttons(state: StepState) -> None:
    """◀ / ▶ through the stages, with the arrow keys as their shortcuts."""
    locked = state.quiz and state.quiz_answer is None
    st.button(
        "◀ Stage",
        key="step_stage_prev",
        on_click=on_stage_move,
        args=(-1,),
        shortcut="left",
        disabled=locked,
        help="Previous stage (←)",
    )
    st.button(
        "Stage ▶",
        key="step_stage_next",
        on_click=on_stage_move,
        args=(1,),
        shortcut="right",
        disabled=locked,
        help="Next stage (→)",
    )


def step_buttons(state: StepState, *, compact: bool = False) -> None:
    """Apply (Enter), Undo (U) and Reset (Home): the buttons a presenter needs."""
    st.button(
        "Apply step",
        key="step_apply",
        type="primary",
        on_click=on_take_steps,
        args=(None,),
        shortcut="enter",
        help="w ← w + Δw for every weight (Enter)",
    )
    if compact:
        undo_reset(state)


def undo_reset(state: StepState) -> None:
    st.button(
        "Undo",
        key="step_undo",
        on_click=on_undo,
        disabled=not state.history,
        shortcut="u",
        help="Back to the weights before the last Apply or Take N steps (U)",
    )
    st.button(
        "Reset",
        key="step_reset",
        on_click=on_reset,
        disabled=not state.history,
        shortcut="home",
        help="Back to the weights before the first applied step (Home)",
    )


def state_toggle(
    label: str, key: str, on: bool, on_change: Callable[[str], None], help: str
) -> None:
    """A toggle showing a flag of the page's state (the address may have set it); its
    callback gets the widget's key."""
    st.session_state[key] = on
    st.toggle(label, key=key, on_change=on_change, args=(key,), help=help)


def present_toggle(state: StepState) -> None:
    state_toggle(
        "Presenter mode",
        "step_present",
        state.present,
        on_present,
        "Large type for a room; the sidebar and secondary controls hidden",
    )


def presenter_style() -> None:
    st.html(_PRESENT_CSS)


# --- the step history ---------------------------------------------------------------------


def shown_config(state: StepState) -> dict:
    """The configuration on screen: now, or the earlier step the history slider picked."""
    if state.viewing is None:
        return state.cfg
    return config_at(state, state.viewing)


def _on_view(widget_key: str) -> None:
    state = get_state()
    chosen = int(st.session_state[widget_key])
    state.viewing = None if chosen >= len(state.losses) else chosen


def _back_to_now() -> None:
    get_state().viewing = None


def history_scrubber(state: StepState) -> None:
    """A slider over the applied steps: any earlier step's whole diagram and numbers."""
    n = len(state.losses)
    if not n:
        return
    key = f"{HISTORY_KEY}_g{state.generation}"
    st.session_state[key] = n if state.viewing is None else state.viewing
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    left.slider(
        f"Step history: step shown (0 = before the first applied step, {n} = now)",
        0,
        n,
        key=key,
        on_change=_on_view,
        args=(key,),
    )
    right.button(
        "Back to now",
        key="step_history_now",
        on_click=_back_to_now,
        disabled=state.viewing is None,
        width="stretch",
    )
    if state.viewing is not None:
        st.info(
            f"Showing step {state.viewing} of {n}: its weights, error terms and weight steps, "
            "before it was applied. Change any value, or press Back to now, to return."
        )
