"""Training runs with no UI: `start_run` trains a fresh network on a `Dataset`, and
`continue_run` trains a run's network for more epochs, with the histories concatenated.

A run keeps the parameters at up to TRAIN_MAX_CHECKPOINTS epochs per training segment (plus the
initial ones): the animated figures and weight lines use them. Runs estimated to take
longer than TRAIN_MAX_SECONDS are refused. On the admissions data with the lesson's network (one
sigmoid hidden layer, sigmoid output, squared error, no biases) the initial weights are the
lesson's draws, and a batch run also records the lesson's printed "Train loss" log (see
`backprop_viz.explain.lesson`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..core.network import Network
from ..core.training import TrainResult, train
from ..errors import ConfigError, DataError
from ..explain.lesson import LessonLogEntry, lesson_log, lesson_log_epochs, lesson_network
from ..explain.notation import duration
from ..limits import TRAIN_MAX_CHECKPOINTS, TRAIN_MAX_SECONDS, TRAIN_MAX_TOTAL_EPOCHS
from .datasets import Dataset
from .spec import TRAIN_MAX_EPOCHS_PER_RUN, TrainSpec, check, is_whole

Array = np.ndarray


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
    segments: tuple[int, ...]  # epochs asked for by start_run and each continue_run
    diverged: bool = False
    message: str | None = None
    lesson_log: tuple[LessonLogEntry, ...] = ()  # the lesson's printed log, if it applies
    lesson_epochs: int = 0  # epochs of the first segment, to which the log belongs
    # The mini-batch shuffler's state after the last epoch (None in batch mode): training
    # goes on from it, so a run continued in pieces of any size equals one trained at once.
    shuffle_state: dict[str, Any] | None = None

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


def initial_network(spec: TrainSpec, n_features: int, n_outputs: int = 1) -> Network:
    """The untrained network: the lesson's draws for the lesson's network on admissions
    data, otherwise normal(0, 1/√fan-in) weights from `spec.seed` and zero biases;
    `n_outputs` output units (one per class for a softmax output)."""
    if spec.lesson_network:
        return lesson_network(n_features, spec.hidden[0], spec.seed)
    return Network.random(
        (n_features, *spec.hidden, n_outputs),
        seed=spec.seed,
        activations=spec.activations(),
        loss=spec.loss,
        biases=spec.biases,
    )


def checkpoint_plan(epochs: int, most: int = TRAIN_MAX_CHECKPOINTS) -> list[int]:
    """0-based epochs (after their update) to keep parameters for: at most `most`, evenly
    spread, the last always among them."""
    if most <= 1:
        return [epochs - 1]
    count = min(epochs, most)
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


def _check_data(spec: TrainSpec, data: Dataset) -> None:
    """DataError unless `data` has records and, for 2-D data, the spec's input features."""
    if data.n_features < 1 or len(data.y_train) < 1:
        raise DataError("There is no training data.")
    if data.is_2d and (data.features != tuple(spec.features) or data.task != spec.task):
        raise DataError("The data's input features or task are not the settings' own.")


def _check_cost(spec: TrainSpec, data: Dataset) -> None:
    seconds = estimated_seconds(spec, len(data.y_train), data.n_features)
    if seconds > TRAIN_MAX_SECONDS:
        raise ConfigError(
            f"This would take about {duration(seconds)} to train here; use fewer "
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
    shuffle_state: dict[str, Any] | None = None,
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
        l1=spec.l1,
        l2=spec.l2,
        shuffle_state=shuffle_state,
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
    _check_data(spec, data)
    _check_cost(spec, data)
    net = initial_network(spec, data.n_features, data.n_outputs)
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
        shuffle_state=result.shuffle_state,
    )


def fresh_run(spec: TrainSpec, data: Dataset) -> Run:
    """An untrained run of `spec` on `data`: the initial network, no epochs yet (the
    start of a live run, and what Reset shows)."""
    check(spec)
    _check_data(spec, data)
    net = initial_network(spec, data.n_features, data.n_outputs)
    empty = np.zeros(0)
    return Run(
        spec=spec,
        initial=net,
        network=net,
        loss_history=empty,
        test_loss_history=empty,
        accuracy_history=empty,
        test_accuracy_history=empty,
        checkpoints=(Checkpoint(0, net.weights, net.biases),),
        segments=(),
    )


def continue_run(
    run: Run,
    data: Dataset,
    epochs: int,
    progress: Callable[[int, int], None] | None = None,
    *,
    max_checkpoints: int = TRAIN_MAX_CHECKPOINTS,
    same_segment: bool = False,
) -> Run:
    """Train `run`'s network for `epochs` more with the run's settings; histories concatenate.

    Mini-batch order goes on from where the run left off (its `shuffle_state`), so a run
    continued in pieces of any size equals the run trained at once. Live training goes on in
    short chunks: it keeps fewer checkpoints per chunk (`max_checkpoints`; the chunk's
    last epoch is always among them) and, with `same_segment`, counts the chunk as part
    of the run's last segment rather than as a segment of its own.
    """
    if run.diverged:
        raise ConfigError(
            "This run diverged, so it cannot go on; train a new run with a lower learning rate."
        )
    if not (is_whole(epochs) and 1 <= epochs <= TRAIN_MAX_EPOCHS_PER_RUN):
        raise ConfigError(f"Train from 1 to {TRAIN_MAX_EPOCHS_PER_RUN:,} more epochs at a time.")
    if run.epochs_run + epochs > TRAIN_MAX_TOTAL_EPOCHS:
        raise ConfigError(f"A run has at most {TRAIN_MAX_TOTAL_EPOCHS:,} epochs in total.")
    spec = run.spec
    _check_cost(spec.with_changes(epochs=int(epochs)), data)
    plan = checkpoint_plan(int(epochs), max_checkpoints)
    offset = run.epochs_run
    state = run.shuffle_state
    # Without a shuffler's state to go on from (an untrained run), the run's own seed.
    seed = spec.seed if state is not None or offset == 0 else spec.seed + offset
    result = _train(run.network, spec, data, int(epochs), seed, plan, progress, state)
    if same_segment and run.segments:
        segments = (*run.segments[:-1], run.segments[-1] + int(epochs))
    else:
        segments = (*run.segments, int(epochs))
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
        segments=segments,
        diverged=result.diverged,
        message=result.message,
        lesson_log=run.lesson_log,
        lesson_epochs=run.lesson_epochs,
        shuffle_state=result.shuffle_state,
    )


def accuracies(network: Network, data: Dataset) -> tuple[float, float | None]:
    """The share of training (and test) records `network` classifies right, ŷ > 0.5 as
    class 1 (the largest output's class for one-hot targets): how a network with a weight
    changed by hand does."""

    def share(x: Array, y: Array) -> float:
        if y.ndim == 2 and y.shape[1] > 1:
            right = np.argmax(network.predict(x), axis=1) == np.argmax(y, axis=1)
            return float(np.mean(right))
        predicted = network.predict(x) > 0.5
        return float(np.mean(predicted == (np.reshape(y, predicted.shape) > 0.5)))

    test = share(data.X_test, data.y_test) if len(data.y_test) else None
    return share(data.X_train, data.y_train), test


def with_weight(run: Run, layer: int, row: int, column: int, value: float) -> Run:
    """The run with one weight of its network set to `value` by hand (the histories stay
    the run's; training on goes on from the changed network)."""
    weights = [w.copy() for w in run.network.weights]
    weights[layer][row, column] = float(value)
    return replace(run, network=run.network.with_parameters(weights, run.network.biases))
