"""The training view: pick a dataset and a network, train it, and watch it learn.

Thin by design: data preparation and training live in `backprop_viz.trainer`, figures in
`backprop_viz.figures.training`, this view's session state in `train_state`. Training runs
only when a button asks for it; datasets, and runs with their figures, are cached across
sessions, so every other rerun just draws what is already there.
"""

from __future__ import annotations

import io
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from ..core.activations import ACTIVATIONS
from ..core.losses import LOSSES
from ..data.admissions import ADMISSIONS_ENV, AdmissionsSource, load_admissions, read_admissions_csv
from ..data.tabular import binary_columns, read_user_csv
from ..errors import BackpropVizError
from ..figures.training import training_figures
from ..limits import MAX_HIDDEN_LAYERS, MAX_HIDDEN_UNITS
from ..trainer import (
    HIDDEN_ACTIVATIONS,
    LESSON_SPEC,
    MAX_EPOCHS_PER_RUN,
    MODE_LABELS,
    OUTPUT_ACTIVATIONS,
    PRESETS,
    SOURCE_LABELS,
    SOURCES,
    TRAIN_MAX_POINTS,
    TRAIN_MAX_TEST_FRACTION,
    TRAIN_MIN_POINTS,
    Dataset,
    Run,
    TrainSpec,
    continue_run,
    dataset_2d,
    dataset_admissions,
    dataset_csv,
    problems,
    start_run,
)
from .charts import show_figure
from .train_state import CUSTOM, TrainViewState, get_state, load_preset, reset, set_run

PROGRESS_AFTER_S = 0.3  # a bar appears once work has taken this long
STORE_SIZE = 24  # runs (with their figures) kept for every session


# --- cached data -------------------------------------------------------------------------


@st.cache_resource(max_entries=64, show_spinner=False)
def _dataset_2d(
    name: str, n_points: int, noise: float, data_seed: int, test_fraction: float
) -> Dataset:
    return dataset_2d(
        TrainSpec(
            dataset=name,
            n_points=n_points,
            noise=noise,
            data_seed=data_seed,
            test_fraction=test_fraction,
        )
    )


@st.cache_resource(max_entries=8, show_spinner=False)
def _admissions_found(env_path: str, stamp: tuple[int, int] | None) -> Dataset:
    # `stamp` (modification time and size of the file found) is only part of the key.
    env = {ADMISSIONS_ENV: env_path} if env_path else {}
    return dataset_admissions(load_admissions(env=env))


@st.cache_resource(max_entries=8, show_spinner=False)
def _admissions_uploaded(file_id: str, name: str, _data: bytes) -> Dataset:
    upload = io.BytesIO(_data)
    upload.name = name  # named in any message about the file
    frame = read_admissions_csv(upload)
    label = f"Admissions data from the uploaded file {name} ({len(frame)} rows)"
    return dataset_admissions(AdmissionsSource(frame, label, synthetic=False, path=None))


@st.cache_resource(max_entries=8, show_spinner=False)
def _csv_frame(file_id: str, name: str, _data: bytes) -> pd.DataFrame:
    return read_user_csv(_data, name)


@st.cache_resource(max_entries=32, show_spinner=False)
def _csv_dataset(
    file_id: str, name: str, target: str, test_fraction: float, seed: int, _frame: pd.DataFrame
) -> Dataset:
    return dataset_csv(_frame, target, test_fraction, seed, name)


class _RunStore:
    """Recent runs and their figures, keyed by data and settings, shared by all sessions."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, tuple[Run, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> tuple[Run, dict[str, Any]] | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: Hashable, item: tuple[Run, dict[str, Any]]) -> None:
        with self._lock:
            self._items[key] = item
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


@st.cache_resource(show_spinner=False)
def _run_store() -> _RunStore:
    return _RunStore(STORE_SIZE)


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


# --- controls ----------------------------------------------------------------------------


def _on_preset(key: str) -> None:
    load_preset(get_state(), st.session_state[key])


def _preset_control(state: TrainViewState, spec: TrainSpec) -> None:
    options = [CUSTOM, *PRESETS]
    key = state.key("preset")
    st.selectbox(
        "Preset",
        options,
        index=options.index(state.preset),
        format_func=lambda k: "Custom settings" if k == CUSTOM else PRESETS[k].label,
        key=key,
        on_change=_on_preset,
        args=(key,),
        help="Load settings known to train well; then press Train.",
    )
    if state.preset != CUSTOM:
        preset = PRESETS[state.preset]
        if spec.normalized() == preset.spec.normalized():
            st.caption(preset.note)
        else:
            st.caption("Changed from this preset.")


def _file_stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def _admissions_data() -> tuple[Dataset | None, Hashable]:
    upload = st.file_uploader(
        "Admissions CSV (columns admit, gre, gpa, rank)",
        type=["csv"],
        key="train_admissions_upload",
        help=f"Or name the file in the {ADMISSIONS_ENV} environment variable.",
    )
    try:
        if upload is not None:
            data = _admissions_uploaded(upload.file_id, upload.name, upload.getvalue())
            key: Hashable = ("admissions", "upload", upload.file_id)
        else:
            env_path = os.environ.get(ADMISSIONS_ENV, "").strip()
            default = Path(__file__).resolve().parents[2] / "data" / "binary.csv"
            found = Path(env_path) if env_path else default
            stamp = _file_stamp(found)
            data = _admissions_found(env_path, stamp)
            key = ("admissions", env_path, stamp)
    except BackpropVizError as exc:
        st.error(str(exc))
        return None, None
    if data.synthetic:
        st.warning(
            f"**Synthetic data.** {data.label}. Upload the lesson's binary.csv (or name it "
            f"in {ADMISSIONS_ENV}) to reproduce the lesson's numbers."
        )
    else:
        st.caption(data.label)
    st.caption(
        "Prepared as in the lesson: rank one-hot encoded, gre and gpa standardized, and "
        "the lesson's seeded 90/10 train/test split."
    )
    return data, key


def _split_controls(state: TrainViewState, spec: TrainSpec) -> tuple[float, int]:
    c1, c2 = st.columns(2)
    test_fraction = c1.slider(
        "Test share",
        0.0,
        TRAIN_MAX_TEST_FRACTION,
        float(spec.test_fraction),
        0.05,
        key=state.key("test_fraction"),
        help="Share of the records held out to measure test loss and accuracy.",
    )
    data_seed = c2.number_input(
        "Data seed", 0, 1_000_000, int(spec.data_seed), 1, key=state.key("data_seed")
    )
    return float(test_fraction), int(data_seed)


def _data_2d(state: TrainViewState, spec: TrainSpec, name: str) -> tuple[TrainSpec, Dataset | None]:
    c1, c2 = st.columns(2)
    n_points = c1.number_input(
        "Points",
        TRAIN_MIN_POINTS,
        TRAIN_MAX_POINTS,
        int(spec.n_points),
        50,
        key=state.key("n_points"),
    )
    noise = c2.slider("Noise", 0.0, 1.0, float(spec.noise), 0.05, key=state.key("noise"))
    test_fraction, data_seed = _split_controls(state, spec)
    spec = spec.with_changes(
        dataset=name,
        n_points=int(n_points),
        noise=float(noise),
        test_fraction=test_fraction,
        data_seed=data_seed,
    )
    if "data" in problems(spec):
        return spec, None
    try:
        data = _dataset_2d(name, int(n_points), float(noise), data_seed, test_fraction)
    except BackpropVizError as exc:
        st.error(str(exc))
        return spec, None
    st.caption(data.label)
    return spec, data


def _data_csv(state: TrainViewState, spec: TrainSpec) -> tuple[TrainSpec, Dataset | None, Any]:
    upload = st.file_uploader(
        "Your CSV file (UTF-8, at most 5 MB, 100,000 rows, 50 columns)",
        type=["csv", "txt"],
        key="train_csv_upload",
    )
    test_fraction, data_seed = _split_controls(state, spec)
    spec = spec.with_changes(dataset="csv", test_fraction=test_fraction, data_seed=data_seed)
    if upload is None:
        st.info("Upload a CSV file with a column of two values to predict.")
        return spec, None, None
    try:
        frame = _csv_frame(upload.file_id, upload.name, upload.getvalue())
    except BackpropVizError as exc:
        st.error(str(exc))
        return spec, None, None
    columns = [str(c) for c in frame.columns]
    binary = binary_columns(frame)
    if not binary:
        st.error(
            f"No column in {upload.name} has exactly two distinct values, so there is "
            "nothing binary to predict. Add a 0/1 (or yes/no) column."
        )
        return spec, None, None
    target = st.selectbox(
        "Target column (two values)",
        columns,
        index=columns.index(str(binary[-1])),
        key=f"train_target_{upload.file_id}",
    )
    try:
        data = _csv_dataset(upload.file_id, upload.name, target, test_fraction, data_seed, frame)
    except BackpropVizError as exc:
        st.error(str(exc))
        return spec, None, None
    st.caption(data.label)
    for note in data.notes:
        if "dropped" in note:
            st.warning(f"{note}.")
    with st.expander("How the table was encoded"):
        st.markdown("\n".join(f"- {n}" for n in data.notes))
    return spec, data, (upload.file_id, target)


def _data_controls(
    state: TrainViewState, spec: TrainSpec
) -> tuple[TrainSpec, Dataset | None, Hashable]:
    st.subheader("Data")
    name = st.selectbox(
        "Dataset",
        SOURCES,
        index=SOURCES.index(spec.dataset),
        format_func=SOURCE_LABELS.__getitem__,
        key=state.key("dataset"),
    )
    if name == "admissions":
        data, key = _admissions_data()
        return spec.with_changes(dataset=name), data, key
    if name == "csv":
        spec, data, csv_key = _data_csv(state, spec)
        key = None if data is None else ("csv", *csv_key, spec.test_fraction, spec.data_seed)
        return spec, data, key
    spec, data = _data_2d(state, spec, name)
    key = ("2d", name, spec.n_points, spec.noise, spec.data_seed, spec.test_fraction)
    return spec, data, key


def _network_controls(state: TrainViewState, spec: TrainSpec) -> TrainSpec:
    st.subheader("Network")
    layers = st.number_input(
        "Hidden layers", 0, MAX_HIDDEN_LAYERS, len(spec.hidden), 1, key=state.key("layers")
    )
    hidden = []
    if layers:
        cols = st.columns(int(layers))
        for i, col in enumerate(cols):
            default = spec.hidden[i] if i < len(spec.hidden) else (spec.hidden or (4,))[-1]
            hidden.append(
                int(
                    col.number_input(
                        f"Units {i + 1}",
                        1,
                        MAX_HIDDEN_UNITS,
                        int(default),
                        1,
                        key=state.key(f"units{i}"),
                    )
                )
            )
    c1, c2 = st.columns(2)
    activation = c1.selectbox(
        "Hidden activation",
        HIDDEN_ACTIVATIONS,
        index=HIDDEN_ACTIVATIONS.index(spec.activation),
        format_func=lambda a: ACTIVATIONS[a].label,
        key=state.key("activation"),
    )
    output = c2.selectbox(
        "Output activation",
        OUTPUT_ACTIVATIONS,
        index=OUTPUT_ACTIVATIONS.index(spec.output),
        format_func=lambda a: ACTIVATIONS[a].label,
        key=state.key("output"),
    )
    c1, c2 = st.columns(2)
    loss = c1.selectbox(
        "Loss",
        list(LOSSES),
        index=list(LOSSES).index(spec.loss),
        format_func=lambda n: LOSSES[n].label,
        key=state.key("loss"),
    )
    biases = c2.checkbox(
        "Biases", spec.biases, key=state.key("biases"), help="The lesson's network has none."
    )
    spec = spec.with_changes(
        hidden=tuple(hidden),
        activation=activation,
        output=output,
        loss=loss,
        biases=bool(biases),
    )
    message = problems(spec).get("network")
    if message:
        st.error(message)
    return spec


def _training_controls(state: TrainViewState, spec: TrainSpec) -> TrainSpec:
    st.subheader("Training settings")
    c1, c2 = st.columns(2)
    lr = c1.number_input(
        "Learning rate η",
        value=float(spec.learning_rate),
        step=0.001,
        format="%g",
        key=state.key("lr"),
    )
    epochs = c2.number_input(
        "Epochs", 1, MAX_EPOCHS_PER_RUN, int(spec.epochs), 100, key=state.key("epochs")
    )
    modes = list(MODE_LABELS)
    mode = st.radio(
        "Update mode",
        modes,
        index=modes.index(spec.mode),
        format_func=MODE_LABELS.__getitem__,
        horizontal=True,
        key=state.key("mode"),
    )
    c1, c2 = st.columns(2)
    batch_size = spec.batch_size
    if mode == "minibatch":
        batch_size = c2.number_input(
            "Batch size", 1, 100_000, int(spec.batch_size), 1, key=state.key("batch_size")
        )
    seed = c1.number_input(
        "Seed",
        0,
        1_000_000,
        int(spec.seed),
        1,
        key=state.key("seed"),
        help="Draws the initial weights (and shuffles mini-batches).",
    )
    spec = spec.with_changes(
        learning_rate=float(lr) if lr is not None else float("nan"),
        epochs=int(epochs),
        mode=mode,
        batch_size=int(batch_size),
        seed=int(seed),
    )
    message = problems(spec).get("training")
    if message:
        st.error(message)
    return spec


# --- actions -----------------------------------------------------------------------------


def _show_run(
    state: TrainViewState,
    key: Hashable,
    data: Dataset,
    data_key: Hashable,
    slot: Any,
    make: Callable[[Callable[[int, int], None]], Run],
) -> None:
    """Show the run stored under `key`, training it (with a progress bar) if it is new."""
    item = _run_store().get(key)
    if item is None:
        progress = _Progress(slot)
        try:
            run = make(progress)
            item = (run, training_figures(run, data))
        except BackpropVizError as exc:
            state.notice = str(exc)
            return
        finally:
            progress.close()
        _run_store().put(key, item)
    set_run(state, item[0], data_key, item[1], data.synthetic)


def _train(
    state: TrainViewState, spec: TrainSpec, data: Dataset, data_key: Hashable, slot: Any
) -> None:
    spec = spec.normalized()
    key = (data_key, spec, (spec.epochs,))
    _show_run(state, key, data, data_key, slot, lambda progress: start_run(spec, data, progress))


def _train_more(state: TrainViewState, data: Dataset, epochs: int, slot: Any) -> None:
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


def _request(what: str) -> None:
    state = get_state()
    state.request = what
    state.more_epochs = int(st.session_state.get("train_more_n", state.more_epochs))


def _reset() -> None:
    reset(get_state())


def _buttons(state: TrainViewState, ok: bool, same_data: bool) -> None:
    # Drawn after any training of this run, so they already reflect its result.
    c1, c2 = st.columns(2)
    c1.button(
        "Train",
        type="primary",
        disabled=not ok,
        key="train_button_train",
        width="stretch",
        on_click=_request,
        args=("train",),
    )
    c2.button(
        "Reset",
        key="train_button_reset",
        width="stretch",
        disabled=state.run is None,
        on_click=_reset,
    )
    c1, c2 = st.columns([1, 1.4], vertical_alignment="bottom")
    more = c1.number_input(
        "N (more epochs)", 1, MAX_EPOCHS_PER_RUN, state.more_epochs, 100, key="train_more_n"
    )
    state.more_epochs = int(more)
    can_continue = state.run is not None and not state.run.diverged and same_data
    c2.button(
        f"Train {int(more):,} more epochs",
        disabled=not can_continue,
        key="train_button_more",
        width="stretch",
        help="Goes on from the trained network with the run's own settings.",
        on_click=_request,
        args=("more",),
    )


# --- results -----------------------------------------------------------------------------


def _fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _metrics(run: Run) -> None:
    c = st.columns(5)
    c[0].metric("Training accuracy", _fmt(run.accuracy))
    c[1].metric("Test accuracy", _fmt(run.test_accuracy))
    loss = run.loss_history[-1] if run.epochs_run else None
    test_loss = run.test_loss_history[-1] if run.test_loss_history.size else None
    c[2].metric("Training loss", _fmt(loss, 4))
    c[3].metric("Test loss", _fmt(test_loss, 4))
    c[4].metric("Epochs", f"{run.epochs_run:,}")


def _lesson_panel(run: Run, synthetic: bool) -> None:
    st.subheader("The lesson's run")
    own = run.spec == LESSON_SPEC.normalized()
    if synthetic:
        st.warning(
            "These numbers come from synthetic admissions-like data, not the lesson's: "
            "they have the lesson's form but not its values."
        )
    elif own:
        st.caption(
            "The lesson's own settings on real admissions data: with the lesson's "
            "binary.csv, these are exactly the numbers the lesson prints."
        )
    else:
        st.caption("The lesson's log for these settings (the lesson itself used the preset).")
    if len(run.segments) > 1:
        st.caption(
            f"The log covers the first {run.lesson_epochs:,} epochs; this run has since "
            f"gone on to {run.epochs_run:,}."
        )
    accuracy = run.lesson_test_accuracy
    lines = [e.line() for e in run.lesson_log]
    lines.append(f"Prediction accuracy: {_fmt(accuracy)}")
    left, right = st.columns([1.1, 1])
    with left:
        st.markdown("**What the lesson prints**")
        st.code("\n".join(lines), language=None)
    with right:
        st.markdown("**Beside the loss over the whole training set**")
        st.dataframe(
            pd.DataFrame(
                {
                    "after epoch": [e.epoch + 1 for e in run.lesson_log],
                    "lesson's printed loss": [e.train_loss for e in run.lesson_log],
                    "whole-training-set loss": [
                        float(run.loss_history[e.epoch]) for e in run.lesson_log
                    ],
                }
            ),
            hide_index=True,
            width="stretch",
            column_config={
                "lesson's printed loss": st.column_config.NumberColumn(format="%.10f"),
                "whole-training-set loss": st.column_config.NumberColumn(format="%.10f"),
            },
        )
    st.markdown(
        "**The lesson's quirk.** After each epoch the lesson computes its printed loss from "
        "`x`, the loop variable left over from the epoch: the output for the *last training "
        "record only*, compared with every training target, mean((ŷ_last − y)²). The "
        "correct training loss compares each record's own output with its own target, "
        "mean((ŷ − y)²) over all records; that is the loss the curves above show and the "
        "one gradient descent lowers. Both fall here, but the printed values are not the "
        "training loss."
    )
    st.metric(
        f"Prediction accuracy on the test set after {run.lesson_epochs:,} epochs",
        _fmt(accuracy),
    )


def _results(state: TrainViewState, spec: TrainSpec, data_key: Hashable) -> None:
    if state.notice:
        st.error(state.notice)
    run, figures = state.run, state.figures
    if run is None or figures is None:
        st.info(
            "Choose a dataset and a network, then press **Train**. The loss curves, the "
            "accuracy, the weights and, for 2-D data, the decision boundary appear here; "
            "press ▶ Play under a chart to watch training unfold."
        )
        return
    same_data = data_key == state.run_data_key
    if not same_data or run.spec != spec.normalized():
        st.info(
            "The settings have changed since this run. Press **Train** to train with them; "
            "**Train N more epochs** goes on with this run's own settings."
        )
    if run.diverged:
        st.error(
            f"{run.message} The charts show the training up to epoch {run.epochs_run:,}, "
            "the last with a finite loss."
        )
    _metrics(run)
    if "boundary" in figures:
        c1, c2 = st.columns(2)
        with c1:
            show_figure(figures["loss"], key="train_chart_loss")
        with c2:
            show_figure(figures["boundary"], key="train_chart_boundary")
        show_figure(figures["accuracy"], key="train_chart_accuracy")
    else:
        c1, c2 = st.columns(2)
        with c1:
            show_figure(figures["loss"], key="train_chart_loss")
        with c2:
            show_figure(figures["accuracy"], key="train_chart_accuracy")
    c1, c2 = st.columns([1, 1.3])
    with c1:
        show_figure(figures["network"], key="train_chart_network")
    with c2:
        show_figure(figures["weights"], key="train_chart_weights")
    if run.lesson_log:
        _lesson_panel(run, state.run_synthetic)


def render_train_view() -> None:
    """Draw the training page."""
    state = get_state()
    st.title("Training")
    st.caption(
        "Train a network on real or generated data and watch it learn: the loss falling, "
        "the accuracy rising, the weights moving and, for 2-D data, the decision boundary "
        "taking shape."
    )
    controls, results = st.columns([1, 2.4], gap="large")
    with results:
        slot = st.empty()  # the progress bar, above the results
    with controls:
        spec = state.spec
        _preset_control(state, spec)
        spec, data, data_key = _data_controls(state, spec)
        spec = _network_controls(state, spec)
        spec = _training_controls(state, spec)
        state.spec = spec
        ok = data is not None and not problems(spec)
        # A button only records its request; the work happens here, before the buttons
        # are drawn, so that they already show what the new run allows.
        request, state.request = state.request, None
        if request == "train" and ok:
            _train(state, spec, data, data_key, slot)
        elif request == "more" and data is not None and data_key == state.run_data_key:
            _train_more(state, data, state.more_epochs, slot)
        same_data = data is not None and data_key == state.run_data_key
        _buttons(state, ok, same_data)
    with results:
        _results(state, spec, data_key)
