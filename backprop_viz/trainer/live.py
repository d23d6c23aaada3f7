"""Live training: a run goes on in short chunks of epochs, each sized to take about a given
server time, so that a page can redraw between chunks and stay responsive."""

from __future__ import annotations

import time
from dataclasses import dataclass

from ..limits import TRAIN_LIVE_CHUNK_SECONDS, TRAIN_LIVE_MAX_CHUNK_EPOCHS
from .datasets import Dataset
from .runs import Run, continue_run, estimated_seconds


@dataclass(frozen=True)
class Chunk:
    """One live chunk's outcome: the run after it, and the measured time per epoch (which
    sizes the next chunk)."""

    run: Run
    epochs: int
    seconds_per_epoch: float

    @property
    def finished(self) -> bool:
        """Whether the run has reached its epochs or cannot go on."""
        return self.run.diverged or self.run.epochs_run >= self.run.spec.epochs


def first_rate(run: Run, data: Dataset) -> float:
    """An estimate of the time per epoch before any chunk has been measured."""
    spec = run.spec.with_changes(epochs=1)
    return max(estimated_seconds(spec, len(data.y_train), data.n_features), 1e-6)


def chunk_epochs(
    seconds_per_epoch: float, remaining: int, budget: float = TRAIN_LIVE_CHUNK_SECONDS
) -> int:
    """Epochs for the next chunk: about `budget` seconds' worth, at least one, at most the
    epochs remaining and TRAIN_LIVE_MAX_CHUNK_EPOCHS."""
    wanted = int(budget / max(seconds_per_epoch, 1e-9))
    return max(1, min(wanted, remaining, TRAIN_LIVE_MAX_CHUNK_EPOCHS))


def train_chunk(
    run: Run,
    data: Dataset,
    seconds_per_epoch: float | None = None,
    budget: float = TRAIN_LIVE_CHUNK_SECONDS,
    until: int | None = None,
) -> Chunk:
    """Train `run` for one chunk of epochs, towards `until` epochs in all (its spec's
    epochs by default). Keeps one checkpoint per chunk, the chunk's last epoch."""
    target = run.spec.epochs if until is None else until
    rate = first_rate(run, data) if seconds_per_epoch is None else seconds_per_epoch
    epochs = chunk_epochs(rate, max(1, target - run.epochs_run), budget)
    start = time.perf_counter()
    new = continue_run(run, data, epochs, max_checkpoints=1, same_segment=True)
    took = time.perf_counter() - start
    done = max(new.epochs_run - run.epochs_run, 1)
    return Chunk(new, done, took / done)
