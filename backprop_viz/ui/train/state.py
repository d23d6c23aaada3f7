"""The training view's session state, in one place, under the "train_" key prefix.

The view remembers the settings its widgets show, the preset they came from, the current
run (with the key of the data it was trained on and its figures) and a one-off notice.
Widget keys carry a generation number: loading a preset moves the generation on, so every
widget re-reads its value from the settings.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from ...trainer import PRESETS, Run, TrainSpec

PREFIX = "train_"
KEY = f"{PREFIX}view_state"
CUSTOM = "custom"
DEFAULT_PRESET = "lesson"


@dataclass
class TrainViewState:
    """What the training view remembers between reruns."""

    spec: TrainSpec  # what the widgets show (possibly invalid; checked before training)
    preset: str = DEFAULT_PRESET  # the preset last loaded, or CUSTOM
    generation: int = 0
    run: Run | None = None
    run_data_key: Hashable | None = None  # the data the run was trained on
    run_synthetic: bool = False  # whether that data was generated, not real
    figures: dict[str, dict[str, Any]] | None = None
    notice: str | None = None  # shown once at the top of the results
    more_epochs: int = 100
    request: str | None = None  # "train" or "more", set by a button for this rerun

    def key(self, name: str) -> str:
        """A widget key for this generation."""
        return f"{PREFIX}{name}_g{self.generation}"


def get_state() -> TrainViewState:
    """This session's training-view state (created on first use)."""
    if KEY not in st.session_state:
        st.session_state[KEY] = TrainViewState(spec=PRESETS[DEFAULT_PRESET].spec)
    return st.session_state[KEY]


def load_preset(state: TrainViewState, name: str) -> None:
    """Show a preset's settings in every widget (the current run stays until Train)."""
    if name == CUSTOM:
        state.preset = CUSTOM
        return
    state.spec = PRESETS[name].spec
    state.preset = name
    state.generation += 1


def set_run(
    state: TrainViewState,
    run: Run,
    data_key: Hashable,
    figures: dict[str, dict[str, Any]],
    synthetic: bool,
) -> None:
    """Make `run` the one the page shows."""
    state.run = run
    state.run_data_key = data_key
    state.run_synthetic = synthetic
    state.figures = figures
    state.notice = None


def reset(state: TrainViewState) -> None:
    """Forget the run; the settings stay."""
    state.run = None
    state.run_data_key = None
    state.figures = None
    state.notice = None
