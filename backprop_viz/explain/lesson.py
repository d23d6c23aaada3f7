"""The lesson's admissions training run, reproduced: its weights, its printed log, its accuracy.

The lesson prints "Train loss" every epochs/10 epochs, right after that epoch's update. Its
printed value has a quirk: it is computed from the output for the *last training record only*
(the loop variable left over from the epoch), compared against every training target. We
reproduce that log exactly, labelled as the lesson's, beside the correct loss over the whole
training set.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..core.network import Network, forward_pass
from ..core.training import Snapshot, TrainResult, ordered_matmul, train
from ..data.admissions import LESSON_SEED, LessonSplit

LESSON_EPOCHS = 900
LESSON_LEARNING_RATE = 0.005
LESSON_HIDDEN = 2


def lesson_network(
    n_features: int, n_hidden: int = LESSON_HIDDEN, seed: int = LESSON_SEED
) -> Network:
    """The lesson's initial weights: `np.random.seed(seed)`, then W_ih (n_features × n_hidden)
    and W_ho (n_hidden) from normal(scale = 1/√n_features), in that order."""
    # A legacy RandomState(seed) draws exactly what np.random.seed(seed) + np.random.normal
    # drew in the lesson, without touching the global generator.
    rng = np.random.RandomState(seed)
    scale = 1.0 / n_features**0.5
    w_ih = rng.normal(scale=scale, size=(n_features, n_hidden))
    w_ho = rng.normal(scale=scale, size=n_hidden)
    return Network.build([w_ih, w_ho], activations="sigmoid", loss="squared_error")


def lesson_log_epochs(epochs: int) -> list[int]:
    """The epochs after which the lesson prints: those with `e % (epochs / 10) == 0`."""
    e = np.arange(epochs)
    return np.flatnonzero(e % (epochs / 10) == 0).tolist()


@dataclass(frozen=True)
class LessonLogEntry:
    """One "Train loss" line as the lesson prints it."""

    epoch: int  # 0-based epoch after whose update it was printed
    train_loss: float  # mean((ŷ_last − y)²): the last record's output against all targets
    increasing: bool  # the lesson adds "WARNING - Loss Increasing"

    def line(self) -> str:
        """The line exactly as the lesson prints it."""
        warn = "  WARNING - Loss Increasing" if self.increasing else ""
        return f"Train loss:  {self.train_loss!r}{warn}"


def lesson_log(
    network: Network, snapshots: Sequence[Snapshot], features: np.ndarray, targets: np.ndarray
) -> list[LessonLogEntry]:
    """Recompute the lesson's printed log from the snapshots of a batch-mode run (its
    output summed in a fixed order by NumPy, not BLAS: see `ordered_matmul`)."""
    y = np.asarray(targets, dtype=float).reshape(-1)
    last_record = np.asarray(features, dtype=float)[-1:]
    entries: list[LessonLogEntry] = []
    last_loss = None
    for snap in snapshots:
        at_epoch = network.with_parameters(snap.weights, snap.biases)
        fwd = forward_pass(at_epoch, last_record, matmul=ordered_matmul)
        out = fwd.output.reshape(-1)
        loss = float(np.mean((out - y) ** 2))
        # The lesson tests `if last_loss and last_loss < loss`: a falsy 0.0 never warns.
        entries.append(LessonLogEntry(snap.epoch, loss, bool(last_loss and last_loss < loss)))
        last_loss = loss
    return entries


@dataclass(frozen=True)
class LessonRun:
    """A training run on the lesson's split, with the lesson's printed log."""

    split: LessonSplit
    result: TrainResult
    log: tuple[LessonLogEntry, ...]

    @property
    def test_accuracy(self) -> float | None:
        """The lesson's "Prediction accuracy" on the held-out rows."""
        return self.result.test_accuracy


def run_lesson(
    split: LessonSplit,
    *,
    epochs: int = LESSON_EPOCHS,
    learning_rate: float = LESSON_LEARNING_RATE,
    hidden: int = LESSON_HIDDEN,
    seed: int = LESSON_SEED,
    mode: str = "batch",
    batch_size: int = 32,
    snapshot_epochs: list[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> LessonRun:
    """Train the lesson's network on its split; with the defaults, the lesson's own run.

    The lesson log comes from the snapshots at `lesson_log_epochs(epochs)`; extra
    snapshot epochs (for animation) may be asked for and are kept in the result.

    A batch run (the lesson's mode) takes its sums in a fixed order, records one by one as
    in the lesson's loop (`train(..., ordered_sums=True)`): BLAS kernels differ by CPU in
    their order and rounding, enough to change the last digit of a printed loss. Other
    modes are not the lesson's and use the faster BLAS sums.
    """
    net = lesson_network(split.features.shape[1], hidden, seed)
    log_epochs = lesson_log_epochs(epochs)
    result = train(
        net,
        split.features,
        split.targets,
        epochs=epochs,
        learning_rate=learning_rate,
        mode=mode,
        batch_size=batch_size,
        seed=seed,
        test_inputs=split.features_test,
        test_targets=split.targets_test,
        snapshot_epochs=sorted(set(log_epochs) | set(snapshot_epochs or ())),
        progress=progress,
        ordered_sums=mode == "batch",
    )
    logged = set(log_epochs)
    snaps = [s for s in result.snapshots if s.epoch in logged]
    return LessonRun(split, result, tuple(lesson_log(net, snaps, split.features, split.targets)))
