"""Training runs for the training view, with no UI: settings, datasets, presets, continuation.

A `TrainSpec` holds every setting of a run. `dataset_2d`, `dataset_admissions` and
`dataset_csv` turn data into a `Dataset` of train and test arrays; `start_run` trains a
fresh network on it and `continue_run` trains a run's network for more epochs, with the
histories concatenated. A run keeps the parameters at up to MAX_CHECKPOINTS epochs per
training segment (plus the initial ones): the animated figures and weight lines use them.

On the admissions data with the lesson's network (one sigmoid hidden layer, sigmoid output,
squared error, no biases) the initial weights are the lesson's draws, and a batch run also
records the lesson's printed "Train loss" log (see `backprop_viz.explain.lesson`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd

from .core.losses import LOSSES
from .core.network import Network
from .core.training import MODES, TrainResult, train
from .data.admissions import AdmissionsSource, prepare_lesson
from .data.datasets import DATASET_LABELS, DATASETS_2D, make_2d, train_test_split
from .data.tabular import encode
from .errors import ConfigError, DataError
from .explain.lesson import LessonLogEntry, lesson_log, lesson_log_epochs, lesson_network
from .limits import MAX_HIDDEN_LAYERS, MAX_HIDDEN_UNITS

Array = np.ndarray

SOURCES: tuple[str, ...] = ("admissions", *DATASETS_2D, "csv")
SOURCE_LABELS: dict[str, str] = {
    "admissions": "Admissions (the lesson's data)",
    **DATASET_LABELS,
    "csv": "Your own CSV",
}
HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu")
OUTPUT_ACTIVATIONS = ("sigmoid", "identity")
MODE_LABELS = {
    "batch": "Batch (the lesson's)",
    "minibatch": "Mini-batch",
    "stochastic": "Stochastic (one record)",
}
MAX_EPOCHS_PER_RUN = 20_000  # one press of Train or Train N more
MAX_TOTAL_EPOCHS = 100_000
MIN_POINTS, MAX_POINTS = 20, 5_000  # generated 2-D sets
MAX_TEST_FRACTION = 0.5
MAX_CHECKPOINTS = 200  # parameter checkpoints kept per training segment
MAX_FRAMES = 60  # animation frames shared by the loss curves and the decision boundary
MAX_SECONDS = 60.0  # runs estimated to take longer are refused


@dataclass(frozen=True)
class TrainSpec:
    """Every setting of a training run: the data, the network and the optimisation."""

    dataset: str = "admissions"  # one of SOURCES
    hidden: tuple[int, ...] = (2,)  # units per hidden layer
    activation: str = "sigmoid"  # hidden layers
    output: str = "sigmoid"  # output layer
    loss: str = "squared_error"
    biases: bool = False
    learning_rate: float = 0.005
    epochs: int = 900
    mode: str = "batch"
    batch_size: int = 32
    seed: int = 21  # initial weights and the order of mini-batches
    # Generated 2-D data; the split below also applies to an uploaded CSV. Admissions data
    # always uses the lesson's own seeded 90/10 split.
    n_points: int = 200
    noise: float = 0.1
    data_seed: int = 0
    test_fraction: float = 0.2

    @property
    def is_2d(self) -> bool:
        """Whether the data is one of the generated 2-D sets."""
        return self.dataset in DATASETS_2D

    @property
    def lesson_network(self) -> bool:
        """Admissions data and the lesson's kind of network: its initial weights apply."""
        return (
            self.dataset == "admissions"
            and len(self.hidden) == 1
            and self.activation == "sigmoid"
            and self.output == "sigmoid"
            and self.loss == "squared_error"
            and not self.biases
        )

    def normalized(self) -> TrainSpec:
        """The same run with settings that do not apply set to their defaults (the batch
        size outside mini-batch mode; the data options for admissions data), so that
        two specs describing the same run compare equal."""
        base = TrainSpec()
        spec = self
        if spec.mode != "minibatch":
            spec = replace(spec, batch_size=base.batch_size)
        if spec.dataset == "admissions":
            spec = replace(
                spec,
                n_points=base.n_points,
                noise=base.noise,
                data_seed=base.data_seed,
                test_fraction=base.test_fraction,
            )
        elif spec.dataset == "csv":
            spec = replace(spec, n_points=base.n_points, noise=base.noise)
        return spec

    def activations(self) -> list[str]:
        """One activation name per weight layer."""
        return [self.activation] * len(self.hidden) + [self.output]

    def with_changes(self, **changes: object) -> TrainSpec:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def as_dict(self) -> dict[str, object]:
        """The settings as a plain dict (for display and tests)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _whole(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def problems(spec: TrainSpec) -> dict[str, str]:
    """What is wrong with a spec, by control group ("data", "network", "training").

    Each message is one sentence for the user; an empty dict means the spec is valid.
    """
    out: dict[str, str] = {}
    if spec.dataset not in SOURCES:
        out["data"] = f"Unknown dataset {spec.dataset!r}."
    elif spec.is_2d and not (_whole(spec.n_points) and MIN_POINTS <= spec.n_points <= MAX_POINTS):
        out["data"] = f"The number of points must be from {MIN_POINTS} to {MAX_POINTS:,}."
    elif spec.is_2d and not (
        isinstance(spec.noise, int | float) and 0.0 <= float(spec.noise) <= 1.0
    ):
        out["data"] = "The noise must be from 0 to 1."
    elif not (_whole(spec.data_seed) and spec.data_seed >= 0):
        out["data"] = "The data seed must be a whole number, 0 or more."
    elif not (
        isinstance(spec.test_fraction, int | float)
        and 0.0 <= float(spec.test_fraction) <= MAX_TEST_FRACTION
    ):
        out["data"] = f"The test share must be from 0 to {MAX_TEST_FRACTION:g}."

    if len(spec.hidden) > MAX_HIDDEN_LAYERS:
        out["network"] = f"At most {MAX_HIDDEN_LAYERS} hidden layers."
    elif any(not (_whole(h) and 1 <= h <= MAX_HIDDEN_UNITS) for h in spec.hidden):
        out["network"] = f"Each hidden layer has from 1 to {MAX_HIDDEN_UNITS} units."
    elif spec.activation not in HIDDEN_ACTIVATIONS:
        out["network"] = f"Unknown hidden activation {spec.activation!r}."
    elif spec.output not in OUTPUT_ACTIVATIONS:
        out["network"] = f"Unknown output activation {spec.output!r}."
    elif spec.loss not in LOSSES:
        out["network"] = f"Unknown loss {spec.loss!r}."
    elif spec.loss == "cross_entropy" and spec.output != "sigmoid":
        out["network"] = "Cross-entropy loss needs a sigmoid output layer."

    lr = spec.learning_rate
    if not isinstance(lr, int | float) or not math.isfinite(lr) or lr <= 0:
        out["training"] = "The learning rate must be a positive number."
    elif lr > 100:
        out["training"] = f"A learning rate of {lr:g} is too large; use at most 100."
    elif not (_whole(spec.epochs) and 1 <= spec.epochs <= MAX_EPOCHS_PER_RUN):
        out["training"] = f"Epochs must be from 1 to {MAX_EPOCHS_PER_RUN:,}."
    elif spec.mode not in MODES:
        out["training"] = f"Unknown update mode {spec.mode!r}."
    elif spec.mode == "minibatch" and not (_whole(spec.batch_size) and spec.batch_size >= 1):
        out["training"] = "The batch size must be a whole number, 1 or more."
    elif not (_whole(spec.seed) and spec.seed >= 0):
        out["training"] = "The seed must be a whole number, 0 or more."
    return out


def check(spec: TrainSpec) -> TrainSpec:
    """The spec if valid; a ConfigError with the first problem otherwise."""
    found = problems(spec)
    if found:
        raise ConfigError(next(iter(found.values())))
    return spec


# --- data --------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Dataset:
    """Training and test arrays with what they are, ready for `start_run`."""

    source: str  # one of SOURCES
    label: str  # where the data came from, for the page
    X_train: Array
    y_train: Array
    X_test: Array
    y_test: Array
    feature_names: tuple[str, ...]
    synthetic: bool = False  # generated by backprop-viz, not real data
    lesson_split: bool = False  # the lesson's own preparation and split
    notes: tuple[str, ...] = ()  # how the data was encoded, one line each

    @property
    def n_features(self) -> int:
        """Input units the network needs."""
        return int(self.X_train.shape[1])

    @property
    def is_2d(self) -> bool:
        """Whether the points can be drawn with a decision boundary."""
        return self.n_features == 2 and self.source in DATASETS_2D


def dataset_2d(spec: TrainSpec) -> Dataset:
    """The generated 2-D set named by `spec.dataset`, split with the spec's test share."""
    found = problems(spec).get("data")
    if found:
        raise DataError(found)
    if not spec.is_2d:
        raise DataError(f"{spec.dataset!r} is not a generated 2-D dataset.")
    X, y = make_2d(spec.dataset, spec.n_points, float(spec.noise), spec.data_seed)
    Xtr, ytr, Xte, yte = train_test_split(X, y, float(spec.test_fraction), spec.data_seed)
    return Dataset(
        source=spec.dataset,
        label=(
            f"{DATASET_LABELS[spec.dataset]}: {spec.n_points} points generated by "
            f"backprop-viz (noise {float(spec.noise):g}, seed {spec.data_seed})"
        ),
        X_train=Xtr,
        y_train=ytr,
        X_test=Xte,
        y_test=yte,
        feature_names=("x₁", "x₂"),
        synthetic=True,
    )


def dataset_admissions(source: AdmissionsSource) -> Dataset:
    """Admissions data prepared exactly as the lesson does (its one-hot rank, standardized
    gre and gpa, seeded 90/10 split)."""
    split = prepare_lesson(source.frame)
    return Dataset(
        source="admissions",
        label=source.label,
        X_train=split.features,
        y_train=split.targets,
        X_test=split.features_test,
        y_test=split.targets_test,
        feature_names=split.feature_names,
        synthetic=source.synthetic,
        lesson_split=True,
    )


def dataset_csv(
    frame: pd.DataFrame, target: str, test_fraction: float, seed: int, name: str
) -> Dataset:
    """A user's table encoded for a binary target (numeric columns standardized, text
    columns one-hot encoded), then split at random with the given test share."""
    enc = encode(frame, target)
    Xtr, ytr, Xte, yte = train_test_split(enc.X, enc.y, float(test_fraction), int(seed))
    return Dataset(
        source="csv",
        label=(
            f"{name}: {len(enc.y):,} rows, {len(enc.feature_names)} features, target "
            f"'{enc.target_name}' (1 = {enc.positive_label})"
        ),
        X_train=Xtr,
        y_train=ytr,
        X_test=Xte,
        y_test=yte,
        feature_names=enc.feature_names,
        notes=enc.notes,
    )


# --- runs --------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Checkpoint:
    """The parameters after `epochs` completed epochs (0: the initial ones)."""

    epochs: int
    weights: tuple[Array, ...]
    biases: tuple[Array, ...] | None


@dataclass(frozen=True, eq=False)
class Run:
    """A training run, possibly continued: histories over every epoch so far."""

    spec: TrainSpec
    initial: Network
    network: Network  # the last parameters with a finite loss
    loss_history: Array  # (epochs_run,): whole-training-set loss after each epoch
    test_loss_history: Array  # (epochs_run,) or empty without a test set
    accuracy_history: Array
    test_accuracy_history: Array
    checkpoints: tuple[Checkpoint, ...]  # ascending epochs, first 0, last epochs_run
    segments: tuple[int, ...]  # epochs asked for by each Train / Train N more
    diverged: bool = False
    message: str | None = None
    lesson_log: tuple[LessonLogEntry, ...] = ()  # the lesson's printed log, if it applies
    lesson_epochs: int = 0  # epochs of the first segment, to which the log belongs

    @property
    def epochs_run(self) -> int:
        """Epochs completed with a finite loss."""
        return int(self.loss_history.size)

    @property
    def accuracy(self) -> float | None:
        """Training accuracy after the last epoch."""
        return float(self.accuracy_history[-1]) if self.accuracy_history.size else None

    @property
    def test_accuracy(self) -> float | None:
        """Test accuracy after the last epoch, if there is a test set."""
        h = self.test_accuracy_history
        return float(h[-1]) if h.size else None

    @property
    def lesson_test_accuracy(self) -> float | None:
        """Test accuracy after the lesson's epochs (what the lesson prints at its end)."""
        h = self.test_accuracy_history
        if not self.lesson_log or h.size < self.lesson_epochs:
            return None
        return float(h[self.lesson_epochs - 1])


def initial_network(spec: TrainSpec, n_features: int) -> Network:
    """The untrained network: the lesson's draws for the lesson's network on admissions
    data, otherwise normal(0, 1/√fan-in) weights from `spec.seed` and zero biases."""
    if spec.lesson_network:
        return lesson_network(n_features, spec.hidden[0], spec.seed)
    return Network.random(
        (n_features, *spec.hidden, 1),
        seed=spec.seed,
        activations=spec.activations(),
        loss=spec.loss,
        biases=spec.biases,
    )


def checkpoint_plan(epochs: int) -> list[int]:
    """0-based epochs (after their update) to keep parameters for: evenly spread, last too."""
    count = min(epochs, MAX_CHECKPOINTS)
    return np.unique(np.round(np.linspace(0, epochs - 1, count)).astype(int)).tolist()


def estimated_seconds(spec: TrainSpec, n_train: int, n_features: int) -> float:
    """A rough server time for training, to refuse runs that would tie the server up.

    Calibrated on a 2-core machine: each update step costs a fixed ~60 µs per layer
    (NumPy call overhead), and every epoch also scores all records.
    """
    layers = len(spec.hidden) + 1
    if spec.mode == "batch":
        steps = 1
    else:
        size = 1 if spec.mode == "stochastic" else max(1, min(int(spec.batch_size), n_train))
        steps = math.ceil(n_train / size)
    sizes = (n_features, *spec.hidden, 1)
    params = sum(a * b for a, b in itertools.pairwise(sizes))
    per_epoch = (steps + 1) * 60e-6 * layers + 4 * n_train * params * 2e-9
    return spec.epochs * per_epoch


def _check_cost(spec: TrainSpec, data: Dataset) -> None:
    seconds = estimated_seconds(spec, len(data.y_train), data.n_features)
    if seconds > MAX_SECONDS:
        raise ConfigError(
            f"This would take about {seconds / 60:.0f} minutes to train here; use fewer "
            "epochs, fewer records, a smaller network or a larger batch."
        )


def _train(
    network: Network,
    spec: TrainSpec,
    data: Dataset,
    epochs: int,
    seed: int,
    snapshot_epochs: list[int],
    progress: Callable[[int, int], None] | None,
) -> TrainResult:
    has_test = len(data.y_test) > 0
    return train(
        network,
        data.X_train,
        data.y_train,
        epochs=epochs,
        learning_rate=float(spec.learning_rate),
        mode=spec.mode,
        batch_size=int(spec.batch_size),
        seed=seed,
        test_inputs=data.X_test if has_test else None,
        test_targets=data.y_test if has_test else None,
        snapshot_epochs=snapshot_epochs,
        progress=progress,
    )


def _checkpoints(result: TrainResult, plan: list[int], offset: int) -> list[Checkpoint]:
    wanted = set(plan)
    out = [
        Checkpoint(offset + s.epoch + 1, s.weights, s.biases)
        for s in result.snapshots
        if s.epoch in wanted
    ]
    # A diverged run stops between planned epochs: keep its last finite parameters too.
    end = offset + result.epochs_run
    if result.epochs_run and (not out or out[-1].epochs != end):
        out.append(Checkpoint(end, result.network.weights, result.network.biases))
    return out


def start_run(
    spec: TrainSpec, data: Dataset, progress: Callable[[int, int], None] | None = None
) -> Run:
    """Train a fresh network on `data` with `spec`; `progress(done, total)` as in `train`."""
    check(spec)
    if data.n_features < 1 or len(data.y_train) < 1:
        raise DataError("There is no training data.")
    _check_cost(spec, data)
    net = initial_network(spec, data.n_features)
    plan = checkpoint_plan(spec.epochs)
    with_log = spec.lesson_network and spec.mode == "batch" and data.lesson_split
    log_epochs = lesson_log_epochs(spec.epochs) if with_log else []
    result = _train(
        net, spec, data, spec.epochs, spec.seed, sorted(set(plan) | set(log_epochs)), progress
    )
    log: tuple[LessonLogEntry, ...] = ()
    if with_log and not result.diverged:
        logged = set(log_epochs)
        snaps = [s for s in result.snapshots if s.epoch in logged]
        log = tuple(lesson_log(net, snaps, data.X_train, data.y_train))
    return Run(
        spec=spec,
        initial=net,
        network=result.network,
        loss_history=result.loss_history,
        test_loss_history=result.test_loss_history,
        accuracy_history=result.accuracy_history,
        test_accuracy_history=result.test_accuracy_history,
        checkpoints=(Checkpoint(0, net.weights, net.biases), *_checkpoints(result, plan, 0)),
        segments=(spec.epochs,),
        diverged=result.diverged,
        message=result.message,
        lesson_log=log,
        lesson_epochs=spec.epochs if log else 0,
    )


def continue_run(
    run: Run,
    data: Dataset,
    epochs: int,
    progress: Callable[[int, int], None] | None = None,
) -> Run:
    """Train `run`'s network for `epochs` more with the run's settings; histories concatenate.

    Mini-batch order is seeded with the run's seed plus the epochs already run, so a
    continuation does not repeat the first segment's order.
    """
    if run.diverged:
        raise ConfigError(
            "This run diverged, so it cannot go on: press Reset, lower the learning rate "
            "and train again."
        )
    if not (_whole(epochs) and 1 <= epochs <= MAX_EPOCHS_PER_RUN):
        raise ConfigError(f"Train from 1 to {MAX_EPOCHS_PER_RUN:,} more epochs at a time.")
    if run.epochs_run + epochs > MAX_TOTAL_EPOCHS:
        raise ConfigError(f"A run has at most {MAX_TOTAL_EPOCHS:,} epochs in total.")
    spec = run.spec
    _check_cost(spec.with_changes(epochs=int(epochs)), data)
    plan = checkpoint_plan(int(epochs))
    offset = run.epochs_run
    result = _train(run.network, spec, data, int(epochs), spec.seed + offset, plan, progress)
    return Run(
        spec=spec,
        initial=run.initial,
        network=result.network,
        loss_history=np.concatenate([run.loss_history, result.loss_history]),
        test_loss_history=np.concatenate([run.test_loss_history, result.test_loss_history]),
        accuracy_history=np.concatenate([run.accuracy_history, result.accuracy_history]),
        test_accuracy_history=np.concatenate(
            [run.test_accuracy_history, result.test_accuracy_history]
        ),
        checkpoints=(*run.checkpoints, *_checkpoints(result, plan, offset)),
        segments=(*run.segments, int(epochs)),
        diverged=result.diverged,
        message=result.message,
        lesson_log=run.lesson_log,
        lesson_epochs=run.lesson_epochs,
    )


def frame_checkpoints(run: Run, max_frames: int = MAX_FRAMES) -> tuple[Checkpoint, ...]:
    """At most `max_frames` checkpoints spread evenly over the run, first and last included."""
    cps = run.checkpoints
    if len(cps) <= max_frames:
        return cps
    epochs = np.array([c.epochs for c in cps])
    targets = np.linspace(0, epochs[-1], max_frames)
    # The nearest checkpoint to each target epoch, without repeats.
    right = np.clip(np.searchsorted(epochs, targets), 1, len(epochs) - 1)
    left = right - 1
    pick = np.where(targets - epochs[left] <= epochs[right] - targets, left, right)
    return tuple(cps[i] for i in np.unique(pick))


# --- presets -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    """Named settings with the test accuracy they are documented to reach."""

    label: str
    spec: TrainSpec
    min_test_accuracy: float  # documented: the tests check the preset reaches at least this
    note: str  # the settings in words, and the accuracy seen when the preset was chosen


LESSON_SPEC = TrainSpec()  # the defaults are the lesson's run


def _preset_2d(
    label: str, dataset: str, hidden: tuple[int, ...], lr: float, epochs: int, **more: object
) -> Preset:
    """A 2-D preset: tanh hidden units, a sigmoid output with cross-entropy, biases, seed 0;
    documented to reach a test accuracy of at least 0.95 (1.000 when chosen)."""
    spec = TrainSpec(
        dataset=dataset,
        hidden=hidden,
        activation="tanh",
        loss="cross_entropy",
        biases=True,
        learning_rate=lr,
        epochs=epochs,
        seed=0,
        **more,
    )
    # (8, 8) reads "2×8": two layers of eight.
    units = f"{len(hidden)}×{hidden[0]}" if len(hidden) > 1 else str(hidden[0])
    batches = f"mini-batches of {spec.batch_size}" if spec.mode == "minibatch" else "batch"
    note = (
        f"{units} tanh hidden units, cross-entropy, η = {lr:g}, {epochs:,} epochs "
        f"({batches}): test accuracy 1.000"
    )
    return Preset(label, spec, 0.95, note)


PRESETS: dict[str, Preset] = {
    "lesson": Preset(
        "The lesson's admissions run",
        LESSON_SPEC,
        0.725,
        "2 sigmoid hidden units, 900 epochs, η = 0.005, batch, seed 21: test accuracy "
        "0.725 on the lesson's real data",
    ),
    "xor": _preset_2d("XOR", "xor", (4,), 0.5, 300),
    "circles": _preset_2d("Two circles", "circles", (4,), 0.5, 300),
    "spirals": _preset_2d(
        "Two spirals",
        "spirals",
        (8, 8),
        1.0,
        1000,
        mode="minibatch",
        batch_size=100,
        n_points=500,
    ),
    "blobs": _preset_2d("Two Gaussian blobs", "blobs", (2,), 0.5, 100),
    "linear": _preset_2d("Linearly separable", "linear", (2,), 1.0, 200),
}
