"""The training page's runs: a whole run with its figures is kept for all sessions (the
RUNS_KEPT most recently used) and trains with a progress bar; a live run belongs to its
session and goes on chunk by chunk."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any

import streamlit as st

from ...errors import BackpropVizError
from ...figures.training import live_figures, still_figures, training_figures
from ...trainer import Dataset, Run, TrainSpec, continue_run, start_run
from ...trainer.live import train_chunk
from ...trainer.runs import fresh_run
from .state import TrainViewState, set_run, stop_live

PROGRESS_AFTER_S = 0.3  # a bar appears once work has taken this long
RUNS_KEPT = 24  # runs (with their figures) kept, shared by all sessions
# While live, these charts are redrawn every `every` updates (at update numbers of the
# given phase, so that they take turns); the metrics and the pictures (pixels, cheap for
# the browser) every update.
REDRAW_EVERY = {"curves": (2, 0), "network": (2, 1)}


@st.cache_resource(max_entries=RUNS_KEPT, show_spinner=False)
def _kept(key: Hashable) -> list[tuple[Run, dict[str, Any]]]:
    """Where the run trained under `key` is kept, with its figures, for every session:
    empty until it is trained."""
    # The run is trained outside this function so that its progress bar can be drawn
    # into the page (a cached function may not draw into blocks made outside it).
    return []


class _Progress:
    """A progress bar that appears only once the work has taken a noticeable time."""

    def __init__(self, slot: Any) -> None:
        self._slot = slot
        self._start = time.perf_counter()
        self._bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            if time.perf_counter() - self._start < PROGRESS_AFTER_S:
                return
            self._bar = self._slot.progress(0.0)
        self._bar.progress(done / total, text=f"Training: epoch {done:,} of {total:,}")

    def close(self) -> None:
        self._slot.empty()


def _show_run(
    state: TrainViewState,
    key: Hashable,
    data: Dataset,
    data_key: Hashable,
    slot: Any,
    make: Callable[[Callable[[int, int], None]], Run],
) -> None:
    """Show the run kept under `key`, training it (with a progress bar) if it is new."""
    stop_live(state)
    state.info = None
    kept = _kept(key)
    if not kept:
        # Cleared only once the run is shown: if leaving the page cuts the training
        # short, the next visit says so (see `page`).
        state.training = "train"
        progress = _Progress(slot)
        try:
            run = make(progress)
            kept.append((run, training_figures(run, data)))
        except BackpropVizError as exc:
            _kept.clear(key)  # keep no place for a run that could not be trained
            state.notice = str(exc)
            state.training = None
            return
        finally:
            progress.close()
    run, figures = kept[0]
    set_run(state, run, data_key, figures, data)
    state.training = None


def train_new(
    state: TrainViewState, spec: TrainSpec, data: Dataset, data_key: Hashable, slot: Any
) -> None:
    """Show a fresh run of `spec` on `data`, training it unless it is kept already."""
    spec = spec.normalized()
    key = (data_key, spec, (spec.epochs,))
    _show_run(state, key, data, data_key, slot, lambda progress: start_run(spec, data, progress))


def train_more(state: TrainViewState, data: Dataset, epochs: int, slot: Any) -> None:
    """Show the current run gone on for `epochs` more, training it unless it is kept."""
    run = state.run
    assert run is not None
    key = (state.run_data_key, run.spec, (*run.segments, int(epochs)))
    _show_run(
        state,
        key,
        data,
        state.run_data_key,
        slot,
        lambda progress: continue_run(run, data, int(epochs), progress),
    )


# --- live training: this session's run, chunk by chunk -----------------------------------


def can_go_on(state: TrainViewState, spec: TrainSpec, data_key: Hashable) -> bool:
    """Whether the run shown is one of these settings on this data that can train further."""
    run = state.run
    return (
        run is not None
        and not run.diverged
        and data_key == state.run_data_key
        and run.spec == spec.normalized()
    )


def _fresh(state: TrainViewState, spec: TrainSpec, data: Dataset, data_key: Hashable) -> bool:
    """Show the untrained network of `spec`; False (with the reason shown) if it cannot be."""
    try:
        run = fresh_run(spec.normalized(), data)
    except BackpropVizError as exc:
        state.notice = str(exc)
        return False
    set_run(state, run, data_key, still_figures(run, data), data)
    return True


def start_live(state: TrainViewState, spec: TrainSpec, data: Dataset, data_key: Hashable) -> None:
    """Train live: go on with the run shown if it is these settings' and has not reached
    their epochs (after Pause or Reset), otherwise start from an untrained network."""
    run = state.run
    resume = can_go_on(state, spec, data_key) and run is not None
    finished = run is None or run.epochs_run >= run.spec.epochs
    if (not resume or finished) and not _fresh(state, spec, data, data_key):
        return
    state.live = True
    state.live_rate = None
    state.info = None


def restart_live(state: TrainViewState, spec: TrainSpec, data: Dataset, data_key: Hashable) -> None:
    """The settings changed while training live: start again from them, and say so."""
    if _fresh(state, spec, data, data_key):
        state.live = True
        state.live_rate = None
        state.info = (
            "The settings changed while training live, so training started again from "
            "epoch 0 with the new settings."
        )


def pause_live(state: TrainViewState) -> None:
    """Stop training live and show the run with its replay (Play over its frames)."""
    stop_live(state)
    if state.run is not None and state.run_data is not None:
        state.figures = training_figures(state.run, state.run_data)


def step_epoch(state: TrainViewState, spec: TrainSpec, data: Dataset, data_key: Hashable) -> None:
    """One more epoch of the run shown (from an untrained network if it is not these
    settings'), then stop."""
    stop_live(state)
    if not can_go_on(state, spec, data_key) and not _fresh(state, spec, data, data_key):
        return
    run = state.run
    assert run is not None
    try:
        run = continue_run(run, data, 1, max_checkpoints=1, same_segment=True)
    except BackpropVizError as exc:
        state.notice = str(exc)
        return
    set_run(state, run, data_key, training_figures(run, data), data)


def reset_run(
    state: TrainViewState, spec: TrainSpec, data: Dataset | None, data_key: Hashable
) -> None:
    """Back to the untrained network of the settings shown (epoch 0)."""
    stop_live(state)
    state.info = None
    if data is not None:
        _fresh(state, spec, data, data_key)


def live_chunk(state: TrainViewState) -> bool:
    """Train the live run one chunk further and redraw its figures; True when it has
    finished (its epochs reached, or diverged), when its replay is built and live
    training stops."""
    run, data = state.run, state.run_data
    if run is None or data is None:
        stop_live(state)
        return True
    try:
        chunk = train_chunk(run, data, state.live_rate)
    except BackpropVizError as exc:
        state.notice = str(exc)
        pause_live(state)
        return True
    state.run, state.live_rate = chunk.run, chunk.seconds_per_epoch
    if chunk.finished:
        pause_live(state)
        return True
    figures = live_figures(chunk.run, data)
    state.live_updates += 1
    previous = state.figures or {}
    for name, (every, phase) in REDRAW_EVERY.items():
        if state.live_updates % every != phase and name in previous and name in figures:
            # The same figure as last time (its title says after which epoch): Streamlit
            # keeps the chart, and the browser has one chart fewer to draw this update.
            figures[name] = previous[name]
    state.figures = figures
    return False
