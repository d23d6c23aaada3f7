"""The training page's runs: each run with its figures is kept for all sessions (the
RUNS_KEPT most recently used), and a new one trains with a progress bar."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any

import streamlit as st

from ...errors import BackpropVizError
from ...figures.training import training_figures
from ...trainer import Dataset, Run, TrainSpec, continue_run, start_run
from .state import TrainViewState, set_run

PROGRESS_AFTER_S = 0.3  # a bar appears once work has taken this long
RUNS_KEPT = 24  # runs (with their figures) kept, shared by all sessions


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
    kept = _kept(key)
    if not kept:
        progress = _Progress(slot)
        try:
            run = make(progress)
            kept.append((run, training_figures(run, data)))
        except BackpropVizError as exc:
            _kept.clear(key)  # keep no place for a run that could not be trained
            state.notice = str(exc)
            return
        finally:
            progress.close()
    run, figures = kept[0]
    set_run(state, run, data_key, figures, data.synthetic)


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
