"""The step view's session state, in one place: the current valid configuration and history.

Every change goes through `propose`, which validates a candidate configuration and either
adopts it or records a message for the control that proposed it, keeping the last valid
state. Widget keys carry a generation number: when the configuration changes from outside
a widget (a preset, a step, Undo), the generation moves on and every widget re-reads it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import streamlit as st

from ...errors import BackpropVizError
from ...explain.stages import WHOLE
from .edits import Config, preset_config, take_steps, validated, with_parameters
from .results import cfg_json_of, compute

KEY = "step_view_state"
DEFAULT_PRESET = "lesson-step"
CUSTOM = "custom"


@dataclass
class StepState:
    """What the step view remembers between reruns."""

    cfg: Config
    preset: str
    base: Config  # the configuration before the first applied step (for Reset)
    # (configuration, number of recorded losses) before each Apply / Take N steps
    history: list[tuple[Config, int]] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)  # E before each applied step
    generation: int = 0  # bumped whenever widgets must re-read the configuration
    errors: dict[str, str] = field(default_factory=dict)  # control -> message
    notice: str | None = None  # a one-off message for the top of the page
    # The configuration when this generation began: the weight grids edit relative to it.
    grid_base: Config | None = None
    link_checked: bool = False  # the page's address was read once
    swept: int = -1  # the generation whose stale widget keys were last removed
    stage: str = WHOLE  # the diagram's stage: kept across every change of numbers
    last_control: str = "x[0]"  # ParamRef name of the control last moved (for its sweep)
    explain: str | None = None  # ParamRef name of the weight whose chain rule is shown
    drawn_generation: int = -1  # the generation the whole page (sidebar too) was drawn with
    present: bool = False  # presenter mode: large type, no sidebar, the essentials only
    quiz: bool = False  # predict, then reveal: a question before the backward stages
    quiz_seed: int = 0  # which question (a link carries it, so it reproduces the question)
    quiz_answer: int | None = None  # the option chosen for the question now asked
    quiz_asked: str = ""  # what the answer belongs to (configuration and seed)
    quiz_right: int = 0  # this session's score
    quiz_total: int = 0
    viewing: int | None = None  # an earlier step shown from the history (None: now)
    section: str | None = None  # the section an address asked for, until it is shown

    def key(self, name: str) -> str:
        """A widget key for this generation."""
        return f"step_{name}_g{self.generation}"

    def refresh_widgets(self) -> None:
        """Make every widget re-read the configuration on the next render."""
        self.generation += 1
        self.grid_base = copy.deepcopy(self.cfg)


def new_state(cfg: Config | None = None, preset: str = DEFAULT_PRESET) -> StepState:
    """A fresh state from a configuration (default: the preset's)."""
    cfg = cfg if cfg is not None else preset_config(preset)
    return StepState(cfg=cfg, preset=preset, base=copy.deepcopy(cfg), grid_base=copy.deepcopy(cfg))


def get_state() -> StepState:
    """This session's step state (created on first use)."""
    if KEY not in st.session_state:
        st.session_state[KEY] = new_state()
    return st.session_state[KEY]


def propose(
    state: StepState, control: str, candidate: Config, *, weights_only: bool = False
) -> bool:
    """Adopt `candidate` if valid; otherwise keep the last valid state and note why.

    A change of anything but the weights starts a new stepping history.
    """
    try:
        cfg, _ = validated(candidate, run_step=False)
        # The overflow check runs the step through the page's cache, so the rerun that
        # draws this configuration finds it computed.
        compute(cfg_json_of(cfg))
    except BackpropVizError as exc:
        state.errors[control] = str(exc)
        return False
    state.errors.pop(control, None)
    state.cfg = cfg
    state.viewing = None
    if not weights_only:
        state.base = copy.deepcopy(cfg)
        state.history.clear()
        state.losses.clear()
    return True


def load(state: StepState, cfg: Config, preset: str) -> None:
    """Replace everything with a new configuration (a preset, an import, a link)."""
    state.cfg = cfg
    state.preset = preset
    state.base = copy.deepcopy(cfg)
    state.history.clear()
    state.losses.clear()
    state.errors.clear()
    state.viewing = None
    state.refresh_widgets()


def apply_steps(
    state: StepState,
    weights: list[np.ndarray],
    biases: list[np.ndarray] | None,
    losses_before: list[float],
) -> None:
    """Record steps that moved the parameters to (weights, biases)."""
    state.history.append((copy.deepcopy(state.cfg), len(state.losses)))
    state.losses.extend(losses_before)
    state.cfg = with_parameters(state.cfg, weights, biases)
    state.viewing = None
    state.refresh_widgets()


def undo(state: StepState) -> None:
    """Go back to the parameters before the last Apply (or Take N steps)."""
    if not state.history:
        return
    state.cfg, n_losses = state.history.pop()
    del state.losses[n_losses:]
    state.viewing = None
    state.refresh_widgets()


def reset(state: StepState) -> None:
    """Back to the parameters before the first applied step."""
    state.cfg = copy.deepcopy(state.base)
    state.history.clear()
    state.losses.clear()
    state.viewing = None
    state.refresh_widgets()


def forget_old_widgets(state: StepState) -> None:
    """Drop the widget keys of earlier generations, which would otherwise pile up."""
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


def config_at(state: StepState, i: int) -> Config:
    """The configuration before applied step `i` (0 is the first; len(losses) is now).

    Each Apply / Take N block is replayed from its start: stepping is deterministic, so the
    parameters come out exactly as they were, without keeping every step's copy.
    """
    if not 0 <= i < len(state.losses):
        return state.cfg
    start, first = max((h for h in state.history if h[1] <= i), key=lambda h: h[1])
    steps = take_steps(start, i - first)
    return with_parameters(start, steps.weights, steps.biases)


def set_stage(state: StepState, stage: str) -> None:
    """Show `stage` on the diagram (its select slider follows on the next draw)."""
    state.stage = stage
    st.session_state[f"step_stage_{len(state.cfg['weights'])}"] = stage
