"""A training run's settings (`TrainSpec`), the choices and limits the training page offers,
and the checks that say what is wrong with a spec, by control group."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ..core.losses import LOSSES
from ..core.training import MODES
from ..data.datasets import (
    CLASSES_2D,
    CLASSES_LABELS,
    DATASET_LABELS,
    DATASETS_2D,
    REGRESSION_2D,
    REGRESSION_LABELS,
)
from ..data.features import DEFAULT_FEATURES, check_features
from ..errors import ConfigError, DataError
from ..limits import (
    MAX_HIDDEN_LAYERS,
    MAX_HIDDEN_UNITS,
    MAX_LEARNING_RATE,
    MAX_REGULARIZATION,
    MAX_SEED,
    TRAIN_MAX_EPOCHS_PER_RUN,
    TRAIN_MAX_POINTS,
    TRAIN_MAX_TEST_FRACTION,
    TRAIN_MIN_POINTS,
)

# Generated 2-D sets: two classes, a real target (regression), or three classes.
POINT_SOURCES: tuple[str, ...] = (*DATASETS_2D, *REGRESSION_2D, *CLASSES_2D)
SOURCES: tuple[str, ...] = ("admissions", *POINT_SOURCES, "csv")
SOURCE_LABELS: dict[str, str] = {
    "admissions": "Admissions (the lesson's data)",
    **DATASET_LABELS,
    **{k: f"{v} (regression)" for k, v in REGRESSION_LABELS.items()},
    **{k: f"{v} (3 classes)" for k, v in CLASSES_LABELS.items()},
    "csv": "Your own CSV",
}
HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu")
OUTPUT_ACTIVATIONS = ("sigmoid", "identity", "softmax")
# What a task's output layer must be: (activation, loss), or None for a free choice.
TASK_OUTPUT: dict[str, tuple[str, str] | None] = {
    "binary": None,
    "regression": ("identity", "squared_error"),
    "classes": ("softmax", "cross_entropy"),
}
REGULARIZATIONS = {"none": "None", "l1": "L1 (λ·Σ|w|)", "l2": "L2 (λ/2·Σw²)"}
MODE_LABELS = {
    "batch": "Batch (the lesson's)",
    "minibatch": "Mini-batch",
    "stochastic": "Stochastic (one record)",
}


# The training page's generated 2-D sets: fewer and smaller than the data generator allows
# (limits.MIN_POINTS_2D etc.), so that every set trains in moments.
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
    # The input layer for generated 2-D data: keys of data.features, computed from (x₁, x₂).
    features: tuple[str, ...] = DEFAULT_FEATURES
    regularization: str = "none"  # one of REGULARIZATIONS: a penalty on the weights
    rate: float = 0.0  # its rate λ, from 0 to MAX_REGULARIZATION
    # Generated 2-D data; the split below also applies to an uploaded CSV. Admissions data
    # always uses the lesson's own seeded 90/10 split.
    n_points: int = 200
    noise: float = 0.1
    data_seed: int = 0
    test_fraction: float = 0.2

    @property
    def is_2d(self) -> bool:
        """Whether the data is one of the generated 2-D sets."""
        return self.dataset in POINT_SOURCES

    @property
    def task(self) -> str:
        """ "regression" (a real target), "classes" (three classes, softmax) or "binary"."""
        if self.dataset in REGRESSION_2D:
            return "regression"
        if self.dataset in CLASSES_2D:
            return "classes"
        return "binary"

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
        if spec.regularization == "none" or spec.rate == 0:
            spec = replace(spec, regularization=base.regularization, rate=base.rate)
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
        if not spec.is_2d:
            spec = replace(spec, features=base.features)
        return spec

    @property
    def l1(self) -> float:
        """λ of an L1 penalty (0 without one)."""
        return float(self.rate) if self.regularization == "l1" else 0.0

    @property
    def l2(self) -> float:
        """λ of an L2 penalty (0 without one)."""
        return float(self.rate) if self.regularization == "l2" else 0.0

    def activations(self) -> list[str]:
        """One activation name per weight layer."""
        return [self.activation] * len(self.hidden) + [self.output]

    def with_changes(self, **changes: object) -> TrainSpec:
        """A copy with some fields changed."""
        return replace(self, **changes)


def is_whole(value: object) -> bool:
    """Whether `value` is a whole number (a Python or NumPy integer, not a bool)."""
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _data_problem(spec: TrainSpec) -> str | None:
    if spec.dataset not in SOURCES:
        return f"Unknown dataset {spec.dataset!r}."
    if spec.is_2d and not (
        is_whole(spec.n_points) and TRAIN_MIN_POINTS <= spec.n_points <= TRAIN_MAX_POINTS
    ):
        return f"The number of points must be from {TRAIN_MIN_POINTS} to {TRAIN_MAX_POINTS:,}."
    if spec.is_2d and not (isinstance(spec.noise, int | float) and 0.0 <= float(spec.noise) <= 1.0):
        return "The noise must be from 0 to 1."
    if not (is_whole(spec.data_seed) and 0 <= spec.data_seed <= MAX_SEED):
        return f"The data seed must be a whole number from 0 to {MAX_SEED:,}."
    if not (
        isinstance(spec.test_fraction, int | float)
        and 0.0 <= float(spec.test_fraction) <= TRAIN_MAX_TEST_FRACTION
    ):
        return f"The test share must be from 0 to {TRAIN_MAX_TEST_FRACTION:g}."
    return None


def _network_problem(spec: TrainSpec) -> str | None:
    if len(spec.hidden) > MAX_HIDDEN_LAYERS:
        return f"Hidden layers must be from 0 to {MAX_HIDDEN_LAYERS}."
    if any(not (is_whole(h) and 1 <= h <= MAX_HIDDEN_UNITS) for h in spec.hidden):
        return f"Each hidden layer has from 1 to {MAX_HIDDEN_UNITS} units."
    if spec.activation not in HIDDEN_ACTIVATIONS:
        return f"Unknown hidden activation {spec.activation!r}."
    if spec.output not in OUTPUT_ACTIVATIONS:
        return f"Unknown output activation {spec.output!r}."
    if spec.loss not in LOSSES:
        return f"Unknown loss {spec.loss!r}."
    if spec.is_2d:
        try:
            check_features(spec.features)
        except DataError as exc:
            return str(exc)
    required = TASK_OUTPUT.get(spec.task)
    if spec.task == "classes" and (spec.output, spec.loss) != required:
        return "Three classes need a softmax output with cross-entropy loss."
    if spec.task == "regression" and (spec.output, spec.loss) != required:
        return "Regression needs an identity output with squared error (its targets are real)."
    if spec.output == "softmax" and spec.task != "classes":
        return "A softmax output needs a dataset of several classes (three blobs or spirals)."
    if spec.loss == "cross_entropy" and spec.output not in ("sigmoid", "softmax"):
        return "Cross-entropy loss needs a sigmoid output layer (softmax, for three classes)."
    return None


def _training_problem(spec: TrainSpec) -> str | None:
    lr = spec.learning_rate
    if not isinstance(lr, int | float) or not math.isfinite(lr) or lr <= 0:
        return "The learning rate must be a positive number."
    if lr > MAX_LEARNING_RATE:
        return f"A learning rate of {lr:g} is too large; use at most {MAX_LEARNING_RATE:g}."
    if not (is_whole(spec.epochs) and 1 <= spec.epochs <= TRAIN_MAX_EPOCHS_PER_RUN):
        return f"Epochs must be from 1 to {TRAIN_MAX_EPOCHS_PER_RUN:,}."
    if spec.mode not in MODES:
        return f"Unknown update mode {spec.mode!r}."
    if spec.mode == "minibatch" and not (is_whole(spec.batch_size) and spec.batch_size >= 1):
        return "The batch size must be a whole number, 1 or more."
    if spec.regularization not in REGULARIZATIONS:
        return f"Unknown regularization {spec.regularization!r}."
    rate = spec.rate
    if not (isinstance(rate, int | float) and 0.0 <= rate <= MAX_REGULARIZATION):
        return f"The regularization rate λ must be from 0 to {MAX_REGULARIZATION:g}."
    if not (is_whole(spec.seed) and 0 <= spec.seed <= MAX_SEED):
        return f"The seed must be a whole number from 0 to {MAX_SEED:,}."
    return None


def problems(spec: TrainSpec) -> dict[str, str]:
    """What is wrong with a spec, by control group ("data", "network", "training").

    Each message is one sentence for the user; an empty dict means the spec is valid.
    """
    found = {
        "data": _data_problem(spec),
        "network": _network_problem(spec),
        "training": _training_problem(spec),
    }
    return {group: message for group, message in found.items() if message}


def check(spec: TrainSpec) -> TrainSpec:
    """The spec if valid; a ConfigError with the first problem otherwise."""
    found = problems(spec)
    if found:
        raise ConfigError(next(iter(found.values())))
    return spec
