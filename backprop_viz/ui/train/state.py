"""The training view's session state, in one place, under the "train_" key prefix.

The view remembers the settings its widgets show, the preset they came from, the current
run (with the key of the data it was trained on and its figures), whether that run is
training live, and one-off notices. Widget keys carry a generation number: loading a
preset moves the generation on, so every widget re-reads its value from the settings.
The state lives in the session, not in a widget, so leaving the page keeps it: a run
training live goes on when the page is shown again.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from ...trainer import PRESETS, Dataset, Run, TrainSpec

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
    notice: str | None = None  # an error shown once at the top of the results
    info: str | None = None  # a note shown at the top of the results until the next run
    more_epochs: int = 100
    request: str | None = None  # set by a button for this rerun: "train", "more", "live"...
    # The data the run learned from: live training goes on with it (the fragment that
    # trains between full reruns has no controls to ask), and a changed weight is scored
    # on it. The measured time per live epoch sizes each chunk.
    run_data: Dataset | None = None
    live: bool = False
    live_rate: float | None = None
    live_updates: int = 0  # live chunks so far
    data_key: Hashable | None = None  # the data the controls show now
    opened: bool = False  # the page has shown a first result (trained on the first visit)
    training: str | None = None  # a Train in progress; still set if it was cut short
    edited: str | None = None  # the last weight changed by hand, in words
    run_token: int = 0  # moves on with every run shown, so the weight box re-reads it
    boundary_view: tuple[Any, dict[str, Any]] | None = None  # (toggles and run, figure)
    live_view: tuple[Any, dict[str, Any]] | None = None  # (toggles and run, live pictures)
    export_view: tuple[Any, str | None] | None = None  # (run and network, configuration)
    export_problem: str | None = None  # why the network shown cannot be exported

    def key(self, name: str) -> str:
        """A widget key for this generation."""
        return f"{PREFIX}{name}_g{self.generation}"


def get_state() -> TrainViewState:
    """This session's training-view state (created on first use)."""
    if KEY not in st.session_state:
        st.session_state[KEY] = TrainViewState(spec=PRESETS[DEFAULT_PRESET].spec)
    return st.session_state[KEY]


def load_preset(state: TrainViewState, name: str) -> None:
    """Show a preset's settings in every widget and ask for its (cached) trained run."""
    if name == CUSTOM:
        state.preset = CUSTOM
        return
    state.spec = PRESETS[name].spec
    state.preset = name
    state.generation += 1
    state.request = "train"


def set_run(
    state: TrainViewState,
    run: Run,
    data_key: Hashable,
    figures: dict[str, dict[str, Any]],
    data: Dataset,
) -> None:
    """Make `run`, trained on `data`, the one the page shows."""
    state.run = run
    state.run_data_key = data_key
    state.run_data = data
    state.run_synthetic = data.synthetic
    state.figures = figures
    state.notice = None
    state.edited = None
    state.run_token += 1


def stop_live(state: TrainViewState) -> None:
    """Stop training live (the run stays as it is)."""
    state.live = False
    state.live_rate = None
